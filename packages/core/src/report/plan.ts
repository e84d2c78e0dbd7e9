/**
 * The first step of a report (pure): the SLOs of the config and a window (and the time now) become the list
 * of queries to ask Prometheus, each with an id, its PromQL, instant or range (start, end, step), and what it
 * waits for. Nothing here does I/O; fetch.ts runs the list, evaluate.ts reads the answers by id.
 *
 * Per SLO (plan order is fetch priority):
 * - probe: `present` and `good` (exact sample counts over the observed span), then the per-interval range
 *   query (daily figures, incidents, maintenance, and the wall-clock counts of several series); the previous
 *   period's counts, and its per-interval query only when it has several series; the p95/p99 latency figure.
 * - ratio / latency: good (or bad) and total over the span, the requests inside each merged maintenance
 *   window, then the per-15-minute increases (daily figures, coverage); the previous period's counts.
 * - quantile: one histogram_quantile query per quantile.
 * The latency figures (probe p95/p99, quantile SLIs) come after every SLO's own queries.
 */
import { DEFAULT_DOWN_WHEN, type DownWhen, maintenanceOverlap } from "../slo/sli.js";
import { previousWindow, type Window } from "../slo/windows.js";
import type { MaintenanceInterval } from "./detail.js";
import {
  maintenanceRequestQueries,
  numeratorOf,
  PROBE_QUANTILES,
  probeLatencyQuery,
  probeQueries,
  quantileQuery,
  requestQueries,
  type SliSpec,
  type Span,
} from "./queries.js";

export type QueryId = string;

interface QueryBase {
  id: QueryId;
  promql: string;
  /** the queries of one SLO (or of one latency figure): fetch keeps a bounded number of groups in progress */
  group: string;
  /** run only after these queries succeeded (skipped otherwise) */
  after?: QueryId[];
  /** run only when the answer to `in` has more than `seriesMoreThan` series */
  onlyIf?: { in: QueryId; seriesMoreThan: number };
}
export type PlannedQuery =
  | (QueryBase & { kind: "instant" })
  | (QueryBase & { kind: "range"; start: Date; end: Date; stepSeconds: number });

export interface ReportSlo {
  name: string;
  service: string;
  description?: string;
  /** ratio, e.g. 0.999 */
  objective: number;
  sli: SliSpec;
  missingData: "unknown" | "good" | "bad";
  minCoverage: number;
  maintenance: { start: string; end: string; reason: string }[];
}

export type ProbeSli = Extract<SliSpec, { type: "probe" }>;
export type RequestSli = Extract<SliSpec, { type: "ratio" | "latency" }>;

export interface ProbePeriod {
  span: Span;
  /** absent when the span is empty (a window that has just started) */
  present?: QueryId;
  good?: QueryId;
  /** one point per probe interval: series with a sample, series that failed */
  perInterval?: QueryId;
  /** the period's queries, in plan order */
  queries: QueryId[];
}

export interface ProbeSloPlan {
  sli: "probe";
  slo: ReportSlo;
  spec: ProbeSli;
  rule: DownWhen;
  stepMs: number;
  current: ProbePeriod & {
    /** merged maintenance clipped to the span */
    maintenance: MaintenanceInterval[];
    /** the whole window's eligible intervals (window minus all of its maintenance), for a running window */
    fullWindowEligible: number;
  };
  previous?: ProbePeriod & { period: string | null };
  /** current-window queries, in the order the report lists them */
  queries: QueryId[];
}

export interface RequestPeriod {
  span: Span;
  maintenance: MaintenanceInterval[];
  /** good or bad, by `numerator` */
  numerator?: QueryId;
  total?: QueryId;
  maintenanceNumerator?: QueryId;
  maintenanceTotal?: QueryId;
  /** the period's summary queries, in plan order */
  queries: QueryId[];
}

export interface RequestSloPlan {
  sli: "ratio" | "latency";
  slo: ReportSlo;
  spec: RequestSli;
  numerator: "good" | "bad";
  current: RequestPeriod & { perStep?: { numerator: QueryId; total: QueryId; stepMs: number } };
  previous?: RequestPeriod & { period: string | null };
  queries: QueryId[];
}

/** A configuration problem found while planning (e.g. a maintenance window that ends before it starts). */
export interface InvalidSloPlan {
  sli: "invalid";
  slo: ReportSlo;
  error: string;
  queries: QueryId[];
}

export type SloPlan = ProbeSloPlan | RequestSloPlan | InvalidSloPlan;

/** Latency figures: p95/p99 of a probe SLO's target, or the quantiles of a `quantile` SLI. */
export interface FigurePlan {
  slo: ReportSlo;
  /** absent when the span is empty */
  query?: QueryId;
  promql: string;
  /** the query's series carry a `quantile` label; false: one unlabelled series for the one quantile */
  labelled: boolean;
  figures: { quantile: number; targetSeconds?: number }[];
}

export interface ReportPlan {
  window: Window;
  now: Date;
  /** the window had not ended at `now` */
  partial: boolean;
  slos: SloPlan[];
  /** in report order: probe latency figures, then quantile SLIs */
  figures: FigurePlan[];
  /** every query, in fetch priority order */
  queries: PlannedQuery[];
}

export interface PlanOptions {
  window: Window;
  slos: ReportSlo[];
  now: Date;
  /** plan the previous window's summary too (default true) */
  comparePrevious?: boolean;
  /** probe targets' latency thresholds: p95 is judged against warnMs, p99 against critMs */
  latencyTargets?: Record<string, { warnMs: number; critMs: number } | undefined>;
}

/** Step of the per-step request queries: 15 min divides every real UTC offset, so local days are whole steps. */
export const REQUEST_STEP_SECONDS = 900;

/** The part of the window that has data to look at: [start, min(end, now floored to the step)). */
export function observedSpan(w: Window, now: Date, stepMs: number): Span {
  if (now >= w.end) return { start: w.start, end: w.end };
  const elapsed = Math.max(0, now.getTime() - w.start.getTime());
  return { start: w.start, end: new Date(w.start.getTime() + Math.floor(elapsed / stepMs) * stepMs) };
}

const emptySpan = (s: Span) => s.end <= s.start;

/** The SLO's maintenance clipped to `span` and merged where windows overlap or touch (never counted twice). */
function maintenanceIn(slo: ReportSlo, w: Window, span: Span): MaintenanceInterval[] {
  return maintenanceOverlap({ ...w, start: span.start, end: span.end }, slo.maintenance).intervals.map(
    (m) => ({ start: m.start, end: m.end, reason: m.reasons.join("; ") }),
  );
}

type Extra = Omit<QueryBase, "id" | "promql" | "group">;

/** Collects the queries of a plan in priority order; a query's group is its id up to the first "/". */
class QueryList {
  readonly all: PlannedQuery[] = [];
  instant(id: QueryId, promql: string, extra: Extra = {}): QueryId {
    this.all.push({ id, promql, group: groupOf(id), kind: "instant", ...extra });
    return id;
  }
  range(id: QueryId, promql: string, span: Span, stepMs: number, extra: Extra = {}): QueryId {
    // One point per step, at the step's end: start and end are multiples of the step (steps divide the
    // window's start, a whole quarter hour), so an engine or a cache that rounds them to the step
    // (VictoriaMetrics' response cache, query frontends) moves nothing. The query's `offset 1ms`
    // (STEP_OFFSET) makes each point see exactly its step's samples; see `stepOf`.
    this.all.push({
      id,
      promql,
      group: groupOf(id),
      kind: "range",
      start: new Date(span.start.getTime() + stepMs),
      end: new Date(span.end.getTime()),
      stepSeconds: stepMs / 1000,
      ...extra,
    });
    return id;
  }
}

/** The start of the step a range point at `t` holds (points sit at step ends, see `QueryList.range`). */
export const stepOf = (t: number, stepMs: number) => t - stepMs;

const groupOf = (id: QueryId) => id.slice(0, id.indexOf("/"));

const defined = (xs: (QueryId | undefined)[]) => xs.filter((x): x is QueryId => x !== undefined);

function planProbePeriod(
  list: QueryList,
  key: string,
  spec: ProbeSli,
  span: Span,
  stepMs: number,
  opts: { after: QueryId[]; perInterval: "always" | "several-series" },
): ProbePeriod {
  if (emptySpan(span)) return { span, queries: [] };
  const q = probeQueries(spec, span);
  const after = opts.after.length > 0 ? { after: opts.after } : {};
  const present = list.instant(`${key}/present`, q.present, after);
  const good = list.instant(`${key}/good`, q.good, after);
  const perInterval = list.range(`${key}/per-interval`, q.perInterval, span, stepMs, {
    after: [present, good],
    ...(opts.perInterval === "several-series" ? { onlyIf: { in: present, seriesMoreThan: 1 } } : {}),
  });
  return { span, present, good, perInterval, queries: [present, good, perInterval] };
}

function planProbe(list: QueryList, key: string, slo: ReportSlo, spec: ProbeSli, o: PlanOptions) {
  const w = o.window;
  const stepMs = spec.intervalSeconds * 1000;
  const span = observedSpan(w, o.now, stepMs);
  const current = planProbePeriod(list, key, spec, span, stepMs, { after: [], perInterval: "always" });
  const windowMinutes = (w.end.getTime() - w.start.getTime()) / 60_000;
  const plan: ProbeSloPlan = {
    sli: "probe",
    slo,
    spec,
    rule: spec.downWhen ?? DEFAULT_DOWN_WHEN,
    stepMs,
    current: {
      ...current,
      maintenance: maintenanceIn(slo, w, span),
      fullWindowEligible:
        (windowMinutes - maintenanceOverlap(w, slo.maintenance).minutes) / (stepMs / 60_000),
    },
    queries: current.queries,
  };
  if (o.comparePrevious !== false) {
    const prev = previousWindow(w);
    plan.previous = {
      period: prev.period,
      ...planProbePeriod(list, `${key}/prev`, spec, observedSpan(prev, o.now, stepMs), stepMs, {
        after: defined([current.present, current.good]),
        perInterval: "several-series",
      }),
    };
  }
  return plan;
}

function planRequestPeriod(
  list: QueryList,
  key: string,
  spec: RequestSli,
  w: Window,
  slo: ReportSlo,
  span: Span,
  after: QueryId[],
): RequestPeriod & { perStepPromql?: { numerator: string; total: string } } {
  const maintenance = maintenanceIn(slo, w, span);
  if (emptySpan(span)) return { span, maintenance, queries: [] };
  const q = requestQueries(spec, span, REQUEST_STEP_SECONDS);
  const mq = maintenanceRequestQueries(spec, maintenance);
  const x = after.length > 0 ? { after } : {};
  const numerator = list.instant(`${key}/numerator`, (q.good ?? q.bad)!, x);
  const total = list.instant(`${key}/total`, q.total, x);
  const out: RequestPeriod & { perStepPromql?: { numerator: string; total: string } } = {
    span,
    maintenance,
    numerator,
    total,
    queries: [numerator, total],
    perStepPromql: { numerator: (q.goodPerStep ?? q.badPerStep)!, total: q.totalPerStep },
  };
  if (mq) {
    out.maintenanceNumerator = list.instant(`${key}/maintenance-numerator`, (mq.good ?? mq.bad)!, x);
    out.maintenanceTotal = list.instant(`${key}/maintenance-total`, mq.total, x);
    out.queries.push(out.maintenanceNumerator, out.maintenanceTotal);
  }
  return out;
}

function planRequests(list: QueryList, key: string, slo: ReportSlo, spec: RequestSli, o: PlanOptions) {
  const span = observedSpan(o.window, o.now, 60_000);
  const { perStepPromql, ...current } = planRequestPeriod(list, key, spec, o.window, slo, span, []);
  const summary = current.queries;
  const stepMs = REQUEST_STEP_SECONDS * 1000;
  const perStep = perStepPromql
    ? {
        numerator: list.range(`${key}/numerator-per-step`, perStepPromql.numerator, span, stepMs, {
          after: summary,
        }),
        total: list.range(`${key}/total-per-step`, perStepPromql.total, span, stepMs, { after: summary }),
        stepMs,
      }
    : undefined;
  const plan: RequestSloPlan = {
    sli: spec.type,
    slo,
    spec,
    numerator: numeratorOf(spec),
    current: { ...current, ...(perStep ? { perStep } : {}) },
    queries: [...summary, ...defined([perStep?.numerator, perStep?.total])],
  };
  if (o.comparePrevious !== false) {
    const prev = previousWindow(o.window);
    const { perStepPromql: _, ...p } = planRequestPeriod(
      list,
      `${key}/prev`,
      spec,
      prev,
      slo,
      observedSpan(prev, o.now, 60_000),
      summary,
    );
    plan.previous = { period: prev.period, ...p };
  }
  return plan;
}

function planProbeLatency(
  list: QueryList,
  key: string,
  slo: ReportSlo,
  spec: ProbeSli,
  o: PlanOptions,
): FigurePlan {
  const span = observedSpan(o.window, o.now, spec.intervalSeconds * 1000);
  const promql = probeLatencyQuery(spec, PROBE_QUANTILES, span);
  const thresholds = spec.target ? o.latencyTargets?.[spec.target] : undefined;
  const seconds = (ms: number | undefined) => (ms === undefined ? {} : { targetSeconds: ms / 1000 });
  return {
    slo,
    ...(emptySpan(span) ? {} : { query: list.instant(`${key}-latency/p95-p99`, promql) }),
    promql,
    labelled: true,
    figures: [
      { quantile: 0.95, ...seconds(thresholds?.warnMs) },
      { quantile: 0.99, ...seconds(thresholds?.critMs) },
    ],
  };
}

function planQuantiles(
  list: QueryList,
  key: string,
  slo: ReportSlo,
  spec: Extract<SliSpec, { type: "quantile" }>,
  o: PlanOptions,
): FigurePlan[] {
  const span = observedSpan(o.window, o.now, 60_000);
  return spec.quantiles.map((qv) => {
    const promql = quantileQuery(spec, qv, span);
    const target = spec.targetSeconds?.[String(qv)];
    return {
      slo,
      ...(emptySpan(span) ? {} : { query: list.instant(`${key}-quantile-${qv}/value`, promql) }),
      promql,
      labelled: false,
      figures: [{ quantile: qv, ...(target !== undefined ? { targetSeconds: target } : {}) }],
    };
  });
}

export function planReport(o: PlanOptions): ReportPlan {
  const list = new QueryList();
  // latency figures go last: the SLOs' own figures (which can breach) are completed first
  const late = new QueryList();
  const slos: SloPlan[] = [];
  const probeFigures: FigurePlan[] = [];
  const quantileFigures: FigurePlan[] = [];
  o.slos.forEach((slo, i) => {
    const key = `slo${i}`;
    const spec = slo.sli;
    if (spec.type === "quantile") {
      quantileFigures.push(...planQuantiles(late, key, slo, spec, o));
      return;
    }
    const mark = list.all.length;
    try {
      slos.push(
        spec.type === "probe" ? planProbe(list, key, slo, spec, o) : planRequests(list, key, slo, spec, o),
      );
    } catch (e) {
      // planning is pure: the only failures are configuration problems the loader did not catch
      list.all.length = mark;
      slos.push({ sli: "invalid", slo, error: e instanceof Error ? e.message : String(e), queries: [] });
      return;
    }
    if (spec.type === "probe") probeFigures.push(planProbeLatency(late, key, slo, spec, o));
  });
  return {
    window: o.window,
    now: o.now,
    partial: o.now < o.window.end,
    slos,
    figures: [...probeFigures, ...quantileFigures],
    queries: [...list.all, ...late.all],
  };
}
