/** `planReport` (pure): which queries a report asks, evaluated when, waiting for what. */
import { describe, expect, it } from "vitest";
import { customWindow } from "../slo/windows.js";
import { planReport, type ReportSlo, stepOf } from "./plan.js";

const DAY = customWindow("2026-10-14T00:00:00Z", "2026-10-15T00:00:00Z", "UTC");
const AFTER = new Date("2026-11-01T00:00:00Z");
/** `@` of a query over [.., end): end − 1 ms in Unix seconds */
const at = (iso: string) => `@ ${(Date.parse(iso) - 1) / 1000}`;
const base = { service: "svc", objective: 0.999, missingData: "unknown" as const, minCoverage: 0.9 };
const probe: ReportSlo = {
  ...base,
  name: "api",
  sli: { type: "probe", target: "api", intervalSeconds: 60 },
  maintenance: [],
};
const ratio: ReportSlo = {
  ...base,
  name: "checkout",
  sli: {
    type: "ratio",
    bad: { metric: "http_requests_total", labelsRegex: { code: "5.." } },
    total: { metric: "http_requests_total" },
  },
  maintenance: [
    { start: "2026-10-14T09:00:00Z", end: "2026-10-14T10:00:00Z", reason: "a" },
    { start: "2026-10-14T09:30:00Z", end: "2026-10-14T10:15:00Z", reason: "b" },
  ],
};

describe("planReport", () => {
  const plan = planReport({ window: DAY, slos: [probe, ratio], now: AFTER });
  const q = (id: string) => plan.queries.find((x) => x.id === id)!;

  it("lists every query once, each SLO's before the next, latency figures last", () => {
    expect(plan.queries.map((x) => x.id)).toEqual([
      "slo0/present",
      "slo0/good",
      "slo0/per-interval",
      "slo0/prev/present",
      "slo0/prev/good",
      "slo0/prev/per-interval",
      "slo1/numerator",
      "slo1/total",
      "slo1/maintenance-numerator",
      "slo1/maintenance-total",
      "slo1/numerator-per-step",
      "slo1/total-per-step",
      "slo1/prev/numerator",
      "slo1/prev/total",
      "slo0-latency/p95-p99",
    ]);
    expect(new Set(plan.queries.map((x) => x.group))).toEqual(new Set(["slo0", "slo1", "slo0-latency"]));
  });

  it("evaluates window figures at the end − 1 ms with a range equal to the window", () => {
    expect(q("slo0/present")).toMatchObject({
      kind: "instant",
      promql: `count_over_time(probe_success{target="api"}[1d] ${at("2026-10-15T00:00:00Z")})`,
    });
    // the overlapping maintenance windows are merged: one 75-minute window, at its own end − 1 ms
    expect(q("slo1/maintenance-total").promql).toBe(
      `sum(increase(http_requests_total[75m] ${at("2026-10-14T10:15:00Z")}))`,
    );
  });

  it("range queries: one point per step at the step's end, aligned to the step, looking 1 ms back", () => {
    const perInterval = q("slo0/per-interval");
    expect(perInterval).toMatchObject({
      kind: "range",
      start: new Date("2026-10-14T00:01:00Z"),
      end: new Date("2026-10-15T00:00:00Z"),
      stepSeconds: 60,
    });
    // multiples of the step: an engine or cache that rounds start and end to the step changes nothing
    if (perInterval.kind !== "range") throw new Error("range expected");
    expect(perInterval.start.getTime() % 60_000).toBe(0);
    expect(perInterval.end.getTime() % 60_000).toBe(0);
    expect(perInterval.promql).toContain("[60s] offset 1ms)");
    const perStep = q("slo1/total-per-step");
    expect(perStep).toMatchObject({ stepSeconds: 900 });
    if (perStep.kind !== "range") throw new Error("range expected");
    expect(perStep.start.getTime() % 900_000).toBe(0);
    expect(perStep.promql).toContain("[900s] offset 1ms))");
    expect(stepOf(perStep.start.getTime(), 900_000)).toBe(Date.parse("2026-10-14T00:00:00Z"));
  });

  it("detail and previous period wait for the summary; the previous per-interval only with several series", () => {
    expect(q("slo0/present").after).toBeUndefined();
    expect(q("slo0/per-interval").after).toEqual(["slo0/present", "slo0/good"]);
    expect(q("slo0/prev/present").after).toEqual(["slo0/present", "slo0/good"]);
    expect(q("slo0/prev/per-interval").onlyIf).toEqual({ in: "slo0/prev/present", seriesMoreThan: 1 });
    expect(q("slo1/numerator-per-step").after).toEqual([
      "slo1/numerator",
      "slo1/total",
      "slo1/maintenance-numerator",
      "slo1/maintenance-total",
    ]);
  });

  it("a running window is observed up to now, floored to the step", () => {
    const running = planReport({
      window: DAY,
      slos: [probe],
      now: new Date("2026-10-14T08:00:30Z"),
      comparePrevious: false,
    });
    expect(running.partial).toBe(true);
    expect(running.queries.find((x) => x.id === "slo0/present")!.promql).toBe(
      `count_over_time(probe_success{target="api"}[8h] ${at("2026-10-14T08:00:00Z")})`,
    );
  });

  it("a configuration problem planning one SLO does not stop the others", () => {
    const broken = {
      ...ratio,
      name: "broken",
      maintenance: [{ start: "2026-10-14T10:00:00Z", end: "2026-10-14T09:00:00Z", reason: "x" }],
    };
    const p = planReport({ window: DAY, slos: [broken, probe], now: AFTER, comparePrevious: false });
    expect(p.slos[0]).toMatchObject({
      sli: "invalid",
      error: expect.stringMatching(/ends before it starts/),
    });
    expect(p.queries.every((x) => x.id.startsWith("slo1"))).toBe(true);
  });
});
