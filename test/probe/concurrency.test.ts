/**
 * A run is bounded by one deadline: hanging targets hold a slot only until their own deadline, the rest keep
 * flowing, and results come back in input order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProbes } from "../../packages/core/src/probe/index.js";
import type { ProbeResult } from "../../packages/core/src/probe/types.js";
import { type RunningServer, startHostileHttp, startSilentTcp } from "../helpers/hostile-servers.js";
import { LOADED_MACHINE_MARGIN_MS } from "../helpers/timing.js";
import { spec } from "./spec.js";

let fast: RunningServer;
let silent: RunningServer;
beforeAll(async () => {
  fast = await startHostileHttp();
  silent = await startSilentTcp("http");
});
afterAll(async () => {
  await fast.close();
  await silent.close();
});

const timeoutMs = 1000;

const timedOutOrInconclusive = (r: ProbeResult) =>
  r.cause === "timeout:headers" ||
  (r.cause === "monitor-overload" && r.inconclusive === true && r.observedCause === "timeout:headers");

describe("runProbes", () => {
  it("200 fast + 20 silent targets with a 1 s deadline: the run ends one deadline after the last start", async () => {
    // Worst order for a pool: the silent targets come last, so they start only once the fast ones are done.
    const specs = [
      // the healthy targets get a deadline no busy machine reaches: their success is not what is tested
      ...Array.from({ length: 200 }, (_, i) =>
        spec(`${fast.url}/ok`, { name: `fast-${i}`, timeoutMs: 30_000 }),
      ),
      ...Array.from({ length: 20 }, (_, i) => spec(`${silent.url}/`, { name: `silent-${i}`, timeoutMs })),
    ];
    const t0 = performance.now();
    const results = await runProbes(specs); // default concurrency (50)
    const elapsed = performance.now() - t0;
    const endedAt = Date.now();
    const lastStart = Math.max(...results.map((r) => Date.parse(r.startedAt)));
    console.log(
      `[run] 220 targets in ${elapsed.toFixed(0)} ms, ended ${endedAt - lastStart - timeoutMs} ms after the last deadline`,
    );
    expect(results.map((r) => r.target)).toEqual(specs.map((s) => s.name));
    expect(results.slice(0, 200).every((r) => r.success && r.status === 200)).toBe(true);
    // a silent target times out; on a starved machine the engine may call that inconclusive instead (the
    // monitor was stalled for over a quarter of the deadline), never anything else
    expect(results.slice(200).every(timedOutOrInconclusive)).toBe(true);
    // Nothing but the deadlines is waited for: the run ends one deadline after the last start (plus what a
    // loaded machine adds), and the 20 silent targets overlap. In turn they would take 20 deadlines (20 s).
    expect(endedAt - lastStart).toBeLessThan(timeoutMs + LOADED_MACHINE_MARGIN_MS);
    // ...and the silent ones overlap: all 20 started within one deadline (starts are paced, about 6 ms
    // apart at one CPU, and the fast ones free their slots at once), so none waited for another's deadline
    const silentStarts = results.slice(200).map((r) => Date.parse(r.startedAt));
    expect(Math.max(...silentStarts) - Math.min(...silentStarts)).toBeLessThan(timeoutMs);
  });

  it("200 silent targets with concurrency 200 end one deadline after the last start", async () => {
    // Starts are paced to half the CPU (one per 6 ms at one CPU, fewer while the loop is behind or the
    // machine is busy), so 200 starts take 1.2 s or more: a 5 s deadline keeps "one wave" (every start
    // before the first deadline) clearly apart from "waiting for slots" (50 slots: four waves, 20 s).
    const timeoutMs = 5000;
    const specs = Array.from({ length: 200 }, (_, i) =>
      spec(`${silent.url}/`, { name: `s-${i}`, timeoutMs }),
    );
    const t0 = performance.now();
    const results = await runProbes(specs, { concurrency: 200 });
    const elapsed = performance.now() - t0;
    const endedAt = Date.now();
    console.log(`[run] 200 silent targets in ${elapsed.toFixed(0)} ms`);
    expect(results).toHaveLength(200);
    expect(results.every(timedOutOrInconclusive)).toBe(true);
    // One wave: every probe started before the first deadline could fire, and the run ended one deadline
    // after the last start (plus what a loaded machine adds), not after four.
    const starts = results.map((r) => Date.parse(r.startedAt));
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(timeoutMs);
    expect(endedAt - Math.max(...starts)).toBeLessThan(timeoutMs + LOADED_MACHINE_MARGIN_MS);
  });

  it("runs at most `concurrency` probes at once (6 hanging targets, 2 at a time: three deadline waves)", async () => {
    const before = silent.connections();
    const specs = Array.from({ length: 6 }, (_, i) =>
      spec(`${silent.url}/`, { name: `c-${i}`, timeoutMs: 200 }),
    );
    const results = await runProbes(specs, { concurrency: 2 });
    expect(silent.connections() - before).toBe(6);
    const starts = results.map((r) => Date.parse(r.startedAt)).sort((a, b) => a - b);
    expect(starts[5]! - starts[0]!).toBeGreaterThanOrEqual(350);
  });

  it("an aborted run rejects with the signal's reason", async () => {
    // deadlines far beyond the test's bound: only the abort can end these runs in time
    const specs = Array.from({ length: 5 }, (_, i) =>
      spec(`${silent.url}/`, { name: `a-${i}`, timeoutMs: 40_000 }),
    );
    const reason = new Error("run cancelled");
    const t0 = performance.now();
    await expect(runProbes(specs, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    const ac = new AbortController();
    setTimeout(() => ac.abort(reason), 50);
    await expect(runProbes(specs, { signal: ac.signal })).rejects.toBe(reason);
    expect(performance.now() - t0).toBeLessThan(2 * LOADED_MACHINE_MARGIN_MS);
  });
});
