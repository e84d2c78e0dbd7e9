/** Probes many targets with a small worker pool; results come back in input order. */
import { judgeOverload } from "./overload.js";
import { loadRe2, probeTarget } from "./probe.js";
import type { ProbeResult, ProbeSpec, RunOptions } from "./types.js";
import { type LoopWatch, WATCH_TICK_MS, watchEventLoop } from "./watch.js";

/**
 * CPU of one HTTPS probe, in ms of one CPU: a full TLS handshake on a new connection (ECDHE, the server's
 * chain verified up to a trusted root), the chain's expiry facts captured, one GET and its result. HTTPS
 * probing is CPU-bound at scale (DESIGN §9 "Sizing is measured"); plain HTTP costs less, and every probe is
 * paced and sized as if it were HTTPS. The pacer below spends it, and infra/aws/sizing.ts sizes shards by it.
 *
 * Measured by bench/https-cpu.ts (part of `npm run bench`; alone: `npx tsx bench/https-cpu.ts`): the engine's
 * process CPU / probes, against a local https server in another process presenting leaf + intermediate (the
 * root trusted), median of 3 rounds, at concurrency 1 and 500. On the 2-core x86-64 CI machine (Node 20.20,
 * OpenSSL 3.0), loaded by other work (load average 3-6, which inflates CPU per probe), over four runs:
 * 2.62-2.85 ms at concurrency 1, 2.33-2.40 ms at 500 (before the connector stopped building the peer chain
 * twice and a TLS context per probe: 3.29-3.53 and 2.74-3.07 ms); blackbox_exporter took 2.0-2.1 and
 * 1.3-1.4 ms for the same probes. The larger figure, rounded up to keep run-to-run noise under it: 3.0 ms.
 * A fresh process running whole cycles under a cgroup quota took 3.3-4.1 ms per probe
 * (test/probe/cpu-quota.test.ts: cold JIT, the cycle's own work, throttling, a loaded host): the pacer's
 * `PACE_UTILIZATION` leaves room for that. The bench prints its figure next to this constant ("missed" when a
 * probe takes more): re-measure there (and on the Lambda architecture, arm64, when in doubt) and update it.
 */
export const HTTPS_PROBE_CPU_MS = 3;

/**
 * Share of the process's CPU the pacer lets probe starts use: starts go out at most at
 * `PACE_UTILIZATION × cpuShare / HTTPS_PROBE_CPU_MS` a millisecond (one vCPU: one every 6 ms; 0.25 vCPU: one
 * every 24 ms). A half keeps the CPU from ever being the queue a probe waits in (a handshake that arrives
 * while the loop is busy waits, and that wait would be reported as the target's latency), and leaves the
 * other half for what the figure does not cover (cold JIT, the cycle's own work, a probe costing up to twice
 * the figure). Measured (`npm run bench --only sizing`): a full sized shard of healthy HTTPS targets at its
 * vCPU share reports a p99 latency within 100 ms of the same endpoint probed alone; with the earlier pacing
 * (10 starts per 10 ms tick whatever the share) it was 97-184 ms above at the sized shares and up to 283 ms
 * at 0.22 vCPU: a CFS quota stops the whole process for the rest of every 100 ms period once a burst of
 * handshakes has used its share.
 */
export const PACE_UTILIZATION = 0.5;

/**
 * At most this many starts in one 10 ms tick, even when a share's budget has built up (a loop that waited:
 * never hundreds of handshakes in one tick).
 */
export const STARTS_PER_TICK = 10;
/**
 * The loop keeps up while it was stalled at most this share of the last `PACE_WINDOW_MS` (see `watch.ts`);
 * otherwise one start per tick at most, and only when the budget has one. The window is a CFS period
 * (100 ms, how a Lambda's CPU share is enforced: once the share of a period is used, the process waits for
 * the next one, which the watch sees as a stall).
 *
 * Measured (bench/overload.ts, 450 healthy HTTPS + 50 silent targets, 2 s deadline, concurrency 500, the
 * probing process held to 1 / 0.43 / 0.25 CPU): all started in one tick, the probes' windows were stalled
 * up to 54 / 112 / 118 % of the deadline and 0 / 196 / 450 healthy targets timed out (one run; the counts
 * vary); paced by the tick cap alone (before `cpuShare`), at most 2.5 / 11.6 / 17.7 %, none timed out, and
 * the silent ones stayed `timeout:tls`.
 */
export const PACE_WINDOW_MS = 100;
export const PACE_MAX_STALL_SHARE = 0.1;

/** Probe starts per ms the pacer allows at `cpuShare` of one CPU. */
export const startsPerMs = (cpuShare: number) =>
  (PACE_UTILIZATION * Math.min(1, Math.max(0.01, cpuShare))) / HTTPS_PROBE_CPU_MS;

/**
 * Runs every spec once with at most `concurrency` probes in flight (default 50). Each probe has its own
 * total deadline, which starts when that probe starts, so a run ends one deadline after its last probe
 * started: about one deadline plus the pacing (specs / 1 000 s while the loop keeps up, up to specs / 100 s
 * while it is behind) as long as fewer than `concurrency` targets hang at a time. In the worst case (every
 * slot held by a hanging target) it takes ceil(hanging / concurrency) deadlines; callers that must bound a
 * run by one deadline pass `concurrency: specs.length` (measured before pacing: 500 concurrent hanging
 * probes ended 30-70 ms after a 1 s deadline on 2 cores). Rejects only when `signal` aborts (in-flight
 * probes are cancelled, their sockets destroyed; probes still waiting for their start never start).
 *
 * Pacing: starts go out at the rate `startsPerMs(cpuShare)` (default share 1; the probe cycle passes the
 * process's, `processCpuShare`), at most `startsPerTick` in one 10 ms tick, at most one per tick while the
 * loop is behind (stalled more than `PACE_MAX_STALL_SHARE` of the last `PACE_WINDOW_MS`), first come first
 * served. A run of n probes therefore starts over about n × HTTPS_PROBE_CPU_MS / (PACE_UTILIZATION × share):
 * 500 probes at one vCPU in 3 s, 100 probes at 0.25 vCPU in 2.4 s.
 * Watching: the loop's own stalls are logged during the run (`watch.ts`); each result gets the stall inside
 * its own window (`monitorStallMs`), and a failure that stall explains is `inconclusive` (`overload.ts`).
 */
export async function runProbes(
  specs: readonly ProbeSpec[],
  options: RunOptions = {},
): Promise<ProbeResult[]> {
  const { concurrency = 50, startsPerTick, cpuShare = 1, signal, ...probeOptions } = options;
  // at least one start per tick (0, NaN or a negative value would never start anything)
  const perTick = Math.max(1, startsPerTick ?? STARTS_PER_TICK) || 1;
  // Infinity (benchmarks of unpaced runs): no rate either
  const rate = Number.isFinite(perTick) ? startsPerMs(Number.isFinite(cpuShare) ? cpuShare : 1) : Infinity;
  signal?.throwIfAborted();
  if (specs.some((s) => s.expect.bodyMatches !== undefined)) await loadRe2();
  // One listener on the caller's signal, fanned out to the probes in flight (no listener per probe).
  const inFlight = new Set<AbortController>();
  /** workers waiting for a start, first come first served */
  const waiting: { go: () => void; stop: (reason: unknown) => void }[] = [];
  const onAbort = () => {
    for (const c of inFlight) c.abort(signal?.reason);
    for (const w of waiting.splice(0)) w.stop(signal?.reason);
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  // the first start goes at once; the budget then builds up at `rate`, capped at one tick's worth
  let tokens = Math.min(perTick, Math.max(1, rate * 10));
  let lastTick = performance.now();
  const release = () => {
    while (tokens >= 1 && waiting.length > 0) {
      tokens -= 1;
      waiting.shift()!.go();
    }
  };
  const watch: LoopWatch = watchEventLoop(() => {
    const now = performance.now();
    const behind = watch.stalls.within(now - PACE_WINDOW_MS, now) > PACE_MAX_STALL_SHARE * PACE_WINDOW_MS;
    // a stall's time does not build a budget: what a stalled loop owes is not spent in one burst after it
    const elapsed = Math.min(now - lastTick, 2 * WATCH_TICK_MS);
    lastTick = now;
    const cap = behind ? 1 : perTick;
    tokens = rate === Number.POSITIVE_INFINITY ? cap : Math.min(cap, tokens + rate * elapsed);
    release();
  });
  const startTurn = () =>
    new Promise<void>((go, stop) => {
      if (signal?.aborted) return stop(signal.reason);
      waiting.push({ go, stop });
      release();
    });

  const results = new Array<ProbeResult>(specs.length);
  const windows = new Array<[number, number]>(specs.length);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const i = next++;
      await startTurn();
      signal?.throwIfAborted();
      const controller = new AbortController();
      inFlight.add(controller);
      const t0 = performance.now();
      try {
        results[i] = await probeTarget(specs[i]!, { ...probeOptions, signal: controller.signal });
        // Only a stall inside the probe's own deadline can explain its failure: a stall that began just
        // before the deadline and held the timer's callback back says nothing about the 96 % before it.
        windows[i] = [t0, Math.min(performance.now(), t0 + specs[i]!.timeoutMs)];
      } finally {
        inFlight.delete(controller);
      }
    }
  };
  try {
    const workers = Math.min(Math.max(1, Math.floor(concurrency)), specs.length);
    await Promise.all(Array.from({ length: workers }, worker));
    watch.flush();
    return results.map((r, i) => {
      const [from, to] = windows[i]!;
      return judgeOverload(r, specs[i]!.timeoutMs, watch.stalls.within(from, to));
    });
  } finally {
    watch.stop();
    signal?.removeEventListener("abort", onAbort);
  }
}
