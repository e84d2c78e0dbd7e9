/**
 * Table tests of `evaluate` (pure, no Prometheus, no QueryApi): a plan from `planReport`, answers written by
 * hand for its query ids, and figures computed by hand in the comments. One table per defect of the report
 * engine's issue: maintenance for request SLIs, overlapping maintenance, several probe series (downWhen),
 * the budget over the eligible window, daily figures under missingData: bad, latency figures without a
 * target, absent series, partial answers and failures, and the wording of breaches.
 */
import { describe, expect, it } from "vitest";
import { customWindow, weekWindow } from "../slo/windows.js";
import { evaluateReport } from "./evaluate.js";
import type { QueryResult } from "./fetch.js";
import type { EvaluatedReport, EvaluatedSlo } from "./model.js";
import { type PlannedQuery, planReport, type ReportPlan, type ReportSlo, stepOf } from "./plan.js";
import { explainReport } from "./render/explain.js";
import { renderJson } from "./render/json.js";

const MIN = 60_000;
const DAY = customWindow("2026-10-14T00:00:00Z", "2026-10-15T00:00:00Z", "UTC");
const DAY0 = DAY.start.getTime();
const AFTER = new Date("2026-11-01T00:00:00Z");
/** 2026-W43 in Europe/Berlin: 19–26 October, DST ends on the 25th: 169 h = 10 140 minutes */
const WEEK = weekWindow("2026-W43", "Europe/Berlin");

const base = { service: "svc", missingData: "unknown" as const, minCoverage: 0, maintenance: [] };
const probe = (extra: Partial<ReportSlo> & { downWhen?: "any" | "majority" | "all" } = {}): ReportSlo => {
  const { downWhen, ...rest } = extra;
  return {
    ...base,
    name: "api",
    objective: 0.999,
    sli: { type: "probe", target: "api", intervalSeconds: 60, ...(downWhen ? { downWhen } : {}) },
    ...rest,
  };
};
const ratio = (form: "good" | "bad", extra: Partial<ReportSlo> = {}): ReportSlo => ({
  ...base,
  name: "checkout",
  objective: 0.999,
  sli: {
    type: "ratio",
    [form]: { metric: "http_requests_total", labelsRegex: { code: form === "good" ? "2.." : "5.." } },
    total: { metric: "http_requests_total" },
  },
  ...extra,
});

const ok = (value: number, metric: Record<string, string> = {}): QueryResult => ({
  status: "ok",
  kind: "instant",
  samples: [{ metric, value }],
  warnings: [],
});
const none: QueryResult = { status: "ok", kind: "instant", samples: [], warnings: [] };
/** the role of a query: its id after the SLO's key ("present", "prev/good", "numerator-per-step", …) */
const role = (q: PlannedQuery) => q.id.slice(q.id.indexOf("/") + 1);
const isLatency = (q: PlannedQuery) => q.id.includes("-latency/");

/**
 * Answers of a probe target, per one-minute slot (start ms → series with a sample, of which failed). The
 * instant counts are those of one series (evaluate uses them only with one series); with several series the
 * instant answer has one sample per series and the per-interval answer carries the counts.
 */
function probeAnswers(slot: (t: number) => { present: number; failed: number }, series = 1) {
  return (q: PlannedQuery): QueryResult => {
    if (q.kind === "range") {
      const step = q.stepSeconds * 1000;
      const present: [number, number][] = [];
      const failed: [number, number][] = [];
      for (let t = q.start.getTime(); t <= q.end.getTime(); t += step) {
        const s = slot(stepOf(t, step));
        if (s.present > 0) present.push([t, s.present]);
        if (s.failed > 0) failed.push([t, s.failed]);
      }
      return {
        status: "ok",
        kind: "range",
        series: [
          { metric: { part: "present" }, values: present },
          { metric: { part: "failed" }, values: failed },
        ],
        warnings: [],
      };
    }
    if (isLatency(q)) return none;
    if (series > 1) {
      return {
        status: "ok",
        kind: "instant",
        samples: Array.from({ length: series }, (_, i) => ({ metric: { region: `r${i}` }, value: 1 })),
        warnings: [],
      };
    }
    // one series over the plan's span: count its slots
    const [from, to] = spanOf(q);
    let present = 0;
    let good = 0;
    for (let t = from; t < to; t += MIN) {
      const s = slot(t);
      present += s.present;
      good += s.present - s.failed;
    }
    return ok(role(q).endsWith("present") ? present : good);
  };
}

/** [start, end) of an instant query's window, read back from its `[d] @ end-1ms` (test plumbing only) */
let currentPlan: ReportPlan;
function spanOf(q: PlannedQuery): [number, number] {
  for (const p of currentPlan.slos) {
    if (p.sli !== "probe") continue;
    for (const period of [p.current, p.previous]) {
      if (period && (period.present === q.id || period.good === q.id))
        return [period.span.start.getTime(), period.span.end.getTime()];
    }
  }
  throw new Error(`no span for ${q.id}`);
}

function evaluate(
  slos: ReportSlo[],
  answer: (q: PlannedQuery) => QueryResult,
  opts: {
    window?: typeof DAY;
    now?: Date;
    latencyTargets?: Record<string, { warnMs: number; critMs: number }>;
  } = {},
): EvaluatedReport {
  currentPlan = planReport({
    window: opts.window ?? DAY,
    slos,
    now: opts.now ?? AFTER,
    comparePrevious: false,
    ...(opts.latencyTargets ? { latencyTargets: opts.latencyTargets } : {}),
  });
  const results = new Map(currentPlan.queries.map((q) => [q.id, answer(q)] as const));
  return evaluateReport(currentPlan, results, { sourceLabel: "test" });
}
const only = (r: EvaluatedReport): EvaluatedSlo => r.slos[0]!;
const up = { present: 1, failed: 0 };
const down = { present: 1, failed: 1 };
const gap = { present: 0, failed: 0 };
/** minute index of a slot in the day */
const minuteOf = (t: number) => (t - DAY0) / MIN;

describe("maintenance on request SLIs (defect 1) and overlapping windows (defect 2)", () => {
  // The windows: 09:00–10:00Z and 11:30–12:15+02:00 (= 09:30–10:15Z) merge into 09:00–10:15Z,
  // 75 minutes, not 60 + 45 = 105.
  const maintenance = [
    { start: "2026-10-14T09:00:00Z", end: "2026-10-14T10:00:00Z", reason: "DB upgrade" },
    { start: "2026-10-14T11:30:00+02:00", end: "2026-10-14T12:15:00+02:00", reason: "network" },
  ];
  // Requests: 144 000 in the day, 550 failed; inside the merged window 7 500, 500 failed. Per 15-minute
  // step 1 500 requests; the 5 steps of 09:00–10:15 have 100 failures each, the 15:00 step 50.
  const requestAnswers =
    (form: "good" | "bad") =>
    (q: PlannedQuery): QueryResult => {
      const r = role(q);
      const n = (good: number, total: number) => (form === "good" ? good : total - good);
      if (r === "numerator") return ok(n(144_000 - 550, 144_000));
      if (r === "total") return ok(144_000);
      if (r === "maintenance-numerator") return ok(n(7_500 - 500, 7_500));
      if (r === "maintenance-total") return ok(7_500);
      if (q.kind !== "range") throw new Error(`unexpected ${q.id}`);
      const values: [number, number][] = [];
      for (let t = q.start.getTime(); t <= q.end.getTime(); t += 900_000) {
        const m = minuteOf(stepOf(t, 900_000));
        const failed = m >= 540 && m < 615 ? 100 : m === 900 ? 50 : 0;
        values.push([t, r === "total-per-step" ? 1500 : n(1500 - failed, 1500)]);
      }
      return { status: "ok", kind: "range", series: [{ metric: {}, values }], warnings: [] };
    };

  it.each(["good", "bad"] as const)(
    "%s/total: the requests inside the merged window leave the SLI",
    (form) => {
      const s = only(evaluate([ratio(form, { maintenance })], requestAnswers(form)));
      // outside maintenance: 144 000 − 7 500 = 136 500 requests, 550 − 500 = 50 failed
      // attainment 136 450 / 136 500 = 0.999633699…; allowed 0.001 × 136 500 = 136.5; remaining 1 − 50/136.5
      expect(s.attainment).toBeCloseTo(136_450 / 136_500, 12);
      expect(s.status).toBe("met"); // with maintenance counted: 550 of 144 000 > 144 allowed, missed
      expect(s.errorBudget).toMatchObject({ unit: "requests", allowed: 136.5, consumed: 50 });
      expect(s.errorBudget.remaining).toBeCloseTo(1 - 50 / 136.5, 12);
      expect(s.maintenanceMinutes).toBe(75);
      expect(s.maintenance).toEqual([
        {
          start: "2026-10-14T09:00:00.000+00:00",
          end: "2026-10-14T10:15:00.000+00:00",
          reason: "DB upgrade; network",
        },
      ]);
      // daily: 96 − 5 = 91 steps outside, 136 500 requests, 50 failed; coverage 91/91
      expect(s.daily).toEqual([{ date: "2026-10-14", attainment: 136_450 / 136_500, bad: 50 }]);
      expect(s.coverage).toBe(1);
      expect(s.method).toEqual({ sli: "ratio", numerator: form, maintenance: true });
    },
  );

  it("probe: the merged 75 minutes are excluded once; the budget is (1 − objective) × (window − maintenance)", () => {
    // down 09:00–09:10 (inside maintenance) and 15:00–15:02 (outside): 2 minutes count of 1 440 − 75 = 1 365
    const s = only(
      evaluate(
        [probe({ maintenance })],
        probeAnswers((t) => {
          const m = minuteOf(t);
          return (m >= 540 && m < 550) || (m >= 900 && m < 902) ? down : up;
        }),
      ),
    );
    expect(s.maintenanceMinutes).toBe(75);
    expect(s.downtimeMinutes).toBe(2);
    expect(s.attainment).toBeCloseTo(1363 / 1365, 12);
    expect(s.errorBudget.allowed).toBeCloseTo(1.365, 12); // not 0.001 × (1 440 − 105) = 1.335
    expect(s.errorBudget.consumed).toBe(2);
    expect(s.incidents.map((i) => i.minutes)).toEqual([2]);
    expect(s.status).toBe("missed"); // 2 > 1.365
  });
});

describe("several probe series (defect 3): wall-clock minutes, by downWhen", () => {
  // The case: two regions probe the target over the 10 140-minute week, region a is down for the
  // 30 minutes from Wednesday 12:00 local (10:00Z), b never; objective 99.8 %: the budget is
  // 0.002 × 10 140 = 20.28 wall-clock minutes (not 40.56 series-minutes).
  const A_DOWN = Date.parse("2026-10-21T10:00:00Z");
  const twoRegions = probeAnswers(
    (t) => ({ present: 2, failed: t >= A_DOWN && t < A_DOWN + 30 * MIN ? 1 : 0 }),
    2,
  );
  it.each([
    // any: 30 of 10 140 minutes down → attainment 10 110/10 140 = 0.997041…, 30 > 20.28: missed
    ["any", 30, "missed"],
    // majority: 1 of 2 failed is not more than half → never down
    ["majority", 0, "met"],
    // all: both must fail → never down
    ["all", 0, "met"],
  ] as const)("downWhen %s: %i minutes down", (downWhen, bad, status) => {
    const s = only(evaluate([probe({ objective: 0.998, downWhen })], twoRegions, { window: WEEK }));
    expect(s.series).toEqual({ count: 2, downWhen });
    expect(s.errorBudget.allowed).toBeCloseTo(20.28, 9);
    expect(s.errorBudget.consumed).toBe(bad);
    expect(s.downtimeMinutes).toBe(bad);
    expect(s.attainment).toBeCloseTo((10_140 - bad) / 10_140, 12);
    expect(s.status).toBe(status);
    expect(s.incidents.map((i) => [i.start, i.minutes])).toEqual(
      bad > 0 ? [["2026-10-21T12:00:00.000+02:00", 30]] : [],
    );
    // the days add up to the downtime: 30 minutes on the 21st, nothing else
    expect(s.daily.reduce((a, d) => a + d.bad, 0)).toBe(bad);
    expect(s.daily.find((d) => d.date === "2026-10-21")!.bad).toBe(bad);
    expect(s.daily).toHaveLength(7);
    expect(s.method).toMatchObject({ sli: "probe", series: 2, downWhen });
  });

  it("three locations: majority is 2 of 3, and of 2 when one has no sample", () => {
    // minutes 0–9: 1 of 3 failed; 10–14: 2 of 3; 15–19: 1 of 2 (the third has no sample); 20–24: 2 of 2
    const s = (downWhen: "any" | "majority" | "all") =>
      only(
        evaluate(
          [probe({ downWhen })],
          probeAnswers((t) => {
            const m = minuteOf(t);
            if (m < 10) return { present: 3, failed: 1 };
            if (m < 15) return { present: 3, failed: 2 };
            if (m < 20) return { present: 2, failed: 1 };
            if (m < 25) return { present: 2, failed: 2 };
            return { present: 3, failed: 0 };
          }, 3),
        ),
      ).downtimeMinutes;
    expect(s("any")).toBe(25); // every one of the 25 minutes
    expect(s("majority")).toBe(10); // 10–14 and 20–24
    expect(s("all")).toBe(5); // 20–24 only
  });
});

describe("the budget is (1 − objective) × the eligible window, whatever the missing data (defect 7a)", () => {
  // The case: 99.9 % over the 10 140-minute week, 180 minutes without data (Tuesday 00:00–03:00
  // local), 6 minutes down (Thursday). Budget 0.001 × 10 140 = 10.14 minutes, not 0.001 × 9 960 = 9.96.
  const GAP = Date.parse("2026-10-20T00:00:00+02:00");
  const DOWN = Date.parse("2026-10-22T08:00:00+02:00");
  const answers = probeAnswers((t) =>
    t >= GAP && t < GAP + 180 * MIN ? gap : t >= DOWN && t < DOWN + 6 * MIN ? down : up,
  );
  it.each([
    // unknown: attainment over the data present, (9 960 − 6)/9 960; met with the gap as bad? 186 > 10.14 no;
    // missed with the gap as good? 6 ≤ 10.14 no: the gap decides, unknown; consumed 6
    ["unknown", 6, (9_960 - 6) / 9_960, "unknown"],
    // good: the gap counts as up: (10 140 − 6)/10 140, consumed 6, met
    ["good", 6, (10_140 - 6) / 10_140, "met"],
    // bad: the gap counts as down: (10 140 − 186)/10 140, consumed 186, missed
    ["bad", 186, (10_140 - 186) / 10_140, "missed"],
  ] as const)("missingData %s: allowed 10.14, consumed %i", (missingData, consumed, attainment, status) => {
    const s = only(evaluate([probe({ missingData })], answers, { window: WEEK }));
    expect(s.errorBudget.allowed).toBeCloseTo(10.14, 9);
    expect(s.errorBudget.consumed).toBe(consumed);
    expect(s.attainment).toBeCloseTo(attainment, 12);
    expect(s.status).toBe(status);
    expect(s.coverage).toBeCloseTo(9_960 / 10_140, 12);
    expect(s.downtimeMinutes).toBe(6);
  });
});

describe("daily figures under missingData: bad agree with the downtime and the incidents (defect 7c)", () => {
  // One day: 180 minutes without data (00:00–03:00), 5 minutes down (12:00–12:05). The issue saw daily bad
  // 185 next to downtime 5 and one 5-minute incident. Now: daily bad 5 (= downtime = the incident), the
  // 180 missing minutes apart; the budget consumed is 5 + 180 = 185, as the policy counts.
  const answers = probeAnswers((t) => {
    const m = minuteOf(t);
    return m < 180 ? gap : m >= 720 && m < 725 ? down : up;
  });
  it("bad 5, missing 180, consumed 185", () => {
    const s = only(evaluate([probe({ missingData: "bad" })], answers));
    expect(s.downtimeMinutes).toBe(5);
    expect(s.incidents.map((i) => i.minutes)).toEqual([5]);
    expect(s.daily).toEqual([{ date: "2026-10-14", attainment: (1440 - 185) / 1440, bad: 5, missing: 180 }]);
    expect(s.errorBudget.consumed).toBe(185);
    expect(s.errorBudget.allowed).toBeCloseTo(1.44, 12);
    expect(s.status).toBe("missed");
    expect(s.why).toEqual([{ code: "missing-counted", missing: 180, unit: "minutes", policy: "bad" }]);
  });

  it("the same day under missingData: unknown has the same daily bad and missing", () => {
    const s = only(evaluate([probe()], answers));
    // attainment over the data present: (1 260 − 5)/1 260
    expect(s.daily).toEqual([{ date: "2026-10-14", attainment: 1255 / 1260, bad: 5, missing: 180 }]);
    expect(s.errorBudget.consumed).toBe(5);
  });

  it("30-second intervals: minutes, not intervals", () => {
    // 2 880 intervals a day; no data 00:00–01:00 (120 intervals = 60 minutes), one failed interval at 12:00
    // (30 s = 0.5 minutes). Budget 0.001 × 1 440 = 1.44 minutes: the gap decides (0.5 ≤ 1.44, 60.5 > 1.44).
    const slo = probe();
    slo.sli = { type: "probe", target: "api", intervalSeconds: 30 };
    const s = only(
      evaluate([slo], (q) => {
        // present 2 880 − 120 = 2 760 intervals, good 2 759
        if (q.kind === "instant") return isLatency(q) ? none : ok(role(q).endsWith("present") ? 2760 : 2759);
        return probeAnswers((t) => {
          const m = minuteOf(t);
          return m < 60 ? gap : m === 720 ? down : up;
        })(q);
      }),
    );
    expect(s.downtimeMinutes).toBe(0.5);
    expect(s.incidents.map((i) => i.minutes)).toEqual([0.5]);
    expect(s.daily[0]).toMatchObject({ bad: 0.5, missing: 60 });
    expect(s.errorBudget.allowed).toBeCloseTo(1.44, 12);
    expect(s.errorBudget.consumed).toBe(0.5);
    expect(s.status).toBe("unknown");
    // the reason counts minutes (60), not intervals (120)
    expect(s.why).toEqual([
      expect.objectContaining({ code: "missing-decides", missing: 60, unit: "minutes" }),
    ]);
  });
});

describe("request SLIs without some series", () => {
  /** the day's 96 steps of 1 000 requests, none of them in the numerator's series */
  const answers =
    (numerator: QueryResult, total: QueryResult) =>
    (q: PlannedQuery): QueryResult => {
      const r = role(q);
      if (r === "numerator") return numerator;
      if (r === "total") return total;
      if (q.kind !== "range" || r !== "total-per-step")
        return { status: "ok", kind: "range", series: [], warnings: [] };
      const values: [number, number][] = [];
      for (let t = q.start.getTime(); t <= q.end.getTime(); t += 900_000) values.push([t, 1000]);
      return { status: "ok", kind: "range", series: [{ metric: {}, values }], warnings: [] };
    };
  it.each([
    // no 5xx series at all while 96 000 requests came in: 0 bad, a perfect day
    ["bad absent, total present", "bad", none, ok(96_000), { attainment: 1, status: "met", consumed: 0 }],
    // no 2xx series: 0 good of 96 000
    [
      "good absent, total present",
      "good",
      none,
      ok(96_000),
      { attainment: 0, status: "missed", consumed: 96_000 },
    ],
    // no total: unknown whatever the numerator
    ["total absent", "bad", ok(5), none, { attainment: null, status: "unknown", consumed: 0 }],
  ] as const)("%s", (_name, form, numerator, total, expected) => {
    const s = only(evaluate([ratio(form)], answers(numerator, total)));
    expect(s.attainment).toBe(expected.attainment);
    expect(s.status).toBe(expected.status);
    expect(s.errorBudget.consumed).toBe(expected.consumed);
    if (expected.status === "unknown") expect(s.why).toEqual([{ code: "no-total-series" }]);
  });
});

describe("latency figures (defect 7e)", () => {
  const latencyAnswer = (values: Record<string, number>) => (q: PlannedQuery) =>
    isLatency(q)
      ? ({
          status: "ok",
          kind: "instant",
          samples: Object.entries(values).map(([quantile, value]) => ({ metric: { quantile }, value })),
          warnings: [],
        } as QueryResult)
      : probeAnswers(() => up)(q);
  it.each([
    // no thresholds for the target: a value is "no-target", not "unknown" (which reads as "data missing")
    ["no target", undefined, { "0.95": 0.052, "0.99": 0.058 }, ["no-target", "no-target"]],
    // p95 judged against warnMs 50 ms, p99 against critMs 100 ms
    [
      "warn 50 ms, crit 100 ms",
      { warnMs: 50, critMs: 100 },
      { "0.95": 0.052, "0.99": 0.058 },
      ["missed", "met"],
    ],
    // no samples: unknown, target or not
    ["no data", { warnMs: 50, critMs: 100 }, {}, ["unknown", "unknown"]],
  ] as const)("%s", (_name, target, values, statuses) => {
    const r = evaluate([probe()], latencyAnswer(values), target ? { latencyTargets: { api: target } } : {});
    expect(r.quantiles.map((q) => q.status)).toEqual(statuses);
    expect(r.quantiles.map((q) => q.targetSeconds)).toEqual(target ? [0.05, 0.1] : [undefined, undefined]);
  });
});

describe("failures, warnings and a running window", () => {
  it("a rejected query: unknown, one error marked rejected, nothing else asked of the SLO", () => {
    const r = evaluate([ratio("good")], (q) =>
      role(q) === "numerator"
        ? { status: "failed", error: "bad_data: invalid regex", rejected: true }
        : role(q) === "total"
          ? ok(1000)
          : { status: "skipped" },
    );
    expect(only(r)).toMatchObject({ status: "unknown", attainment: null });
    expect(only(r).why).toEqual([{ code: "query-failed", error: "bad_data: invalid regex" }]);
    expect(r.errors).toEqual([
      { slo: "checkout", part: "figures", error: "bad_data: invalid regex", rejected: true },
    ]);
    expect(r.breaches).toEqual([]);
  });

  it("Prometheus warnings turn met into unknown, never a miss into met", () => {
    const warned = (value: number) => (q: PlannedQuery) => {
      const a = probeAnswers((t) => (minuteOf(t) < value ? down : up))(q);
      return a.status === "ok" ? { ...a, warnings: ["store gateway timed out"] } : a;
    };
    const met = only(evaluate([probe()], warned(1)));
    expect(met.status).toBe("unknown");
    expect(met.why).toEqual([{ code: "server-warnings", warnings: ["store gateway timed out"] }]);
    expect(only(evaluate([probe()], warned(30))).status).toBe("missed");
  });

  it("a running window: the whole period's budget, never met, missed once that budget is gone", () => {
    // 08:00 of the day, 480 minutes observed, 1 down: the day's budget is 1.44 minutes, 1 used
    const now = new Date(DAY0 + 480 * MIN);
    const s = only(
      evaluate(
        [probe()],
        probeAnswers((t) => (minuteOf(t) === 5 ? down : up)),
        { now },
      ),
    );
    expect(s.errorBudget.allowed).toBeCloseTo(1.44, 12);
    expect(s.errorBudget.consumed).toBe(1);
    expect(s.status).toBe("unknown");
    expect(s.why[0]).toEqual({ code: "period-in-progress", elapsed: 1 / 3 });
    // 2 minutes down by 08:00: 2 > 1.44, the day is already missed
    const gone = only(
      evaluate(
        [probe()],
        probeAnswers((t) => (minuteOf(t) < 2 ? down : up)),
        { now },
      ),
    );
    expect(gone.status).toBe("missed");
    expect(gone.why).toEqual([{ code: "budget-exhausted-early" }]);
  });

  it("a window that has only just started asks nothing and says so", () => {
    const plan = planReport({
      window: DAY,
      slos: [probe()],
      now: new Date(DAY0 + 30_000),
      comparePrevious: false,
    });
    expect(plan.queries).toEqual([]);
    const s = only(evaluateReport(plan, new Map(), { sourceLabel: "test" }));
    expect(s.why).toEqual([{ code: "not-started" }]);
  });
});

describe("breaches and rounding (defects 7d, 7f)", () => {
  // 1 440 − 0.0014400… minutes: attainment 0.9989999 against 0.999
  const nearMiss = (): EvaluatedReport => {
    const r = evaluate([ratio("good")], (q) =>
      role(q) === "numerator"
        ? ok(9_989_999)
        : role(q) === "total"
          ? ok(10_000_000)
          : { status: "ok", kind: "range", series: [], warnings: [] },
    );
    return r;
  };

  it("0.9989999 against 0.999 is missed, and the text shows the difference", () => {
    const r = nearMiss();
    expect(only(r).attainment).toBeCloseTo(0.9989999, 12);
    expect(only(r).status).toBe("missed");
    const doc = explainReport(r);
    expect(doc.breaches[0]!.detail).toBe("attainment 99.89999 % below objective 99.9 %");
    expect(doc.breaches[0]!.detail).not.toContain("99.900 % below objective 99.900 %");
  });

  it("JSON: ratios to 6 decimals without crossing the objective, minutes and amounts to 2, remaining from the written figures", () => {
    const j = JSON.parse(renderJson(explainReport(nearMiss()))).slos[0];
    // 0.9989999 would round to 0.999 (= the objective) at 6 decimals: 7 are kept
    expect(j.attainment).toBe(0.9989999);
    // allowed 0.001 × 10 000 000 = 10 000 requests, consumed 10 001; remaining 1 − 10 001/10 000 = −0.0001
    expect(j.errorBudget).toEqual({
      unit: "requests",
      allowed: 10_000,
      consumed: 10_001,
      remaining: -0.0001,
      overagePercent: 0.01,
    });
  });
});
