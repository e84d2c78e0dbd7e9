/**
 * Request SLIs at their edges, against the real Prometheus holding the backfilled fixture (October 2026,
 * Europe/Berlin; checkout has series code="200", "500" and, from 21 October, "503"; the latency histogram has
 * buckets 0.1, 0.25, 0.5, 1, 2.5 and +Inf):
 * - a bad selector that never had a series in the window (no request ever answered 418) while total has
 *   data: a perfect month, 0 bad requests, met — not "unknown";
 * - a good selector that never had a series: 0 good requests (every request is bad), missed;
 * - a total selector without any series: unknown, whatever the numerator;
 * - a latency SLI selected with labelsRegex gives exactly the figures of the same series selected with labels;
 * - a latency threshold that is not one of the histogram's buckets: unknown, naming the cause.
 * Expected counts come from the ground truth; increase() extrapolates, so the budget's size is held to 1 %.
 */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import type { GroundTruth } from "../../infra/local/index.js";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import { buildReport, type ReportSlo } from "../../packages/core/src/report/engine.js";
import { monthWindow } from "../../packages/core/src/slo/index.js";

const url = inject("prometheusUrl");
const truth = JSON.parse(readFileSync(inject("truthFile"), "utf8")) as GroundTruth;
const OCT = truth.windows["2026-10@Europe/Berlin"]!;

const slo = (name: string, objective: number, sli: ReportSlo["sli"]): ReportSlo => ({
  name,
  service: "checkout",
  objective,
  sli,
  missingData: "unknown",
  minCoverage: 0.9,
  maintenance: [],
});
const requests = (labels: Record<string, string>) => ({ metric: "http_requests_total", labels });
const checkout = requests({ service: "checkout" });
const histogram = "http_request_duration_seconds";

const SLOS: ReportSlo[] = [
  slo("no-teapots", 0.999, {
    type: "ratio",
    bad: requests({ service: "checkout", code: "418" }),
    total: checkout,
  }),
  slo("no-good", 0.999, {
    type: "ratio",
    good: requests({ service: "checkout", code: "299" }),
    total: checkout,
  }),
  slo("no-total", 0.999, {
    type: "ratio",
    bad: requests({ service: "checkout", code: "500" }),
    total: requests({ service: "no-such-service" }),
  }),
  slo("latency-labels", 0.95, {
    type: "latency",
    metric: histogram,
    labels: { service: "checkout" },
    thresholdSeconds: 0.5,
  }),
  slo("latency-regex", 0.95, {
    type: "latency",
    metric: histogram,
    labelsRegex: { service: "check.*" },
    thresholdSeconds: 0.5,
  }),
  slo("latency-not-a-bucket", 0.95, {
    type: "latency",
    metric: histogram,
    labels: { service: "checkout" },
    thresholdSeconds: 0.3,
  }),
];

describe("request SLIs at their edges, October 2026 in Europe/Berlin", async () => {
  const doc = await buildReport({
    window: monthWindow("2026-10", "Europe/Berlin"),
    slos: SLOS,
    api: createPrometheusClient({ url, timeoutMs: 10_000 }),
    sourceLabel: url,
    now: new Date("2026-11-23T08:00:00Z"),
    comparePrevious: false,
  });
  const by = (name: string) => doc.slos.find((s) => s.name === name)!;

  it("answers every query", () => {
    expect(doc.errors).toEqual([]);
  });

  it("a bad series absent all month with total present: 0 bad, attainment 1, met", () => {
    const s = by("no-teapots");
    expect(s.attainment).toBe(1);
    expect(s.status).toBe("met");
    expect(s.errorBudget.consumed).toBe(0);
    expect(s.errorBudget.remaining).toBe(1);
    // 0.1 % of every request of the month (good + 500s + late 503s)
    expect(Math.abs(s.errorBudget.allowed - 0.001 * OCT.requests.total) / s.errorBudget.allowed).toBeLessThan(
      0.01,
    );
    expect(s.coverage).toBe(1);
    expect(s.daily.every((d) => d.bad === 0 && d.attainment === 1)).toBe(true);
  });

  it("a good series absent all month with total present: 0 good, missed", () => {
    const s = by("no-good");
    expect(s.attainment).toBe(0);
    expect(s.status).toBe("missed");
  });

  it("a total series absent: unknown, never met", () => {
    const s = by("no-total");
    expect(s.status).toBe("unknown");
    expect(s.attainment).toBeNull();
    expect(s.reason).toBe("no data: the total selector matches no series in the window");
  });

  it("a latency SLI with labelsRegex selects the same series as with labels", () => {
    const a = by("latency-labels");
    const b = by("latency-regex");
    expect(b.attainment).toBe(a.attainment);
    expect(b.status).toBe("met");
    expect(Math.abs(b.attainment! - OCT.latency.buckets["0.5"]! / OCT.latency.total)).toBeLessThan(5e-5);
    expect(b.queries[0]).toContain('service=~"check.*"');
  });

  it("a latency threshold that is not a bucket: unknown, naming the cause", () => {
    const s = by("latency-not-a-bucket");
    expect(s.status).toBe("unknown");
    expect(s.reason).toMatch(/no bucket at le=0\.3: thresholdSeconds must be one of the histogram's bucket/);
  });
});
