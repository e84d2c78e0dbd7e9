/**
 * Builds the report document for a window in three steps and one text pass:
 * plan (pure: SLOs + window → queries) → fetch (the only I/O: the queries against `QueryApi`, bounded
 * concurrency, errors as data) → evaluate (pure: answers → numbers and reason codes) → explain (the text
 * layer writes the sentences). A failed or partial query never turns into "met".
 */
import type { Window } from "../slo/windows.js";
import { evaluateReport } from "./evaluate.js";
import { DEFAULT_FETCH_CONCURRENCY, fetchPlan, type QueryApi } from "./fetch.js";
import type { ReportDocument } from "./model.js";
import { planReport, type ReportSlo } from "./plan.js";
import { explainReport } from "./render/explain.js";

export { findBreaches } from "./evaluate.js";
export {
  type InstantSample,
  type QueryApi,
  type RangeSeries,
  rejectedByPrometheus,
} from "./fetch.js";
export type { ReportSlo } from "./plan.js";
export { methodText } from "./render/explain.js";

export interface ReportOptions {
  window: Window;
  slos: ReportSlo[];
  api: QueryApi;
  /** shown in the report; must not carry credentials */
  sourceLabel: string;
  now?: Date;
  burnRate?: { fast: number; slow: number };
  /** SLOs evaluated at once (default 4; at most 16 queries in flight) */
  concurrency?: number;
  /** compare with the previous window (two more instant queries per SLO) */
  comparePrevious?: boolean;
  /**
   * Latency thresholds of probe targets by name: probe SLOs get p95/p99 probe-duration figures, judged
   * against warnMs (p95) and critMs (p99).
   */
  latencyTargets?: Record<string, { warnMs: number; critMs: number } | undefined>;
}

export async function buildReport(opts: ReportOptions): Promise<ReportDocument> {
  const plan = planReport({
    window: opts.window,
    slos: opts.slos,
    now: opts.now ?? new Date(),
    ...(opts.comparePrevious !== undefined ? { comparePrevious: opts.comparePrevious } : {}),
    ...(opts.latencyTargets ? { latencyTargets: opts.latencyTargets } : {}),
  });
  const results = await fetchPlan(plan.queries, opts.api, {
    concurrency: opts.concurrency ?? DEFAULT_FETCH_CONCURRENCY,
  });
  const evaluated = evaluateReport(plan, results, {
    sourceLabel: opts.sourceLabel,
    ...(opts.burnRate ? { burnRate: opts.burnRate } : {}),
  });
  return explainReport(evaluated);
}
