import { describe, expect, it } from "vitest";
import {
  attainmentPct,
  escapeHtml,
  localEnd,
  localTime,
  objectivePct,
  periodLabel,
  remainingPct,
  renderSummaryLine,
  round,
} from "./format.js";
import { sampleReport } from "./test-helpers.js";

describe("round", () => {
  it("rounds to the given decimals", () => {
    expect(round(0.99787919463, 6)).toBe(0.997879);
    expect(round(44.6399999, 2)).toBe(44.64);
    expect(round(null, 6)).toBeNull();
    expect(round(undefined, 6)).toBeNull();
    expect(round(-0.0000001, 2)).toBe(0);
    expect(Object.is(round(-0.0000001, 2), -0)).toBe(false);
  });

  it("never moves a value across a pivot", () => {
    // 0.9989999999 would round to the objective 0.999 at 6 decimals
    const r = round(0.9989999999, 6, [0.999]);
    expect(r).toBeLessThan(0.999);
    expect(r).toBe(0.9989999999);
    expect(round(0.99999997, 6, [1])).toBe(0.99999997);
    expect(round(0.99999997, 6)).toBe(1);
    expect(round(-0.0000003, 6, [0])).toBe(-0.0000003);
    expect(round(0.5, 6, [0, 1])).toBe(0.5);
  });

  it("keeps non-finite numbers unchanged", () => {
    expect(round(Number.POSITIVE_INFINITY, 2)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(round(Number.NaN, 2))).toBe(true);
  });
});

describe("text helpers", () => {
  it("escapes the five HTML metacharacters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  it("formats percentages without rounding across the objective", () => {
    expect(objectivePct(0.999)).toBe("99.9 %");
    expect(objectivePct(0.9995)).toBe("99.95 %");
    expect(attainmentPct(0.99787919, 0.999)).toBe("99.788 %");
    expect(attainmentPct(0.99899999, 0.999)).toBe("99.899999 %");
    expect(attainmentPct(null, 0.999)).toBe("n/a");
    expect(remainingPct(-1.1208053)).toBe("-112.1 %");
    expect(remainingPct(-0.0001)).toBe("-0.01 %");
  });

  it("shows local times with their offset", () => {
    expect(localTime("2026-10-25T02:50:00.000+02:00")).toBe("2026-10-25 02:50 +02:00");
    expect(localTime("2026-10-29T16:06:30.000+01:00")).toBe("2026-10-29 16:06:30 +01:00");
    expect(localTime("2026-10-29T15:06:00Z")).toBe("2026-10-29 15:06 +00:00");
    expect(localEnd("2026-10-25T02:50:00.000+02:00", "2026-10-25T02:05:00.000+01:00")).toBe("02:05 +01:00");
    expect(localEnd("2026-10-31T23:50:00.000+01:00", "2026-11-01T00:10:00.000+01:00")).toBe(
      "2026-11-01 00:10 +01:00",
    );
  });

  it("labels periods", () => {
    const doc = sampleReport();
    expect(periodLabel(doc)).toBe("October 2026");
    expect(periodLabel({ ...doc, kind: "weekly", period: "2026-W43" })).toBe("Week 43, 2026");
    expect(periodLabel({ ...doc, kind: "custom", period: null })).toBe(
      "2026-10-01 00:00 +02:00 to 2026-11-01 00:00 +01:00",
    );
  });

  it("renders the chat summary line", () => {
    expect(renderSummaryLine(sampleReport())).toBe("October 2026: 2 met, 1 missed, 1 unknown");
    expect(renderSummaryLine({ ...sampleReport(), partial: true })).toBe(
      "October 2026 (so far): 2 met, 1 missed, 1 unknown",
    );
  });
});
