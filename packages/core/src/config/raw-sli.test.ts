/**
 * Raw PromQL ratio SLIs (`{ promql }` for good/bad/total, or `goodRatio`/`badRatio` alone): checked at
 * config load, every problem named by its path.
 */
import { describe, expect, it } from "vitest";
import { errorRatioExpr } from "../alerts/rules.js";
import { isUserDefinedSli, requestQueries } from "../report/queries.js";
import { ConfigError } from "./issues.js";
import { validateConfig } from "./loader.js";

const ERRORS = 'sum(increase(http_requests_total{code=~"5.."}[{{.window}}]))';
const TOTAL = "sum(increase(http_requests_total[{{.window}}]))";

function config(sli: Record<string, unknown>) {
  return { slos: [{ name: "api", service: "api", objective: 99.9, sli: { type: "ratio", ...sli } }] };
}

async function problems(raw: unknown): Promise<string[]> {
  try {
    await validateConfig(raw, { source: "sla.config.yaml" });
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error("expected a ConfigError, but the config validated");
}

describe("raw PromQL ratio SLIs", () => {
  it("accepts raw bad/total, raw next to a selector, and a share alone", async () => {
    for (const sli of [
      { bad: { promql: ERRORS }, total: { promql: TOTAL } },
      { good: { metric: "ok_total" }, total: { promql: TOTAL } },
      { badRatio: { promql: `(${ERRORS}) / (${TOTAL})` } },
      { goodRatio: { promql: "avg_over_time(up[{{.window}}])" } },
    ]) {
      const c = await validateConfig(config(sli));
      expect(isUserDefinedSli(c.slos[0]!.sli)).toBe(true);
    }
    const plain = await validateConfig(
      config({ good: { metric: "ok_total" }, total: { metric: "all_total" } }),
    );
    expect(isUserDefinedSli(plain.slos[0]!.sli)).toBe(false);
  });

  it("names the path of a query without the placeholder, with @, or with broken brackets", async () => {
    const p = await problems(
      config({ bad: { promql: "sum(rate(errors_total[5m]))" }, total: { promql: `${TOTAL} @ 1700000000` } }),
    );
    expect(p).toContainEqual(
      expect.stringMatching(/^slos\[0\]\.sli\.bad\.promql: must contain the \{\{\.window\}\}/),
    );
    expect(p).toContainEqual(
      expect.stringMatching(/^slos\[0\]\.sli\.total\.promql: must not use the @ modifier/),
    );
    expect(await problems(config({ badRatio: { promql: "sum(x[{{.window}}]" } }))).toEqual([
      'slos[0].sli.badRatio.promql: has an unclosed "("',
    ]);
  });

  it("refuses a share next to events, two shares, and good/bad without total", async () => {
    expect(await problems(config({ badRatio: { promql: TOTAL }, total: { promql: TOTAL } }))).toEqual([
      "slos[0].sli: give one of goodRatio or badRatio alone (it is the whole SLI), not with total",
    ]);
    expect(
      (await problems(config({ badRatio: { promql: TOTAL }, goodRatio: { promql: TOTAL } })))[0],
    ).toMatch(/not with badRatio/);
    expect(await problems(config({ bad: { promql: ERRORS } }))).toEqual([
      "slos[0].sli.total: is required next to good or bad (the SLI is good/total or 1 - bad/total)",
    ]);
    expect(
      (await problems(config({ bad: { promql: ERRORS, metric: "x" }, total: { promql: TOTAL } })))[0],
    ).toMatch(/^slos\[0\]\.sli\.bad/);
  });

  it("becomes window queries at end - 1 ms, per-step queries, and burn-rate rules", async () => {
    const c = await validateConfig(
      config({ bad: { promql: ERRORS }, total: { metric: "http_requests_total" } }),
    );
    const span = { start: new Date("2026-02-01T00:00:00Z"), end: new Date("2026-03-01T00:00:00Z") };
    const q = requestQueries(c.slos[0]!.sli as never, span, 900);
    expect(q.bad).toBe('sum(increase(http_requests_total{code=~"5.."}[28d] @ 1772323199.999))');
    expect(q.total).toBe("sum(increase(http_requests_total[28d] @ 1772323199.999))");
    expect(q.badPerStep).toBe('sum(increase(http_requests_total{code=~"5.."}[15m] offset 1ms))');
    expect(q.totalPerStep).toBe("sum(increase(http_requests_total[900s] offset 1ms))");
    expect(errorRatioExpr(c.slos[0]!.sli, "5m")).toBe(
      '(sum(increase(http_requests_total{code=~"5.."}[5m]))) / (sum(increase(http_requests_total[5m])))',
    );
  });

  it("weights a share by time: numerator and total in minutes of the range", async () => {
    const c = await validateConfig(config({ goodRatio: { promql: "avg_over_time(up[{{.window}}])" } }));
    const span = { start: new Date("2026-02-01T00:00:00Z"), end: new Date("2026-02-02T00:00:00Z") };
    const q = requestQueries(c.slos[0]!.sli as never, span, 900);
    expect(q.good).toBe("avg((avg_over_time(up[1d] @ 1769990399.999)) >= 0) * 1440");
    expect(q.total).toBe("count((avg_over_time(up[1d] @ 1769990399.999)) >= 0) * 0 + 1440");
    expect(q.goodPerStep).toBe("avg((avg_over_time(up[15m] offset 1ms)) >= 0) * 15");
    expect(errorRatioExpr(c.slos[0]!.sli, "1h")).toBe("1 - (avg_over_time(up[1h]))");
  });
});
