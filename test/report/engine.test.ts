/**
 * The report engine against the real Prometheus holding the backfilled fixture: every figure is compared
 * with the ground truth the generator computed by plain enumeration of the samples.
 *
 * Tolerances: probe SLIs are exact (counts of samples). Request SLIs use increase(), which extrapolates to
 * the window edges and drops the first sample of a series born inside the window: attainment within 5e-5
 * absolute of the exact planted ratio.
 */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import type { GroundTruth } from "../../infra/local/index.js";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import { buildReport, type ReportSlo } from "../../packages/core/src/report/engine.js";
import type { ReportDocument, SloReport } from "../../packages/core/src/report/model.js";
import { monthWindow, weekWindow } from "../../packages/core/src/slo/index.js";

const url = inject("prometheusUrl");
const truth = JSON.parse(readFileSync(inject("truthFile"), "utf8")) as GroundTruth;
const TZ = "Europe/Berlin";
const NOW = new Date("2026-11-23T08:00:00Z");

const probe = (
  name: string,
  target: string,
  objective: number,
  extra: Partial<ReportSlo> = {},
): ReportSlo => ({
  name,
  service: target,
  objective,
  sli: { type: "probe", target, intervalSeconds: 60 },
  missingData: "unknown",
  minCoverage: 0.9,
  maintenance: [],
  ...extra,
});
const maint = truth.plan.maintenance[0]!;
const SLOS: ReportSlo[] = [
  probe("api-availability", "api", 0.995),
  probe("api-availability-strict-missing", "api", 0.99, { missingData: "bad" }),
  probe("web-availability", "web", 0.999, {
    maintenance: [{ start: maint.start, end: maint.end, reason: maint.reason }],
  }),
  probe("flaky-availability", "flaky", 0.999),
  probe("dark-availability", "dark", 0.999),
  {
    name: "checkout-success",
    service: "checkout",
    objective: 0.999,
    sli: {
      type: "ratio",
      good: { metric: "http_requests_total", labels: { service: "checkout" }, labelsRegex: { code: "2.." } },
      total: { metric: "http_requests_total", labels: { service: "checkout" } },
    },
    missingData: "unknown",
    minCoverage: 0.9,
    maintenance: [],
  },
  {
    name: "checkout-errors",
    service: "checkout",
    objective: 0.999,
    sli: {
      type: "ratio",
      bad: { metric: "http_requests_total", labels: { service: "checkout" }, labelsRegex: { code: "5.." } },
      total: { metric: "http_requests_total", labels: { service: "checkout" } },
    },
    missingData: "unknown",
    minCoverage: 0.9,
    maintenance: [],
  },
  {
    name: "checkout-latency",
    service: "checkout",
    objective: 0.95,
    sli: {
      type: "latency",
      metric: "http_request_duration_seconds",
      labels: { service: "checkout" },
      thresholdSeconds: 0.5,
    },
    missingData: "unknown",
    minCoverage: 0.9,
    maintenance: [],
  },
  {
    name: "checkout-p95",
    service: "checkout",
    objective: 0.99,
    sli: {
      type: "quantile",
      metric: "http_request_duration_seconds",
      labels: { service: "checkout" },
      quantiles: [0.95, 0.99],
      targetSeconds: { "0.95": 0.5 },
    },
    missingData: "unknown",
    minCoverage: 0.9,
    maintenance: [],
  },
];

const client = () => createPrometheusClient({ url, timeoutMs: 10_000 });
const bySlo = (doc: ReportDocument, name: string): SloReport => {
  const s = doc.slos.find((x) => x.name === name);
  if (!s) throw new Error(`no SLO ${name} in report`);
  return s;
};
const ms = (iso: string) => Date.parse(iso);

describe("monthly report, October 2026 in Europe/Berlin (745 h, DST ends)", async () => {
  const api = client();
  const doc = await buildReport({
    window: monthWindow("2026-10", TZ),
    slos: SLOS,
    api,
    sourceLabel: url,
    now: NOW,
  });
  const w = truth.windows["2026-10@Europe/Berlin"]!;

  it("frames the window exactly", () => {
    expect(doc.window).toEqual({
      start: "2026-10-01T00:00:00.000+02:00",
      end: "2026-11-01T00:00:00.000+01:00",
      timeZone: TZ,
      hours: 745,
    });
    expect(doc.partial).toBe(false);
    expect(doc.slos.map((s) => s.name)).toEqual(
      SLOS.filter((s) => s.sli.type !== "quantile").map((s) => s.name),
    );
  });

  it("api: exact attainment and incidents, and honest 'unknown' when the gap decides the outcome", () => {
    const t = w.probes.api!;
    const s = bySlo(doc, "api-availability");
    expect(s.attainment).toBeCloseTo(t.good / t.present, 12);
    expect(s.coverage).toBeCloseTo(t.present / t.expected, 12);
    expect(s.downtimeMinutes).toBe(t.bad);
    // 150 bad + 120 missing minutes: met only if the gap was up, missed if it was down
    expect(s.status).toBe("unknown");
    expect(s.reason).toMatch(/missing data decides/);
    expect(s.incidents.map((i) => [ms(i.start), ms(i.end), i.minutes])).toEqual(
      t.incidents.map((i) => [ms(i.start), ms(i.end), i.minutes]),
    );
    // incidents are clipped to the window and carry the zone's offset, DST included
    expect(s.incidents[0]).toEqual({
      start: "2026-10-01T00:00:00.000+02:00",
      end: "2026-10-01T00:20:00.000+02:00",
      minutes: 20,
    });
    expect(s.incidents[2]).toEqual({
      start: "2026-10-25T02:30:00.000+02:00",
      end: "2026-10-25T02:30:00.000+01:00",
      minutes: 60,
    });
    expect(s.incidents[3]!.end).toBe("2026-11-01T00:00:00.000+01:00");
    expect(s.errorBudget.unit).toBe("minutes");
    expect(s.errorBudget.consumed).toBe(t.bad);
  });

  it("api with missingData=bad: the gap counts against the budget", () => {
    const t = w.probes.api!;
    const s = bySlo(doc, "api-availability-strict-missing");
    expect(s.attainment).toBeCloseTo(t.good / t.expected, 12);
    expect(s.errorBudget.allowed).toBeCloseTo(0.01 * t.expected, 9);
    expect(s.errorBudget.consumed).toBe(t.bad + t.missing);
    expect(s.status).toBe("met");
  });

  it("web: maintenance is excluded from the SLI and shown", () => {
    const t = w.probes.web!;
    const s = bySlo(doc, "web-availability");
    expect(t.badInMaintenance).toBe(60);
    expect(s.maintenanceMinutes).toBe(60);
    expect(s.downtimeMinutes).toBe(t.bad - t.badInMaintenance);
    expect(s.attainment).toBeCloseTo(
      (t.good - (t.maintenanceMinutes - t.badInMaintenance)) / (t.expected - 60),
      12,
    );
    expect(s.errorBudget.allowed).toBeCloseTo(0.001 * (t.expected - 60), 9);
    expect(s.status).toBe("met");
    expect(s.incidents).toHaveLength(1);
    expect(s.incidents[0]!.minutes).toBe(7);
  });

  it("flaky: missed, overspent budget reported as negative remaining", () => {
    const t = w.probes.flaky!;
    const s = bySlo(doc, "flaky-availability");
    expect(t.bad).toBe(31 * 3);
    expect(s.status).toBe("missed");
    expect(s.errorBudget.consumed).toBe(93);
    expect(s.errorBudget.remaining).toBeCloseTo(1 - 93 / (0.001 * 44700), 9);
    expect(s.errorBudget.overagePercent).toBeGreaterThan(0);
    expect(s.incidents).toHaveLength(31);
    expect(doc.breaches).toContainEqual(
      expect.objectContaining({ slo: "flaky-availability", kind: "missed", severity: "critical" }),
    );
  });

  it("dark: the exporter vanished, the SLO is unknown, never met", () => {
    const t = w.probes.dark!;
    const s = bySlo(doc, "dark-availability");
    expect(s.status).toBe("unknown");
    expect(s.coverage).toBeCloseTo(t.present / t.expected, 12);
    expect(s.attainment).toBe(1);
    expect(s.reason).toBeTruthy();
  });

  it("daily breakdown: local days, the 25-hour DST day included", () => {
    const s = bySlo(doc, "api-availability");
    expect(s.daily).toHaveLength(31);
    for (const d of w.daily) {
      const got = s.daily.find((x) => x.date === d.date)!;
      const p = d.probes.api!;
      if (p.present === 0) expect(got.attainment).toBeNull();
      else expect(got.attainment, d.date).toBeCloseTo(p.good / p.present, 12);
    }
    const dst = w.daily.find((d) => d.date === "2026-10-25")!;
    expect(dst.probes.web!.present).toBe(25 * 60);
  });

  it("ratio SLIs match the planted request counts within 5e-5", () => {
    const r = w.requests;
    const good = bySlo(doc, "checkout-success");
    expect(good.errorBudget.unit).toBe("requests");
    expect(Math.abs(good.attainment! - r.good / r.total)).toBeLessThan(5e-5);
    const bad = bySlo(doc, "checkout-errors");
    expect(Math.abs(bad.attainment! - r.good / r.total)).toBeLessThan(5e-5);
    expect(Math.abs(good.errorBudget.consumed - (r.bad + r.late)) / (r.bad + r.late)).toBeLessThan(0.05);
    expect(good.method).toMatch(/increase\(\) extrapolates/);
    // the 1-hour burst of errors (20/min) is visible on its day
    const burst = good.daily.find((d) => d.date === "2026-10-09")!;
    const quiet = good.daily.find((d) => d.date === "2026-10-08")!;
    expect(burst.attainment!).toBeLessThan(quiet.attainment!);
  });

  it("latency SLI matches the planted histogram within 5e-5, and quantiles fall in the right bucket", () => {
    const l = w.latency;
    const s = bySlo(doc, "checkout-latency");
    expect(Math.abs(s.attainment! - l.buckets["0.5"]! / l.total)).toBeLessThan(5e-5);
    expect(s.status).toBe("met");
    const figures = doc.quantiles.filter((q) => q.name === "checkout-p95");
    const p95 = figures.find((q) => q.quantile === 0.95)!;
    expect(p95.valueSeconds!).toBeGreaterThan(0.25);
    expect(p95.valueSeconds!).toBeLessThanOrEqual(0.5);
    expect(p95.status).toBe("met");
    // a value with no target set: "no-target", not "unknown" (which reads as "data missing")
    expect(figures.find((q) => q.quantile === 0.99)!.status).toBe("no-target");
  });

  it("gives p95/p99 probe latency per probe SLO, judged against the target's thresholds", () => {
    // planted: successful probes take 50-59 ms, failed ones 10 s; api failed 150 of 44 580 samples (0.34 %)
    const api = doc.quantiles.filter((q) => q.name === "api-availability");
    expect(api.map((q) => q.quantile)).toEqual([0.95, 0.99]);
    for (const q of api) {
      expect(q.valueSeconds!).toBeGreaterThanOrEqual(0.05);
      expect(q.valueSeconds!).toBeLessThanOrEqual(0.059 + 1e-9);
      expect(q.status).toBe("no-target"); // no latency thresholds passed to this report
      expect(q.query).toContain("quantile_over_time");
    }
  });

  it("compares with the previous month", () => {
    const s = bySlo(doc, "flaky-availability");
    expect(s.previous?.period).toBe("2026-09");
    // September holds only 3 fixture days (28-30): 3 outages of 3 minutes
    const prevDays = 2 * 24 * 60 + 22 * 60; // Sep 28 00:00Z .. Sep 30 22:00Z (Berlin month end)
    expect(s.previous?.attainment).toBeCloseTo((prevDays - 9) / prevDays, 12);
  });

  it("uses few queries per SLO and records them", () => {
    for (const s of doc.slos) expect(s.queries.length).toBeGreaterThan(0);
    expect(bySlo(doc, "api-availability").queries[0]).toContain("@ 1793487599.999");
    expect(api.stats.queries).toBeLessThan(SLOS.length * 12);
  });
});

describe("weekly report, 2026-W43 in Europe/Berlin (169 h)", async () => {
  const doc = await buildReport({
    window: weekWindow("2026-W43", TZ),
    slos: SLOS,
    api: client(),
    sourceLabel: url,
    now: NOW,
  });
  const w = truth.windows["2026-W43@Europe/Berlin"]!;
  it("matches the truth for every probe SLO", () => {
    expect(doc.window.hours).toBe(169);
    for (const [name, target] of [
      ["api-availability", "api"],
      ["flaky-availability", "flaky"],
    ] as const) {
      const t = w.probes[target]!;
      const s = bySlo(doc, name);
      expect(s.attainment, name).toBeCloseTo(t.good / t.present, 12);
      expect(s.incidents.map((i) => i.minutes)).toEqual(t.incidents.map((i) => i.minutes));
    }
    expect(bySlo(doc, "dark-availability").attainment).toBeNull();
    expect(bySlo(doc, "dark-availability").status).toBe("unknown");
  });
});

describe("a window still running", async () => {
  it("uses the elapsed part, the whole period's budget, and forecasts exhaustion", async () => {
    const now = new Date("2026-10-15T12:00:00Z");
    const doc = await buildReport({
      window: monthWindow("2026-10", TZ),
      slos: [probe("flaky-availability", "flaky", 0.999)],
      api: client(),
      sourceLabel: url,
      now,
      comparePrevious: false,
    });
    const s = doc.slos[0]!;
    expect(doc.partial).toBe(true);
    // Oct 1..15 at 12:00Z: 15 outages of 3 min so far (the 15th starts at 12:00Z, not yet observed)
    expect(s.downtimeMinutes).toBe(14 * 3);
    expect(s.errorBudget.allowed).toBeCloseTo(0.001 * 745 * 60, 9);
    expect(s.errorBudget.remaining).toBeGreaterThan(0);
    // 42 bad minutes in 14.5 days burns about 2x: the budget runs out before the month ends
    expect(s.burnRate!).toBeGreaterThan(1.5);
    expect(s.forecast?.withinWindow).toBe(true);
    // not over yet: never "met", not "missed" while budget remains
    expect(s.status).toBe("unknown");
    expect(s.reason).toMatch(/in progress/);
    expect(doc.breaches).toEqual([]);
  });

  it("reports a running period whose whole budget is gone as budget-exhausted", async () => {
    const doc = await buildReport({
      window: monthWindow("2026-10", TZ),
      slos: [probe("api-availability", "api", 0.999)],
      api: client(),
      sourceLabel: url,
      now: new Date("2026-10-26T00:00:00Z"),
      comparePrevious: false,
    });
    expect(doc.slos[0]!.downtimeMinutes).toBe(20 + 50 + 60);
    expect(doc.slos[0]!.status).toBe("missed");
    expect(doc.breaches).toEqual([
      expect.objectContaining({ kind: "budget-exhausted", severity: "critical" }),
    ]);
  });
});

describe("Prometheus unavailable", () => {
  it("marks every SLO unknown with the reason and never claims met", async () => {
    const doc = await buildReport({
      window: monthWindow("2026-10", TZ),
      slos: SLOS,
      api: createPrometheusClient({ url: "http://127.0.0.1:1", timeoutMs: 500, retries: 0 }),
      sourceLabel: "http://127.0.0.1:1",
      now: NOW,
    });
    expect(doc.summary.met).toBe(0);
    for (const s of doc.slos) {
      expect(s.status).toBe("unknown");
      expect(s.reason).toMatch(/query failed/);
      expect(s.attainment).toBeNull();
    }
  });
});
