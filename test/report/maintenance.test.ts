/**
 * Maintenance on request SLIs against the real Prometheus holding the backfilled fixture: a maintenance
 * window pinned over a planted error burst (ratio SLIs) and over a planted slow period (latency SLI) takes
 * exactly the requests planted inside it out of good and total.
 *
 * Expected figures are computed here from the plan (infra/local/fixture.ts: `requestsAt`, `bucketCounts`,
 * the generator's own rules) and from the ground truth of the whole window; the product's code computes
 * nothing that is compared with itself. Tolerance: increase() extrapolates at the edges of the window and
 * of each maintenance window, so ratios are held to 5e-5 absolute and request counts to 5 % (as in
 * engine.test.ts), the budget's size to 1 %.
 */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { bucketCounts, FIXTURE_START, type GroundTruth, requestsAt } from "../../infra/local/index.js";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import { buildReport, type ReportSlo } from "../../packages/core/src/report/engine.js";
import { monthWindow } from "../../packages/core/src/slo/index.js";

const url = inject("prometheusUrl");
const truth = JSON.parse(readFileSync(inject("truthFile"), "utf8")) as GroundTruth;
const TZ = "Europe/Berlin";
const NOW = new Date("2026-11-23T08:00:00Z");
const OCT = truth.windows["2026-10@Europe/Berlin"]!;

/** Requests planted in [from, to): the counter samples in (from, to], one a minute (fixture semantics). */
function plantedIn(from: string, to: string) {
  const sum = { good: 0, bad: 0, late: 0, le05: 0 };
  const i0 = (Date.parse(from) - Date.parse(FIXTURE_START)) / 60_000;
  const i1 = (Date.parse(to) - Date.parse(FIXTURE_START)) / 60_000;
  for (let i = i0 + 1; i <= i1; i++) {
    const r = requestsAt(i);
    sum.good += r.good;
    sum.bad += r.bad;
    sum.late += r.late;
    sum.le05 += bucketCounts(r.good + r.bad, r.slow)[PLAN_LE_05]!;
  }
  return sum;
}
const PLAN_LE_05 = truth.plan.latency.buckets.indexOf(0.5);

// The error burst: 2026-10-09 12:00–13:00Z, 20 errors a minute on top of 1 every 20 minutes. Pinned as two
// overlapping windows (12:00–12:40Z and 14:20–15:00+02:00 = 12:20–13:00Z) that merge into one hour.
const BURST = truth.plan.requests.errorBursts[0]!;
const BURST_MAINTENANCE = [
  { start: "2026-10-09T12:00:00Z", end: "2026-10-09T12:40:00Z", reason: "failover drill" },
  { start: "2026-10-09T14:20:00+02:00", end: "2026-10-09T15:00:00+02:00", reason: "failover drill, part 2" },
];
// The slow period: 2026-10-22 09:00–11:00Z (only 70 % of requests at or below 0.5 s instead of 98 %).
const SLOW = truth.plan.latency.slowPeriods[0]!;

const request = (
  name: string,
  objective: number,
  sli: ReportSlo["sli"],
  maintenance: ReportSlo["maintenance"],
) =>
  ({
    name,
    service: "checkout",
    objective,
    sli,
    missingData: "unknown",
    minCoverage: 0.9,
    maintenance,
  }) satisfies ReportSlo;
const selector = (labelsRegex?: Record<string, string>) => ({
  metric: "http_requests_total",
  labels: { service: "checkout" },
  ...(labelsRegex ? { labelsRegex } : {}),
});
// 99.925 %: missed with the burst counted, met without it (checked below from the planted counts)
const OBJECTIVE = 0.99925;
const SLOS: ReportSlo[] = [
  request("success", OBJECTIVE, { type: "ratio", good: selector({ code: "2.." }), total: selector() }, []),
  request(
    "success-maint",
    OBJECTIVE,
    { type: "ratio", good: selector({ code: "2.." }), total: selector() },
    BURST_MAINTENANCE,
  ),
  request(
    "errors-maint",
    OBJECTIVE,
    { type: "ratio", bad: selector({ code: "5.." }), total: selector() },
    BURST_MAINTENANCE,
  ),
  request(
    "latency-maint",
    0.95,
    {
      type: "latency",
      metric: "http_request_duration_seconds",
      labels: { service: "checkout" },
      thresholdSeconds: 0.5,
    },
    [{ start: "2026-10-22T11:00:00+02:00", end: "2026-10-22T13:00:00+02:00", reason: "load test" }],
  ),
];

describe("request SLIs with maintenance, October 2026 in Europe/Berlin", async () => {
  const doc = await buildReport({
    window: monthWindow("2026-10", TZ),
    slos: SLOS,
    api: createPrometheusClient({ url, timeoutMs: 10_000 }),
    sourceLabel: url,
    now: NOW,
    comparePrevious: false,
  });
  const slo = (name: string) => doc.slos.find((s) => s.name === name)!;
  const r = OCT.requests;
  const inBurst = plantedIn(BURST.start, BURST.end);

  it("plants what the hand computation says", () => {
    // samples i = 16 561 .. 16 620 (12:01 .. 13:00Z): good 100 + (i mod 7), i mod 7 starting at 6 →
    // 60 × 100 + 8 × (0+1+...+6) + (6+0+1+2) = 6 177; bad 20 × 60 + 3 (i = 16 580, 16 600, 16 620) = 1 203
    expect(inBurst).toEqual({ good: 6177, bad: 1203, late: 0, le05: expect.any(Number) });
    expect(doc.errors).toEqual([]);
  });

  it("ratio (good/total): the burst's requests leave good and total; attainment and status follow", () => {
    const expected = (r.good - inBurst.good) / (r.total - inBurst.good - inBurst.bad);
    const without = r.good / r.total;
    // the premise: the burst decides the status at 99.925 %
    expect(without).toBeLessThan(OBJECTIVE);
    expect(expected).toBeGreaterThan(OBJECTIVE);
    expect(expected - without).toBeGreaterThan(2e-4);

    const plain = slo("success");
    const s = slo("success-maint");
    expect(Math.abs(plain.attainment! - without)).toBeLessThan(5e-5);
    expect(plain.status).toBe("missed");
    expect(Math.abs(s.attainment! - expected)).toBeLessThan(5e-5);
    expect(s.status).toBe("met");
    // bad requests outside maintenance: 1 every 20 min + the late 503 series (whose first sample increase()
    // drops), without the burst's 1 203: within 5 % as in engine.test.ts
    const badOutside = r.bad + r.late - inBurst.bad;
    expect(Math.abs(s.errorBudget.consumed - badOutside) / badOutside).toBeLessThan(0.05);
    expect(
      Math.abs(s.errorBudget.allowed - (1 - OBJECTIVE) * (r.total - inBurst.good - inBurst.bad)) /
        s.errorBudget.allowed,
    ).toBeLessThan(0.01);
  });

  it("lists the merged window once: 60 minutes, not 80", () => {
    const s = slo("success-maint");
    expect(s.maintenanceMinutes).toBe(60);
    expect(s.maintenance).toEqual([
      {
        start: "2026-10-09T14:00:00.000+02:00",
        end: "2026-10-09T15:00:00.000+02:00",
        reason: "failover drill; failover drill, part 2",
      },
    ]);
    expect(s.method).toMatch(/Maintenance windows/);
  });

  it("ratio (bad/total) gives the same attainment", () => {
    const expected = (r.good - inBurst.good) / (r.total - inBurst.good - inBurst.bad);
    expect(Math.abs(slo("errors-maint").attainment! - expected)).toBeLessThan(5e-5);
  });

  it("the burst day's daily figure loses the burst", () => {
    // Berlin day 2026-10-09: 1 error every 20 minutes = 72, 3 of them inside the maintenance hour, plus the
    // burst's 1 200. Daily figures sum 15-minute increase()s, which miss an error landing on a step's first
    // sample (approximate, see the method text): so only bounds here, far from the burst.
    const plainDay = slo("success").daily.find((d) => d.date === "2026-10-09")!;
    expect(plainDay.bad).toBeGreaterThan(1200);
    const day = slo("success-maint").daily.find((d) => d.date === "2026-10-09")!;
    expect(day.bad).toBeGreaterThan(0);
    expect(day.bad).toBeLessThan(72);
  });

  it("latency: the slow period's requests leave the SLI", () => {
    const slow = plantedIn(SLOW.start, SLOW.end);
    const l = OCT.latency;
    const expected = (l.buckets["0.5"]! - slow.le05) / (l.total - slow.good - slow.bad);
    const without = l.buckets["0.5"]! / l.total;
    expect(expected - without).toBeGreaterThan(5e-4); // the premise: the slow period is visible
    const s = slo("latency-maint");
    expect(Math.abs(s.attainment! - expected)).toBeLessThan(5e-5);
    expect(s.maintenanceMinutes).toBe(120);
  });
});
