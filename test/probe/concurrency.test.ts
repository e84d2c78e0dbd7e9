/**
 * A run is bounded by one deadline: hanging targets hold a slot only until their own deadline, the rest keep
 * flowing, and results come back in input order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProbes } from "../../packages/core/src/probe/index.js";
import { type RunningServer, startHostileHttp, startSilentTcp } from "../helpers/hostile-servers.js";
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

describe("runProbes", () => {
  it("200 fast + 20 silent targets with a 1 s deadline: the run ends one deadline after the last start", async () => {
    // Worst order for a pool: the silent targets come last, so they start only once the fast ones are done.
    const specs = [
      ...Array.from({ length: 200 }, (_, i) => spec(`${fast.url}/ok`, { name: `fast-${i}`, timeoutMs })),
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
    expect(results.slice(200).every((r) => r.cause === "timeout:headers")).toBe(true);
    // Nothing but the deadlines is waited for (startedAt has ms resolution, hence +1)...
    expect(endedAt).toBeLessThanOrEqual(lastStart + timeoutMs + 50 + 1);
    // ...and the 20 silent targets overlap: one deadline plus the fast probes (~100 ms idle, more on a busy
    // 2-core machine), not 20 deadlines.
    expect(elapsed).toBeLessThan(2 * timeoutMs);
  });

  it("500 silent targets with concurrency 500 still end at one deadline", async () => {
    const specs = Array.from({ length: 500 }, (_, i) =>
      spec(`${silent.url}/`, { name: `s-${i}`, timeoutMs }),
    );
    const t0 = performance.now();
    const results = await runProbes(specs, { concurrency: 500 });
    const elapsed = performance.now() - t0;
    console.log(`[run] 500 silent targets in ${elapsed.toFixed(0)} ms`);
    expect(elapsed).toBeLessThan(1500);
    expect(results).toHaveLength(500);
    expect(results.every((r) => r.cause === "timeout:headers")).toBe(true);
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
    const specs = Array.from({ length: 5 }, (_, i) =>
      spec(`${silent.url}/`, { name: `a-${i}`, timeoutMs: 5000 }),
    );
    const reason = new Error("run cancelled");
    const t0 = performance.now();
    await expect(runProbes(specs, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    const ac = new AbortController();
    setTimeout(() => ac.abort(reason), 50);
    await expect(runProbes(specs, { signal: ac.signal })).rejects.toBe(reason);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
