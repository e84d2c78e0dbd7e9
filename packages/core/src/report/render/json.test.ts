import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorBudget } from "../../slo/budget.js";
import type { ReportDocument } from "../model.js";
import { canonicalReport, renderJson, writtenBudget } from "./json.js";
import { sampleReport } from "./test-helpers.js";

/** deep equality where numbers may differ by the rounding of the renderer */
function expectClose(actual: unknown, expected: unknown, path = "$"): void {
  if (typeof expected === "number") {
    expect(typeof actual, path).toBe("number");
    expect(Math.abs((actual as number) - expected), path).toBeLessThanOrEqual(0.005);
    return;
  }
  if (expected === null || typeof expected !== "object") {
    expect(actual, path).toEqual(expected);
    return;
  }
  expect(typeof actual, path).toBe("object");
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  expect(Object.keys(a).sort(), path).toEqual(
    Object.keys(e)
      .filter((k) => e[k] !== undefined)
      .sort(),
  );
  for (const k of Object.keys(e)) if (e[k] !== undefined) expectClose(a[k], e[k], `${path}.${k}`);
}

/** the same object with every object's keys in reverse order */
function reverseKeys<T>(x: T): T {
  if (Array.isArray(x)) return x.map(reverseKeys) as T;
  if (x === null || typeof x !== "object") return x;
  return Object.fromEntries(
    Object.entries(x)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  ) as T;
}

describe("renderJson", () => {
  it("parses back to the document, modulo rounding", () => {
    const doc = sampleReport();
    const parsed = JSON.parse(renderJson(doc));
    expectClose(parsed, doc);
    expect(parsed.slos[2].attainment).toBeNull();
    expect(parsed.slos[2].errorBudget.remaining).toBeNull();
    expect(parsed.slos[2].daily[20]).toEqual({ date: "2026-10-21", attainment: null, bad: 0 });
  });

  it("uses 2-space indent, a trailing newline and the model's key order", () => {
    const text = renderJson(sampleReport());
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.startsWith('{\n  "schemaVersion": 1,\n  "kind": "monthly",\n  "period": "2026-10",\n')).toBe(
      true,
    );
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).toEqual([
      "schemaVersion",
      "kind",
      "period",
      "window",
      "generatedAt",
      "partial",
      "source",
      "summary",
      "slos",
      "quantiles",
      "breaches",
      "errors",
    ]);
    expect(Object.keys(parsed.slos[0])).toEqual([
      "name",
      "service",
      "description",
      "objective",
      "sliType",
      "attainment",
      "status",
      "errorBudget",
      "downtimeMinutes",
      "coverage",
      "burnRate",
      "incidents",
      "daily",
      "maintenanceMinutes",
      "maintenance",
      "missingData",
      "previous",
      "method",
      "queries",
    ]);
    expect(Object.keys(parsed.slos[0].errorBudget)).toEqual([
      "unit",
      "allowed",
      "consumed",
      "remaining",
      "overagePercent",
    ]);
  });

  it("is stable whatever the key order of the input", () => {
    const doc = sampleReport();
    expect(renderJson(reverseKeys(doc))).toBe(renderJson(doc));
  });

  it("rounds floats without changing their meaning", () => {
    const parsed = JSON.parse(renderJson(sampleReport()));
    const missed = parsed.slos[1];
    expect(missed.attainment).toBe(0.997879);
    expect(missed.errorBudget).toEqual({
      unit: "minutes",
      allowed: 44.7,
      consumed: 94.8,
      remaining: -1.120805,
      overagePercent: 112.08,
    });
    expect(missed.burnRate).toBe(2.1208);
    expect(missed.incidents[3].minutes).toBe(1.8);
    expect(parsed.slos[3].errorBudget.allowed).toBe(63510.91);

    const doc = sampleReport();
    const s = doc.slos[0]!;
    s.attainment = 0.99899999999; // just below the objective
    s.coverage = 0.99999999; // not full coverage
    s.errorBudget.remaining = -0.00000001; // overspent, barely
    const r = JSON.parse(renderJson(doc)).slos[0];
    expect(r.attainment).toBeLessThan(0.999);
    expect(r.coverage).toBeLessThan(1);
    expect(r.errorBudget.remaining).toBeLessThan(0);
  });

  it("keeps fields a newer producer added, after the known ones", () => {
    const doc = sampleReport() as ReportDocument & { zExtra?: unknown; aExtra?: unknown };
    doc.zExtra = { b: 1 };
    doc.aExtra = "x";
    const keys = Object.keys(canonicalReport(doc));
    expect(keys.slice(-2)).toEqual(["aExtra", "zExtra"]);
  });
});

describe("the budget as written: remaining = 1 − consumed/allowed of the written figures", () => {
  const written = (objective: number, total: number, bad: number) => {
    const b = errorBudget({ objective, total, bad });
    return { b, w: writtenBudget({ unit: "minutes", ...b }) };
  };

  it("recomputes remaining from the rounded figures (hand-computed)", () => {
    // 99.9 % of a 169-hour week: 10.14 minutes; 3.333333 minutes down (ten 20-second intervals)
    // written: consumed 3.33, remaining 1 − 3.33/10.14 = 0.671597633… → 0.671598 (unrounded: 0.671269)
    const { w } = written(0.999, 10_140, 3.333333);
    expect(w).toEqual({ allowed: 10.14, consumed: 3.33, remaining: 0.671598, overagePercent: 0 });
  });

  it("keeps consumed on its side of allowed: 10.142 of 10.144 is within budget, not 10.14 of 10.14", () => {
    const { w } = written(0.999, 10_144, 10.142);
    expect(w.allowed).toBe(10.144);
    expect(w.consumed).toBe(10.14);
    expect(w.remaining).toBeGreaterThan(0);
    expect(w.remaining).toBe(Number((1 - 10.14 / 10.144).toFixed(6)));
  });

  it("exactly spent reads 0 remaining with equal figures", () => {
    // 43.2 bad minutes of a 30-day month at 99.9 %: (1 − 0.999) × 43 200 is 43.20000000000004 in floats
    expect(written(0.999, 43_200, 43.2).w).toEqual({
      allowed: 43.2,
      consumed: 43.2,
      remaining: 0,
      overagePercent: 0,
    });
  });

  it("agrees with itself for any budget, and never changes the sign of remaining", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0.9, 0.99, 0.995, 0.999, 0.9995, 0.9999),
        fc.double({ min: 1, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (objective, total, share) => {
          const { b, w } = written(objective, total, total * share * (1 - objective) * 3);
          expect(Math.sign(w.remaining!)).toBe(Math.sign(b.remaining));
          expect(Math.abs(w.remaining! - (1 - w.consumed / w.allowed))).toBeLessThanOrEqual(5e-7);
          if (w.remaining! < 0)
            expect(Math.abs(w.overagePercent + w.remaining! * 100)).toBeLessThanOrEqual(0.005 + 1e-9);
        },
      ),
    );
  });
});
