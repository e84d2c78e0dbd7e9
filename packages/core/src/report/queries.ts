/**
 * PromQL for each SLI type over a calendar window (pure).
 *
 * Summary figures are instant queries evaluated with `@ (end - 1 ms)` and a range equal to the window:
 * Prometheus 2.x ranges are closed at both ends, so `x[W] @ end` would include the sample at exactly
 * `end - W` *and* the one at `end` (one sample too many on minute-aligned data). Shifting by 1 ms keeps
 * exactly the samples in [start, end). The `@` modifier makes a past period give the same answer every time.
 */
import { atModifier, formatDuration, STEP_OFFSET, selector } from "../prometheus/promql.js";
import { fillWindow } from "../prometheus/raw-query.js";
import type { DownWhen } from "../slo/sli.js";

export interface MetricSelector {
  metric: string;
  labels?: Record<string, string>;
  labelsRegex?: Record<string, string>;
}

/** PromQL written by the user, with `[{{.window}}]` where the window goes (prometheus/raw-query.ts). */
export interface RawQuery {
  promql: string;
}

/** A count of events: a counter selector, or raw PromQL that counts them over `{{.window}}`. */
export type EventsSource = MetricSelector | RawQuery;

export type SliSpec =
  | {
      type: "probe";
      target?: string;
      selector?: Record<string, string>;
      intervalSeconds: number;
      /** several series (locations, shards): when an interval is down; default "majority" */
      downWhen?: DownWhen;
    }
  | {
      type: "ratio";
      good?: EventsSource;
      bad?: EventsSource;
      total?: EventsSource;
      /** raw PromQL giving the good (or bad) share of the window directly */
      goodRatio?: RawQuery;
      badRatio?: RawQuery;
    }
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

/** After a range: `@ at` for an instant figure, `offset 1ms` for a step of a range query, else nothing. */
const rangeModifier = (at: Date | "step" | undefined) =>
  at === "step" ? ` ${STEP_OFFSET}` : at ? ` ${atModifier(at)}` : "";

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
const isRaw = (s: EventsSource | undefined): s is RawQuery => s !== undefined && "promql" in s;

/** A ratio SLI written (in part) as raw PromQL: the report calls it user-defined. */
export function isUserDefinedSli(sli: SliSpec): boolean {
  return (
    sli.type === "ratio" &&
    (sli.goodRatio !== undefined ||
      sli.badRatio !== undefined ||
      isRaw(sli.good) ||
      isRaw(sli.bad) ||
      isRaw(sli.total))
  );
}

/** A ratio SLI given as a share (goodRatio/badRatio): its budget counts minutes of the window, weighted by time. */
export function isShareSli(sli: SliSpec): boolean {
  return sli.type === "ratio" && (sli.goodRatio !== undefined || sli.badRatio !== undefined);
}

/** Which count of a request SLI is the numerator: good (good, goodRatio, latency) or bad. */
export function numeratorOf(sli: SliSpec): "good" | "bad" {
  return sli.type === "ratio" && !sli.good && !sli.goodRatio ? "bad" : "good";
}

/** The unit of a request SLI's budget: requests, or minutes for a share weighted by time. */
export function budgetUnitOf(sli: SliSpec): "minutes" | "requests" {
  return sli.type === "probe" || isShareSli(sli) ? "minutes" : "requests";
}

/**
 * One count of a request SLI over a range: `text` is the range as PromQL writes it, `ms` its length (absent
 * when the range is only text, e.g. Grafana's `$__range`: raw counts then use the text), `at` the
 * evaluation time of an instant figure (absent for the steps of a range query).
 */
type Count = (range: { ms?: number; text: string }, at?: Date | "step") => string;

/**
 * The one place where a request SLI's counts become PromQL. A selector: `sum(increase(sel[range] @ at))`.
 * Raw PromQL: its text with `[{{.window}}]` filled in (fillWindow). A share (goodRatio/badRatio, 0..1):
 * weighted by time, so its figures are minutes: numerator = share x minutes of the range, total = the
 * minutes of the range wherever the share has a value (NaN, e.g. no traffic, and no data are missing).
 */
function requestCounts(sli: Extract<SliSpec, { type: "ratio" | "latency" }>): {
  good?: Count;
  bad?: Count;
  total: Count;
} {
  const events =
    (s: EventsSource): Count =>
    (range, at) =>
      isRaw(s)
        ? fillWindow(s.promql, range.ms ?? range.text, at)
        : `sum(increase(${sel(s)}[${range.text}]${rangeModifier(at)}))`;
  if (sli.type === "latency") {
    const regex = { ...(sli.labelsRegex ?? {}), le: leMatcher(sli.thresholdSeconds) };
    return {
      good: events({
        metric: `${sli.metric}_bucket`,
        ...(sli.labels ? { labels: sli.labels } : {}),
        labelsRegex: regex,
      }),
      total: events({
        metric: `${sli.metric}_count`,
        ...(sli.labels ? { labels: sli.labels } : {}),
        ...(sli.labelsRegex ? { labelsRegex: sli.labelsRegex } : {}),
      }),
    };
  }
  const share = sli.goodRatio ?? sli.badRatio;
  if (share) {
    const minutes = (range: { ms?: number }) => {
      if (range.ms === undefined) throw new Error("a share's count needs the range's length");
      return range.ms / 60_000;
    };
    const valid = (range: { ms?: number; text: string }, at?: Date | "step") =>
      `(${fillWindow(share.promql, range.ms ?? range.text, at)}) >= 0`;
    const numerator: Count = (range, at) => `avg(${valid(range, at)}) * ${minutes(range)}`;
    const total: Count = (range, at) => `count(${valid(range, at)}) * 0 + ${minutes(range)}`;
    return sli.goodRatio ? { good: numerator, total } : { bad: numerator, total };
  }
  if (!sli.total) throw new Error("ratio SLI without total");
  return {
    ...(sli.good ? { good: events(sli.good) } : {}),
    ...(sli.bad ? { bad: events(sli.bad) } : {}),
    total: events(sli.total),
  };
}

/**
 * The error ratio of a user-defined ratio SLI over a trailing window `w` (a PromQL duration, "5m", or a
 * Grafana range variable, "$__range"), for the burn-rate rules and the dashboards; null for an SLI built
 * from selectors (the rules build those themselves).
 */
export function userDefinedErrorRatio(sli: SliSpec, w: string): string | null {
  if (sli.type !== "ratio" || !isUserDefinedSli(sli)) return null;
  const share = sli.goodRatio ?? sli.badRatio;
  if (share) {
    const e = fillWindow(share.promql, w);
    return sli.badRatio ? `(${e})` : `1 - (${e})`;
  }
  const c = requestCounts(sli);
  const range = { text: w };
  return c.bad
    ? `(${c.bad(range)}) / (${c.total(range)})`
    : `1 - ((${c.good!(range)}) / (${c.total(range)}))`;
}

/** good / bad / total selectors of a request-based SLI built from selectors (ratio or latency). */
export function requestSelectors(sli: Extract<SliSpec, { type: "ratio" | "latency" }>): {
  good?: string;
  bad?: string;
  total: string;
} {
  if (sli.type === "ratio") {
    const { good, bad, total } = sli;
    if (isUserDefinedSli(sli) || !total || isRaw(good) || isRaw(bad) || isRaw(total)) {
      throw new Error("a user-defined (raw PromQL) SLI has no selectors");
    }
    return {
      ...(good ? { good: sel(good) } : {}),
      ...(bad ? { bad: sel(bad) } : {}),
      total: sel(total),
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
  const c = requestCounts(sli);
  const ms = span.end.getTime() - span.start.getTime();
  const window = { ms, text: formatDuration(ms) };
  const at = new Date(span.end.getTime() - 1);
  const step = { ms: stepSeconds * 1000, text: `${stepSeconds}s` };
  return {
    ...(c.good ? { good: c.good(window, at), goodPerStep: c.good(step, "step") } : {}),
    ...(c.bad ? { bad: c.bad(window, at), badPerStep: c.bad(step, "step") } : {}),
    total: c.total(window, at),
    totalPerStep: c.total(step, "step"),
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
  const c = requestCounts(sli);
  const one = (count: Count, sp: Span) => {
    const ms = sp.end.getTime() - sp.start.getTime();
    return count({ ms, text: formatDuration(ms) }, new Date(sp.end.getTime() - 1));
  };
  const over = (count: Count) =>
    spans.length === 1
      ? one(count, spans[0]!)
      : spans.map((sp) => `(${one(count, sp)} or vector(0))`).join(" + ");
  return {
    ...(c.good ? { good: over(c.good) } : {}),
    ...(c.bad ? { bad: over(c.bad) } : {}),
    total: over(c.total),
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
  return quantileExpr(sli, quantile, windowRange(span));
}

/**
 * A quantile of the SLI's histogram over a range written as PromQL after the selector: `[745h] @ …` for a
 * calendar window (quantileQuery), `[$__range]` or `[$__rate_interval]` in the Grafana dashboards.
 */
export function quantileExpr(
  sli: Extract<SliSpec, { type: "quantile" }>,
  quantile: number,
  range: string,
): string {
  const bucket = selector(`${sli.metric}_bucket`, sli.labels, sli.labelsRegex);
  return `histogram_quantile(${quantile}, sum by (le) (increase(${bucket}${range})))`;
}
