// Error budget, burn rate and budget-exhaustion forecast. Pure: no I/O, no clock.
//
// Objectives are ratios (0.999 for 99.9 %). Units are whatever the SLI counts: minutes (probe
// availability) or requests (ratio/latency SLIs); the formulas do not care as long as `bad` and `total`
// use the same unit.

import type { Window } from "./windows.js";

export interface ErrorBudget {
  /** (1 - objective) × total: how many bad units the objective tolerates. */
  allowed: number;
  /** Bad units. */
  consumed: number;
  /** 1 - consumed/allowed: 1 = untouched, 0 = exactly spent, negative = overspent. 1 when allowed is 0 and nothing was consumed. */
  remaining: number;
  /** max(0, consumed - allowed). */
  overage: number;
  /** overage / allowed × 100 when overspent, else 0. */
  overagePercent: number;
}

const MAX_DATE_MS = 8.64e15;

export type BudgetStatus = "ok" | "warning" | "exhausted";
export type SloStatus = "met" | "missed" | "unknown";

/**
 * Relative tolerance for "bad <= allowed" comparisons, so that e.g. 43.2 bad minutes in a 30-day month
 * meet a 99.9 % objective even though (1 - 0.999) × 43 200 is 43.20000000000004 in floating point.
 */
export const BUDGET_EPSILON = 1e-9;

/** Round away floating-point noise (keeps 12 significant digits): (1 - 0.999) × 43 200 → 43.2. */
export function clean(x: number): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(12)) : x;
}

/** Throws a RangeError unless `objective` is a ratio strictly between 0 and 1. */
export function assertObjective(objective: number): number {
  if (typeof objective !== "number" || !Number.isFinite(objective) || objective <= 0 || objective >= 1) {
    const hint =
      typeof objective === "number" && objective > 1 && objective < 100
        ? ` (objectives are ratios: use ${clean(objective / 100)} for ${objective} %)`
        : "";
    throw new RangeError(`objective must be a ratio strictly between 0 and 1, got ${objective}${hint}`);
  }
  return objective;
}

function assertCount(value: number, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${what} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/** True when `bad` failed units out of `total` are within the budget of `objective` (float-tolerant). */
export function withinBudget(bad: number, total: number, objective: number): boolean {
  return bad <= (1 - objective) * total + BUDGET_EPSILON * Math.max(total, 1);
}

/** "met" when good/total >= objective (float-tolerant), "missed" otherwise, "unknown" without data. */
export function attainmentStatus(good: number | null, total: number | null, objective: number): SloStatus {
  if (good === null || total === null || !Number.isFinite(good) || !Number.isFinite(total) || total <= 0) {
    return "unknown";
  }
  return withinBudget(total - good, total, objective) ? "met" : "missed";
}

/**
 * Error budget for `bad` failed units out of `total` eligible units.
 * Throws a RangeError on invalid input (objective outside (0, 1), negative/NaN counts, bad > total).
 */
export function errorBudget(input: { objective: number; total: number; bad: number }): ErrorBudget {
  const objective = assertObjective(input.objective);
  const total = assertCount(input.total, "errorBudget: total");
  const bad = assertCount(input.bad, "errorBudget: bad");
  if (bad > total * (1 + BUDGET_EPSILON)) {
    throw new RangeError(`errorBudget: bad (${bad}) exceeds total (${total})`);
  }
  const allowed = clean((1 - objective) * total);
  const consumed = bad;
  const overspent = !withinBudget(bad, total, objective);
  // allowed is 0 only when total is 0, and then bad is 0 too: nothing spent of nothing.
  let remaining = allowed > 0 ? clean(1 - consumed / allowed) : 1;
  if (!overspent && remaining < 0) remaining = 0; // within float tolerance of exactly spent
  const overage = overspent ? clean(consumed - allowed) : 0;
  const overagePercent = overspent && allowed > 0 ? clean((overage / allowed) * 100) : 0;
  return { allowed, consumed, remaining, overage, overagePercent };
}

/** (bad/total) / (1 - objective); null when total is 0 (nothing to burn against). */
export function burnRate(input: { objective: number; bad: number; total: number }): number | null {
  const objective = assertObjective(input.objective);
  const total = assertCount(input.total, "burnRate: total");
  const bad = assertCount(input.bad, "burnRate: bad");
  if (total === 0) return null;
  return clean(bad / total / (1 - objective));
}

/** Budget in minutes for `minutes` of eligible time: budgetForMinutes(0.999, 43 200) = 43.2. */
export function budgetForMinutes(objective: number, minutes: number): number {
  assertObjective(objective);
  assertCount(minutes, "budgetForMinutes: minutes");
  return clean((1 - objective) * minutes);
}

export interface ExhaustionForecast {
  /**
   * When the window's budget runs out if the rest of the window burns at the average rate so far.
   * null when nothing bad happened yet (burn rate 0, or so small the date is not representable) or there
   * is no data (now at or before the window's start, or no eligible units). If the budget is already spent at `now`, this is `now` (and `alreadyExhausted` is true).
   * May lie after the window's end (then `withinWindow` is false: the budget survives the window).
   */
  exhaustsAt: Date | null;
  /** exhaustsAt is before the window's end, i.e. the SLO will be missed at the current rate. */
  withinWindow: boolean;
  alreadyExhausted: boolean;
  /** Burn rate so far (badSoFar/eligibleSoFar)/(1 - objective); null without eligible units. */
  burnRate: number | null;
}

/**
 * Budget-exhaustion forecast at the burn rate so far. The budget is (1 - objective) × eligible units of
 * the *full* window, the full window's eligible units being extrapolated from `eligibleSoFar` over the
 * elapsed part of the window. With a constant burn rate b the budget runs out `windowLength / b` after
 * the window's start, so it runs out within the window iff b > 1.
 */
export function exhaustionForecast(input: {
  objective: number;
  window: Window;
  now: Date;
  badSoFar: number;
  eligibleSoFar: number;
}): ExhaustionForecast {
  const objective = assertObjective(input.objective);
  const bad = assertCount(input.badSoFar, "exhaustionForecast: badSoFar");
  const eligible = assertCount(input.eligibleSoFar, "exhaustionForecast: eligibleSoFar");
  const start = input.window.start.getTime();
  const end = input.window.end.getTime();
  const now = input.now.getTime();
  if (Number.isNaN(now)) throw new RangeError("exhaustionForecast: now must be a valid Date");
  const none = (rate: number | null): ExhaustionForecast => ({
    exhaustsAt: null,
    withinWindow: false,
    alreadyExhausted: false,
    burnRate: rate,
  });
  if (now <= start || eligible === 0)
    return none(eligible === 0 ? null : burnRate({ objective, bad, total: eligible }));
  const rate = burnRate({ objective, bad, total: eligible });
  if (rate === null || rate === 0) return none(rate);
  const elapsed = Math.min(now, end) - start;
  const windowLength = end - start;
  // Budget of the full window at this pace: allowed = (1 - objective) × eligible × windowLength / elapsed.
  const allowedFullWindow = (1 - objective) * eligible * (windowLength / elapsed);
  if (bad >= allowedFullWindow * (1 - BUDGET_EPSILON)) {
    return { exhaustsAt: new Date(now), withinWindow: true, alreadyExhausted: true, burnRate: rate };
  }
  const at = start + windowLength / rate;
  // A burn rate so small that the date is not representable (±8.64e15 ms) means "never" in practice.
  if (!(Math.abs(at) <= MAX_DATE_MS)) return none(rate);
  return {
    exhaustsAt: new Date(Math.round(at)),
    withinWindow: at < end,
    alreadyExhausted: false,
    burnRate: rate,
  };
}

/**
 * Traffic light for a budget: "exhausted" when remaining <= 0, "warning" when remaining < warnBelow
 * (default 0.25, i.e. less than a quarter of the budget left), otherwise "ok".
 */
export function budgetStatus(budget: Pick<ErrorBudget, "remaining">, warnBelow = 0.25): BudgetStatus {
  if (!(budget.remaining > 0)) return "exhausted";
  return budget.remaining < warnBelow ? "warning" : "ok";
}
