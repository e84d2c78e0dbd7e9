import { describe, expect, it } from "vitest";
import type { ReportDocument } from "../model.js";
import { canonicalReport, renderJson } from "./json.js";
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
