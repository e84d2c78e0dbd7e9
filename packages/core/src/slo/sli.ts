// Evaluate an SLI over a window from counts: maintenance exclusion, missing-data policy, coverage, status.
// Pure: the counts come from elsewhere (Prometheus count_over_time / increase, evaluated at the window end).
//
// Never "met" on missing, NaN or inconsistent input: such input yields status "unknown" with a reason code
// naming what is wrong (these functions do not throw on bad data, because a report must still be written).
// Reasons are structured (`SliReason`); the report's text layer (report/render/explain.ts) writes the sentence.

import {
  assertObjective,
  BUDGET_EPSILON,
  burnRate as computeBurnRate,
  type ErrorBudget,
  errorBudget,
  type SloStatus,
  withinBudget,
} from "./budget.js";
import { parseInstant, type Window } from "./windows.js";

export type MissingDataPolicy = "unknown" | "good" | "bad";

/** When one probe interval of an SLO with several series (locations, shards) is down. */
export type DownWhen = "any" | "majority" | "all";
export const DEFAULT_DOWN_WHEN: DownWhen = "majority";

/**
 * Whether an interval is down, from the series that have a sample in it (`present`) and how many of those
 * failed (`failed`). An interval without any sample is missing data, never down. With one series all three
 * rules agree: down when it failed.
 * - any: at least one failed; majority: more than half failed (2 of 3, 2 of 2, 3 of 4); all: every one failed.
 */
export function intervalDown(rule: DownWhen, present: number, failed: number): boolean {
  if (!(present > 0) || !(failed > 0)) return false;
  const f = Math.min(failed, present);
  switch (rule) {
    case "any":
      return true;
    case "all":
      return f === present;
    default:
      return 2 * f > present;
  }
}

/** The rule in words, completing "an interval is down when …". */
export function downWhenText(rule: DownWhen): string {
  switch (rule) {
    case "any":
      return "at least one of the series with a sample in it failed";
    case "all":
      return "every series with a sample in it failed";
    default:
      return "more than half of the series with a sample in it failed";
  }
}

export interface AvailabilityCounts {
  /** Units (minutes or samples) the window should have. */
  expected: number;
  /** Units actually observed (samples present). */
  present: number;
  /** Observed units that succeeded. */
  good: number;
}

export interface AvailabilityInput extends AvailabilityCounts {
  objective: number;
  /** The part of the counts above that lies inside maintenance; excluded from the SLI. Default: none. */
  maintenance?: AvailabilityCounts;
  /** Default "unknown". */
  missingData?: MissingDataPolicy;
  /** Minimum coverage (present/eligible, 0..1) for the status to be "met". Default 0 (no minimum). */
  minCoverage?: number;
  /** Unit of the counts, carried in reasons only. Default "minutes". */
  unit?: "minutes" | "samples";
}

export interface SliEvaluation {
  /**
   * Policy "good"/"bad": (good incl. missing-as-good) / eligible. Policy "unknown": good/present over the
   * observed data only. null when there is no data (or the input is invalid).
   */
  attainment: number | null;
  status: SloStatus;
  /** why the status is what it is (unknown, or missing data counted by the policy); empty when nothing to say */
  why: SliReason[];
  /** Units counted against the objective before missing data: expected − maintenance (or total − maintenance). */
  eligible: number;
  /** Good units as counted by the policy (policy "good" includes the missing units). */
  good: number;
  /** Bad units as counted by the policy (policy "bad" includes the missing units). */
  bad: number;
  /** Eligible units without data. */
  missing: number;
  /** present / eligible, 0..1 (0 when nothing is eligible). */
  coverage: number;
  /**
   * Attainment if every missing unit were bad (low) / good (high). Equal to attainment when nothing is
   * missing; null when there is no data.
   */
  bounds: { low: number; high: number } | null;
  /**
   * (1 − objective) × eligible units, whatever the missing-data policy (consumed = bad as counted by the
   * policy); null when attainment is null.
   */
  errorBudget: ErrorBudget | null;
  burnRate: number | null;
}

/**
 * Why an evaluation is unknown or what qualifies it, as data. `invalid-input` carries a technical detail
 * (a bug or corrupt data upstream, like an exception message); every other code is turned into a sentence
 * by the text layer.
 */
export type SliReason =
  | { code: "invalid-input"; detail: string }
  /** the whole window is maintenance (or empty) */
  | { code: "no-eligible-time" }
  /** nothing observed in `eligible` units */
  | { code: "no-data"; eligible: number; unit: "minutes" | "samples" }
  /** policy unknown: the missing units decide between met and missed */
  | {
      code: "missing-decides";
      missing: number;
      unit: "minutes" | "samples";
      low: number;
      high: number;
      objective: number;
    }
  /** policy good/bad: the missing units were counted as such */
  | { code: "missing-counted"; missing: number; unit: "minutes" | "samples"; policy: "good" | "bad" }
  | { code: "coverage-below-minimum"; coverage: number; minCoverage: number }
  /** request SLIs: total is 0 */
  | { code: "no-events" }
  /** request SLIs: the good (or bad) count has no value; `prefix` "maintenance." for the maintenance part */
  | { code: "no-numerator"; prefix: string };

const NO_MAINTENANCE: AvailabilityCounts = { expected: 0, present: 0, good: 0 };

function invalidNumber(value: unknown, what: string): string | null {
  if (typeof value !== "number" || Number.isNaN(value))
    return `${what} is missing or not a number (${String(value)})`;
  if (!Number.isFinite(value) || value < 0) return `${what} must be a finite number >= 0, got ${value}`;
  return null;
}

function objectiveProblem(objective: unknown): string | null {
  try {
    assertObjective(objective as number);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The figures of an evaluation that can say nothing (status unknown); add the reasons. */
export const NO_FIGURES: Omit<SliEvaluation, "why"> = {
  attainment: null,
  status: "unknown",
  eligible: 0,
  good: 0,
  bad: 0,
  missing: 0,
  coverage: 0,
  bounds: null,
  errorBudget: null,
  burnRate: null,
};

function unknownResult(reason: SliReason | string, partial: Partial<SliEvaluation> = {}): SliEvaluation {
  const why: SliReason[] = [typeof reason === "string" ? { code: "invalid-input", detail: reason } : reason];
  return { ...NO_FIGURES, why, ...partial };
}

/** Apply the minCoverage gate: a result below the minimum is at most "unknown" (never "met"). */
function applyCoverageGate(result: SliEvaluation, minCoverage: number): SliEvaluation {
  if (minCoverage > 0 && result.coverage < minCoverage && result.status === "met") {
    return {
      ...result,
      status: "unknown",
      why: [...result.why, { code: "coverage-below-minimum", coverage: result.coverage, minCoverage }],
    };
  }
  return result;
}

/**
 * Availability (probe minutes or samples) over a window.
 *
 * eligible = expected − maintenance.expected; observed present/good exclude maintenance; missing =
 * eligible − present. Missing-data policy:
 * - "good": missing units count as good; attainment = (good + missing) / eligible.
 * - "bad": missing units count as bad; attainment = good / eligible.
 * - "unknown" (default): attainment = good / present over the observed data only (burn rate on present
 *   units too; the budget stays (1 − objective) × eligible, as for every policy). Status is "met" only if the objective holds even with every missing unit bad,
 *   "missed" only if it fails even with every missing unit good, otherwise "unknown" with a reason.
 * No observed data → attainment null, "unknown". Coverage below `minCoverage` → never "met".
 */
export function evaluateAvailability(input: AvailabilityInput): SliEvaluation {
  const problem = objectiveProblem(input?.objective);
  if (problem) return unknownResult(problem);
  const objective = input.objective;
  const policy: MissingDataPolicy = input.missingData ?? "unknown";
  if (policy !== "unknown" && policy !== "good" && policy !== "bad") {
    return unknownResult(`missingData must be "unknown", "good" or "bad", got ${JSON.stringify(policy)}`);
  }
  const minCoverage = input.minCoverage ?? 0;
  const unit = input.unit ?? "minutes";
  const m = input.maintenance ?? NO_MAINTENANCE;
  const checks: Array<[unknown, string]> = [
    [input.expected, "expected"],
    [input.present, "present"],
    [input.good, "good"],
    [m.expected, "maintenance.expected"],
    [m.present, "maintenance.present"],
    [m.good, "maintenance.good"],
    [minCoverage, "minCoverage"],
  ];
  for (const [value, what] of checks) {
    const p = invalidNumber(value, what);
    if (p) return unknownResult(p);
  }
  if (minCoverage > 1) return unknownResult(`minCoverage must be a ratio 0..1, got ${minCoverage}`);
  const inconsistent: Array<[number, number, string]> = [
    [input.present, input.expected, "present > expected"],
    [input.good, input.present, "good > present"],
    [m.present, m.expected, "maintenance.present > maintenance.expected"],
    [m.good, m.present, "maintenance.good > maintenance.present"],
    [m.expected, input.expected, "maintenance.expected > expected"],
    [m.present, input.present, "maintenance.present > present"],
    [m.good, input.good, "maintenance.good > good"],
  ];
  for (const [a, b, what] of inconsistent) {
    if (a > b) return unknownResult(`inconsistent counts: ${what} (${a} > ${b})`);
  }

  const eligible = input.expected - m.expected;
  const present = input.present - m.present;
  const good = input.good - m.good;
  const observedBad = present - good;
  const missing = eligible - present;
  if (missing < 0) {
    return unknownResult(
      `inconsistent counts: observed units outside maintenance (${present}) exceed eligible units (${eligible})`,
    );
  }
  const coverage = eligible > 0 ? present / eligible : 0;
  const base = { eligible, missing, coverage };

  if (eligible === 0) {
    return unknownResult({ code: "no-eligible-time" }, base);
  }
  if (present === 0) {
    return unknownResult({ code: "no-data", eligible, unit }, { ...base, good: 0, bad: 0 });
  }

  const bounds = { low: good / eligible, high: (good + missing) / eligible };
  let result: SliEvaluation;
  if (policy === "good" || policy === "bad") {
    const countedGood = policy === "good" ? good + missing : good;
    const countedBad = policy === "good" ? observedBad : observedBad + missing;
    result = {
      attainment: countedGood / eligible,
      status: withinBudget(countedBad, eligible, objective) ? "met" : "missed",
      why: missing > 0 ? [{ code: "missing-counted", missing, unit, policy }] : [],
      ...base,
      good: countedGood,
      bad: countedBad,
      bounds,
      errorBudget: errorBudget({ objective, total: eligible, bad: countedBad }),
      burnRate: computeBurnRate({ objective, bad: countedBad, total: eligible }),
    };
  } else {
    // Honest status: decide only if the missing data cannot change the outcome.
    const pessimisticMet = withinBudget(observedBad + missing, eligible, objective);
    const optimisticMet = withinBudget(observedBad, eligible, objective);
    let status: SloStatus;
    const why: SliReason[] = [];
    if (pessimisticMet) status = "met";
    else if (!optimisticMet) status = "missed";
    else {
      status = "unknown";
      why.push({ code: "missing-decides", missing, unit, ...bounds, objective });
    }
    result = {
      attainment: good / present,
      status,
      why,
      ...base,
      good,
      bad: observedBad,
      bounds,
      // The budget is the eligible window's, whatever the policy: missing minutes show as coverage and
      // the unknown band (bounds), never as a smaller budget. The burn rate is the observed error rate.
      errorBudget: errorBudget({ objective, total: eligible, bad: observedBad }),
      burnRate: computeBurnRate({ objective, bad: observedBad, total: present }),
    };
  }
  return applyCoverageGate(result, minCoverage);
}

export interface RatioInput {
  objective: number;
  /** Good events (give `good` or `bad`, not both). May be fractional (increase() extrapolates). */
  good?: number | null;
  /** Bad events, for `bad / total` SLIs. */
  bad?: number | null;
  total: number | null;
  /** Events inside maintenance, excluded (same good/bad form as above). */
  maintenance?: { good?: number | null; bad?: number | null; total: number | null };
  /** Fraction of the window with data (e.g. from scrape `up`), 0..1. Default 1. */
  coverage?: number | null;
  /** Minimum coverage for "met". Default 0. */
  minCoverage?: number;
}

/**
 * Relative excess of good over total accepted as extrapolation noise of increase() (clamped to total);
 * a larger excess makes the result "unknown".
 */
export const RATIO_GOOD_EXCESS_TOLERANCE = 1e-3;

function goodAndTotal(
  form: { good?: number | null; bad?: number | null; total: number | null },
  prefix: string,
): { good: number; total: number } | SliReason | string {
  const hasGood = form.good !== undefined && form.good !== null;
  const hasBad = form.bad !== undefined && form.bad !== null;
  const total = invalidNumber(form.total, `${prefix}total`);
  if (total) return total;
  if (hasGood === hasBad) {
    if (!hasGood && (form.good === null || form.bad === null)) return { code: "no-numerator", prefix };
    return `${prefix}give exactly one of good or bad`;
  }
  const value = (hasGood ? form.good : form.bad) as number;
  const p = invalidNumber(value, `${prefix}${hasGood ? "good" : "bad"}`);
  if (p) return p;
  const t = form.total as number;
  if (value > t) {
    if (value > t * (1 + RATIO_GOOD_EXCESS_TOLERANCE)) {
      return `inconsistent counts: ${prefix}${hasGood ? "good" : "bad"} (${value}) exceeds ${prefix}total (${t})`;
    }
  }
  const clamped = Math.min(value, t);
  return { good: hasGood ? clamped : t - clamped, total: t };
}

/**
 * Request-based SLI (ratio or latency): attainment = good / total after removing maintenance events.
 * null/NaN/negative inputs or no events → "unknown" with a reason. Coverage below minCoverage → never "met".
 */
export function evaluateRatio(input: RatioInput): SliEvaluation {
  const problem = objectiveProblem(input?.objective);
  if (problem) return unknownResult(problem);
  const objective = input.objective;
  const minCoverage = input.minCoverage ?? 0;
  const minP = invalidNumber(minCoverage, "minCoverage");
  if (minP) return unknownResult(minP);
  let coverage = 1;
  if (input.coverage !== undefined) {
    const p = invalidNumber(input.coverage, "coverage");
    if (p) return unknownResult(p);
    coverage = Math.min(1, input.coverage as number);
  }
  const main = goodAndTotal(input, "");
  if (typeof main === "string" || !("total" in main)) return unknownResult(main, { coverage });
  let good = main.good;
  let total = main.total;
  if (input.maintenance) {
    const maint = goodAndTotal(input.maintenance, "maintenance.");
    if (typeof maint === "string" || !("total" in maint)) return unknownResult(maint, { coverage });
    if (maint.total > total * (1 + BUDGET_EPSILON) || maint.good > good * (1 + RATIO_GOOD_EXCESS_TOLERANCE)) {
      return unknownResult(
        `inconsistent counts: maintenance events (${maint.good}/${maint.total}) exceed window events (${good}/${total})`,
        { coverage },
      );
    }
    total = Math.max(0, total - maint.total);
    good = Math.min(total, Math.max(0, good - maint.good));
  }
  if (total === 0) {
    return unknownResult({ code: "no-events" }, { coverage, eligible: 0 });
  }
  const bad = total - good;
  const result: SliEvaluation = {
    attainment: good / total,
    status: withinBudget(bad, total, objective) ? "met" : "missed",
    why: [],
    eligible: total,
    good,
    bad,
    missing: 0,
    coverage,
    bounds: { low: good / total, high: good / total },
    errorBudget: errorBudget({ objective, total, bad }),
    burnRate: computeBurnRate({ objective, bad, total }),
  };
  return applyCoverageGate(result, minCoverage);
}

export interface Interval {
  start: Date;
  /** Exclusive. */
  end: Date;
}

export interface MergedMaintenance extends Interval {
  /** Reasons of the windows merged into this one, in order of start, each once. */
  reasons: string[];
}

export interface MaintenanceOverlap {
  /** Minutes of the window covered by the union of the maintenance intervals. */
  minutes: number;
  /** The maintenance intervals clipped to the window, merged where they overlap or touch, sorted. */
  intervals: MergedMaintenance[];
}

/**
 * Minutes of `window` covered by the union of `maintenance` intervals (clipped to the window first, then
 * merged where they overlap or touch, so no minute is counted twice). Strings are read in the window's
 * time zone (see `parseInstant`). An interval whose end is before its start is an error.
 * The one place maintenance is merged: probe and request SLIs both use it.
 */
export function maintenanceOverlap(
  window: Window,
  maintenance: ReadonlyArray<{ start: Date | string; end: Date | string; reason?: string }>,
): MaintenanceOverlap {
  const ws = window.start.getTime();
  const we = window.end.getTime();
  const clipped: Array<[number, number, string | undefined]> = [];
  maintenance.forEach((m, i) => {
    const s = parseInstant(m.start, window.timeZone, `maintenance[${i}].start`).getTime();
    const e = parseInstant(m.end, window.timeZone, `maintenance[${i}].end`).getTime();
    if (e < s) {
      throw new RangeError(
        `maintenance[${i}] ends before it starts: ${new Date(s).toISOString()} > ${new Date(e).toISOString()}`,
      );
    }
    const cs = Math.max(s, ws);
    const ce = Math.min(e, we);
    if (ce > cs) clipped.push([cs, ce, m.reason]);
  });
  clipped.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number, string[]]> = [];
  for (const [s, e, reason] of clipped) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e, []]);
    const reasons = merged[merged.length - 1]![2];
    if (reason !== undefined && !reasons.includes(reason)) reasons.push(reason);
  }
  const ms = merged.reduce((sum, [s, e]) => sum + (e - s), 0);
  return {
    minutes: ms / 60_000,
    intervals: merged.map(([s, e, reasons]) => ({ start: new Date(s), end: new Date(e), reasons })),
  };
}
