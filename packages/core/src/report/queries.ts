/**
 * PromQL for each SLI type over a calendar window (pure).
 *
 * Summary figures are instant queries evaluated with `@ (end - 1 ms)` and a range equal to the window:
 * Prometheus 2.x ranges are closed at both ends, so `x[W] @ end` would include the sample at exactly
 * `end - W` *and* the one at `end` (one sample too many on minute-aligned data). Shifting by 1 ms keeps
 * exactly the samples in [start, end). The `@` modifier makes a past period give the same answer every time.
 */
import { atModifier, formatDuration, selector } from "../prometheus/promql.js";
import type { DownWhen } from "../slo/sli.js";

export interface MetricSelector {
  metric: string;
  labels?: Record<string, string>;
  labelsRegex?: Record<string, string>;
}

export type SliSpec =
  | {
      type: "probe";
      target?: string;
      selector?: Record<string, string>;
      intervalSeconds: number;
      /** several series (locations, shards): when an interval is down; default "majority" */
      downWhen?: DownWhen;
    }
  | { type: "ratio"; good?: MetricSelector; bad?: MetricSelector; total: MetricSelector }
  | {
      type: "latency";
      metric: string;
      labels?: Record<string, string>;
      labelsRegex?: Record<string, string>;
      thresholdSeconds: number;
    }
  | {
      type: "quantile";
      metric: string;
      labels?: Record<string, string>;
      labelsRegex?: Record<string, string>;
      quantiles: number[];
      targetSeconds?: Record<string, number>;
    };

export interface Span {
  start: Date;
  end: Date;
}

/**
 * The per-step range queries are evaluated at each step's end (aligned to the step, so no engine or cache
 * rounding moves them) and look 1 ms back, so a point sees the samples of (end - step - 1 ms, end - 1 ms]:
 * exactly its step's, as an instant query at end - 1 ms does.
 */
export const STEP_OFFSET = "offset 1ms";

/** `[<window>] @ <end - 1ms>` */
export function windowRange(span: Span): string {
  return `[${formatDuration(span.end.getTime() - span.start.getTime())}] ${atModifier(new Date(span.end.getTime() - 1))}`;
}

/** A regex matching the `le` label of a bucket whatever the exporter's float formatting ("1", "1.0", "0.50"). */
export function leMatcher(threshold: number): string {
  if (!Number.isFinite(threshold) || threshold <= 0)
    throw new Error(`invalid latency threshold ${threshold}`);
  const s = String(threshold);
  if (/e/i.test(s)) return s;
  const [int, frac] = s.split(".") as [string, string | undefined];
  return frac === undefined ? `${int}(\\.0*)?` : `${int}\\.${frac}0*`;
}

/** The probe target's series of `metric` (probe_success, probe_duration_seconds, ...). */
export function probeSelector(sli: Extract<SliSpec, { type: "probe" }>, metric = "probe_success"): string {
  const labels: Record<string, string> = {
    ...(sli.target ? { target: sli.target } : {}),
    ...(sli.selector ?? {}),
  };
  return selector(metric, labels);
}

const sel = (m: MetricSelector) => selector(m.metric, m.labels, m.labelsRegex);

/** good / bad / total selectors of a request-based SLI (ratio or latency). */
export function requestSelectors(sli: Extract<SliSpec, { type: "ratio" | "latency" }>): {
  good?: string;
  bad?: string;
  total: string;
} {
  if (sli.type === "ratio") {
    return {
      ...(sli.good ? { good: sel(sli.good) } : {}),
      ...(sli.bad ? { bad: sel(sli.bad) } : {}),
      total: sel(sli.total),
    };
  }
  const regex = { ...(sli.labelsRegex ?? {}), le: leMatcher(sli.thresholdSeconds) };
  return {
    good: selector(`${sli.metric}_bucket`, sli.labels, regex),
    total: selector(`${sli.metric}_count`, sli.labels, sli.labelsRegex),
  };
}

export interface ProbeQueries {
  /** per series: samples present in the window */
  present: string;
  /** per series: successful samples in the window */
  good: string;
  /**
   * Range query, one point per probe interval (evaluated at the interval's end, looking 1 ms back, so each
   * point sees exactly that interval's samples), aggregated across the target's series in PromQL: `part="present"` is
   * the number of series with a sample in the interval (absent = no sample at all: missing), `part="failed"`
   * the number of those whose sample failed (absent = none). `min_over_time` per series: a series with two
   * samples in one interval failed it if either failed.
   */
  perInterval: string;
}

/** The `part` label of the per-interval query's two series. */
export const INTERVAL_PARTS = { present: "present", failed: "failed" } as const;

export function probeQueries(sli: Extract<SliSpec, { type: "probe" }>, span: Span): ProbeQueries {
  const s = probeSelector(sli);
  const r = windowRange(span);
  const m = `min_over_time(${s}[${sli.intervalSeconds}s] ${STEP_OFFSET})`;
  const part = (expr: string, name: string) => `label_replace(${expr}, "part", "${name}", "", "")`;
  return {
    present: `count_over_time(${s}${r})`,
    good: `sum_over_time(${s}${r})`,
    perInterval: `${part(`count(${m})`, INTERVAL_PARTS.present)} or ${part(`count(${m} < 1)`, INTERVAL_PARTS.failed)}`,
  };
}

export interface RequestQueries {
  good?: string;
  bad?: string;
  total: string;
  /** range queries: increase per step, summed per local day afterwards */
  goodPerStep?: string;
  badPerStep?: string;
  totalPerStep: string;
}

export function requestQueries(
  sli: Extract<SliSpec, { type: "ratio" | "latency" }>,
  span: Span,
  stepSeconds: number,
): RequestQueries {
  const s = requestSelectors(sli);
  const r = windowRange(span);
  const inc = (x: string) => `sum(increase(${x}${r}))`;
  const incStep = (x: string) => `sum(increase(${x}[${stepSeconds}s] ${STEP_OFFSET}))`;
  return {
    ...(s.good ? { good: inc(s.good), goodPerStep: incStep(s.good) } : {}),
    ...(s.bad ? { bad: inc(s.bad), badPerStep: incStep(s.bad) } : {}),
    total: inc(s.total),
    totalPerStep: incStep(s.total),
  };
}

/**
 * Requests inside the (merged, clipped, disjoint) maintenance spans: per selector, the sum over the spans
 * of `sum(increase(x[d] @ (span end - 1 ms)))`, the same convention as the window's own figures. A span
 * without any series adds 0 (`or vector(0)`), so one empty span does not empty the sum. null when there
 * are no spans.
 */
export function maintenanceRequestQueries(
  sli: Extract<SliSpec, { type: "ratio" | "latency" }>,
  spans: readonly Span[],
): { good?: string; bad?: string; total: string } | null {
  if (spans.length === 0) return null;
  const s = requestSelectors(sli);
  const over = (x: string) =>
    spans.length === 1
      ? `sum(increase(${x}${windowRange(spans[0]!)}))`
      : spans.map((sp) => `(sum(increase(${x}${windowRange(sp)})) or vector(0))`).join(" + ");
  return {
    ...(s.good ? { good: over(s.good) } : {}),
    ...(s.bad ? { bad: over(s.bad) } : {}),
    total: over(s.total),
  };
}

export const PROBE_QUANTILES = [0.95, 0.99] as const;

/**
 * Quantiles of the probe's total duration over the window in one query, one series per quantile labelled
 * `quantile`; the worst series if several probe the target.
 */
export function probeLatencyQuery(
  sli: Extract<SliSpec, { type: "probe" }>,
  quantiles: readonly number[],
  span: Span,
): string {
  const s = `${probeSelector(sli, "probe_duration_seconds")}${windowRange(span)}`;
  return quantiles
    .map((q) => `label_replace(max(quantile_over_time(${q}, ${s})), "quantile", "${q}", "", "")`)
    .join(" or ");
}

export function quantileQuery(
  sli: Extract<SliSpec, { type: "quantile" }>,
  quantile: number,
  span: Span,
): string {
  const bucket = selector(`${sli.metric}_bucket`, sli.labels, sli.labelsRegex);
  return `histogram_quantile(${quantile}, sum by (le) (increase(${bucket}${windowRange(span)})))`;
}
