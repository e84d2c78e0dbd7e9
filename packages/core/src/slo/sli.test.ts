import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reasonText } from "../report/render/explain.js";
import { withinBudget } from "./budget.js";
import { evaluateAvailability, evaluateRatio, intervalDown, maintenanceOverlap } from "./sli.js";
import { customWindow, monthWindow } from "./windows.js";

const MONTH = 43_200; // minutes in a 30-day month
const O = 0.999; // budget 43.2 min

describe("evaluateAvailability: complete data", () => {
  it("40 bad minutes of 43 200 meet 99.9 % with 7.4 % of the budget left", () => {
    const r = evaluateAvailability({ objective: O, expected: MONTH, present: MONTH, good: MONTH - 40 });
    expect(r.status).toBe("met");
    expect(r.attainment).toBeCloseTo(43_160 / 43_200, 12);
    expect(r).toMatchObject({ eligible: MONTH, good: MONTH - 40, bad: 40, missing: 0, coverage: 1 });
    expect(r.errorBudget).toMatchObject({ allowed: 43.2, consumed: 40, overage: 0 });
    expect(r.errorBudget!.remaining).toBeCloseTo(1 - 40 / 43.2, 9);
    expect(r.burnRate).toBeCloseTo(40 / 43.2, 9);
    expect(r.why).toEqual([]);
  });

  it("exactly the budget (43.2 min) is met; 50 min is missed with overage", () => {
    expect(
      evaluateAvailability({ objective: O, expected: MONTH, present: MONTH, good: MONTH - 43.2 }).status,
    ).toBe("met");
    const r = evaluateAvailability({ objective: O, expected: MONTH, present: MONTH, good: MONTH - 50 });
    expect(r.status).toBe("missed");
    expect(r.errorBudget!.overage).toBeCloseTo(6.8, 9);
    expect(r.errorBudget!.overagePercent).toBeCloseTo((6.8 / 43.2) * 100, 6);
    expect(r.errorBudget!.remaining).toBeLessThan(0);
  });

  it("maintenance is excluded: failures inside it do not count", () => {
    // 2 h maintenance with 60 failed minutes inside; 40 failed minutes outside.
    const r = evaluateAvailability({
      objective: O,
      expected: MONTH,
      present: MONTH,
      good: MONTH - 100,
      maintenance: { expected: 120, present: 120, good: 60 },
    });
    expect(r).toMatchObject({
      status: "met",
      eligible: 43_080,
      good: 43_040,
      bad: 40,
      missing: 0,
      coverage: 1,
    });
    expect(r.errorBudget!.allowed).toBe(43.08);
  });

  it("the whole window in maintenance → unknown, no attainment", () => {
    const r = evaluateAvailability({
      objective: O,
      expected: 100,
      present: 100,
      good: 100,
      maintenance: { expected: 100, present: 100, good: 100 },
    });
    expect(r).toMatchObject({ status: "unknown", attainment: null, eligible: 0 });
    expect(reasonText(r.why)).toMatch(/no eligible time/);
  });
});

describe("evaluateAvailability: missing data", () => {
  it('policy unknown: 1 h 12 min missing decides the outcome → "unknown" with a reason', () => {
    const r = evaluateAvailability({ objective: O, expected: MONTH, present: MONTH - 72, good: MONTH - 72 });
    expect(r.status).toBe("unknown");
    expect(r.attainment).toBe(1); // observed data only
    expect(r.missing).toBe(72);
    expect(reasonText(r.why)).toMatch(/^1 h 12 min of missing data decides the outcome/);
    expect(reasonText(r.why)).toContain("objective 99.900 %");
    expect(r.bounds!.low).toBeCloseTo((MONTH - 72) / MONTH, 12);
    expect(r.bounds!.high).toBe(1);
  });

  it("policy unknown: met when even all-missing-as-bad meets the objective", () => {
    // 10 bad + 30 missing = 40 ≤ 43.2
    const r = evaluateAvailability({ objective: O, expected: MONTH, present: MONTH - 30, good: MONTH - 40 });
    expect(r.status).toBe("met");
    expect(r.attainment).toBeCloseTo((MONTH - 40) / (MONTH - 30), 12);
    expect(r).toMatchObject({ bad: 10, missing: 30 });
    // the budget is the eligible window's (43 200 min × 0.1 % = 43.2), not the observed minutes'
    expect(r.errorBudget).toMatchObject({ allowed: 43.2, consumed: 10 });
  });

  it("policy unknown: missed when even all-missing-as-good misses", () => {
    const r = evaluateAvailability({ objective: O, expected: MONTH, present: MONTH - 30, good: MONTH - 80 });
    expect(r.status).toBe("missed");
    expect(r.bad).toBe(50);
  });

  it('policy "good" counts missing as good, "bad" as bad', () => {
    const input = { objective: O, expected: MONTH, present: MONTH - 100, good: MONTH - 120 };
    const good = evaluateAvailability({ ...input, missingData: "good" });
    expect(good).toMatchObject({ status: "met", good: MONTH - 20, bad: 20, missing: 100 });
    expect(good.attainment).toBeCloseTo((MONTH - 20) / MONTH, 12);
    expect(reasonText(good.why)).toBe("1 h 40 min of missing data counted as good (missingData: good)");
    const bad = evaluateAvailability({ ...input, missingData: "bad" });
    expect(bad).toMatchObject({ status: "missed", good: MONTH - 120, bad: 120, missing: 100 });
    expect(bad.errorBudget!.allowed).toBe(43.2);
    const unknown = evaluateAvailability(input);
    expect(unknown.status).toBe("unknown");
  });

  it("samples as units: the reason counts samples", () => {
    const r = evaluateAvailability({
      objective: 0.995,
      expected: 1000,
      present: 990,
      good: 990,
      unit: "samples",
    });
    expect(reasonText(r.why)).toMatch(/^missing data \(10 samples\) decides the outcome/);
  });

  it("coverage below minCoverage is never met", () => {
    const input = {
      objective: O,
      expected: MONTH,
      present: MONTH - 720,
      good: MONTH - 720,
      minCoverage: 0.99,
    };
    const r = evaluateAvailability({ ...input, missingData: "good" });
    expect(r.status).toBe("unknown");
    expect(r.coverage).toBeCloseTo(0.98333, 4);
    expect(reasonText(r.why)).toMatch(/coverage 98.33 % is below the required 99.00 %/);
    // A clear miss stays a miss.
    const miss = evaluateAvailability({ ...input, good: MONTH - 1000, missingData: "good" });
    expect(miss.status).toBe("missed");
  });

  it("no data at all → attainment null, unknown, for every policy", () => {
    for (const missingData of ["unknown", "good", "bad"] as const) {
      const r = evaluateAvailability({ objective: O, expected: MONTH, present: 0, good: 0, missingData });
      expect(r).toMatchObject({ attainment: null, status: "unknown", coverage: 0, missing: MONTH });
      expect(reasonText(r.why)).toMatch(/no data: nothing observed in the 30 d of eligible time/);
      expect(r.errorBudget).toBeNull();
    }
  });

  it.each([
    [{ present: Number.NaN }, /present is missing or not a number \(NaN\)/],
    [{ good: undefined }, /good is missing or not a number/],
    [{ expected: Number.POSITIVE_INFINITY }, /expected must be a finite number/],
    [{ good: -1 }, /good must be a finite number >= 0/],
    [{ good: MONTH + 1 }, /inconsistent counts: good > present/],
    [{ present: MONTH + 1 }, /inconsistent counts: present > expected/],
    [{ objective: 99.9 }, /objective must be a ratio strictly between 0 and 1, got 99.9/],
    [{ objective: Number.NaN }, /objective must be a ratio/],
    [{ maintenance: { expected: 10, present: 10, good: Number.NaN } }, /maintenance.good is missing/],
    [{ maintenance: { expected: 10, present: 20, good: 0 } }, /maintenance.present > maintenance.expected/],
    [{ missingData: "ignore" }, /missingData must be "unknown", "good" or "bad"/],
  ])("invalid input %o → unknown, never met", (patch, reason) => {
    const input = { objective: O, expected: MONTH, present: MONTH, good: MONTH, ...patch };
    // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input
    const r = evaluateAvailability(input as any);
    expect(r.status).toBe("unknown");
    expect(r.attainment).toBeNull();
    expect(reasonText(r.why)).toMatch(reason);
  });
});

describe("evaluateRatio", () => {
  it("good/total with budget in requests", () => {
    const r = evaluateRatio({ objective: O, good: 999_500, total: 1_000_000 });
    expect(r).toMatchObject({
      status: "met",
      attainment: 0.9995,
      eligible: 1_000_000,
      bad: 500,
      coverage: 1,
    });
    expect(r.errorBudget).toMatchObject({ allowed: 1000, consumed: 500, remaining: 0.5 });
    expect(r.burnRate).toBeCloseTo(0.5, 12);
  });

  it("bad/total form", () => {
    const r = evaluateRatio({ objective: O, bad: 1500, total: 1_000_000 });
    expect(r).toMatchObject({ status: "missed", good: 998_500, bad: 1500 });
    expect(r.errorBudget!.overagePercent).toBeCloseTo(50, 9);
  });

  it("maintenance events are removed", () => {
    const r = evaluateRatio({
      objective: O,
      good: 998_000,
      total: 1_000_000,
      maintenance: { good: 99_000, total: 100_000 },
    });
    expect(r).toMatchObject({ eligible: 900_000, good: 899_000, bad: 1000 });
    expect(r.status).toBe("missed"); // 1000 > 900
  });

  it("tiny excess of good over total (increase() extrapolation) is clamped; a large one is unknown", () => {
    expect(evaluateRatio({ objective: O, good: 1000.5, total: 1000 })).toMatchObject({
      status: "met",
      attainment: 1,
      bad: 0,
    });
    const r = evaluateRatio({ objective: O, good: 1100, total: 1000 });
    expect(r.status).toBe("unknown");
    expect(reasonText(r.why)).toMatch(/good \(1100\) exceeds total \(1000\)/);
  });

  it.each([
    [{ good: 0, total: 0 }, /no events in the window \(total is 0\)/],
    [{ good: null, total: 100 }, /good\/bad is missing \(no data\)/],
    [{ good: 10, total: null }, /total is missing or not a number/],
    [{ good: Number.NaN, total: 100 }, /good is missing or not a number \(NaN\)/],
    [{ good: 0, total: Number.NaN }, /total is missing or not a number/],
    [{ good: 5, bad: 5, total: 10 }, /exactly one of good or bad/],
    [{ good: 10, total: 10, coverage: Number.NaN }, /coverage is missing or not a number/],
  ])("%o → unknown with a reason", (patch, reason) => {
    const r = evaluateRatio({ objective: O, ...patch } as Parameters<typeof evaluateRatio>[0]);
    expect(r.status).toBe("unknown");
    expect(r.attainment).toBeNull();
    expect(reasonText(r.why)).toMatch(reason);
  });

  it("coverage gate", () => {
    const r = evaluateRatio({ objective: O, good: 1000, total: 1000, coverage: 0.5, minCoverage: 0.9 });
    expect(r.status).toBe("unknown");
    expect(reasonText(r.why)).toMatch(/coverage 50.00 % is below the required 90.00 %/);
  });
});

describe("error budget: (1 − objective) × eligible window, whatever the missing-data policy", () => {
  // A 169-hour week (Europe/Berlin, DST ends): 10 140 minutes; 99.9 % → 10.14 minutes of budget.
  // 180 minutes without data, 6 failed minutes observed.
  const WEEK = 169 * 60;
  const input = { objective: O, expected: WEEK, present: WEEK - 180, good: WEEK - 186 };

  it.each(["unknown", "good", "bad"] as const)("missingData %s: allowed 10.14 minutes", (missingData) => {
    const r = evaluateAvailability({ ...input, missingData });
    expect(r.errorBudget!.allowed).toBe(10.14); // not 0.001 × 9 960 = 9.96
    // consumed is what the policy counts as bad: 6 observed, + 180 missing under "bad"
    expect(r.errorBudget!.consumed).toBe(missingData === "bad" ? 186 : 6);
    expect(r.coverage).toBeCloseTo(9960 / 10_140, 12);
  });

  it("unknown: remaining 1 − 6/10.14, the gap shows as the unknown band", () => {
    const r = evaluateAvailability(input);
    expect(r.errorBudget!.remaining).toBeCloseTo(1 - 6 / 10.14, 9);
    expect(r.status).toBe("unknown"); // 6 + 180 > 10.14 ≥ 6
    expect(r.bounds!.low).toBeCloseTo(9954 / 10_140, 12);
    expect(r.bounds!.high).toBeCloseTo(10_134 / 10_140, 12);
  });

  it("maintenance leaves the budget: 60 min of maintenance → 0.001 × 10 080 = 10.08", () => {
    // the maintenance hour was fully observed and good
    const r = evaluateAvailability({ ...input, maintenance: { expected: 60, present: 60, good: 60 } });
    expect(r.eligible).toBe(10_080);
    expect(r.errorBudget!.allowed).toBe(10.08);
    expect(r.errorBudget!.consumed).toBe(6);
  });
});

describe("evaluateRatio: requests inside maintenance", () => {
  it("are subtracted from good and total before the ratio and the budget", () => {
    // 100 000 requests, 200 failed; 150 of the failures (and 850 good) fell inside maintenance.
    // Outside: 99 000 requests, 50 failed → 98 950 / 99 000; budget 0.1 % × 99 000 = 99.
    const r = evaluateRatio({
      objective: O,
      good: 99_800,
      total: 100_000,
      maintenance: { good: 850, total: 1000 },
    });
    expect(r.attainment).toBeCloseTo(98_950 / 99_000, 12);
    expect(r).toMatchObject({ status: "met", eligible: 99_000, bad: 50 });
    expect(r.errorBudget).toMatchObject({ allowed: 99, consumed: 50 });
    // without the exclusion the same traffic misses: 200 > 100
    expect(evaluateRatio({ objective: O, good: 99_800, total: 100_000 }).status).toBe("missed");
  });

  it("bad/total form: 150 of 200 bad inside maintenance", () => {
    const r = evaluateRatio({
      objective: O,
      bad: 200,
      total: 100_000,
      maintenance: { bad: 150, total: 1000 },
    });
    expect(r.attainment).toBeCloseTo(98_950 / 99_000, 12);
    expect(r.bad).toBe(50);
  });
});

describe("maintenanceOverlap", () => {
  const oct = monthWindow("2026-10", "Europe/Berlin");

  it("counts overlapping windows once: 09:00–10:00Z and 11:30–12:15+02:00 are 75 minutes, not 105", () => {
    // 11:30–12:15 at +02:00 is 09:30–10:15Z: the union is 09:00–10:15Z
    const r = maintenanceOverlap(oct, [
      { start: "2026-10-14T09:00:00Z", end: "2026-10-14T10:00:00Z", reason: "DB upgrade" },
      { start: "2026-10-14T11:30:00+02:00", end: "2026-10-14T12:15:00+02:00", reason: "network" },
    ]);
    expect(r.minutes).toBe(75);
    expect(r.intervals).toEqual([
      {
        start: new Date("2026-10-14T09:00:00Z"),
        end: new Date("2026-10-14T10:15:00Z"),
        reasons: ["DB upgrade", "network"],
      },
    ]);
  });

  it("clips before merging: a window reaching into the next month counts its part inside only", () => {
    // Oct 31 23:30 – Nov 1 00:30 local and Oct 31 23:00 – 23:45 local: union inside October 23:00–24:00
    const r = maintenanceOverlap(oct, [
      { start: "2026-10-31T23:30:00+01:00", end: "2026-11-01T00:30:00+01:00", reason: "a" },
      { start: "2026-10-31T23:00:00+01:00", end: "2026-10-31T23:45:00+01:00", reason: "a" },
    ]);
    expect(r.minutes).toBe(60);
    expect(r.intervals).toHaveLength(1);
    expect(r.intervals[0]!.reasons).toEqual(["a"]);
  });

  it("merges overlapping and touching intervals and clips to the window", () => {
    const r = maintenanceOverlap(oct, [
      { start: "2026-10-10T02:00", end: "2026-10-10T04:00" }, // local Berlin time
      { start: "2026-10-10T03:00", end: "2026-10-10T05:00" }, // overlaps → 02:00–05:00
      { start: "2026-10-10T05:00", end: "2026-10-10T05:30" }, // touches → 02:00–05:30
      { start: new Date("2026-09-30T21:00:00Z"), end: new Date("2026-09-30T23:00:00Z") }, // 1 h before Oct 1 local
      { start: "2026-10-31T23:00", end: "2026-11-01T02:00" }, // clipped to 1 h
      { start: "2026-12-01", end: "2026-12-02" }, // outside
      { start: "2026-10-20T10:00", end: "2026-10-20T10:00" }, // empty
    ]);
    expect(r.minutes).toBe(210 + 60 + 60);
    expect(r.intervals.map((i) => [i.start.toISOString(), i.end.toISOString()])).toEqual([
      ["2026-09-30T22:00:00.000Z", "2026-09-30T23:00:00.000Z"],
      ["2026-10-10T00:00:00.000Z", "2026-10-10T03:30:00.000Z"],
      ["2026-10-31T22:00:00.000Z", "2026-10-31T23:00:00.000Z"],
    ]);
  });

  it("maintenance across the DST change counts real minutes", () => {
    // 02:00 local Oct 25 → 04:00 local Oct 25 is 3 real hours in Berlin (02:00–03:00 happens twice).
    const r = maintenanceOverlap(oct, [{ start: "2026-10-25T00:00:00Z", end: "2026-10-25T03:00:00Z" }]);
    expect(r.minutes).toBe(180);
  });

  it("rejects reversed intervals and bad strings, naming the entry", () => {
    expect(() => maintenanceOverlap(oct, [{ start: "2026-10-10", end: "2026-10-09" }])).toThrow(
      /maintenance\[0\] ends before it starts/,
    );
    expect(() => maintenanceOverlap(oct, [{ start: "soon", end: "2026-10-09" }])).toThrow(
      /maintenance\[0\].start "soon" is not an ISO-8601/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties

const objectiveArb = fc.constantFrom(0.9, 0.99, 0.995, 0.999, 0.9995, 0.9999);
const countsArb = fc
  .record({
    expected: fc.integer({ min: 1, max: 50_000 }),
    presentFraction: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    badFraction: fc.oneof(
      fc.constant(0),
      fc.double({ min: 0, max: 0.005, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    ),
  })
  .map(({ expected, presentFraction, badFraction }) => {
    const present = Math.round(expected * presentFraction);
    const good = present - Math.round(present * badFraction);
    return { expected, present, good };
  });

describe("properties: missing-data policy", () => {
  it('"unknown" never says met when the pessimistic bound misses, nor missed when the optimistic one meets', () => {
    fc.assert(
      fc.property(objectiveArb, countsArb, (objective, c) => {
        const r = evaluateAvailability({ objective, ...c });
        const missing = c.expected - c.present;
        const pessimisticMet = withinBudget(c.present - c.good + missing, c.expected, objective);
        const optimisticMet = withinBudget(c.present - c.good, c.expected, objective);
        if (r.status === "met") expect(pessimisticMet).toBe(true);
        if (r.status === "missed") expect(optimisticMet).toBe(false);
        if (c.present > 0 && pessimisticMet) expect(r.status).toBe("met");
        if (c.present > 0 && !optimisticMet) expect(r.status).toBe("missed");
        if (r.status === "unknown" && c.present > 0) expect(reasonText(r.why)).toMatch(/decides the outcome/);
      }),
      { numRuns: 1000 },
    );
  });

  it('"good"/"bad" bracket the "unknown" attainment and status', () => {
    const rank = { missed: 0, unknown: 1, met: 2 } as const;
    fc.assert(
      fc.property(objectiveArb, countsArb, (objective, c) => {
        const u = evaluateAvailability({ objective, ...c, missingData: "unknown" });
        const g = evaluateAvailability({ objective, ...c, missingData: "good" });
        const b = evaluateAvailability({ objective, ...c, missingData: "bad" });
        if (c.present === 0) {
          for (const r of [u, g, b]) expect(r.attainment).toBeNull();
          return;
        }
        expect(b.attainment!).toBeLessThanOrEqual(u.attainment! + 1e-12);
        expect(u.attainment!).toBeLessThanOrEqual(g.attainment! + 1e-12);
        expect(rank[b.status]).toBeLessThanOrEqual(rank[u.status]);
        expect(rank[u.status]).toBeLessThanOrEqual(rank[g.status]);
        // unknown policy is met iff the pessimistic policy is met, missed iff the optimistic one is missed.
        expect(u.status === "met").toBe(b.status === "met");
        expect(u.status === "missed").toBe(g.status === "missed");
        expect(u.bounds).toEqual(g.bounds);
        expect(u.bounds!.low).toBeCloseTo(b.attainment!, 12);
        expect(u.bounds!.high).toBeCloseTo(g.attainment!, 12);
      }),
      { numRuns: 1000 },
    );
  });

  it("never met below minCoverage; attainment ≥ objective iff budget not overspent for policy bad", () => {
    fc.assert(
      fc.property(
        objectiveArb,
        countsArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom("unknown", "good", "bad") as fc.Arbitrary<"unknown" | "good" | "bad">,
        (objective, c, minCoverage, missingData) => {
          const r = evaluateAvailability({ objective, ...c, minCoverage, missingData });
          if (r.coverage < minCoverage) expect(r.status).not.toBe("met");
          if (r.status !== "unknown" && r.errorBudget) {
            expect(r.status === "met").toBe(r.errorBudget.remaining >= 0);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("maintenance overlap equals the measure of the union (checked on a minute grid)", () => {
    const w = customWindow("2026-10-24", "2026-10-27", "Europe/Berlin");
    const start = w.start.getTime();
    const total = (w.end.getTime() - start) / 60_000;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -300, max: total + 300 }), fc.integer({ min: 0, max: 600 })), {
          maxLength: 8,
        }),
        (specs) => {
          const intervals = specs.map(([s, len]) => ({
            start: new Date(start + s * 60_000),
            end: new Date(start + (s + len) * 60_000),
          }));
          const covered = new Set<number>();
          for (const [s, len] of specs) {
            for (let m = Math.max(0, s); m < Math.min(total, s + len); m++) covered.add(m);
          }
          const r = maintenanceOverlap(w, intervals);
          expect(r.minutes).toBe(covered.size);
          for (let i = 1; i < r.intervals.length; i++) {
            expect(r.intervals[i]!.start.getTime()).toBeGreaterThan(r.intervals[i - 1]!.end.getTime());
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("intervalDown: several series for one SLO", () => {
  // [series with a sample, of those failed] -> [any, majority, all]
  const table: [number, number, boolean, boolean, boolean][] = [
    [3, 0, false, false, false],
    [3, 1, true, false, false],
    [3, 2, true, true, false],
    [3, 3, true, true, true],
    [2, 1, true, false, false], // half is not more than half
    [2, 2, true, true, true],
    [4, 2, true, false, false],
    [4, 3, true, true, false],
    [0, 0, false, false, false], // no sample at all: missing, never down
  ];
  for (const [present, failed, any, majority, all] of table) {
    it(`${failed} of ${present} failed: any ${any}, majority ${majority}, all ${all}`, () => {
      expect(intervalDown("any", present, failed)).toBe(any);
      expect(intervalDown("majority", present, failed)).toBe(majority);
      expect(intervalDown("all", present, failed)).toBe(all);
    });
  }

  it("with one series the three rules agree", () => {
    for (const failed of [0, 1]) {
      const r = (["any", "majority", "all"] as const).map((rule) => intervalDown(rule, 1, failed));
      expect(r).toEqual([failed === 1, failed === 1, failed === 1]);
    }
  });
});
