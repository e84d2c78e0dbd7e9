/**
 * The monitor watches its own event loop while it probes (DESIGN §9 "Inconclusive probes").
 *
 * A timer-drift sampler, not `perf_hooks.monitorEventLoopDelay`: that histogram says how late the loop was
 * since it was enabled, not *when*, and the probes of one run overlap (hundreds in flight, each with its own
 * window), so one histogram cannot be split per probe (one histogram per probe would be one libuv timer per
 * probe). The sampler is one timer re-armed every `WATCH_TICK_MS`; when it fires late, the loop could not
 * run anything in between (our own synchronous work, or the process not being scheduled at all: a Lambda
 * throttled to its vCPU share looks the same), and that interval is logged with its start and end. A probe's
 * stall is then the logged time inside its own window [start, end] (`StallLog.within`).
 *
 * Sum, not max: a probe loses its deadline to every stall inside its window. A CPU share enforced per
 * 100 ms period (CFS quota) stops a busy process for the rest of each period once its share is used: at
 * 0.43 CPU up to 57 ms of every 100 ms, back to back for as long as the burst of handshakes lasts. The max
 * would say 57 ms where the probe lost more than half of its deadline.
 *
 * The same tick drives the start pacer in `run.ts`.
 */

/** Sampling period. 100 wake-ups a second: a few µs of CPU each, nothing next to one TLS handshake. */
export const WATCH_TICK_MS = 10;

/**
 * Lateness below this is the loop's normal jitter, not a stall; only the part of a tick's lateness beyond it
 * is logged. Measured (bench/overload.ts, 2 busy shared cores, Node 20): ticks on an idle loop were late by
 * 0.2 ms at the median and at most 3-5 ms; during a paced run of 500 plain-HTTP probes against an
 * in-process server, 0.1 ms at the median, 3-5 ms at p99, 10 ms at most. 5 ms ignores that jitter and
 * nothing that could cost a probe its deadline.
 */
export const STALL_FLOOR_MS = 5;

/**
 * Stall intervals in `performance.now()` time, appended in time order and never overlapping (each tick's
 * interval starts after the previous tick fired). Pure: no timers here.
 */
export class StallLog {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  add(from: number, to: number): void {
    if (!(to > from)) return;
    const last = this.ends.length - 1;
    // a later call may repeat part of the last interval (a flush then the tick itself): keep them disjoint
    if (last >= 0 && from < this.ends[last]!) {
      if (to <= this.ends[last]!) return;
      from = this.ends[last]!;
    }
    this.starts.push(from);
    this.ends.push(to);
  }

  /** Total stalled ms inside [from, to]. */
  within(from: number, to: number): number {
    if (!(to > from)) return 0;
    // first interval that ends after `from` (binary search: the ends grow)
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! <= from) lo = mid + 1;
      else hi = mid;
    }
    let sum = 0;
    for (let i = lo; i < this.starts.length && this.starts[i]! < to; i++) {
      sum += Math.min(to, this.ends[i]!) - Math.max(from, this.starts[i]!);
    }
    return sum;
  }

  /** Total stalled ms logged. */
  total(): number {
    let sum = 0;
    for (let i = 0; i < this.starts.length; i++) sum += this.ends[i]! - this.starts[i]!;
    return sum;
  }

  /** Longest single stall logged, ms. */
  longest(): number {
    let max = 0;
    for (let i = 0; i < this.starts.length; i++) max = Math.max(max, this.ends[i]! - this.starts[i]!);
    return max;
  }
}

export interface LoopWatch {
  readonly stalls: StallLog;
  /**
   * Logs a stall still under way (the tick is overdue right now) so that `stalls` covers everything up to
   * this moment. Called before the stalls of probes that just ended are read: a probe's deadline timer can
   * fire in the same timer phase just before the overdue tick.
   */
  flush(): void;
  stop(): void;
}

/** Starts sampling; `onTick` runs after each tick with that tick's lateness (ms). Stop it when done. */
export function watchEventLoop(onTick?: (lagMs: number) => void): LoopWatch {
  const stalls = new StallLog();
  let due = performance.now() + WATCH_TICK_MS;
  let timer: NodeJS.Timeout | undefined;
  const record = (now: number) => {
    const lag = now - due;
    if (lag > STALL_FLOOR_MS) stalls.add(due + STALL_FLOOR_MS, now);
    return Math.max(0, lag);
  };
  const tick = () => {
    const now = performance.now();
    const lag = record(now);
    due = now + WATCH_TICK_MS;
    timer = setTimeout(tick, WATCH_TICK_MS);
    onTick?.(lag);
  };
  timer = setTimeout(tick, WATCH_TICK_MS);
  return {
    stalls,
    flush: () => {
      record(performance.now());
    },
    stop: () => {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
