/**
 * Inconclusive probes (DESIGN §9): the monitor never blames a target for its own CPU starvation. Pure.
 *
 * A probe that failed in a way the monitor's own stall can explain (any timeout; a reset, which is what a
 * peer with its own handshake or idle timer does to a client that stopped answering) while the monitor's
 * event loop was stalled for more than `OVERLOAD_SHARE` of the probe's deadline becomes
 * `cause: "monitor-overload"`, `inconclusive: true` (`success` stays false). Answers the peer actually gave
 * (refused, TLS, status, body, DNS answers) are never inconclusive: a stall does not change them.
 */
import type { FailureCause, ProbeResult } from "./types.js";

/**
 * Share of a probe's deadline the monitor may have been stalled before a failure is no longer the
 * target's. Measured with bench/overload.ts (2 shared cores, Node 20):
 * - what it takes to fail a healthy target: a synchronous stall of X ms while 40 probes (1 s deadline)
 *   waited for a server answering after 200 ms failed none of them up to X = 950 ms (95 % of the
 *   deadline; their logged stall matched X within 2 %), and every probe in flight at the stall from
 *   X = 1 000 ms on: a stall fails a probe when its deadline passes during the stall (the deadline timer
 *   runs before the answer waiting in the socket). By the same reasoning (not measured separately), with
 *   many short stalls (a starved CPU) a target answering in L ms fails once the stalls in its window add
 *   up to about deadline − L.
 * - what a healthy but loaded monitor logs: 450 healthy HTTPS + 50 silent targets, 2 s deadline, paced
 *   starts, with the probing process held to 1, 0.43 and 0.25 CPU (a CFS quota, emulated): at most 2.5 %,
 *   11.6 % and 17.7 % of the deadline for any probe, at most 2.5 % for the silent ones, which all stayed
 *   `timeout:tls`. Unpaced (all started in one tick), the same runs logged up to 54, 112 and 118 %, the
 *   silent targets included, and at 0.43 and 0.25 CPU 196 and all 450 healthy targets timed out (one run;
 *   the counts vary from run to run): inconclusive now, DOWN before.
 * A quarter sits above what a paced run puts on itself (a real outage under load stays DOWN) and far below
 * what it takes to fail a healthy target; stated simply, a failure is the target's only when at least three
 * quarters of its deadline were the target's own. A target slower than that (L > 0.75 × deadline) is
 * still blamed when a stall of up to a quarter pushes it over: it was near its deadline anyway.
 */
export const OVERLOAD_SHARE = 0.25;

/** Failures a stalled monitor can cause by itself. */
export function stallCanExplain(cause: FailureCause | null): boolean {
  return cause !== null && (cause.startsWith("timeout:") || cause === "reset");
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * The result with `monitorStallMs` set, and judged inconclusive when its failure is explained by
 * `stallMs` of the monitor's own stall inside the probe's window (more than `OVERLOAD_SHARE` of `timeoutMs`).
 */
export function judgeOverload(result: ProbeResult, timeoutMs: number, stallMs: number): ProbeResult {
  const judged: ProbeResult = { ...result, monitorStallMs: round(stallMs) };
  if (result.success || !stallCanExplain(result.cause) || stallMs <= OVERLOAD_SHARE * timeoutMs)
    return judged;
  const observed = result.cause as FailureCause;
  judged.cause = "monitor-overload";
  judged.inconclusive = true;
  judged.observedCause = observed;
  judged.causeDetail =
    `inconclusive: ${observed} while the monitor itself was stalled ${Math.round(stallMs)} ms of the ` +
    `${timeoutMs} ms deadline (more than ${OVERLOAD_SHARE * 100} %)` +
    (result.causeDetail ? `; ${result.causeDetail}` : "");
  return judged;
}

/** What one run says about the monitor's own overload (cycle result, CLI, Lambda summary). */
export interface OverloadSummary {
  /** probes judged inconclusive */
  inconclusive: number;
  probes: number;
  /** the most the monitor stalled inside one probe's window, ms (0 when it kept up) */
  maxStallMs: number;
  /** the inconclusive targets, in input order */
  targets: string[];
}

export function summarizeOverload(results: readonly ProbeResult[]): OverloadSummary {
  const inconclusive = results.filter((r) => r.inconclusive);
  return {
    inconclusive: inconclusive.length,
    probes: results.length,
    maxStallMs: Math.round(results.reduce((m, r) => Math.max(m, r.monitorStallMs ?? 0), 0)),
    targets: inconclusive.map((r) => r.target),
  };
}

/** The one sentence for people (CLI, logs), or null when no probe was inconclusive. */
export function describeOverload(s: OverloadSummary): string | null {
  if (s.inconclusive === 0) return null;
  return (
    `monitor overloaded: ${s.inconclusive} of ${s.probes} probe${s.probes === 1 ? "" : "s"} inconclusive ` +
    `(the monitor's own event loop stalled up to ${s.maxStallMs} ms inside a probe); they are not counted ` +
    "as DOWN and are written as missing data, not as probe_success"
  );
}

/**
 * The CloudWatch metric of the monitor's own overload: every probe run writes `InconclusiveProbes` in
 * embedded metric format under this namespace, with dimensions `service` and `function` (the Lambda's
 * name, so two stages in one account never share it). The probe stack alarms on its Sum > 0.
 */
export const OVERLOAD_METRIC = {
  namespace: "sla-monitor",
  name: "InconclusiveProbes",
  service: "sla-monitor",
};
