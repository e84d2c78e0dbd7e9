/**
 * Quarter and year reports against the real Prometheus holding the backfilled fixture (35 days from
 * 2026-09-28): a quarter or a year is mostly without data there, so what is known is exact (the samples
 * that exist, the downtime, the budget of the whole window) and the rest must read as missing coverage,
 * never as "met".
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type GroundTruth, PLAN, probeTruth } from "../../infra/local/index.js";
import { loadConfig, type SloWindow } from "../../packages/core/src/config/index.js";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import { buildReport, type ReportSlo } from "../../packages/core/src/report/engine.js";
import type { ReportDocument, SloReport } from "../../packages/core/src/report/model.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { quarterWindow, resolveWindow } from "../../packages/core/src/slo/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { CountingNotifier } from "../helpers/notifiers.js";

const url = inject("prometheusUrl");
const truth = JSON.parse(readFileSync(inject("truthFile"), "utf8")) as GroundTruth;
const TZ = "Europe/Berlin";

const probe = (name: string, target: string, objective: number): ReportSlo => ({
  name,
  service: target,
  objective,
  sli: { type: "probe", target, intervalSeconds: 60 },
  missingData: "unknown",
  minCoverage: 0.9,
  maintenance: [],
});
const SLOS: ReportSlo[] = [
  probe("api-availability", "api", 0.995),
  probe("flaky-availability", "flaky", 0.999),
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
];
const bySlo = (doc: ReportDocument, name: string): SloReport => {
  const s = doc.slos.find((x) => x.name === name);
  if (!s) throw new Error(`no SLO ${name} in report`);
  return s;
};
const planOf = (target: string) => PLAN.probes.find((p) => p.target === target)!;

describe("yearly report 2026 (Europe/Berlin, 8760 h), run as scheduled on 1 January 2027 06:20", async () => {
  const api = createPrometheusClient({ url, timeoutMs: 20_000 });
  const window = resolveWindow({ previous: "yearly" }, TZ, new Date("2027-01-01T06:20:00+01:00"));
  const doc = await buildReport({
    window,
    slos: SLOS,
    api,
    sourceLabel: url,
    now: new Date("2027-01-01T05:20:00Z"),
  });

  it("frames the whole calendar year, complete, with a daily row per local date", () => {
    expect(doc.kind).toBe("yearly");
    expect(doc.period).toBe("2026");
    expect(doc.window).toEqual({
      start: "2026-01-01T00:00:00.000+01:00",
      end: "2027-01-01T00:00:00.000+01:00",
      timeZone: TZ,
      hours: 8760,
    });
    expect(doc.partial).toBe(false);
    for (const s of doc.slos) {
      expect(s.daily).toHaveLength(365);
      expect(s.daily[0]!.date).toBe("2026-01-01");
      expect(s.daily.at(-1)!.date).toBe("2026-12-31");
    }
  });

  it("probe SLOs: the samples that exist are counted exactly, coverage is the fixture's share, never met", () => {
    const s = window.start.getTime();
    const e = window.end.getTime();
    for (const [name, target] of [
      ["api-availability", "api"],
      ["flaky-availability", "flaky"],
    ] as const) {
      const t = probeTruth(planOf(target), s, e);
      const r = bySlo(doc, name);
      expect(t.expected, name).toBe(8760 * 60);
      // about 35 of 365 days have samples
      expect(t.present / t.expected).toBeGreaterThan(0.09);
      expect(t.present / t.expected).toBeLessThan(0.1);
      expect(r.coverage, name).toBeCloseTo(t.present / t.expected, 12);
      expect(r.attainment, name).toBeCloseTo(t.good / t.present, 12);
      expect(r.downtimeMinutes, name).toBe(t.bad);
      expect(
        r.incidents.map((i) => i.minutes),
        name,
      ).toEqual(t.incidents.map((i) => i.minutes));
      expect(r.status, name).toBe("unknown");
      expect(r.reason, name).toMatch(/^330 d .*of missing data decides the outcome/);
      // the budget is the whole year's: 0.1 % of 525 600 minutes is 525.6 minutes for flaky
      if (name === "flaky-availability") expect(r.errorBudget.allowed).toBeCloseTo(525.6, 9);
      // days outside the fixture have no data; the fixture's days have figures
      expect(r.daily.find((d) => d.date === "2026-06-15")!.attainment).toBeNull();
      expect(r.daily.find((d) => d.date === "2026-10-15")!.attainment).not.toBeNull();
    }
    expect(doc.summary.met).toBe(0);
    // the previous year has no data at all
    expect(bySlo(doc, "flaky-availability").previous).toMatchObject({ period: "2025", attainment: null });
  });

  it("flaky's October downtime is part of the year's, and its daily figures add up to the year's", () => {
    const flaky = bySlo(doc, "flaky-availability");
    const october = truth.windows["2026-10@Europe/Berlin"]!.probes.flaky!;
    expect(flaky.downtimeMinutes!).toBeGreaterThanOrEqual(october.bad);
    expect(flaky.daily.reduce((m, d) => m + d.bad, 0)).toBeCloseTo(flaky.downtimeMinutes!, 9);
  });

  it("the request SLI has figures from the fixture's days and is not met", () => {
    const r = bySlo(doc, "checkout-success");
    expect(r.attainment).not.toBeNull();
    expect(r.status).toBe("unknown");
    expect(r.coverage!).toBeLessThan(0.1);
    expect(r.reason).toMatch(/^coverage \d+\.\d+ % is below the required 90\.00 %$/);
    expect(r.errorBudget.unit).toBe("requests");
  });

  it("keeps the detail queries few: chunked range queries of at most 10 000 points", () => {
    // per probe SLO: 3 instant queries (present, good, p95/p99 figure aside) and the per-minute detail of
    // 525 600 points = 53 chunks; the request SLI's 15-minute detail (35 040 points) = 4 chunks each
    const detail = api.stats.queries;
    expect(detail).toBeGreaterThan(2 * 53);
    expect(detail).toBeLessThan(2 * (53 + 12) + 2 * 4 + 20);
  });
});

describe("quarterly report 2026-Q4 while it runs (2209 h in Europe/Berlin)", async () => {
  const now = new Date("2026-11-23T08:00:00Z");
  const window = quarterWindow("2026-Q4", TZ);
  const doc = await buildReport({
    window,
    slos: SLOS,
    api: createPrometheusClient({ url, timeoutMs: 20_000 }),
    sourceLabel: url,
    now,
  });

  it("is partial, uses the elapsed part and the whole quarter's budget, and is never met", () => {
    expect(doc.kind).toBe("quarterly");
    expect(doc.window.hours).toBe(2209);
    expect(doc.partial).toBe(true);
    const flaky = bySlo(doc, "flaky-availability");
    expect(flaky.errorBudget.allowed).toBeCloseTo(0.001 * 2209 * 60, 9);
    // the elapsed part (to now) is what is expected so far; the fixture ends on 2 November
    const t = probeTruth(planOf("flaky"), window.start.getTime(), now.getTime());
    expect(flaky.coverage).toBeCloseTo(t.present / t.expected, 12);
    expect(flaky.coverage!).toBeLessThan(0.9);
    expect(flaky.downtimeMinutes).toBe(t.bad);
    expect(flaky.attainment).toBeCloseTo(t.good / t.present, 12);
    for (const s of doc.slos) expect(s.status).not.toBe("met");
    expect(flaky.daily).toHaveLength(92);
    // the previous quarter holds three fixture days
    expect(flaky.previous?.period).toBe("2026-Q3");
  });
});

describe("runReport stores quarters and years under their keys and in the index", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("quarterly/2026-Q4 and yearly/2026, only the SLOs that list the window", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sla-long-"));
    dirs.push(dir);
    const config = await loadConfig(join(import.meta.dirname, "fixture.config.yaml"));
    // the fixture config: only checkout-success lists quarterly and yearly
    const slos = config.slos.map((s) =>
      s.name === "checkout-success"
        ? { ...s, windows: ["monthly", "quarterly", "yearly"] as SloWindow[] }
        : s,
    );
    const store = new LocalObjectStore({ dir });
    const api = createPrometheusClient({ url, timeoutMs: 20_000 });
    const now = new Date("2027-01-01T06:20:00+01:00");
    for (const request of [{ previous: "quarterly" }, { previous: "yearly" }] as const) {
      const r = await runReport({
        slos,
        notifyConfig: config.notify,
        window: resolveWindow(request, TZ, now),
        api,
        store,
        notifier: new CountingNotifier(),
        notify: false,
        sourceLabel: url,
        now,
      });
      expect(r.error).toBeUndefined();
      expect(r.report.slos.map((s) => s.name)).toEqual(["checkout-success"]);
    }
    const index = JSON.parse(await readFile(join(dir, "reports/index.json"), "utf8")) as {
      id: string;
      kind: string;
      period: string;
    }[];
    expect(index.map((e) => [e.id, e.kind, e.period]).sort()).toEqual([
      ["quarterly/2026-Q4", "quarterly", "2026-Q4"],
      ["yearly/2026", "yearly", "2026"],
    ]);
    const portal = await readFile(join(dir, "reports/index.html"), "utf8");
    expect(portal).toContain('data-history="quarterly"');
    expect(portal).toContain('data-history="yearly"');
    expect(portal).toContain('href="yearly/2026/report.html"');
    const json = JSON.parse(await readFile(join(dir, "reports/yearly/2026/report.json"), "utf8"));
    expect(json.window.hours).toBe(8760);
    const html = await readFile(join(dir, "reports/quarterly/2026-Q4/report.html"), "utf8");
    expect(html).toContain("Q4 2026 (Oct–Dec)");
    expect(html).toContain(">Months</h3>");
  });
});
