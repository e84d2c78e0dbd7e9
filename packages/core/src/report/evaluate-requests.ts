/**
 * Ratio and latency SLIs from fetched answers (pure): good (or bad) and total requests over the window, less
 * the requests inside maintenance; daily figures and coverage from the per-15-minute increases.
 */
import { evaluateRatio } from "../slo/sli.js";
import { dailyWindows, toZonedIso, type Window } from "../slo/windows.js";
import {
  addToStep,
  emptyStepSums,
  outsideMaintenance,
  type StepSums,
  slotGrid,
  stepsWithSum,
  sumPerDay,
} from "./detail.js";
import {
  answer,
  applyWarnings,
  type Evaluation,
  minutesOf,
  notStarted,
  type SloFigures,
  unknownEvaluation,
} from "./evaluate-common.js";
import type { QueryResults } from "./fetch.js";
import type { DailyPoint } from "./model.js";
import { type QueryId, type RequestPeriod, type RequestSloPlan, stepOf } from "./plan.js";
import { budgetUnitOf } from "./queries.js";

/** Sum of an instant answer's samples; null when it has no series at all. */
function sumOf(results: QueryResults, id: QueryId | undefined): { value: number | null; warnings: string[] } {
  if (!id) return { value: null, warnings: [] };
  const r = answer(results, id, "instant");
  return {
    value: r.samples.length > 0 ? r.samples.reduce((a, s) => a + s.value, 0) : null,
    warnings: r.warnings,
  };
}

/**
 * The period's summary. A ratio SLI whose good (or bad) selector has no series at all while total has data
 * had no such requests: 0 (a month without a single error never creates the error series). A latency SLI
 * with requests but no bucket at the threshold is unknown: the threshold is not one of the histogram's
 * buckets. Without total, the SLO is unknown.
 */
export function requestSummary(p: RequestSloPlan, period: RequestPeriod, results: QueryResults): Evaluation {
  const num = sumOf(results, period.numerator);
  const total = sumOf(results, period.total);
  const mNum = sumOf(results, period.maintenanceNumerator);
  const mTotal = sumOf(results, period.maintenanceTotal);
  const warnings = [num, total, mNum, mTotal].flatMap((x) => x.warnings);
  if (total.value === null) return unknownEvaluation([{ code: "no-total-series" }]);
  if (num.value === null && p.spec.type === "latency") {
    return unknownEvaluation([{ code: "no-latency-bucket", thresholdSeconds: p.spec.thresholdSeconds }]);
  }
  const value = num.value ?? 0;
  const ev = evaluateRatio({
    objective: p.slo.objective,
    ...(p.numerator === "good" ? { good: value } : { bad: value }),
    total: total.value,
    // no series inside a maintenance window: no requests to take out
    ...(period.maintenanceTotal
      ? {
          maintenance: {
            ...(p.numerator === "good" ? { good: mNum.value ?? 0 } : { bad: mNum.value ?? 0 }),
            total: mTotal.value ?? 0,
          },
        }
      : {}),
    minCoverage: p.slo.minCoverage,
  });
  return applyWarnings(ev, warnings);
}

export function evaluateRequestSlo(p: RequestSloPlan, results: QueryResults, window: Window): SloFigures {
  const days = dailyWindows(window);
  const { span, maintenance, perStep } = p.current;
  if (!p.current.total || !perStep) return notStarted(budgetUnitOf(p.spec), days);
  const s = requestSummary(p, p.current, results);
  // Daily breakdown: increase per 15-minute step, summed per local day (extrapolated, approximate); a step
  // counts for its share outside maintenance, and steps wholly inside maintenance are not expected.
  const step = perStep.stepMs;
  const outside = (t: number) => outsideMaintenance(t, step, maintenance);
  const warnings: string[] = [];
  const grid = slotGrid(span.start, span.end, step);
  const perStepValues = (id: QueryId): StepSums => {
    const r = answer(results, id, "range");
    warnings.push(...r.warnings);
    const out = emptyStepSums(grid);
    for (const series of r.series)
      for (const [t, v] of series.values) {
        const slot = stepOf(t, step);
        const w = outside(slot);
        if (w > 0) addToStep(out, slot, v * w);
      }
    return out;
  };
  const numSteps = perStepValues(perStep.numerator);
  const totalSteps = perStepValues(perStep.total);
  let expectedSteps = 0;
  for (let t = span.start.getTime(); t < span.end.getTime(); t += step) if (outside(t) > 0) expectedSteps++;
  const coverage = expectedSteps > 0 ? stepsWithSum(totalSteps) / expectedSteps : null;
  const numDay = sumPerDay(numSteps, days);
  const totalDay = sumPerDay(totalSteps, days);
  const daily: DailyPoint[] = days.map((d) => {
    const total = totalDay.get(d.date) ?? 0;
    const x = numDay.get(d.date) ?? 0;
    const good = p.numerator === "good" ? Math.min(x, total) : Math.max(0, total - x);
    return { date: d.date, attainment: total > 0 ? good / total : null, bad: Math.max(0, total - good) };
  });
  let ev = applyWarnings(s, warnings);
  if (coverage !== null && coverage < p.slo.minCoverage && ev.status === "met") {
    ev = {
      ...ev,
      status: "unknown",
      why: [...ev.why, { code: "coverage-below-minimum", coverage, minCoverage: p.slo.minCoverage }],
    };
  }
  const toIso = (d: Date) => toZonedIso(d, window.timeZone);
  return {
    ev,
    unit: budgetUnitOf(p.spec),
    scale: 1,
    incidents: [],
    daily,
    maintenanceMinutes: minutesOf(maintenance),
    maintenance: maintenance.map((m) => ({ start: toIso(m.start), end: toIso(m.end), reason: m.reason })),
    fullWindowEligible: null,
    ...(coverage !== null ? { coverage } : {}),
  };
}
