import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  attainmentStatus,
  budgetForMinutes,
  budgetStatus,
  burnRate,
  errorBudget,
  exhaustionForecast,
  withinBudget,
} from "./budget.js";
import { monthWindow, windowMinutes } from "./windows.js";

describe("budgetForMinutes: hand-computed monthly budgets", () => {
  it.each([
    // objective, period (UTC), days, minutes of budget
    [0.999, "2026-02", 28, 40.32],
    [0.999, "2026-11", 30, 43.2],
    [0.999, "2026-09", 30, 43.2],
    [0.999, "2026-10", 31, 44.64],
    [0.999, "2024-02", 29, 41.76],
    [0.9995, "2026-11", 30, 21.6],
    [0.995, "2026-11", 30, 216], // 3.6 h
    [0.99, "2026-11", 30, 432],
  ])("%d over %s (%d days) allows %d min", (objective, period, days, budget) => {
    const minutes = windowMinutes(monthWindow(period, "UTC"));
    expect(minutes).toBe(days * 24 * 60);
    // clean() removes float noise, so these are exact.
    expect(budgetForMinutes(objective, minutes)).toBe(budget);
  });

  it("uses the real length of DST months: 99.9 % of October 2026 in Berlin (745 h) is 44.7 min", () => {
    expect(budgetForMinutes(0.999, windowMinutes(monthWindow("2026-10", "Europe/Berlin")))).toBe(44.7);
    expect(budgetForMinutes(0.999, windowMinutes(monthWindow("2026-03", "Europe/Berlin")))).toBe(44.58);
  });

  it("rejects percents and out-of-range objectives with a hint", () => {
    expect(() => budgetForMinutes(99.9, 43200)).toThrow(/use 0.999 for 99.9 %/);
    expect(() => budgetForMinutes(1, 43200)).toThrow(/strictly between 0 and 1, got 1/);
    expect(() => budgetForMinutes(0, 43200)).toThrow(/strictly between 0 and 1/);
    expect(() => budgetForMinutes(Number.NaN, 43200)).toThrow(/got NaN/);
    expect(() => budgetForMinutes(0.999, -1)).toThrow(/minutes must be a finite number >= 0/);
  });
});

describe("errorBudget", () => {
  it("untouched, partly spent, exactly spent, overspent", () => {
    expect(errorBudget({ objective: 0.999, total: 43200, bad: 0 })).toEqual({
      allowed: 43.2,
      consumed: 0,
      remaining: 1,
      overage: 0,
      overagePercent: 0,
    });
    expect(errorBudget({ objective: 0.999, total: 43200, bad: 10.8 })).toEqual({
      allowed: 43.2,
      consumed: 10.8,
      remaining: 0.75,
      overage: 0,
      overagePercent: 0,
    });
    expect(errorBudget({ objective: 0.999, total: 43200, bad: 43.2 })).toMatchObject({
      remaining: 0,
      overage: 0,
      overagePercent: 0,
    });
    // 64.8 bad minutes of a 43.2-minute budget: 50 % over.
    expect(errorBudget({ objective: 0.999, total: 43200, bad: 64.8 })).toEqual({
      allowed: 43.2,
      consumed: 64.8,
      remaining: -0.5,
      overage: 21.6,
      overagePercent: 50,
    });
  });

  it("requests: 99.5 % of 1 000 000 requests allows 5 000 bad", () => {
    expect(errorBudget({ objective: 0.995, total: 1_000_000, bad: 7_500 })).toEqual({
      allowed: 5000,
      consumed: 7500,
      remaining: -0.5,
      overage: 2500,
      overagePercent: 50,
    });
  });

  it("total 0: nothing allowed, nothing spent", () => {
    expect(errorBudget({ objective: 0.999, total: 0, bad: 0 })).toMatchObject({ allowed: 0, remaining: 1 });
  });

  it("rejects invalid counts with clear messages", () => {
    expect(() => errorBudget({ objective: 0.999, total: 10, bad: 11 })).toThrow(
      /bad \(11\) exceeds total \(10\)/,
    );
    expect(() => errorBudget({ objective: 0.999, total: Number.NaN, bad: 0 })).toThrow(
      /total must be a finite/,
    );
    expect(() => errorBudget({ objective: 0.999, total: 10, bad: -1 })).toThrow(
      /bad must be a finite number >= 0/,
    );
  });
});

describe("burnRate", () => {
  it.each([
    [0.999, 0, 1000, 0],
    [0.999, 1, 1000, 1],
    [0.999, 14.4, 1000, 14.4],
    [0.99, 6, 100, 6],
    [0.995, 25, 1000, 5],
  ])("objective %d, %d bad of %d → %d", (objective, bad, total, expected) => {
    expect(burnRate({ objective, bad, total })).toBeCloseTo(expected, 9);
  });
  it("null when there is nothing to burn against", () => {
    expect(burnRate({ objective: 0.999, bad: 0, total: 0 })).toBeNull();
  });
});

describe("exhaustionForecast", () => {
  const nov = monthWindow("2026-11", "UTC"); // 30 days, 43 200 min

  it("burn rate 2 → exhausted halfway through the window", () => {
    // 10 days in: 14 400 eligible minutes, 28.8 bad = 2 × 14.4 allowed so far.
    const f = exhaustionForecast({
      objective: 0.999,
      window: nov,
      now: new Date("2026-11-11T00:00:00Z"),
      badSoFar: 28.8,
      eligibleSoFar: 14_400,
    });
    expect(f.burnRate).toBeCloseTo(2, 9);
    expect(f.exhaustsAt?.toISOString()).toBe("2026-11-16T00:00:00.000Z");
    expect(f.withinWindow).toBe(true);
    expect(f.alreadyExhausted).toBe(false);
  });

  it("burn rate 0.5 → lasts past the window (exhausts after 60 days)", () => {
    const f = exhaustionForecast({
      objective: 0.999,
      window: nov,
      now: new Date("2026-11-11T00:00:00Z"),
      badSoFar: 7.2,
      eligibleSoFar: 14_400,
    });
    expect(f.exhaustsAt?.toISOString()).toBe("2026-12-31T00:00:00.000Z");
    expect(f.withinWindow).toBe(false);
  });

  it("already spent → now, within window", () => {
    const now = new Date("2026-11-11T00:00:00Z");
    const f = exhaustionForecast({ objective: 0.999, window: nov, now, badSoFar: 50, eligibleSoFar: 14_400 });
    expect(f.alreadyExhausted).toBe(true);
    expect(f.exhaustsAt?.getTime()).toBe(now.getTime());
    expect(f.withinWindow).toBe(true);
  });

  it("no burn, no data, or not started → null", () => {
    const now = new Date("2026-11-11T00:00:00Z");
    const base = { objective: 0.999, window: nov, now };
    expect(exhaustionForecast({ ...base, badSoFar: 0, eligibleSoFar: 14_400 })).toMatchObject({
      exhaustsAt: null,
      withinWindow: false,
      burnRate: 0,
    });
    expect(exhaustionForecast({ ...base, badSoFar: 0, eligibleSoFar: 0 })).toMatchObject({
      exhaustsAt: null,
      burnRate: null,
    });
    expect(
      exhaustionForecast({ ...base, now: new Date("2026-10-30T00:00:00Z"), badSoFar: 1, eligibleSoFar: 10 })
        .exhaustsAt,
    ).toBeNull();
  });
});

describe("status helpers", () => {
  it("attainmentStatus is float-tolerant at the boundary", () => {
    expect(attainmentStatus(43200 - 43.2, 43200, 0.999)).toBe("met");
    expect(attainmentStatus(43200 - 43.3, 43200, 0.999)).toBe("missed");
    expect(attainmentStatus(null, 43200, 0.999)).toBe("unknown");
    expect(attainmentStatus(Number.NaN, 43200, 0.999)).toBe("unknown");
    expect(attainmentStatus(0, 0, 0.999)).toBe("unknown");
  });
  it("budgetStatus", () => {
    expect(budgetStatus({ remaining: 1 })).toBe("ok");
    expect(budgetStatus({ remaining: 0.2 })).toBe("warning");
    expect(budgetStatus({ remaining: 0.2 }, 0.1)).toBe("ok");
    expect(budgetStatus({ remaining: 0 })).toBe("exhausted");
    expect(budgetStatus({ remaining: -0.5 })).toBe("exhausted");
    expect(budgetStatus({ remaining: Number.NaN })).toBe("exhausted");
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties

const objectiveArb = fc.oneof(
  fc.constantFrom(0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999),
  fc.double({ min: 0.5, max: 0.99999, noNaN: true }),
);
const countsArb = fc
  .record({
    total: fc.oneof(fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 1e-3, max: 1e9, noNaN: true })),
    badFraction: fc.oneof(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 0.02, noNaN: true }),
    ),
  })
  .map(({ total, badFraction }) => ({ total, bad: Math.min(total, total * badFraction) }));

describe("properties: budget arithmetic", () => {
  it("consumed/allowed consistency, remaining = 1 − consumed/allowed, overage", () => {
    fc.assert(
      fc.property(objectiveArb, countsArb, (objective, { total, bad }) => {
        const b = errorBudget({ objective, total, bad });
        expect(b.consumed).toBe(bad);
        expect(Math.abs(b.allowed - (1 - objective) * total)).toBeLessThanOrEqual(1e-11 * total);
        const tol = 1e-6 * Math.max(1, bad / b.allowed);
        expect(Math.abs(b.remaining - (1 - b.consumed / b.allowed))).toBeLessThanOrEqual(tol);
        expect(b.overage).toBeGreaterThanOrEqual(0);
        expect(Math.abs(b.overage - Math.max(0, b.consumed - b.allowed))).toBeLessThanOrEqual(
          1e-6 * Math.max(1, b.consumed),
        );
        if (b.overage > 0) expect(b.overagePercent).toBeCloseTo((b.overage / b.allowed) * 100, 4);
        else expect(b.overagePercent).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it("remaining < 0 iff over budget iff attainment < objective (within float tolerance)", () => {
    fc.assert(
      fc.property(objectiveArb, countsArb, (objective, { total, bad }) => {
        const b = errorBudget({ objective, total, bad });
        const over = !withinBudget(bad, total, objective);
        expect(b.remaining < 0).toBe(over);
        expect(b.overage > 0).toBe(over);
        const attainment = (total - bad) / total;
        // Away from the boundary, attainment ≥ objective ⇔ consumed ≤ allowed.
        const margin = Math.abs(attainment - objective);
        if (margin > 1e-9) expect(attainment >= objective).toBe(bad <= b.allowed);
        expect(attainmentStatus(total - bad, total, objective)).toBe(over ? "missed" : "met");
      }),
      { numRuns: 500 },
    );
  });

  it("burn rate 1 ⇔ consuming exactly the budget; forecast within window ⇔ burn rate > 1", () => {
    const nov = monthWindow("2026-11", "UTC");
    fc.assert(
      fc.property(
        objectiveArb,
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.double({ min: 0, max: 30, noNaN: true }),
        (objective, elapsedFraction, rate) => {
          const len = nov.end.getTime() - nov.start.getTime();
          const now = new Date(nov.start.getTime() + Math.round(len * elapsedFraction));
          const eligible = (now.getTime() - nov.start.getTime()) / 60_000;
          const bad = Math.min(eligible, rate * (1 - objective) * eligible);
          const f = exhaustionForecast({
            objective,
            window: nov,
            now,
            badSoFar: bad,
            eligibleSoFar: eligible,
          });
          if (bad === 0) {
            expect(f.exhaustsAt).toBeNull();
            return;
          }
          const b = f.burnRate!;
          expect(b).toBeCloseTo(bad / eligible / (1 - objective), 6);
          if (Math.abs(b - 1) > 1e-6) expect(f.withinWindow).toBe(b > 1);
          if (f.alreadyExhausted) expect(f.exhaustsAt!.getTime()).toBe(now.getTime());
          else if (f.exhaustsAt === null)
            expect(b).toBeLessThan(1e-6); // "never": not representable
          else expect(f.exhaustsAt.getTime()).toBeGreaterThan(now.getTime());
        },
      ),
      { numRuns: 300 },
    );
  });
});
