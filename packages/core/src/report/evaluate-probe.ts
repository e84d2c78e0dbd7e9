/**
 * Probe SLIs from fetched answers (pure): exact sample counts for one series, wall-clock intervals judged by
 * `downWhen` for several; daily figures, incidents and maintenance from the per-interval answer.
 */
import { evaluateAvailability } from "../slo/sli.js";
import { dailyWindows, toZonedIso, type Window } from "../slo/windows.js";
import {
  emptyGridCounts,
  type GridCounts,
  probeDetail,
  type SlotGrid,
  slotGrid,
  slotIndex,
  type WallClockSlots,
  wallClockSlots,
} from "./detail.js";
import {
  answer,
  applyWarnings,
  type Evaluation,
  minutesOf,
  notStarted,
  type SloFigures,
} from "./evaluate-common.js";
import type { QueryResults, RangeSeries } from "./fetch.js";
import type { DailyPoint, SloReason } from "./model.js";
import { type ProbePeriod, type ProbeSloPlan, stepOf } from "./plan.js";
import { INTERVAL_PARTS } from "./queries.js";

interface ProbeCounts {
  seriesCount: number;
  /** in probe intervals of wall-clock time */
  totals: { expected: number; present: number; good: number };
  /** the period's wall-clock slots, when the per-interval answer was fetched */
  slots?: WallClockSlots;
  warnings: string[];
}

/** Per interval of the grid: series with a sample and series that failed, from the range answer. */
function intervalCounts(series: readonly RangeSeries[], grid: SlotGrid): GridCounts {
  const counts = emptyGridCounts(grid);
  for (const s of series) {
    const part = s.metric.part;
    if (part !== INTERVAL_PARTS.present && part !== INTERVAL_PARTS.failed) continue;
    const isPresent = part === INTERVAL_PARTS.present;
    const into = isPresent ? counts.present : counts.failed;
    for (const [t, v] of s.values) {
      const slot = stepOf(t, grid.stepMs);
      const k = slotIndex(grid, slot);
      if (k >= 0) {
        into[k] = into[k]! + v;
        continue;
      }
      const c = counts.offGrid.get(slot) ?? { present: 0, failed: 0 };
      if (isPresent) c.present += v;
      else c.failed += v;
      counts.offGrid.set(slot, c);
    }
  }
  return counts;
}

/**
 * The period's counts. One series: the exact instant counts (count_over_time / sum_over_time at the end
 * - 1 ms). Several series: every interval judged once by `downWhen` from the per-interval answer, so the
 * figures are intervals of wall-clock time, never series-intervals.
 */
function probeCounts(period: ProbePeriod, p: ProbeSloPlan, results: QueryResults): ProbeCounts {
  const expected = Math.round((period.span.end.getTime() - period.span.start.getTime()) / p.stepMs);
  if (!period.present || !period.good) {
    return { seriesCount: 0, totals: { expected, present: 0, good: 0 }, warnings: [] };
  }
  const present = answer(results, period.present, "instant");
  const good = answer(results, period.good, "instant");
  const warnings = [...present.warnings, ...good.warnings];
  const perInterval = period.perInterval ? results.get(period.perInterval) : undefined;
  let slots: WallClockSlots | undefined;
  if (perInterval?.status === "ok" && perInterval.kind === "range") {
    const grid = slotGrid(period.span.start, period.span.end, p.stepMs);
    slots = wallClockSlots(intervalCounts(perInterval.series, grid), p.rule);
    warnings.push(...perInterval.warnings);
  }
  const seriesCount = present.samples.length;
  if (seriesCount > 1 && slots) {
    let presentSlots = slots.offGrid.present;
    let goodSlots = slots.offGrid.good;
    for (let k = 0; k < slots.grid.count; k++) {
      presentSlots += slots.present[k]!;
      goodSlots += slots.good[k]!;
    }
    return { seriesCount, totals: { expected, present: presentSlots, good: goodSlots }, slots, warnings };
  }
  const sum = (xs: { value: number }[]) => xs.reduce((a, s) => a + s.value, 0);
  return {
    seriesCount,
    totals: { expected, present: sum(present.samples), good: sum(good.samples) },
    ...(slots ? { slots } : {}),
    warnings,
  };
}

/** The previous period's attainment and status (no detail). */
export function previousProbe(p: ProbeSloPlan, results: QueryResults): Evaluation {
  const c = probeCounts(p.previous!, p, results);
  const ev = evaluateAvailability({
    objective: p.slo.objective,
    ...c.totals,
    missingData: p.slo.missingData,
    minCoverage: p.slo.minCoverage,
  });
  return applyWarnings(ev, c.warnings);
}

/** Reasons count probe intervals; the text says minutes. */
function inMinutes(why: SloReason[], minutesPerInterval: number): SloReason[] {
  if (minutesPerInterval === 1) return why;
  return why.map((r) => {
    if (r.code === "no-data") return { ...r, eligible: r.eligible * minutesPerInterval };
    if (r.code === "missing-decides" || r.code === "missing-counted")
      return { ...r, missing: r.missing * minutesPerInterval };
    return r;
  });
}

export function evaluateProbeSlo(p: ProbeSloPlan, results: QueryResults, window: Window): SloFigures {
  const { span } = p.current;
  const unit = p.stepMs / 60_000;
  const days = dailyWindows(window);
  if (!p.current.present) return notStarted("minutes", days);
  const c = probeCounts(p.current, p, results);
  const toIso = (d: Date) => toZonedIso(d, window.timeZone);
  const detail = probeDetail({
    start: span.start,
    end: span.end,
    stepMs: p.stepMs,
    ...(c.slots ? { slots: c.slots } : {}),
    // wall-clock slots: one unit per interval, whatever the number of series
    seriesCount: 1,
    days,
    maintenance: p.current.maintenance,
    toIso,
  });
  // Detail and summary can come from different queries (one series): never let the excluded part exceed
  // the whole.
  const m = {
    expected: Math.min(detail.maintenance.expected, c.totals.expected),
    present: Math.min(detail.maintenance.present, c.totals.present),
    good: Math.min(detail.maintenance.good, c.totals.good),
  };
  const ev = applyWarnings(
    evaluateAvailability({
      objective: p.slo.objective,
      ...c.totals,
      maintenance: m,
      missingData: p.slo.missingData,
      minCoverage: p.slo.minCoverage,
    }),
    c.warnings,
  );
  // Daily figures: attainment as the policy counts it; `bad` the observed downtime and `missing` the
  // minutes without data, apart, so that the days add up to the downtime and the incidents whatever the
  // policy (under missingData: bad the budget consumed is their sum).
  const daily: DailyPoint[] = detail.days.map((d) => {
    const e = evaluateAvailability({
      objective: p.slo.objective,
      expected: d.expected + d.maintenance.expected,
      present: d.present + d.maintenance.present,
      good: d.good + d.maintenance.good,
      maintenance: d.maintenance,
      missingData: p.slo.missingData,
    });
    return {
      date: d.date,
      attainment: e.attainment,
      bad: (d.present - d.good) * unit,
      missing: (d.expected - d.present) * unit,
    };
  });
  for (const d of days.slice(detail.days.length))
    daily.push({ date: d.date, attainment: null, bad: 0, missing: 0 });
  return {
    ev: { ...ev, why: inMinutes(ev.why, unit) },
    unit: "minutes",
    scale: unit,
    // no samples at all: the downtime is unknown, not zero
    ...(c.totals.present > 0
      ? { downtimeMinutes: (c.totals.present - c.totals.good - (m.present - m.good)) * unit }
      : {}),
    incidents: detail.incidents,
    daily,
    maintenanceMinutes: minutesOf(p.current.maintenance),
    maintenance: p.current.maintenance.map((x) => ({
      start: toIso(x.start),
      end: toIso(x.end),
      reason: x.reason,
    })),
    series: { count: c.seriesCount, downWhen: p.rule },
    fullWindowEligible: p.current.fullWindowEligible,
  };
}
