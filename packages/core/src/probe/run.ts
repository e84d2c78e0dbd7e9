/** Probes many targets with a small worker pool; results come back in input order. */
import { judgeOverload } from "./overload.js";
import { probeTarget } from "./probe.js";
import type { ProbeResult, ProbeSpec, RunOptions } from "./types.js";
import { type LoopWatch, watchEventLoop } from "./watch.js";

/**
 * Probe starts per 10 ms tick while the loop keeps up: at most 1 000 starts a second, so 500 cheap targets
 * start within half a second (well inside any deadline), yet never hundreds of handshakes in one tick.
 */
export const STARTS_PER_TICK = 10;
/**
 * The loop keeps up while it was stalled at most this share of the last `PACE_WINDOW_MS` (see `watch.ts`);
 * otherwise one start per tick only. The window is a CFS period (100 ms, how a Lambda's CPU share is
 * enforced: once the share of a period is used, the process waits for the next one, which the watch sees
 * as a stall). One start per tick (at most 100 a second, ~0.2 vCPU of TLS handshakes at the ~2 ms each
 * measured by bench/overload.ts) keeps a run moving even on a loop that never catches up.
 *
 * Measured (bench/overload.ts, 450 healthy HTTPS + 50 silent targets, 2 s deadline, concurrency 500, the
 * probing process held to 1 / 0.43 / 0.25 CPU): all started in one tick, the probes' windows were stalled
 * up to 54 / 112 / 118 % of the deadline and 0 / 196 / 450 healthy targets timed out (one run; the counts
 * vary); paced, at most
 * 2.5 / 11.6 / 17.7 %, none timed out, and the silent ones stayed `timeout:tls`. The price: the runs took
 * 2.8 / 5.4 / 6.3 s instead of 2.1 / 2.5 / 2.8 s.
 */
export const PACE_WINDOW_MS = 100;
export const PACE_MAX_STALL_SHARE = 0.1;

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
 * Pacing: starts go out at most `startsPerTick` per 10 ms tick, one per tick while the loop is behind
 * (stalled more than `PACE_MAX_STALL_SHARE` of the last `PACE_WINDOW_MS`), first come first served.
 * Watching: the loop's own stalls are logged during the run (`watch.ts`); each result gets the stall inside
 * its own window (`monitorStallMs`), and a failure that stall explains is `inconclusive` (`overload.ts`).
 */
export async function runProbes(
  specs: readonly ProbeSpec[],
  options: RunOptions = {},
): Promise<ProbeResult[]> {
  const { concurrency = 50, startsPerTick, signal, ...probeOptions } = options;
  // at least one start per tick (0, NaN or a negative value would never start anything)
  const perTick = Math.max(1, startsPerTick ?? STARTS_PER_TICK) || 1;
  signal?.throwIfAborted();
  // One listener on the caller's signal, fanned out to the probes in flight (no listener per probe).
  const inFlight = new Set<AbortController>();
  /** workers waiting for a start, first come first served */
  const waiting: { go: () => void; stop: (reason: unknown) => void }[] = [];
  const onAbort = () => {
    for (const c of inFlight) c.abort(signal?.reason);
    for (const w of waiting.splice(0)) w.stop(signal?.reason);
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  let tokens = perTick;
  const release = () => {
    while (tokens >= 1 && waiting.length > 0) {
      tokens -= 1;
      waiting.shift()!.go();
    }
  };
  const watch: LoopWatch = watchEventLoop(() => {
    const now = performance.now();
    const behind = watch.stalls.within(now - PACE_WINDOW_MS, now) > PACE_MAX_STALL_SHARE * PACE_WINDOW_MS;
    tokens = behind ? 1 : perTick;
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
