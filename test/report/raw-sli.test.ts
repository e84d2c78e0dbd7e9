/**
 * Raw PromQL ratio SLIs against the real Prometheus holding the backfilled fixture: written as PromQL with
 * `[{{.window}}]`, the checkout error SLI gives the same attainment, budget and daily figures as the same
 * SLI built from selectors, both within 5e-5 of the planted ratio; given as a share (badRatio) it gives the
 * same attainment, with a budget in minutes weighted by time. The report calls both user-defined.
 */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import type { GroundTruth } from "../../infra/local/index.js";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import { buildReport, type ReportSlo } from "../../packages/core/src/report/engine.js";
import type { SloReport } from "../../packages/core/src/report/model.js";
import { renderMarkdown, renderText } from "../../packages/core/src/report/render/index.js";
import { monthWindow } from "../../packages/core/src/slo/index.js";

const url = inject("prometheusUrl");
const truth = JSON.parse(readFileSync(inject("truthFile"), "utf8")) as GroundTruth;
const TZ = "Europe/Berlin";

const ERRORS = 'sum(increase(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))';
const TOTAL = 'sum(increase(http_requests_total{service="checkout"}[{{.window}}]))';

const slo = (name: string, sli: ReportSlo["sli"], extra: Partial<ReportSlo> = {}): ReportSlo => ({
  name,
  service: "checkout",
  objective: 0.999,
  sli,
  missingData: "unknown",
  minCoverage: 0.9,
  maintenance: [],
  ...extra,
});

const maintenance = [{ start: "2026-10-09T12:00:00Z", end: "2026-10-09T13:00:00Z", reason: "burst hour" }];
const SLOS: ReportSlo[] = [
  slo("structured", {
    type: "ratio",
    bad: { metric: "http_requests_total", labels: { service: "checkout" }, labelsRegex: { code: "5.." } },
    total: { metric: "http_requests_total", labels: { service: "checkout" } },
  }),
  slo("raw", { type: "ratio", bad: { promql: ERRORS }, total: { promql: TOTAL } }),
  slo("share", { type: "ratio", badRatio: { promql: `(${ERRORS}) / (${TOTAL})` } }),
  slo("good-share", { type: "ratio", goodRatio: { promql: `1 - (${ERRORS}) / (${TOTAL})` } }),
  slo(
    "structured-maint",
    {
      type: "ratio",
      bad: { metric: "http_requests_total", labels: { service: "checkout" }, labelsRegex: { code: "5.." } },
      total: { metric: "http_requests_total", labels: { service: "checkout" } },
    },
    { maintenance },
  ),
  slo("raw-maint", { type: "ratio", bad: { promql: ERRORS }, total: { promql: TOTAL } }, { maintenance }),
];

describe("raw PromQL SLIs over October 2026 (Europe/Berlin, 745 h)", async () => {
  const doc = await buildReport({
    window: monthWindow("2026-10", TZ),
    slos: SLOS,
    api: createPrometheusClient({ url, timeoutMs: 10_000 }),
    sourceLabel: url,
    now: new Date("2026-11-23T08:00:00Z"),
  });
  const by = (name: string): SloReport => doc.slos.find((s) => s.name === name)!;
  const r = truth.windows["2026-10@Europe/Berlin"]!.requests;

  it("gives the attainment, budget and daily figures of the same SLI built from selectors", () => {
    expect(doc.errors).toEqual([]);
    const structured = by("structured");
    const raw = by("raw");
    expect(Math.abs(structured.attainment! - r.good / r.total)).toBeLessThan(5e-5);
    expect(raw.attainment).toBe(structured.attainment);
    expect(raw.status).toBe(structured.status);
    expect(raw.errorBudget).toEqual(structured.errorBudget);
    expect(raw.daily).toEqual(structured.daily);
    expect(raw.coverage).toBe(structured.coverage);
    expect(raw.queries[0]).toBe(
      'sum(increase(http_requests_total{service="checkout",code=~"5.."}[745h] @ 1793487599.999))',
    );
  });

  it("subtracts maintenance the same way", () => {
    const s = by("structured-maint");
    const m = by("raw-maint");
    expect(s.attainment).not.toBe(by("structured").attainment); // the burst hour is taken out
    expect(m.attainment).toBe(s.attainment);
    expect(m.errorBudget).toEqual(s.errorBudget);
  });

  it("a share (badRatio) gives the same attainment, its budget in minutes of the window", () => {
    const share = by("share");
    expect(Math.abs(share.attainment! - by("structured").attainment!)).toBeLessThan(1e-9);
    expect(share.errorBudget.unit).toBe("minutes");
    expect(share.errorBudget.allowed).toBeCloseTo(0.001 * 745 * 60, 6);
    expect(share.errorBudget.remaining).toBeCloseTo(by("structured").errorBudget.remaining!, 6);
    const good = by("good-share");
    expect(Math.abs(good.attainment! - share.attainment!)).toBeLessThan(1e-9);
    expect(good.errorBudget.consumed).toBeCloseTo(share.errorBudget.consumed, 6);
    // the burst day is the worst day here too
    const burst = share.daily.find((d) => d.date === "2026-10-09")!;
    const quiet = share.daily.find((d) => d.date === "2026-10-08")!;
    expect(burst.attainment!).toBeLessThan(quiet.attainment!);
  });

  it("says the SLI is user-defined: a flag in the JSON and a sentence in the rendered report", () => {
    expect(by("structured").userDefined).toBeUndefined();
    expect(by("raw").userDefined).toBe(true);
    expect(by("share").userDefined).toBe(true);
    expect(by("raw").method).toMatch(/^User-defined SLI: the PromQL written in the config/);
    expect(by("share").method).toMatch(/budget is that share weighted by time/);
    expect(renderText(doc)).toContain("Service checkout, user-defined ratio SLI (PromQL from the config)");
    expect(renderMarkdown(doc)).toContain(
      "user-defined ratio SLI (PromQL from the config), budget in requests.",
    );
  });
});
