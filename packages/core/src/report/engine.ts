/**
 * Builds the report document for a window: runs the SLI queries through a `QueryApi` (the Prometheus client),
 * applies the SLO math, and never turns a failed or partial query into "met".
 */
import { type ErrorBudget, errorBudget, exhaustionForecast } from "../slo/budget.js";
import {
  DEFAULT_DOWN_WHEN,
  type DownWhen,
  downWhenText,
  evaluateAvailability,
  evaluateRatio,
  maintenanceOverlap,
  type SliEvaluation,
} from "../slo/sli.js";
import {
  dailyWindows,
  formatWindow,
  previousWindow,
  toZonedIso,
  type Window,
  windowHours,
} from "../slo/windows.js";
import {
  type IntervalCounts,
  type MaintenanceInterval,
  outsideMaintenance,
  probeDetail,
  type SlotSample,
  sumPerDay,
  wallClockSlots,
} from "./detail.js";
import type { Breach, DailyPoint, QuantileFigure, ReportDocument, SloReport, SloStatus } from "./model.js";
import {
  INTERVAL_PARTS,
  maintenanceRequestQueries,
  PROBE_QUANTILES,
  type ProbeQueries,
  probeLatencyQuery,
  probeQueries,
  quantileQuery,
  requestQueries,
  type SliSpec,
  type Span,
} from "./queries.js";

/** What the engine needs from a Prometheus client. */
export interface QueryApi {
  instant(query: string, time?: Date): Promise<{ result: InstantSample[]; warnings: string[] }>;
  range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
  ): Promise<{ result: RangeSeries[]; warnings: string[] }>;
}
export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}
export interface RangeSeries {
  metric: Record<string, string>;
  values: [number /* ms */, number][];
}

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

export interface ReportOptions {
  window: Window;
  slos: ReportSlo[];
  api: QueryApi;
  /** shown in the report; must not carry credentials */
  sourceLabel: string;
  now?: Date;
  burnRate?: { fast: number; slow: number };
  /** SLOs evaluated at once */
  concurrency?: number;
  /** compare with the previous window (two more instant queries per SLO) */
  comparePrevious?: boolean;
  /**
   * Latency thresholds of probe targets by name: probe SLOs get p95/p99 probe-duration figures, judged
   * against warnMs (p95) and critMs (p99).
   */
  latencyTargets?: Record<string, { warnMs: number; critMs: number } | undefined>;
}

/** Step of the per-step request queries: 15 min divides every real UTC offset, so local days are whole steps. */
const REQUEST_STEP_SECONDS = 900;

export async function buildReport(opts: ReportOptions): Promise<ReportDocument> {
  const now = opts.now ?? new Date();
  const w = opts.window;
  const partial = now < w.end;
  const fw = formatWindow(w);
  const sloSpecs = opts.slos.filter((s) => s.sli.type !== "quantile");
  const quantileSpecs = opts.slos.filter((s) => s.sli.type === "quantile");
  const ctx: Ctx = { ...opts, now, partial, errors: [] };

  const slos = await mapLimit(sloSpecs, opts.concurrency ?? 4, (s) => evaluateSlo(s, ctx));
  const probeSpecs = sloSpecs.filter((s) => s.sli.type === "probe");
  const quantiles = [
    ...(await mapLimit(probeSpecs, opts.concurrency ?? 4, (s) => evaluateProbeLatency(s, ctx))).flat(),
    ...(await mapLimit(quantileSpecs, opts.concurrency ?? 4, (s) => evaluateQuantiles(s, ctx))).flat(),
  ];
  const breaches = findBreaches(slos, partial, opts.burnRate ?? { fast: 14.4, slow: 6 });
  const errors = [...ctx.errors];
  const count = (st: SloStatus) => slos.filter((s) => s.status === st).length;
  return {
    schemaVersion: 1,
    kind: w.kind,
    period: w.period,
    window: { start: fw.start, end: fw.end, timeZone: w.timeZone, hours: windowHours(w) },
    generatedAt: toZonedIso(now, w.timeZone),
    partial,
    source: { prometheus: opts.sourceLabel },
    summary: { total: slos.length, met: count("met"), missed: count("missed"), unknown: count("unknown") },
    slos,
    quantiles,
    breaches,
    errors,
  };
}

interface Ctx extends ReportOptions {
  now: Date;
  partial: boolean;
  /** failed queries, collected across SLOs */
  errors: ReportDocument["errors"];
}

/** The part of the window that has data to look at: [start, min(end, now floored to the step)). */
function observedSpan(w: Window, now: Date, stepMs: number): Span {
  if (now >= w.end) return { start: w.start, end: w.end };
  const elapsed = Math.max(0, now.getTime() - w.start.getTime());
  return { start: w.start, end: new Date(w.start.getTime() + Math.floor(elapsed / stepMs) * stepMs) };
}

/** The SLO's maintenance clipped to `span` and merged where windows overlap or touch (never counted twice). */
function maintenanceIn(slo: ReportSlo, w: Window, span: Span): MaintenanceInterval[] {
  return maintenanceOverlap({ ...w, start: span.start, end: span.end }, slo.maintenance).intervals.map(
    (m) => ({ start: m.start, end: m.end, reason: m.reasons.join("; ") }),
  );
}

const minutesOf = (intervals: readonly { start: Date; end: Date }[]) =>
  intervals.reduce((a, m) => a + (m.end.getTime() - m.start.getTime()) / 60_000, 0);

function sloIdentity(slo: ReportSlo) {
  return {
    name: slo.name,
    service: slo.service,
    ...(slo.description ? { description: slo.description } : {}),
    objective: slo.objective,
    sliType: slo.sli.type as SloReport["sliType"],
  };
}

function unknownSlo(slo: ReportSlo, w: Window, reason: string, queries: string[]): SloReport {
  const unit = slo.sli.type === "probe" ? "minutes" : "requests";
  return {
    ...sloIdentity(slo),
    attainment: null,
    status: "unknown",
    reason,
    errorBudget: { unit, allowed: 0, consumed: 0, remaining: null, overagePercent: 0 },
    coverage: null,
    burnRate: null,
    incidents: [],
    daily: dailyWindows(w).map((d) => ({ date: d.date, attainment: null, bad: 0 })),
    maintenanceMinutes: 0,
    maintenance: [],
    missingData: slo.missingData,
    method: methodText(slo),
    queries,
  };
}

async function evaluateSlo(slo: ReportSlo, ctx: Ctx): Promise<SloReport> {
  const queries: string[] = [];
  try {
    const r =
      slo.sli.type === "probe"
        ? await evaluateProbe(slo, ctx, queries)
        : await evaluateRequests(slo, ctx, queries);
    if (ctx.comparePrevious !== false) {
      const prev = previousWindow(ctx.window);
      try {
        const p =
          slo.sli.type === "probe"
            ? await probeSummary(slo, { ...ctx, window: prev, partial: false }, [])
            : await requestSummary(slo, { ...ctx, window: prev, partial: false }, []);
        r.previous = { period: prev.period, attainment: p.eval.attainment, status: p.eval.status };
      } catch (e) {
        r.previous = { period: prev.period, attainment: null, status: "unknown" };
        r.reason = [r.reason, `previous period unavailable: ${errText(e)}`].filter(Boolean).join("; ");
        ctx.errors.push(queryError(slo, `previous period: ${errText(e)}`, e, "previous"));
      }
    }
    return r;
  } catch (e) {
    ctx.errors.push(queryError(slo, errText(e), e, "figures"));
    return unknownSlo(slo, ctx.window, `query failed: ${errText(e)}`, queries);
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Prometheus refused the query itself (400 bad_data, or another 4xx but 408/429): asking again fails the
 * same way, so it is a configuration problem, not an unavailable server. Read from the client's
 * `PrometheusError` fields (`kind`, `status`) without depending on the client.
 */
export function rejectedByPrometheus(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const { kind, status } = e as { kind?: unknown; status?: unknown };
  if (kind === "bad_data") return true;
  return (
    kind === "http" &&
    typeof status === "number" &&
    status >= 400 &&
    status < 500 &&
    status !== 408 &&
    status !== 429
  );
}

function queryError(
  slo: ReportSlo,
  error: string,
  e: unknown,
  part: ReportDocument["errors"][number]["part"],
): ReportDocument["errors"][number] {
  return { slo: slo.name, part, error, ...(rejectedByPrometheus(e) ? { rejected: true as const } : {}) };
}

/** Warnings mean Prometheus answered with possibly partial data: never "met" on that. */
function applyWarnings(ev: SliEvaluation, warnings: string[]): SliEvaluation {
  if (warnings.length === 0 || ev.status !== "met") return ev;
  return {
    ...ev,
    status: "unknown",
    reason: `Prometheus returned warnings (data may be partial): ${warnings.join("; ")}`,
  };
}

/**
 * Summary counts of a probe SLI, in probe intervals of wall-clock time. One series: the exact instant
 * counts (count_over_time / sum_over_time at the window end - 1 ms). Several series (locations, shards):
 * every interval is judged once by the SLO's `downWhen` rule from the per-interval counts of series with a
 * sample and of those that failed (aggregated across series in PromQL), so the figures are intervals of
 * wall-clock time, never series-intervals.
 */
async function probeSummary(slo: ReportSlo, ctx: Ctx, queries: string[]) {
  const sli = slo.sli as Extract<SliSpec, { type: "probe" }>;
  const rule: DownWhen = sli.downWhen ?? DEFAULT_DOWN_WHEN;
  const stepMs = sli.intervalSeconds * 1000;
  const span = observedSpan(ctx.window, ctx.now, stepMs);
  const q = probeQueries(sli, span);
  queries.push(q.present, q.good);
  const [present, good] = await Promise.all([ctx.api.instant(q.present), ctx.api.instant(q.good)]);
  const seriesCount = present.result.length;
  const slotsInSpan = Math.round((span.end.getTime() - span.start.getTime()) / stepMs);
  const warnings = [...present.warnings, ...good.warnings];
  let slots: Map<number, SlotSample> | undefined;
  let totals: { expected: number; present: number; good: number };
  if (seriesCount > 1) {
    const d = await probeSlots(ctx, q, span, stepMs, rule, queries);
    slots = d.slots;
    warnings.push(...d.warnings);
    let presentSlots = 0;
    let goodSlots = 0;
    for (const x of slots.values()) {
      presentSlots += x.present;
      goodSlots += x.good;
    }
    totals = { expected: slotsInSpan, present: presentSlots, good: goodSlots };
  } else {
    totals = {
      expected: slotsInSpan,
      present: present.result.reduce((a, s) => a + s.value, 0),
      good: good.result.reduce((a, s) => a + s.value, 0),
    };
  }
  const eval_ = evaluateAvailability({
    objective: slo.objective,
    ...totals,
    missingData: slo.missingData,
    minCoverage: slo.minCoverage,
  });
  return {
    sli,
    rule,
    span,
    stepMs,
    seriesCount,
    totals,
    slots,
    warnings,
    q,
    eval: applyWarnings(eval_, warnings),
  };
}

/**
 * The wall-clock slots of `span` from the per-interval query (one point per probe interval, evaluated at the
 * interval's end - 1 ms; chunked by the client under the 11 000-points limit): a slot is present when any
 * series has a sample in it, and down as `rule` says. Slots without any sample are absent (missing).
 */
async function probeSlots(
  ctx: Ctx,
  q: ProbeQueries,
  span: Span,
  stepMs: number,
  rule: DownWhen,
  queries: string[],
): Promise<{ slots: Map<number, SlotSample>; warnings: string[] }> {
  if (span.end <= span.start) return { slots: new Map(), warnings: [] };
  queries.push(q.perInterval);
  const r = await ctx.api.range(
    q.perInterval,
    new Date(span.start.getTime() + stepMs - 1),
    new Date(span.end.getTime() - 1),
    stepMs / 1000,
  );
  const counts = new Map<number, IntervalCounts>();
  for (const series of r.result) {
    const part = series.metric.part;
    if (part !== INTERVAL_PARTS.present && part !== INTERVAL_PARTS.failed) continue;
    for (const [t, v] of series.values) {
      const slot = t + 1 - stepMs;
      const c = counts.get(slot) ?? { present: 0, failed: 0 };
      if (part === INTERVAL_PARTS.present) c.present += v;
      else c.failed += v;
      counts.set(slot, c);
    }
  }
  return { slots: wallClockSlots(counts, rule), warnings: r.warnings };
}

async function evaluateProbe(slo: ReportSlo, ctx: Ctx, queries: string[]): Promise<SloReport> {
  const s = await probeSummary(slo, ctx, queries);
  const { span, stepMs } = s;
  const days = dailyWindows(ctx.window);
  const maintenance = maintenanceIn(slo, ctx.window, span);
  // Detail: one wall-clock slot per probe interval (daily figures, incidents, maintenance); the summary of
  // an SLO with several series already has them.
  const warnings = [...s.warnings];
  let slots = s.slots;
  if (!slots) {
    const d = await probeSlots(ctx, s.q, span, stepMs, s.rule, queries);
    slots = d.slots;
    warnings.push(...d.warnings);
  }
  const toIso = (d: Date) => toZonedIso(d, ctx.window.timeZone);
  const detail = probeDetail({
    start: span.start,
    end: span.end,
    stepMs,
    slots,
    // wall-clock slots: one unit per interval, whatever the number of series
    seriesCount: 1,
    days,
    maintenance,
    toIso,
  });
  // Summary counts come from the exact instant queries (one series) or the wall-clock slots (several);
  // maintenance from the per-interval detail.
  const ev = applyWarnings(
    evaluateAvailability({
      objective: slo.objective,
      ...s.totals,
      maintenance: clampMaintenance(detail.maintenance, s.totals),
      missingData: slo.missingData,
      minCoverage: slo.minCoverage,
    }),
    warnings,
  );
  const daily: DailyPoint[] = detail.days.map((d) => {
    const e = evaluateAvailability({
      objective: slo.objective,
      expected: d.expected + d.maintenance.expected,
      present: d.present + d.maintenance.present,
      good: d.good + d.maintenance.good,
      maintenance: d.maintenance,
      missingData: slo.missingData,
    });
    return { date: d.date, attainment: e.attainment, bad: (e.bad * stepMs) / 60_000 };
  });
  for (const d of days.slice(detail.days.length)) daily.push({ date: d.date, attainment: null, bad: 0 });
  const unitMinutes = stepMs / 60_000;
  const maintenanceMinutes = minutesOf(maintenance);
  return finishSlo(slo, ctx, ev, {
    unit: "minutes",
    scale: unitMinutes,
    // no samples at all: the downtime is unknown, not zero
    downtimeMinutes:
      s.totals.present > 0
        ? (s.totals.present - s.totals.good - (detail.maintenance.present - detail.maintenance.good)) *
          unitMinutes
        : undefined,
    incidents: detail.incidents,
    daily,
    maintenanceMinutes,
    maintenance: maintenance.map((m) => ({ start: toIso(m.start), end: toIso(m.end), reason: m.reason })),
    queries,
    series: { count: s.seriesCount, downWhen: s.rule },
    // the whole period's eligible time: the window minus all of its maintenance (also the part not yet reached)
    fullWindowEligible:
      (windowMinutesOf(ctx.window) - maintenanceOverlap(ctx.window, slo.maintenance).minutes) / unitMinutes,
  });
}

function clampMaintenance(
  m: { expected: number; present: number; good: number },
  totals: { expected: number; present: number; good: number },
) {
  // Detail and summary come from different queries; never let the excluded part exceed the whole.
  return {
    expected: Math.min(m.expected, totals.expected),
    present: Math.min(m.present, totals.present),
    good: Math.min(m.good, totals.good),
  };
}

const windowMinutesOf = (w: Window) => (w.end.getTime() - w.start.getTime()) / 60_000;

async function requestSummary(slo: ReportSlo, ctx: Ctx, queries: string[]) {
  const sli = slo.sli as Extract<SliSpec, { type: "ratio" | "latency" }>;
  const span = observedSpan(ctx.window, ctx.now, 60_000);
  const q = requestQueries(sli, span, REQUEST_STEP_SECONDS);
  const one = async (query: string | undefined) => {
    if (!query) return { value: null as number | null, warnings: [] as string[] };
    queries.push(query);
    const r = await ctx.api.instant(query);
    return {
      value: r.result.length > 0 ? r.result.reduce((a, s) => a + s.value, 0) : null,
      warnings: r.warnings,
    };
  };
  // Requests inside maintenance (merged windows, clipped to the span) are subtracted from good/bad/total.
  const maintenance = maintenanceIn(slo, ctx.window, span);
  const mq = maintenanceRequestQueries(sli, maintenance);
  const [good, bad, total, mGood, mBad, mTotal] = await Promise.all([
    one(q.good),
    one(q.bad),
    one(q.total),
    one(mq?.good),
    one(mq?.bad),
    one(mq?.total),
  ]);
  const warnings = [good, bad, total, mGood, mBad, mTotal].flatMap((x) => x.warnings);
  const ev = evaluateRatio({
    objective: slo.objective,
    ...(q.good ? { good: good.value } : { bad: bad.value }),
    total: total.value,
    // no series inside a maintenance window: no requests to take out
    ...(mq
      ? {
          maintenance: {
            ...(mq.good ? { good: mGood.value ?? 0 } : { bad: mBad.value ?? 0 }),
            total: mTotal.value ?? 0,
          },
        }
      : {}),
    minCoverage: slo.minCoverage,
  });
  return { sli, span, q, maintenance, warnings, eval: applyWarnings(ev, warnings) };
}

async function evaluateRequests(slo: ReportSlo, ctx: Ctx, queries: string[]): Promise<SloReport> {
  const s = await requestSummary(slo, ctx, queries);
  const days = dailyWindows(ctx.window);
  const warnings = [...s.warnings];
  // Daily breakdown: increase per 15-minute step, summed per local day (extrapolated, approximate); a step
  // counts for its share outside maintenance, and steps wholly inside maintenance are not expected.
  const step = REQUEST_STEP_SECONDS * 1000;
  const outside = (t: number) => outsideMaintenance(t, step, s.maintenance);
  const perStep = async (query: string | undefined) => {
    const out = new Map<number, number>();
    if (!query || s.span.end <= s.span.start) return out;
    queries.push(query);
    const r = await ctx.api.range(
      query,
      new Date(s.span.start.getTime() + step - 1),
      new Date(s.span.end.getTime() - 1),
      REQUEST_STEP_SECONDS,
    );
    warnings.push(...r.warnings);
    for (const series of r.result)
      for (const [t, v] of series.values) {
        const w = outside(t + 1 - step);
        if (w > 0) out.set(t + 1 - step, (out.get(t + 1 - step) ?? 0) + v * w);
      }
    return out;
  };
  const [goodSteps, badSteps, totalSteps] = await Promise.all([
    perStep(s.q.goodPerStep),
    perStep(s.q.badPerStep),
    perStep(s.q.totalPerStep),
  ]);
  let expectedSteps = 0;
  for (let t = s.span.start.getTime(); t < s.span.end.getTime(); t += step)
    if (outside(t) > 0) expectedSteps++;
  const coverage = expectedSteps > 0 ? totalSteps.size / expectedSteps : null;
  const goodDay = sumPerDay(s.q.goodPerStep ? goodSteps : badSteps, days);
  const totalDay = sumPerDay(totalSteps, days);
  const daily: DailyPoint[] = days.map((d) => {
    const total = totalDay.get(d.date) ?? 0;
    const x = goodDay.get(d.date) ?? 0;
    const goodN = s.q.goodPerStep ? Math.min(x, total) : Math.max(0, total - x);
    return { date: d.date, attainment: total > 0 ? goodN / total : null, bad: Math.max(0, total - goodN) };
  });
  let ev = applyWarnings(s.eval, warnings);
  if (coverage !== null && coverage < slo.minCoverage && ev.status === "met") {
    ev = {
      ...ev,
      status: "unknown",
      reason: `data covers only ${(coverage * 100).toFixed(1)} % of the window (minimum ${(slo.minCoverage * 100).toFixed(0)} %)`,
    };
  }
  return finishSlo(
    slo,
    ctx,
    { ...ev, coverage: coverage ?? ev.coverage },
    {
      unit: "requests",
      scale: 1,
      incidents: [],
      daily,
      maintenanceMinutes: minutesOf(s.maintenance),
      maintenance: s.maintenance.map((m) => ({
        start: toZonedIso(m.start, ctx.window.timeZone),
        end: toZonedIso(m.end, ctx.window.timeZone),
        reason: m.reason,
      })),
      queries,
      fullWindowEligible: null,
    },
  );
}

function finishSlo(
  slo: ReportSlo,
  ctx: Ctx,
  ev: SliEvaluation,
  x: {
    unit: "minutes" | "requests";
    /** units per counted sample (minutes per probe interval) */
    scale: number;
    downtimeMinutes?: number | undefined;
    incidents: SloReport["incidents"];
    daily: DailyPoint[];
    maintenanceMinutes: number;
    maintenance: SloReport["maintenance"];
    queries: string[];
    /** probe SLIs: the series found in the window and the rule that judges an interval */
    series?: SloReport["series"];
    /** eligible units of the whole window, for the budget of a window still running */
    fullWindowEligible: number | null;
  },
): SloReport {
  let budget: ErrorBudget | null = ev.errorBudget;
  let forecast: SloReport["forecast"];
  if (ctx.partial && ev.attainment !== null) {
    // A running window: the budget is the whole period's, consumption so far.
    const fullEligible =
      x.fullWindowEligible ?? (ev.eligible > 0 ? ev.eligible * windowFraction(ctx) : ev.eligible);
    budget = errorBudget({ objective: slo.objective, total: fullEligible, bad: ev.bad });
    const f = exhaustionForecast({
      objective: slo.objective,
      window: ctx.window,
      now: ctx.now,
      badSoFar: ev.bad,
      eligibleSoFar: ev.eligible,
    });
    forecast = {
      exhaustsAt: f.exhaustsAt ? toZonedIso(f.exhaustsAt, ctx.window.timeZone) : null,
      withinWindow: f.withinWindow,
    };
  }
  let status = ev.status;
  let reason = ev.reason;
  if (ctx.partial && ev.attainment !== null && budget !== null) {
    // A running period is never "met" yet: it is "missed" once the whole period's budget is gone.
    if (budget.remaining < 0) {
      status = "missed";
      reason = "the error budget of the whole period is already exhausted";
    } else {
      status = "unknown";
      const pct = Math.round(
        (100 * (ctx.now.getTime() - ctx.window.start.getTime())) /
          (ctx.window.end.getTime() - ctx.window.start.getTime()),
      );
      reason = [`period in progress (${pct} % elapsed)`, ev.reason].filter(Boolean).join("; ");
    }
  }
  const known = ev.attainment !== null && budget !== null;
  return {
    ...sloIdentity(slo),
    attainment: ev.attainment,
    status,
    ...(reason ? { reason } : {}),
    errorBudget: {
      unit: x.unit,
      allowed: known ? budget!.allowed * x.scale : 0,
      consumed: known ? budget!.consumed * x.scale : 0,
      remaining: known ? budget!.remaining : null,
      overagePercent: known ? budget!.overagePercent : 0,
    },
    ...(x.downtimeMinutes !== undefined ? { downtimeMinutes: x.downtimeMinutes } : {}),
    coverage: ev.attainment === null && ev.coverage === 0 ? 0 : ev.coverage,
    burnRate: ev.burnRate ?? null,
    ...(forecast ? { forecast } : {}),
    incidents: x.incidents,
    daily: x.daily,
    maintenanceMinutes: x.maintenanceMinutes,
    maintenance: x.maintenance,
    missingData: slo.missingData,
    ...(x.series ? { series: x.series } : {}),
    method: methodText(slo, x.series?.count),
    queries: x.queries,
  };
}

function windowFraction(ctx: Ctx): number {
  const total = ctx.window.end.getTime() - ctx.window.start.getTime();
  const elapsed = Math.max(1, Math.min(total, ctx.now.getTime() - ctx.window.start.getTime()));
  return total / elapsed;
}

/** How maintenance leaves a request SLI, for its method text. */
const REQUEST_MAINTENANCE_METHOD =
  " Maintenance windows (clipped to the window, overlapping ones merged) are excluded: the requests inside " +
  "each, increase() over the maintenance window evaluated at its end - 1 ms, are subtracted from good and " +
  "total (and from the daily figures, by the share of each 15-minute step inside maintenance).";

/** @param series probe SLIs: the number of series found in the window (absent when unknown) */
export function methodText(slo: ReportSlo, series?: number): string {
  const maintenance = slo.maintenance.length > 0 ? REQUEST_MAINTENANCE_METHOD : "";
  switch (slo.sli.type) {
    case "probe": {
      const i = slo.sli.intervalSeconds;
      const rule = slo.sli.downWhen ?? DEFAULT_DOWN_WHEN;
      const counted =
        series !== undefined && series > 1
          ? `Availability = good intervals / expected intervals of wall-clock time (one per ${i} s) in the ` +
            `window. ${series} series probe the target (locations or shards): an interval is down when ` +
            `${downWhenText(rule)} (downWhen: ${rule}), missing when none has a sample. Per interval, the ` +
            "series with a sample and those that failed are counted in PromQL (count of min_over_time over " +
            "the interval, a range query evaluated at each interval's end - 1 ms) and the rule is applied " +
            "to each interval; attainment, downtime, incidents, daily figures and the budget count " +
            "wall-clock minutes, never series-minutes; "
          : `Availability = successful probe samples / expected samples (one per ${i} s) in the window, ` +
            "counted exactly with count_over_time/sum_over_time evaluated at the window end - 1 ms " +
            `(${series === 1 ? "1 series; " : ""}with several series, an interval of wall-clock time is down ` +
            `when ${downWhenText(rule)}, downWhen: ${rule}); `;
      return (
        `${counted}maintenance excluded (overlapping windows merged); missing samples: ${slo.missingData}. ` +
        "Error budget = (1 - objective) x (window minutes - maintenance minutes), whatever the missing-data " +
        "policy: missing minutes lower the coverage, not the budget."
      );
    }
    case "ratio":
      return (
        `Ratio = sum(increase(${slo.sli.good ? "good" : "bad"})) / sum(increase(total)) over the window at its end - 1 ms. ` +
        "increase() extrapolates to the window edges and handles counter resets, so request counts are not " +
        "integers; a series that first appears inside the window loses its first sample. Daily figures sum " +
        `15-minute increases and are approximate.${maintenance}`
      );
    case "latency":
      return (
        `Latency = requests at or below ${slo.sli.thresholdSeconds} s (histogram bucket le) / all requests, both ` +
        `from increase() over the window at its end - 1 ms (extrapolated; see ratio SLIs).${maintenance}`
      );
    default:
      return "Quantile from histogram_quantile over increase() of the buckets across the window (interpolated within a bucket).";
  }
}

/**
 * Runs one instant query whose series carry a `quantile` label (or a single unlabelled series for `only`),
 * and returns the value per quantile; a failed query is an error of the report, not a silent gap.
 */
async function quantileValues(
  ctx: Ctx,
  slo: ReportSlo,
  query: string,
  only?: number,
): Promise<{ values: Map<number, number | null>; warnings: boolean }> {
  const values = new Map<number, number | null>();
  try {
    const r = await ctx.api.instant(query);
    for (const s of r.result) {
      const q = only ?? Number(s.metric.quantile);
      values.set(q, Number.isFinite(s.value) ? s.value : null);
    }
    return { values, warnings: r.warnings.length > 0 };
  } catch (e) {
    ctx.errors.push(queryError(slo, `latency quantiles: ${errText(e)}`, e, "latency"));
    return { values, warnings: false };
  }
}

function quantileFigure(
  slo: ReportSlo,
  quantile: number,
  query: string,
  target: number | undefined,
  got: { values: Map<number, number | null>; warnings: boolean },
): QuantileFigure {
  const value = got.values.get(quantile) ?? null;
  const status: SloStatus =
    value === null || target === undefined || got.warnings ? "unknown" : value <= target ? "met" : "missed";
  return {
    name: slo.name,
    service: slo.service,
    quantile,
    ...(target !== undefined ? { targetSeconds: target } : {}),
    query,
    valueSeconds: value,
    status,
  };
}

/**
 * p95 and p99 of the probe's total duration over the window (every probe, failed ones included; the worst
 * series when several locations probe the target), judged against the target's warn/crit thresholds.
 * One query for both.
 */
async function evaluateProbeLatency(slo: ReportSlo, ctx: Ctx): Promise<QuantileFigure[]> {
  const sli = slo.sli as Extract<SliSpec, { type: "probe" }>;
  const span = observedSpan(ctx.window, ctx.now, sli.intervalSeconds * 1000);
  if (span.end <= span.start) return [];
  const thresholds = sli.target ? ctx.latencyTargets?.[sli.target] : undefined;
  const query = probeLatencyQuery(sli, PROBE_QUANTILES, span);
  const got = await quantileValues(ctx, slo, query);
  const toSeconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  return [
    quantileFigure(slo, 0.95, query, toSeconds(thresholds?.warnMs), got),
    quantileFigure(slo, 0.99, query, toSeconds(thresholds?.critMs), got),
  ];
}

async function evaluateQuantiles(slo: ReportSlo, ctx: Ctx): Promise<QuantileFigure[]> {
  const sli = slo.sli as Extract<SliSpec, { type: "quantile" }>;
  const span = observedSpan(ctx.window, ctx.now, 60_000);
  return Promise.all(
    sli.quantiles.map(async (qv) => {
      const query = quantileQuery(sli, qv, span);
      return quantileFigure(
        slo,
        qv,
        query,
        sli.targetSeconds?.[String(qv)],
        await quantileValues(ctx, slo, query, qv),
      );
    }),
  );
}

export function findBreaches(
  slos: SloReport[],
  partial: boolean,
  burn: { fast: number; slow: number },
): Breach[] {
  const out: Breach[] = [];
  for (const s of slos) {
    const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(3)} %`);
    if (s.status === "missed") {
      const rem = s.errorBudget.remaining ?? 0;
      out.push(
        partial
          ? {
              slo: s.name,
              service: s.service,
              kind: "budget-exhausted",
              severity: "critical",
              detail: `error budget of the period exhausted while it is still running (${(rem * 100).toFixed(1)} % remaining)`,
            }
          : {
              slo: s.name,
              service: s.service,
              kind: "missed",
              severity: "critical",
              detail: `attainment ${pct(s.attainment)} below objective ${pct(s.objective)}`,
            },
      );
      continue;
    }
    if (partial && s.burnRate !== null && s.burnRate >= burn.slow) {
      out.push({
        slo: s.name,
        service: s.service,
        kind: "fast-burn",
        severity: s.burnRate >= burn.fast ? "critical" : "warning",
        detail: `burning the error budget at ${s.burnRate.toFixed(1)}x the sustainable rate`,
      });
    }
  }
  return out;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
