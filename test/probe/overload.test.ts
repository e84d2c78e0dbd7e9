/**
 * The monitor never blames a target for its own CPU starvation (DESIGN §9 "Inconclusive probes"), and
 * inconclusive never hides a real outage. Real peers on 127.0.0.1, whole probe cycles with a
 * LocalObjectStore on a temp dir, a counting notifier and a writer that keeps the series it is handed.
 *
 * The stall is a synchronous busy-wait in the process's one event loop, run by a healthy local server when
 * the first request arrives: to the monitor that is the same as its own TLS handshakes hogging the CPU.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../packages/core/src/config/index.js";
import { parseBreachState } from "../../packages/core/src/probe/breach.js";
import { PROBE_STATE_KEY, runProbeCycle } from "../../packages/core/src/probe/cycle.js";
import {
  HTTPS_PROBE_CPU_MS,
  OVERLOAD_SHARE,
  PACE_UTILIZATION,
  runProbes,
  startsPerMs,
} from "../../packages/core/src/probe/index.js";
import { INCONCLUSIVE_SERIES } from "../../packages/core/src/probe/metrics.js";
import type { RemoteSeries, RemoteWriter } from "../../packages/core/src/prometheus/remote-write.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { type RunningServer, startSilentTcp } from "../helpers/hostile-servers.js";
import { CountingNotifier } from "../helpers/notifiers.js";
import { spec } from "./spec.js";

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "sla-overload-"));
  dirs.push(d);
  return d;
};
let silent: RunningServer;
/** healthy: answers 200 at once, except that the first request after `stallNext` is set blocks the loop */
let healthy: Server;
let healthyUrl = "";
let stallNextMs = 0;
let stalls = 0;

const busyWait = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the monitor's event loop, hogged
  }
};

beforeAll(async () => {
  silent = await startSilentTcp("http");
  healthy = createServer((req, res) => {
    req.resume();
    if (stallNextMs > 0) {
      const ms = stallNextMs;
      stallNextMs = 0;
      stalls += 1;
      busyWait(ms);
    }
    res.end("ok");
  });
  healthy.listen(0, "127.0.0.1");
  await new Promise((r) => healthy.once("listening", r));
  healthyUrl = `http://127.0.0.1:${(healthy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  healthy.closeAllConnections();
  await new Promise((r) => healthy.close(r));
  await silent?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

class CapturingWriter implements RemoteWriter {
  readonly series: RemoteSeries[] = [];
  async write(series: RemoteSeries[]) {
    this.series.push(...series);
    return { ok: true as const, status: 204, attempts: 1 };
  }
  /** metric names written for one target */
  names(target: string): string[] {
    return this.series.filter((s) => s.labels.target === target).map((s) => s.labels.__name__!);
  }
  value(target: string, name: string): number | undefined {
    return this.series.find((s) => s.labels.target === target && s.labels.__name__ === name)?.samples[0]
      ?.value;
  }
}

const config = async (targets: { name: string; url: string; timeoutMs: number }[]) =>
  await parseConfig(JSON.stringify({ targets, notify: { downAfter: 1, recoverAfter: 1 } }), {
    format: "json",
    source: "overload",
  });

describe("a stalled monitor does not blame healthy targets", () => {
  it("probes failed during a stall of well over a quarter of their deadline are inconclusive: no DOWN, no probe_success", async () => {
    const timeoutMs = 1500;
    const stallMs = 3000; // twice the deadline: every probe in flight at the stall misses its deadline
    const targets = Array.from({ length: 40 }, (_, i) => ({
      name: `svc-${String(i).padStart(2, "0")}`,
      url: `${healthyUrl}/health`,
      timeoutMs,
    }));
    const dir = await tempDir();
    const store = new LocalObjectStore({ dir });
    const notifier = new CountingNotifier();
    const writer = new CapturingWriter();
    stalls = 0;
    stallNextMs = stallMs;
    const r = await runProbeCycle({ config: await config(targets), writer, store, notifier });
    stallNextMs = 0;
    expect(stalls).toBe(1);

    const failed = r.results.filter((x) => !x.success);
    const inconclusive = r.results.filter((x) => x.inconclusive);
    console.log(
      `[overload] ${failed.length} of ${r.results.length} failed, ${inconclusive.length} inconclusive, ` +
        `stalls ${failed.map((x) => Math.round(x.monitorStallMs ?? 0)).join(",")} ms`,
    );
    // the stall hit someone (at least the probe whose request triggered it), else this proves nothing
    expect(failed.length).toBeGreaterThan(0);
    for (const x of failed) {
      expect(x).toMatchObject({ success: false, cause: "monitor-overload", inconclusive: true });
      expect(x.observedCause).toMatch(/^timeout:/);
      expect(x.monitorStallMs).toBeGreaterThan(OVERLOAD_SHARE * timeoutMs);
    }
    expect(r.results.some((x) => x.cause?.startsWith("timeout:"))).toBe(false);
    expect(r.overload).toMatchObject({ inconclusive: failed.length, probes: 40 });
    expect(r.overload.targets).toEqual(failed.map((x) => x.target));
    // the probes after the stall were fine: the run did not give up on the targets either
    expect(r.results.filter((x) => x.success).length).toBe(40 - failed.length);

    // no DOWN (downAfter 1: one plain timeout would have been one)
    expect(notifier.subjects().filter((s) => s.startsWith("DOWN"))).toEqual([]);
    expect(r.events).toEqual([]);
    // breach state: inconclusive targets never moved; the answered ones are up
    const state = parseBreachState(await readFile(join(dir, PROBE_STATE_KEY), "utf8"));
    for (const x of r.results) {
      expect(state.targets[x.target]).toMatchObject(
        x.inconclusive ? { health: "unknown", failures: 0, successes: 0 } : { health: "up", failures: 0 },
      );
    }

    // remote write: no probe_success (missing data for the report), one sla_probe_inconclusive instead
    for (const x of r.results) {
      if (x.inconclusive) {
        expect(writer.names(x.target)).toEqual([INCONCLUSIVE_SERIES]);
        expect(writer.value(x.target, INCONCLUSIVE_SERIES)).toBe(1);
      } else {
        expect(writer.value(x.target, "probe_success")).toBe(1);
        expect(writer.names(x.target)).not.toContain(INCONCLUSIVE_SERIES);
      }
    }
  });
});

describe("inconclusive does not hide real outages", () => {
  it("without a stall, a silent target is DOWN (timeout:headers) and written as probe_success 0", async () => {
    // a deadline long enough that a busy test machine cannot stall a quarter of it by accident
    const timeoutMs = 3000;
    const targets = [
      { name: "hang", url: `${silent.url}/health`, timeoutMs },
      ...Array.from({ length: 5 }, (_, i) => ({ name: `ok-${i}`, url: `${healthyUrl}/health`, timeoutMs })),
    ];
    const dir = await tempDir();
    const notifier = new CountingNotifier();
    const writer = new CapturingWriter();
    stallNextMs = 0;
    const r = await runProbeCycle({
      config: await config(targets),
      writer,
      store: new LocalObjectStore({ dir }),
      notifier,
    });
    const hang = r.results.find((x) => x.target === "hang")!;
    console.log(`[overload] silent target: ${hang.cause}, monitor stalled ${hang.monitorStallMs} ms`);
    expect(hang).toMatchObject({ success: false, cause: "timeout:headers" });
    expect(hang.inconclusive).toBeUndefined();
    expect(hang.monitorStallMs).toBeLessThanOrEqual(OVERLOAD_SHARE * timeoutMs);
    expect(r.overload.inconclusive).toBe(0);
    expect(notifier.subjects()).toEqual(["DOWN: hang"]);
    expect(writer.value("hang", "probe_success")).toBe(0);
    expect(writer.names("hang")).not.toContain(INCONCLUSIVE_SERIES);
    expect(r.results.filter((x) => x.success).map((x) => x.target)).toEqual(
      targets.slice(1).map((t) => t.name),
    );
  });
});

describe("pacing", () => {
  it("starts at most startsPerTick probes per 10 ms tick, in input order", async () => {
    // 6 silent targets, one start per tick: the sixth starts at the fifth tick at the earliest (timers
    // never fire early, so this lower bound holds on any machine)
    const specs = Array.from({ length: 6 }, (_, i) =>
      spec(`${silent.url}/`, { name: `p-${i}`, timeoutMs: 300 }),
    );
    const results = await runProbes(specs, { concurrency: 6, startsPerTick: 1 });
    const starts = results.map((x) => Date.parse(x.startedAt));
    expect(results.map((x) => x.target)).toEqual(specs.map((s) => s.name));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(starts[5]! - starts[0]!).toBeGreaterThanOrEqual(5 * 10 - 2);
  });

  it("spends half of the process's CPU share on starts: one start per 60 ms at 0.1 of a CPU", async () => {
    // startsPerMs(0.1) = 0.5 × 0.1 / 3 ms: the first start goes at once, each next one waits for a
    // budget built at that rate; ticks are never early, so the tenth gap ends 600 ms after the first start
    // at the earliest, on any machine
    expect(startsPerMs(0.1)).toBeCloseTo((PACE_UTILIZATION * 0.1) / HTTPS_PROBE_CPU_MS, 12);
    const specs = Array.from({ length: 11 }, (_, i) =>
      spec(`${silent.url}/`, { name: `s-${i}`, timeoutMs: 200 }),
    );
    const results = await runProbes(specs, { concurrency: 11, cpuShare: 0.1 });
    const starts = results.map((x) => Date.parse(x.startedAt));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(starts[10]! - starts[0]!).toBeGreaterThanOrEqual(10 / startsPerMs(0.1) - 2);
    // a whole CPU starts them ten times as fast: the first ten gaps are paced, not a single tick's burst
    const full = await runProbes(specs, { concurrency: 11, cpuShare: 1 });
    const fullStarts = full.map((x) => Date.parse(x.startedAt));
    expect(fullStarts[10]! - fullStarts[0]!).toBeGreaterThanOrEqual(Math.floor(9 / startsPerMs(1)) - 2);
  });
});
