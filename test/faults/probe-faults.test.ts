/**
 * Probe runs under faults: a target whose DNS name does not resolve among healthy ones, and 1 000 targets of
 * which 100 hang (accept, never answer). The run completes within one deadline, every target gets its own
 * result and its own entry in the breach state, and each DOWN is published once.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../packages/core/src/config/index.js";
import type { BreachState } from "../../packages/core/src/probe/breach.js";
import { PROBE_STATE_KEY, runProbeCycle } from "../../packages/core/src/probe/cycle.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import {
  type HostileServer,
  type RunningServer,
  startHostileHttp,
  startSilentTcp,
} from "../helpers/hostile-servers.js";
import { CountingNotifier, since, TempDirs } from "./helpers.js";

const dirs = new TempDirs();
let fast: HostileServer;
let silent: RunningServer;
beforeAll(async () => {
  fast = await startHostileHttp();
  silent = await startSilentTcp("http");
});
afterAll(async () => {
  await fast?.close();
  await silent?.close();
  await dirs.cleanup();
});

const config = (targets: { name: string; url: string; timeoutMs: number }[], downAfter = 1) =>
  parseConfig(JSON.stringify({ targets, notify: { downAfter, recoverAfter: 1 } }), {
    format: "json",
    source: "faults",
  });

describe("a target whose DNS name does not resolve", () => {
  it("fails with cause dns; the healthy targets succeed; DOWN is published once for it only", async () => {
    const store = new LocalObjectStore({ dir: await dirs.make() });
    const notifier = new CountingNotifier();
    const timeoutMs = 5000;
    const cfg = config([
      { name: "healthy-a", url: `${fast.url}/ok`, timeoutMs },
      { name: "ghost", url: "http://nonexistent.invalid/health", timeoutMs },
      { name: "healthy-b", url: `${fast.url}/ok`, timeoutMs },
      { name: "healthy-c", url: `${fast.url}/slow?ms=50`, timeoutMs },
    ]);
    const t0 = performance.now();
    const r = await runProbeCycle({ config: cfg, writer: null, store, notifier });
    const elapsed = since(t0);
    console.log(`[faults] DNS failure among healthy targets: run ${elapsed} ms`);
    expect(elapsed).toBeLessThan(timeoutMs + 1000);
    const by = new Map(r.results.map((x) => [x.target, x]));
    expect(by.get("ghost")).toMatchObject({ success: false, cause: "dns", status: null });
    expect(by.get("ghost")!.causeDetail).toMatch(/ENOTFOUND|EAI_AGAIN|nonexistent\.invalid/);
    for (const n of ["healthy-a", "healthy-b", "healthy-c"])
      expect(by.get(n)).toMatchObject({ success: true, status: 200, cause: null });
    expect(notifier.subjects()).toEqual(["DOWN: ghost"]);
    expect(notifier.sent[0]!.text).toContain("dns");
    expect(r.publishErrors).toEqual([]);

    // the next run does not repeat the alert
    await runProbeCycle({ config: cfg, writer: null, store, notifier });
    expect(notifier.subjects()).toEqual(["DOWN: ghost"]);
  });
});

describe("1 000 targets, 100 of them hanging", () => {
  it("ends within one deadline; 100 timeout:headers, 900 successes, all 1 000 in the breach state", async () => {
    const timeoutMs = 1000;
    // hanging targets spread through the list (every 10th), so they hold slots from the start
    const targets = Array.from({ length: 1000 }, (_, i) =>
      i % 10 === 9
        ? { name: `hang-${String(i).padStart(4, "0")}`, url: `${silent.url}/t${i}`, timeoutMs }
        : { name: `fast-${String(i).padStart(4, "0")}`, url: `${fast.url}/ok`, timeoutMs },
    );
    const dir = await dirs.make();
    const store = new LocalObjectStore({ dir });
    const notifier = new CountingNotifier();
    const silentBefore = silent.connections();
    const t0 = performance.now();
    const r = await runProbeCycle({ config: config(targets), writer: null, store, notifier });
    const elapsed = since(t0);
    console.log(
      `[faults] 1000 targets (100 hanging, deadline ${timeoutMs} ms): run ${elapsed} ms, ` +
        `${notifier.sent.length} DOWN published`,
    );
    expect(elapsed).toBeLessThan(3000);

    expect(r.results).toHaveLength(1000);
    const hanging = r.results.filter((x) => x.target.startsWith("hang-"));
    const healthy = r.results.filter((x) => x.target.startsWith("fast-"));
    expect(hanging).toHaveLength(100);
    expect(healthy).toHaveLength(900);
    for (const x of hanging) {
      expect(x.success).toBe(false);
      expect(x.cause).toBe("timeout:headers");
    }
    expect(healthy.every((x) => x.success && x.status === 200)).toBe(true);
    expect(silent.connections() - silentBefore).toBe(100);

    const state = JSON.parse(await readFile(join(dir, PROBE_STATE_KEY), "utf8")) as BreachState;
    expect(Object.keys(state.targets).sort()).toEqual(targets.map((t) => t.name).sort());
    for (const x of hanging) expect(state.targets[x.target]).toMatchObject({ health: "down" });
    expect(state.pending).toEqual([]);
    // downAfter 1: one DOWN per hanging target, each once
    expect(notifier.sent).toHaveLength(100);
    expect(new Set(notifier.subjects())).toEqual(new Set(hanging.map((x) => `DOWN: ${x.target}`)));
    expect(r.publishErrors).toEqual([]);
  });
});
