/**
 * The last step of a report (pure): a plan (plan.ts) and the answers to its queries (fetch.ts) become the
 * report's numbers: attainment, status, error budget, downtime, incidents, daily figures, latency figures and
 * breaches, with reasons and the method as structured codes (the text layer, render/explain.ts, writes the
 * sentences). A failed or partial query never yields "met".
 */
import { type ErrorBudget, errorBudget, exhaustionForecast } from "../slo/budget.js";
import { dailyWindows, formatWindow, toZonedIso, type Window, windowHours } from "../slo/windows.js";
import {
  type Evaluation,
  firstFailure,
  type SloFigures,
  unknownDays,
  unknownEvaluation,
} from "./evaluate-common.js";
import { evaluateProbeSlo, previousProbe } from "./evaluate-probe.js";
import { evaluateRequestSlo, requestSummary } from "./evaluate-requests.js";
import type { QueryResults } from "./fetch.js";
import type {
  EvaluatedBreach,
  EvaluatedReport,
  EvaluatedSlo,
  FigureStatus,
  MethodSpec,
  QuantileFigure,
  ReportDocument,
  SloReason,
  SloStatus,
} from "./model.js";
import type { FigurePlan, QueryId, ReportPlan, ReportSlo, SloPlan } from "./plan.js";
import { budgetUnitOf, isShareSli, isUserDefinedSli, numeratorOf } from "./queries.js";

export interface EvaluateOptions {
  /** shown in the report; must not carry credentials */
  sourceLabel: string;
  /** burn-rate thresholds of a running window's breaches */
  burnRate?: { fast: number; slow: number };
}

type ReportError = ReportDocument["errors"][number];

function methodOf(p: SloPlan, series?: number): MethodSpec {
  const sli = p.slo.sli;
  const maintenance = p.slo.maintenance.length > 0;
  if (sli.type === "probe") {
    return {
      sli: "probe",
      intervalSeconds: sli.intervalSeconds,
      downWhen: p.sli === "probe" ? p.rule : (sli.downWhen ?? "majority"),
      missingData: p.slo.missingData,
      ...(series !== undefined ? { series } : {}),
    };
  }
  if (sli.type === "latency") return { sli: "latency", thresholdSeconds: sli.thresholdSeconds, maintenance };
  const userDefined = isUserDefinedSli(sli) ? (isShareSli(sli) ? "share" : "events") : undefined;
  return { sli: "ratio", numerator: numeratorOf(sli), maintenance, ...(userDefined ? { userDefined } : {}) };
}

function identity(slo: ReportSlo) {
  return {
    name: slo.name,
    service: slo.service,
    ...(slo.description ? { description: slo.description } : {}),
    objective: slo.objective,
    sliType: slo.sli.type as EvaluatedSlo["sliType"],
    ...(isUserDefinedSli(slo.sli) ? { userDefined: true as const } : {}),
  };
}

function unknownSlo(p: SloPlan, w: Window, why: SloReason[], queries: string[]): EvaluatedSlo {
  return {
    ...identity(p.slo),
    attainment: null,
    status: "unknown",
    why,
    errorBudget: {
      unit: budgetUnitOf(p.slo.sli),
      allowed: 0,
      consumed: 0,
      remaining: null,
      overagePercent: 0,
    },
    coverage: null,
    burnRate: null,
    incidents: [],
    daily: unknownDays(dailyWindows(w)),
    maintenanceMinutes: 0,
    maintenance: [],
    missingData: p.slo.missingData,
    method: methodOf(p),
    queries,
  };
}

/** Budget of a running window, status, identity: the figures of one SLI kind become the SLO's report. */
function finish(p: SloPlan, plan: ReportPlan, x: SloFigures, queries: string[]): EvaluatedSlo {
  const { ev } = x;
  const { window: w, now } = plan;
  let budget: ErrorBudget | null = ev.errorBudget;
  let forecast: EvaluatedSlo["forecast"];
  let status = ev.status;
  let why = ev.why;
  if (plan.partial && ev.attainment !== null) {
    // A running window: the budget is the whole period's, consumption so far.
    const length = w.end.getTime() - w.start.getTime();
    const elapsed = Math.max(1, Math.min(length, now.getTime() - w.start.getTime()));
    const fullEligible =
      x.fullWindowEligible ?? (ev.eligible > 0 ? ev.eligible * (length / elapsed) : ev.eligible);
    budget = errorBudget({ objective: p.slo.objective, total: fullEligible, bad: ev.bad });
    const f = exhaustionForecast({
      objective: p.slo.objective,
      window: w,
      now,
      badSoFar: ev.bad,
      eligibleSoFar: ev.eligible,
    });
    forecast = {
      exhaustsAt: f.exhaustsAt ? toZonedIso(f.exhaustsAt, w.timeZone) : null,
      withinWindow: f.withinWindow,
    };
    // A running period is never "met" yet: it is "missed" once the whole period's budget is gone.
    if (budget.remaining < 0) {
      status = "missed";
      why = [{ code: "budget-exhausted-early" }];
    } else {
      status = "unknown";
      why = [{ code: "period-in-progress", elapsed: (now.getTime() - w.start.getTime()) / length }, ...why];
    }
  }
  const known = ev.attainment !== null && budget !== null;
  return {
    ...identity(p.slo),
    attainment: ev.attainment,
    status,
    why,
    errorBudget: {
      unit: x.unit,
      allowed: known ? budget!.allowed * x.scale : 0,
      consumed: known ? budget!.consumed * x.scale : 0,
      remaining: known ? budget!.remaining : null,
      overagePercent: known ? budget!.overagePercent : 0,
    },
    ...(x.downtimeMinutes !== undefined ? { downtimeMinutes: x.downtimeMinutes } : {}),
    coverage: x.coverage ?? (ev.attainment === null && ev.coverage === 0 ? 0 : ev.coverage),
    burnRate: ev.burnRate ?? null,
    ...(forecast ? { forecast } : {}),
    incidents: x.incidents,
    daily: x.daily,
    maintenanceMinutes: x.maintenanceMinutes,
    maintenance: x.maintenance,
    missingData: p.slo.missingData,
    ...(x.series ? { series: x.series } : {}),
    method: methodOf(p, x.series?.count),
    queries,
  };
}

function evaluateSlo(
  p: SloPlan,
  plan: ReportPlan,
  results: QueryResults,
  errors: ReportError[],
  promql: ReadonlyMap<QueryId, string>,
) {
  // the current window's queries that were sent (the report lists them)
  const queries = p.queries.filter((id) => results.has(id) && results.get(id)!.status !== "skipped");
  const sent = queries.map((id) => promql.get(id)!);
  if (p.sli === "invalid") {
    errors.push({ slo: p.slo.name, part: "figures", error: p.error, rejected: true });
    return unknownSlo(p, plan.window, [{ code: "invalid-input", detail: p.error }], []);
  }
  const failed = firstFailure(results, p.queries);
  if (failed) {
    errors.push({
      slo: p.slo.name,
      part: "figures",
      error: failed.error,
      ...(failed.rejected ? { rejected: true as const } : {}),
    });
    return unknownSlo(p, plan.window, [{ code: "query-failed", error: failed.error }], sent);
  }
  const r =
    p.sli === "probe"
      ? finish(p, plan, evaluateProbeSlo(p, results, plan.window), sent)
      : finish(p, plan, evaluateRequestSlo(p, results, plan.window), sent);
  if (!p.previous) return r;
  const prevFailed = firstFailure(results, p.previous.queries);
  if (prevFailed) {
    r.previous = { period: p.previous.period, attainment: null, status: "unknown" };
    r.why = [...r.why, { code: "previous-unavailable", error: prevFailed.error }];
    errors.push({
      slo: p.slo.name,
      part: "previous",
      error: `previous period: ${prevFailed.error}`,
      ...(prevFailed.rejected ? { rejected: true as const } : {}),
    });
    return r;
  }
  const prev: Evaluation =
    p.sli === "probe"
      ? previousProbe(p, results)
      : p.previous.total
        ? requestSummary(p, p.previous, results)
        : unknownEvaluation([{ code: "not-started" }]);
  r.previous = { period: p.previous.period, attainment: prev.attainment, status: prev.status };
  return r;
}

/** The latency figures of one query: p95/p99 of a probe target, or one quantile of a histogram. */
function evaluateFigures(f: FigurePlan, results: QueryResults, errors: ReportError[]): QuantileFigure[] {
  const values = new Map<number, number | null>();
  const r = f.query ? results.get(f.query) : undefined;
  if (r?.status === "failed") {
    errors.push({
      slo: f.slo.name,
      part: "latency",
      error: `latency quantiles: ${r.error}`,
      ...(r.rejected ? { rejected: true as const } : {}),
    });
  }
  const ok = r?.status === "ok" && r.kind === "instant" ? r : undefined;
  for (const s of ok?.samples ?? []) {
    const q = f.labelled ? Number(s.metric.quantile) : f.figures[0]!.quantile;
    values.set(q, Number.isFinite(s.value) ? s.value : null);
  }
  const warned = (ok?.warnings.length ?? 0) > 0;
  return f.figures.map(({ quantile, targetSeconds }) => {
    const value = values.get(quantile) ?? null;
    const status: FigureStatus =
      value === null
        ? "unknown"
        : targetSeconds === undefined
          ? "no-target"
          : warned
            ? "unknown"
            : value <= targetSeconds
              ? "met"
              : "missed";
    return {
      name: f.slo.name,
      service: f.slo.service,
      quantile,
      ...(targetSeconds !== undefined ? { targetSeconds } : {}),
      query: f.promql,
      valueSeconds: value,
      status,
    };
  });
}

/**
 * Breaches of the SLOs' figures: a missed complete window, a running window whose whole budget is gone, or a
 * running window burning faster than `burn.slow` (critical from `burn.fast`). Only SLOs with complete figures
 * can breach (an SLO whose queries failed is unknown).
 */
export function findBreaches(
  slos: readonly Pick<EvaluatedSlo, "name" | "service" | "status" | "burnRate">[],
  partial: boolean,
  burn: { fast: number; slow: number },
): EvaluatedBreach[] {
  const out: EvaluatedBreach[] = [];
  for (const s of slos) {
    const base = { slo: s.name, service: s.service };
    if (s.status === "missed") {
      out.push({ ...base, kind: partial ? "budget-exhausted" : "missed", severity: "critical" });
    } else if (partial && s.burnRate !== null && s.burnRate >= burn.slow) {
      out.push({ ...base, kind: "fast-burn", severity: s.burnRate >= burn.fast ? "critical" : "warning" });
    }
  }
  return out;
}

export function evaluateReport(
  plan: ReportPlan,
  results: QueryResults,
  opts: EvaluateOptions,
): EvaluatedReport {
  const w = plan.window;
  const errors: ReportError[] = [];
  const promql = new Map(plan.queries.map((q) => [q.id, q.promql]));
  const slos = plan.slos.map((p) => evaluateSlo(p, plan, results, errors, promql));
  const quantiles = plan.figures.flatMap((f) => evaluateFigures(f, results, errors));
  const count = (st: SloStatus) => slos.filter((s) => s.status === st).length;
  return {
    schemaVersion: 1,
    kind: w.kind,
    period: w.period,
    window: { ...formatWindow(w), hours: windowHours(w) },
    generatedAt: toZonedIso(plan.now, w.timeZone),
    partial: plan.partial,
    source: { prometheus: opts.sourceLabel },
    summary: { total: slos.length, met: count("met"), missed: count("missed"), unknown: count("unknown") },
    slos,
    quantiles,
    breaches: findBreaches(slos, plan.partial, opts.burnRate ?? { fast: 14.4, slow: 6 }),
    errors,
  };
}
