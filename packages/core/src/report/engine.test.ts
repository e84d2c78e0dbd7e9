/**
 * The engine's maintenance and budget arithmetic with a scripted QueryApi (no Prometheus): every answer is
 * planted here, every expected figure is computed by hand from what was planted.
 */
import { describe, expect, it } from "vitest";
import { customWindow } from "../slo/windows.js";
import {
  buildReport,
  type QueryApi,
  type RangeSeries,
  type ReportSlo,
  rejectedByPrometheus,
} from "./engine.js";
import { stepOf } from "./plan.js";

const TZ = "UTC";
// One day, 1 440 minutes, 96 steps of 15 minutes.
const DAY = customWindow("2026-10-14T00:00:00Z", "2026-10-15T00:00:00Z", TZ);
const START = DAY.start.getTime();
const NOW = new Date("2026-11-01T00:00:00Z");
const MIN = 60_000;
// The two windows on that day: 09:00–10:00Z and 11:30–12:15+02:00 (09:30–10:15Z). Merged:
// 09:00–10:15Z, 75 minutes (not 60 + 45 = 105).
const MAINTENANCE = [
  { start: "2026-10-14T09:00:00Z", end: "2026-10-14T10:00:00Z", reason: "DB upgrade" },
  { start: "2026-10-14T11:30:00+02:00", end: "2026-10-14T12:15:00+02:00", reason: "network" },
];
const M_START = Date.parse("2026-10-14T09:00:00Z");
const M_END = Date.parse("2026-10-14T10:15:00Z");
/** `@` of an instant query over [.., end): end − 1 ms in Unix seconds */
const at = (endMs: number) => `@ ${(endMs - 1) / 1000}`;

const base = { missingData: "unknown" as const, minCoverage: 0.9, maintenance: MAINTENANCE };
const ratioSlo: ReportSlo = {
  name: "checkout-success",
  service: "checkout",
  objective: 0.999,
  sli: {
    type: "ratio",
    good: { metric: "http_requests_total", labelsRegex: { code: "2.." } },
    total: { metric: "http_requests_total" },
  },
  ...base,
};
const probeSlo: ReportSlo = {
  name: "api-availability",
  service: "api",
  objective: 0.999,
  sli: { type: "probe", target: "api", intervalSeconds: 60 },
  ...base,
};

/**
 * Planted traffic: 1 500 requests every 15 minutes (144 000 a day). Inside maintenance (5 steps,
 * 09:00–10:15) 100 of each step's requests fail: 7 500 requests, 500 failed. Outside, one step (15:00)
 * has 50 failures. So the window has 144 000 requests, 550 failed; outside maintenance 136 500, 50 failed.
 * Probe: one sample a minute, failing 09:00–09:09 (inside maintenance) and 15:00–15:01 (outside).
 */
function plantedApi(log: string[] = []): QueryApi {
  const inMaint = (t: number) => t >= M_START && t < M_END;
  const badInStep = (s: number) => (inMaint(s) ? 100 : s === START + 15 * 60 * MIN ? 50 : 0);
  const probeOk = (m: number) =>
    !(m >= M_START && m < M_START + 10 * MIN) &&
    !(m >= START + 15 * 60 * MIN && m < START + 15 * 60 * MIN + 2 * MIN);
  const one = (value: number) => ({ result: [{ metric: {}, value }], warnings: [] });
  return {
    async instant(q) {
      log.push(q);
      const good = q.includes('code=~"2.."');
      if (q.includes(`[75m] ${at(M_END)}`)) return one(good ? 7500 - 500 : 7500);
      if (q.includes(`[1d] ${at(DAY.end.getTime())}`)) {
        if (q.startsWith("count_over_time")) return one(1440);
        if (q.startsWith("sum_over_time")) return one(1440 - 12);
        return one(good ? 144_000 - 550 : 144_000);
      }
      if (q.includes("[8h]")) {
        // the running-window test: 00:00–08:00, all good
        if (q.startsWith("count_over_time") || q.startsWith("sum_over_time")) return one(480);
      }
      if (q.includes("quantile")) return { result: [], warnings: [] };
      throw new Error(`unexpected query ${q}`);
    },
    async range(q, start, end, stepSeconds) {
      log.push(q);
      const stepMs = stepSeconds * 1000;
      if (q.includes("min_over_time")) {
        // the per-interval query: one series with a sample in every slot; "failed" only where it failed
        const present: RangeSeries["values"] = [];
        const failed: RangeSeries["values"] = [];
        for (let t = start.getTime(); t <= end.getTime(); t += stepMs) {
          present.push([t, 1]);
          if (!probeOk(stepOf(t, stepMs))) failed.push([t, 1]);
        }
        return {
          result: [
            { metric: { part: "present" }, values: present },
            { metric: { part: "failed" }, values: failed },
          ],
          warnings: [],
        };
      }
      const values: RangeSeries["values"] = [];
      for (let t = start.getTime(); t <= end.getTime(); t += stepMs) {
        const slot = stepOf(t, stepMs);
        values.push([t, q.includes('code=~"2.."') ? 1500 - badInStep(slot) : 1500]);
      }
      return { result: [{ metric: {}, values }], warnings: [] };
    },
  };
}

const report = (slos: ReportSlo[], api: QueryApi, now = NOW) =>
  buildReport({ window: DAY, slos, api, sourceLabel: "test", now, comparePrevious: false });

describe("maintenance on request SLIs", () => {
  it("subtracts the requests inside the merged maintenance windows from good and total", async () => {
    const log: string[] = [];
    const doc = await report([ratioSlo], plantedApi(log));
    const s = doc.slos[0]!;
    // (144 000 − 550) − (7 500 − 500) good of 144 000 − 7 500 = 136 500 requests
    expect(s.attainment).toBeCloseTo(136_450 / 136_500, 12);
    expect(s.status).toBe("met"); // 50 bad ≤ 136.5 allowed; with maintenance counted, 550 > 144 would miss
    expect(s.errorBudget).toMatchObject({ unit: "requests", allowed: 136.5, consumed: 50 });
    expect(s.maintenanceMinutes).toBe(75);
    expect(s.maintenance).toEqual([
      {
        start: "2026-10-14T09:00:00.000+00:00",
        end: "2026-10-14T10:15:00.000+00:00",
        reason: "DB upgrade; network",
      },
    ]);
    // one merged window, one increase() per selector, evaluated at its end − 1 ms
    const mq = log.filter((q) => q.includes("[75m]"));
    expect(mq).toEqual([
      `sum(increase(http_requests_total{code=~"2.."}[75m] ${at(M_END)}))`,
      `sum(increase(http_requests_total[75m] ${at(M_END)}))`,
    ]);
    expect(s.queries).toEqual(expect.arrayContaining(mq));
    expect(s.method).toMatch(/Maintenance windows .* subtracted from good and total/);
  });

  it("leaves maintenance out of the daily figures and of the coverage", async () => {
    const s = (await report([ratioSlo], plantedApi())).slos[0]!;
    // 96 − 5 steps outside maintenance, 1 500 requests each, 50 failed
    expect(s.daily).toEqual([{ date: "2026-10-14", attainment: (91 * 1500 - 50) / (91 * 1500), bad: 50 }]);
    expect(s.coverage).toBe(1);
  });

  it("sums several disjoint windows, each evaluated at its own end", async () => {
    const log: string[] = [];
    const slo = {
      ...ratioSlo,
      maintenance: [
        { start: "2026-10-14T09:00:00Z", end: "2026-10-14T10:15:00Z", reason: "a" },
        { start: "2026-10-14T20:00:00Z", end: "2026-10-14T20:30:00Z", reason: "b" },
      ],
    };
    const api = plantedApi(log);
    const doc = await buildReport({
      window: DAY,
      slos: [slo],
      api: {
        ...api,
        // 20:00–20:30 has 3 000 requests, none failed
        instant: (q) =>
          q.includes(" + ")
            ? Promise.resolve({
                result: [{ metric: {}, value: q.includes('code=~"2.."') ? 7000 + 3000 : 7500 + 3000 }],
                warnings: [],
              })
            : api.instant(q),
      },
      sourceLabel: "test",
      now: NOW,
      comparePrevious: false,
    });
    const s = doc.slos[0]!;
    expect(s.maintenanceMinutes).toBe(105);
    expect(s.attainment).toBeCloseTo((143_450 - 10_000) / (144_000 - 10_500), 12);
    expect(s.queries).toContain(
      `(sum(increase(http_requests_total[75m] ${at(M_END)})) or vector(0)) + ` +
        `(sum(increase(http_requests_total[30m] ${at(Date.parse("2026-10-14T20:30:00Z"))})) or vector(0))`,
    );
  });
});

describe("maintenance on probe SLIs", () => {
  it("excludes the merged 75 minutes once, and the budget is (1 − objective) × (window − maintenance)", async () => {
    const s = (await report([probeSlo], plantedApi())).slos[0]!;
    expect(s.maintenanceMinutes).toBe(75);
    // 12 failed minutes, 10 of them inside maintenance: 2 count; eligible 1 440 − 75 = 1 365
    expect(s.downtimeMinutes).toBe(2);
    expect(s.attainment).toBeCloseTo(1363 / 1365, 12);
    expect(s.errorBudget.allowed).toBeCloseTo(1.365, 12);
    expect(s.errorBudget.consumed).toBe(2);
    expect(s.maintenance).toHaveLength(1);
  });

  it("a running window's budget excludes maintenance not yet reached", async () => {
    // 08:00Z: the maintenance (09:00–10:15) is ahead; the whole day's budget is 0.001 × (1 440 − 75)
    const s = (await report([probeSlo], plantedApi(), new Date("2026-10-14T08:00:00Z"))).slos[0]!;
    expect(s.maintenanceMinutes).toBe(0); // none inside the observed part yet
    expect(s.errorBudget.allowed).toBeCloseTo(1.365, 12);
    expect(s.errorBudget.consumed).toBe(0);
  });
});

describe("queries Prometheus refuses", () => {
  const failing = (err: Error): QueryApi => ({
    instant: () => Promise.reject(err),
    range: () => Promise.reject(err),
  });
  const withFields = (fields: object) => Object.assign(new Error("Prometheus request failed"), fields);

  it("marks a 4xx / bad_data answer as rejected (a configuration error), not an outage", async () => {
    const bad = withFields({ kind: "bad_data", status: 400 });
    const doc = await report([ratioSlo], failing(bad));
    expect(doc.errors).toEqual([
      { slo: "checkout-success", part: "figures", error: "Prometheus request failed", rejected: true },
    ]);
    expect(doc.slos[0]!.status).toBe("unknown");
  });

  it("classifies errors by kind and status", () => {
    expect(rejectedByPrometheus(withFields({ kind: "bad_data", status: 400 }))).toBe(true);
    expect(rejectedByPrometheus(withFields({ kind: "http", status: 401 }))).toBe(true);
    expect(rejectedByPrometheus(withFields({ kind: "http", status: 422 }))).toBe(true);
    expect(rejectedByPrometheus(withFields({ kind: "http", status: 429 }))).toBe(false);
    expect(rejectedByPrometheus(withFields({ kind: "http", status: 503 }))).toBe(false);
    expect(rejectedByPrometheus(withFields({ kind: "network" }))).toBe(false);
    expect(rejectedByPrometheus(withFields({ kind: "timeout" }))).toBe(false);
    expect(rejectedByPrometheus("bad_data")).toBe(false);
  });
});

describe("several probe series for one SLO (scripted per-interval counts)", () => {
  // Three locations probe the target every minute of this day and of the day before. Failures planted
  // (minutes of the day, [from, to)): this day 01:00–01:10 one location failed, 02:00–02:05 two failed;
  // the day before 00:00–00:10 two failed, 00:10–00:13 all three.
  const PREV_START = START - 1440 * MIN;
  const failedAt = (slot: number): number => {
    if (slot >= START) {
      const t = slot - START;
      if (t >= 60 * MIN && t < 70 * MIN) return 1;
      if (t >= 120 * MIN && t < 125 * MIN) return 2;
      return 0;
    }
    const t = slot - PREV_START;
    if (t >= 0 && t < 10 * MIN) return 2;
    if (t >= 10 * MIN && t < 13 * MIN) return 3;
    return 0;
  };
  const api = (log: string[] = []): QueryApi => ({
    async instant(q) {
      log.push(q);
      if (q.includes("quantile")) return { result: [], warnings: [] };
      // three series with data; the values do not matter once there are several
      return {
        result: ["a", "b", "c"].map((location) => ({ metric: { location }, value: 1 })),
        warnings: [],
      };
    },
    async range(q, start, end, stepSeconds) {
      log.push(q);
      const stepMs = stepSeconds * 1000;
      const present: RangeSeries["values"] = [];
      const failed: RangeSeries["values"] = [];
      for (let t = start.getTime(); t <= end.getTime(); t += stepMs) {
        present.push([t, 3]);
        const f = failedAt(stepOf(t, stepMs));
        if (f > 0) failed.push([t, f]);
      }
      return {
        result: [
          { metric: { part: "present" }, values: present },
          { metric: { part: "failed" }, values: failed },
        ],
        warnings: [],
      };
    },
  });
  const slo = (downWhen: "any" | "majority" | "all"): ReportSlo => ({
    ...probeSlo,
    maintenance: [],
    sli: { type: "probe", target: "api", intervalSeconds: 60, downWhen },
  });

  it("counts wall-clock minutes by the rule, for the window and for the previous period", async () => {
    const expected = {
      // this day: any 10 + 5, majority 5, all 0; the day before: any 13, majority 13, all 3
      any: { bad: 15, prev: 13 },
      majority: { bad: 5, prev: 13 },
      all: { bad: 0, prev: 3 },
    };
    for (const rule of ["any", "majority", "all"] as const) {
      const log: string[] = [];
      const doc = await buildReport({
        window: DAY,
        slos: [slo(rule)],
        api: api(log),
        sourceLabel: "test",
        now: NOW,
      });
      const s = doc.slos[0]!;
      const { bad, prev } = expected[rule];
      expect(s.series).toEqual({ count: 3, downWhen: rule });
      expect(s.downtimeMinutes).toBe(bad);
      expect(s.attainment).toBeCloseTo((1440 - bad) / 1440, 12);
      expect(s.coverage).toBe(1);
      // 0.1 % of 1 440 wall-clock minutes, not of 3 x 1 440 series-minutes
      expect(s.errorBudget.allowed).toBeCloseTo(1.44, 12);
      expect(s.errorBudget.consumed).toBe(bad);
      expect(s.daily).toEqual([{ date: "2026-10-14", attainment: (1440 - bad) / 1440, bad, missing: 0 }]);
      expect(s.previous?.attainment).toBeCloseTo((1440 - prev) / 1440, 12);
      expect(s.method).toContain("3 series probe the target");
      expect(s.method).toContain(`downWhen: ${rule}`);
      // one per-interval range query per period, aggregated across the series in PromQL
      expect(log.filter((q) => q.includes("min_over_time"))).toHaveLength(2);
    }
  });

  it("the incidents are wall-clock intervals of the rule", async () => {
    const any = (await report([slo("any")], api())).slos[0]!;
    expect(any.incidents.map((i) => [i.start, i.minutes])).toEqual([
      ["2026-10-14T01:00:00.000+00:00", 10],
      ["2026-10-14T02:00:00.000+00:00", 5],
    ]);
    const majority = (await report([slo("majority")], api())).slos[0]!;
    expect(majority.incidents.map((i) => [i.start, i.end, i.minutes])).toEqual([
      ["2026-10-14T02:00:00.000+00:00", "2026-10-14T02:05:00.000+00:00", 5],
    ]);
    expect((await report([slo("all")], api())).slos[0]!.incidents).toEqual([]);
  });
});
