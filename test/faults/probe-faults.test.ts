/**
 * Probe runs under faults: 1 000 targets of which 100 hang (accept, never answer). Every target gets its own
 * result and its own entry in the breach state, and each DOWN is published once. (A name that does not
 * resolve among healthy targets: test/probe/dns.test.ts, against a DNS server of its own.)
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

const config = async (targets: { name: string; url: string; timeoutMs: number }[], downAfter = 1) =>
  await parseConfig(JSON.stringify({ targets, notify: { downAfter, recoverAfter: 1 } }), {
    format: "json",
    source: "faults",
  });

describe("1 000 targets, 100 of them hanging", () => {
  it("100 timeout:headers, 900 successes, all 1 000 in the breach state, each DOWN once", async () => {
    const timeoutMs = 1000;
    // Hanging targets spread through the list (every 10th), so they hold slots from the start. The healthy
    // ones get a deadline that no loaded machine reaches: a healthy probe timing out because the monitor
    // itself is starved is a different matter (the inconclusive outcome), and how long such a run takes is
    // a figure for bench/probe.ts.
    const targets = Array.from({ length: 1000 }, (_, i) =>
      i % 10 === 9
        ? { name: `hang-${String(i).padStart(4, "0")}`, url: `${silent.url}/t${i}`, timeoutMs }
        : { name: `fast-${String(i).padStart(4, "0")}`, url: `${fast.url}/ok`, timeoutMs: 30_000 },
    );
    const dir = await dirs.make();
    const store = new LocalObjectStore({ dir });
    const notifier = new CountingNotifier();
    const silentBefore = silent.connections();
    const t0 = performance.now();
    const r = await runProbeCycle({ config: await config(targets), writer: null, store, notifier });
    const elapsed = since(t0);
    console.log(
      `[faults] 1000 targets (100 hanging, deadline ${timeoutMs} ms): run ${elapsed} ms, ` +
        `${notifier.sent.length} DOWN published, monitor stalled up to ${r.overload.maxStallMs} ms in a probe`,
    );

    expect(r.results).toHaveLength(1000);
    const hanging = r.results.filter((x) => x.target.startsWith("hang-"));
    const healthy = r.results.filter((x) => x.target.startsWith("fast-"));
    expect(hanging).toHaveLength(100);
    expect(healthy).toHaveLength(900);
    // timeout:headers, unless the machine starved the monitor itself for more than a quarter of the
    // deadline inside that probe (measured beside two busy loops: 30-70 of the 100, the in-process server
    // and 900 probes competing for the CPU); then inconclusive, never a DOWN (test/probe/overload.test.ts)
    for (const x of hanging) {
      expect(x.success).toBe(false);
      if (x.inconclusive)
        expect(x).toMatchObject({ cause: "monitor-overload", observedCause: "timeout:headers" });
      else expect(x.cause).toBe("timeout:headers");
    }
    const down = hanging.filter((x) => !x.inconclusive);
    expect(r.overload.inconclusive).toBe(100 - down.length);
    expect(healthy.every((x) => x.success && x.status === 200)).toBe(true);
    expect(silent.connections() - silentBefore).toBe(100);

    const state = JSON.parse(await readFile(join(dir, PROBE_STATE_KEY), "utf8")) as BreachState;
    expect(Object.keys(state.targets).sort()).toEqual(targets.map((t) => t.name).sort());
    for (const x of down) expect(state.targets[x.target]).toMatchObject({ health: "down" });
    expect(state.pending).toEqual([]);
    // downAfter 1: one DOWN per hanging target judged, each once
    expect(notifier.sent).toHaveLength(down.length);
    expect(new Set(notifier.subjects())).toEqual(new Set(down.map((x) => `DOWN: ${x.target}`)));
    expect(r.publishErrors).toEqual([]);
  });
});
