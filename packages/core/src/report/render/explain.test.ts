/** The sentences of the document, written from codes in one place. */
import { describe, expect, it } from "vitest";
import { breachDetail, methodText, reasonClause, reasonText } from "./explain.js";

const budget = {
  unit: "minutes" as const,
  allowed: 44.7,
  consumed: 93,
  remaining: -1.0806,
  overagePercent: 108.06,
};

describe("breachDetail", () => {
  it.each([
    // the case: toFixed(3) read "attainment 99.900 % below objective 99.900 %"
    [0.9989999, 0.999, "attainment 99.89999 % below objective 99.9 %"],
    [0.99899, 0.999, "attainment 99.899 % below objective 99.9 %"],
    [0.9979194, 0.999, "attainment 99.792 % below objective 99.9 %"],
    [0.99949, 0.9995, "attainment 99.949 % below objective 99.95 %"],
  ])("%d against %d", (attainment, objective, text) => {
    expect(
      breachDetail(
        { slo: "x", service: "s", kind: "missed", severity: "critical" },
        {
          attainment,
          objective,
          errorBudget: budget,
          burnRate: 2,
        },
      ),
    ).toBe(text);
  });

  it("running windows: the remaining budget and the burn rate", () => {
    const s = { attainment: 0.998, objective: 0.999, errorBudget: budget, burnRate: 14.44 };
    expect(breachDetail({ slo: "x", service: "s", kind: "budget-exhausted", severity: "critical" }, s)).toBe(
      "error budget of the period exhausted while it is still running (-108.1 % remaining)",
    );
    expect(breachDetail({ slo: "x", service: "s", kind: "fast-burn", severity: "critical" }, s)).toBe(
      "burning the error budget at 14.4x the sustainable rate",
    );
  });
});

describe("reasons", () => {
  it("missing data that decides the outcome names both bounds, never rounded onto the objective", () => {
    expect(
      reasonClause({
        code: "missing-decides",
        missing: 72,
        unit: "minutes",
        low: 0.99899999,
        high: 1,
        objective: 0.999,
      }),
    ).toBe(
      "1 h 12 min of missing data decides the outcome: attainment is between 99.899999 % (missing counted " +
        "as bad) and 100.000 % (missing counted as good), objective 99.900 %",
    );
  });

  it("joins several reasons in order, none gives undefined", () => {
    expect(
      reasonText([
        { code: "period-in-progress", elapsed: 0.4667 },
        { code: "previous-unavailable", error: "timeout" },
      ]),
    ).toBe("period in progress (47 % elapsed); previous period unavailable: timeout");
    expect(reasonText([])).toBeUndefined();
  });
});

describe("methodText", () => {
  it("says how several probe series are judged, and that the budget ignores missing data", () => {
    const t = methodText({
      sli: "probe",
      intervalSeconds: 60,
      downWhen: "all",
      missingData: "bad",
      series: 3,
    });
    expect(t).toContain("3 series probe the target");
    expect(t).toContain("every series with a sample in it failed (downWhen: all)");
    expect(t).toContain("missing minutes lower the coverage, not the budget");
  });

  it("states the maintenance method of request SLIs only when there is maintenance", () => {
    expect(methodText({ sli: "ratio", numerator: "bad", maintenance: true })).toMatch(
      /^Ratio = sum\(increase\(bad\)\) .* Maintenance windows .* subtracted from good and total/,
    );
    expect(methodText({ sli: "latency", thresholdSeconds: 0.5, maintenance: false })).not.toContain(
      "Maintenance",
    );
  });
});
