/**
 * Deterministic 35-day metrics fixture with planted incidents, and its ground truth.
 *
 * The fixture is written as OpenMetrics for `promtool tsdb create-blocks-from openmetrics`. Every figure a
 * report can compute from it is also computed here, independently of the product's SLO code, by plain
 * enumeration of the samples: that is the ground truth the tests compare against.
 *
 * Sample semantics: one sample per series every 60 s at whole minutes. A probe sample at t is the probe run
 * at t; an outage [a, b) makes the samples a, a+1m, ..., b-1m fail, so it lasts (b-a) minutes. A counter
 * sample at t carries the requests of the minute (t-1m, t]; requests "in" a window [S, E) are those of the
 * samples in (S, E].
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { DateTime } from "luxon";

export const FIXTURE_START = "2026-09-28T00:00:00Z";
export const FIXTURE_DAYS = 35;
export const STEP_SECONDS = 60;
const STEP_MS = STEP_SECONDS * 1000;
const START_MS = Date.parse(FIXTURE_START);
const SAMPLES = (FIXTURE_DAYS * 86_400) / STEP_SECONDS;

export interface Interval {
  start: string;
  end: string;
}

export interface ProbePlan {
  target: string;
  url: string;
  outages: Interval[];
  gaps: Interval[];
  /** the series exists only inside [from, to) */
  presentFrom?: string;
  presentUntil?: string;
  dailyOutage?: { utcTime: string; minutes: number };
}

const iv = (start: string, end: string): Interval => ({ start, end });

/** What is planted. Times are UTC; Europe/Berlin month boundaries are 22:00Z (CEST) / 23:00Z (CET). */
export const PLAN = {
  probes: [
    {
      target: "api",
      url: "https://api.example.test/health",
      outages: [
        iv("2026-09-30T21:50:00Z", "2026-09-30T22:20:00Z"), // 30 min across the Sep/Oct boundary in Berlin (10 + 20)
        iv("2026-10-07T10:00:00Z", "2026-10-07T10:50:00Z"), // exactly 50 min
        iv("2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"), // 60 min across the DST change (01:00Z)
        iv("2026-10-31T22:40:00Z", "2026-10-31T23:25:00Z"), // 45 min across the Oct/Nov boundary in Berlin (20 + 25)
      ],
      gaps: [iv("2026-10-14T06:00:00Z", "2026-10-14T08:00:00Z")], // 2 h without any sample
    },
    {
      target: "web",
      url: "https://www.example.test/",
      outages: [
        iv("2026-10-12T15:00:00Z", "2026-10-12T15:07:00Z"), // 7 min
        iv("2026-10-20T02:00:00Z", "2026-10-20T03:00:00Z"), // 60 min inside a maintenance window
      ],
      gaps: [],
    },
    {
      target: "flaky",
      url: "https://flaky.example.test/",
      outages: [],
      gaps: [],
      dailyOutage: { utcTime: "12:00", minutes: 3 }, // 3 min every day
    },
    {
      target: "dark",
      url: "https://dark.example.test/",
      outages: [],
      gaps: [],
      presentUntil: "2026-10-03T00:00:00Z", // the exporter disappeared: everything after is missing
    },
  ] satisfies ProbePlan[],
  maintenance: [
    { target: "web", ...iv("2026-10-20T02:00:00Z", "2026-10-20T03:00:00Z"), reason: "DB upgrade" },
  ],
  requests: {
    service: "checkout",
    /** good requests per minute: 100 + (minute index mod 7); baseline errors: 1 every 20 minutes */
    errorBursts: [{ ...iv("2026-10-09T12:00:00Z", "2026-10-09T13:00:00Z"), errorsPerMinute: 20 }],
    /** the process restarts: every counter starts again from 0 at this sample */
    counterResetAt: "2026-10-16T00:00:00Z",
    /** a code="503" series that first appears mid-window (increase() drops its first value) */
    lateSeries: { code: "503", ...iv("2026-10-21T10:00:00Z", "2026-10-21T10:30:00Z"), perMinute: 30 },
  },
  latency: {
    buckets: [0.1, 0.25, 0.5, 1, 2.5],
    /** per-mille of requests at or below each bucket (normal / slow) */
    normal: [700, 900, 980, 995, 999],
    slow: [200, 400, 700, 900, 990],
    slowPeriods: [iv("2026-10-22T09:00:00Z", "2026-10-22T11:00:00Z")],
  },
} as const;

const ms = (iso: string) => Date.parse(iso);
const inAny = (t: number, ivs: readonly Interval[]) => ivs.some((i) => t >= ms(i.start) && t < ms(i.end));

/** The probe sample of `plan` at time t: 1, 0, or undefined when no sample exists. */
export function probeSample(plan: ProbePlan, t: number): 0 | 1 | undefined {
  if (plan.presentFrom && t < ms(plan.presentFrom)) return undefined;
  if (plan.presentUntil && t >= ms(plan.presentUntil)) return undefined;
  if (inAny(t, plan.gaps)) return undefined;
  if (inAny(t, plan.outages)) return 0;
  if (plan.dailyOutage) {
    const [h, m] = plan.dailyOutage.utcTime.split(":").map(Number) as [number, number];
    const day = t - (t % 86_400_000);
    const s = day + (h * 60 + m) * 60_000;
    if (t >= s && t < s + plan.dailyOutage.minutes * 60_000) return 0;
  }
  return 1;
}

/** Requests of the minute ending at sample i. */
export function requestsAt(i: number): { good: number; bad: number; late: number; slow: boolean } {
  const t = START_MS + i * STEP_MS;
  const r = PLAN.requests;
  const good = 100 + (i % 7);
  let bad = i % 20 === 0 ? 1 : 0;
  for (const b of r.errorBursts) if (t > ms(b.start) && t <= ms(b.end)) bad += b.errorsPerMinute;
  const late = t > ms(r.lateSeries.start) && t <= ms(r.lateSeries.end) ? r.lateSeries.perMinute : 0;
  const slow = PLAN.latency.slowPeriods.some((p) => t > ms(p.start) && t <= ms(p.end));
  return { good, bad, late, slow };
}

/** Requests of one minute at or below each latency bucket (cumulative, like Prometheus buckets). */
export function bucketCounts(total: number, slow: boolean): number[] {
  const perMille = slow ? PLAN.latency.slow : PLAN.latency.normal;
  return perMille.map((p) => Math.floor((total * p) / 1000));
}

const lateSeriesStart = () => ms(PLAN.requests.lateSeries.start) + STEP_MS;

// ---------------------------------------------------------------------------------------------------------
// OpenMetrics writer

function labelStr(labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return `{${parts.join(",")}}`;
}

/**
 * Writes the fixture to `file` (OpenMetrics text, ~70 MB). `offsetMs` shifts every sample in time (the demo
 * moves the planted October onto the previous month); samples after `untilMs` are left out.
 */
export async function writeOpenMetrics(
  file: string,
  opts: { offsetMs?: number; untilMs?: number } = {},
): Promise<{ series: number; samples: number }> {
  const offset = opts.offsetMs ?? 0;
  const until = opts.untilMs ?? Number.POSITIVE_INFINITY;
  const out = createWriteStream(file);
  let buf: string[] = [];
  let bytes = 0;
  let series = 0;
  let samples = 0;
  const emit = async (line: string) => {
    buf.push(line);
    bytes += line.length;
    if (bytes > 1 << 20) {
      if (!out.write(buf.join(""))) await once(out, "drain");
      buf = [];
      bytes = 0;
    }
  };
  const writeSeries = async (
    name: string,
    labels: Record<string, string>,
    value: (i: number) => number | undefined,
  ) => {
    const ls = labelStr(labels);
    series++;
    for (let i = 0; i < SAMPLES; i++) {
      const v = value(i);
      const t = START_MS + i * STEP_MS + offset;
      if (v === undefined || t > until) continue;
      samples++;
      await emit(`${name}${ls} ${v} ${t / 1000}\n`);
    }
  };

  // Probe metrics (blackbox_exporter names), job="sla-monitor" as our remote write sends them.
  const probeLabels = (p: ProbePlan) => ({ job: "sla-monitor", instance: p.url, target: p.target });
  const at = (i: number) => START_MS + i * STEP_MS;
  await emit("# TYPE probe_success gauge\n");
  for (const p of PLAN.probes)
    await writeSeries("probe_success", probeLabels(p), (i) => probeSample(p, at(i)));
  await emit("# TYPE probe_duration_seconds gauge\n");
  for (const p of PLAN.probes)
    await writeSeries("probe_duration_seconds", probeLabels(p), (i) => {
      const s = probeSample(p, at(i));
      return s === undefined ? undefined : s === 1 ? 0.05 + (i % 10) / 1000 : 10;
    });
  await emit("# TYPE probe_http_status_code gauge\n");
  for (const p of PLAN.probes)
    await writeSeries("probe_http_status_code", probeLabels(p), (i) => {
      const s = probeSample(p, at(i));
      return s === undefined ? undefined : s === 1 ? 200 : 503;
    });

  // Request counters with a reset and a series that appears mid-window.
  const resetIdx = (ms(PLAN.requests.counterResetAt) - START_MS) / STEP_MS;
  const cumulative = (inc: (i: number) => number) => {
    let acc = 0;
    return (i: number) => {
      if (i === resetIdx) acc = 0;
      acc += inc(i);
      return acc;
    };
  };
  const svc = PLAN.requests.service;
  await emit("# TYPE http_requests counter\n");
  await writeSeries(
    "http_requests_total",
    { service: svc, code: "200" },
    cumulative((i) => requestsAt(i).good),
  );
  await writeSeries(
    "http_requests_total",
    { service: svc, code: "500" },
    cumulative((i) => requestsAt(i).bad),
  );
  const late = cumulative((i) => requestsAt(i).late);
  await writeSeries("http_requests_total", { service: svc, code: PLAN.requests.lateSeries.code }, (i) =>
    at(i) >= lateSeriesStart() ? late(i) : undefined,
  );

  // Latency histogram of the 200 + 500 requests.
  await emit("# TYPE http_request_duration_seconds histogram\n");
  const total = (i: number) => requestsAt(i).good + requestsAt(i).bad;
  for (const [b, le] of PLAN.latency.buckets.entries()) {
    await writeSeries(
      "http_request_duration_seconds_bucket",
      { service: svc, le: String(le) },
      cumulative((i) => bucketCounts(total(i), requestsAt(i).slow)[b]!),
    );
  }
  await writeSeries("http_request_duration_seconds_bucket", { service: svc, le: "+Inf" }, cumulative(total));
  await writeSeries("http_request_duration_seconds_count", { service: svc }, cumulative(total));
  await writeSeries(
    "http_request_duration_seconds_sum",
    { service: svc },
    cumulative((i) => total(i) * (requestsAt(i).slow ? 0.6 : 0.08)),
  );
  await emit("# EOF\n");
  out.write(buf.join(""));
  out.end();
  await once(out, "finish");
  return { series, samples };
}

// ---------------------------------------------------------------------------------------------------------
// Ground truth

export interface Incident {
  start: string;
  end: string;
  minutes: number;
}

export interface ProbeTruth {
  expected: number;
  present: number;
  good: number;
  bad: number;
  missing: number;
  /** failed samples inside a planted maintenance window of this target */
  badInMaintenance: number;
  maintenanceMinutes: number;
  incidents: Incident[];
}

export interface WindowTruth {
  start: string;
  end: string;
  minutes: number;
  probes: Record<string, ProbeTruth>;
  /** exact request counts of the window (samples in (start, end]) */
  requests: { good: number; bad: number; late: number; total: number };
  /** requests at or below each bucket, and all requests, of the latency histogram */
  latency: { buckets: Record<string, number>; total: number };
  daily: { date: string; probes: Record<string, { good: number; present: number }> }[];
}

export interface GroundTruth {
  fixture: { start: string; days: number; stepSeconds: number; series: number; samples: number };
  plan: typeof PLAN;
  windows: Record<string, WindowTruth>;
}

/** Windows the tests use; key = "<period>@<zone>". */
export const TRUTH_WINDOWS: { key: string; start: DateTime; end: DateTime }[] = (() => {
  const month = (y: number, m: number, zone: string) => {
    const s = DateTime.fromObject({ year: y, month: m, day: 1 }, { zone });
    return { key: `${s.toFormat("yyyy-MM")}@${zone}`, start: s, end: s.plus({ months: 1 }) };
  };
  const week = (wy: number, wn: number, zone: string) => {
    const s = DateTime.fromObject({ weekYear: wy, weekNumber: wn, weekday: 1 }, { zone });
    return { key: `${wy}-W${String(wn).padStart(2, "0")}@${zone}`, start: s, end: s.plus({ weeks: 1 }) };
  };
  return [
    month(2026, 10, "Europe/Berlin"),
    month(2026, 10, "UTC"),
    week(2026, 41, "Europe/Berlin"),
    week(2026, 42, "Europe/Berlin"),
    week(2026, 43, "Europe/Berlin"),
    week(2026, 44, "Europe/Berlin"),
    week(2026, 43, "UTC"),
  ];
})();

/**
 * Ground truth of one probe target over [s, e) in real time, for a fixture shifted by `offsetMs` and cut
 * after `untilMs` (both as given to writeOpenMetrics).
 */
export function probeTruth(
  plan: ProbePlan,
  s: number,
  e: number,
  shift: { offsetMs?: number; untilMs?: number } = {},
): ProbeTruth {
  const offset = shift.offsetMs ?? 0;
  const until = shift.untilMs ?? Number.POSITIVE_INFINITY;
  const t: ProbeTruth = {
    expected: 0,
    present: 0,
    good: 0,
    bad: 0,
    missing: 0,
    badInMaintenance: 0,
    maintenanceMinutes: 0,
    incidents: [],
  };
  const maint = PLAN.maintenance.filter((m) => m.target === plan.target);
  let open: number | null = null;
  const close = (end: number) => {
    if (open === null) return;
    t.incidents.push({
      start: new Date(open + offset).toISOString(),
      end: new Date(end + offset).toISOString(),
      minutes: (end - open) / 60_000,
    });
    open = null;
  };
  for (let x = s - offset; x < e - offset; x += STEP_MS) {
    t.expected++;
    const inMaint = inAny(x, maint);
    if (inMaint) t.maintenanceMinutes++;
    const inFixture = x >= START_MS && x < START_MS + SAMPLES * STEP_MS && x + offset <= until;
    const v = inFixture ? probeSample(plan, x) : undefined;
    if (v === undefined) {
      t.missing++;
      close(x);
      continue;
    }
    t.present++;
    if (v === 1) {
      t.good++;
      close(x);
    } else {
      t.bad++;
      if (inMaint) t.badInMaintenance++;
      if (open === null) open = x;
    }
  }
  close(e - offset);
  return t;
}

export function computeTruth(stats: { series: number; samples: number }): GroundTruth {
  const windows: Record<string, WindowTruth> = {};
  for (const w of TRUTH_WINDOWS) {
    const s = w.start.toMillis();
    const e = w.end.toMillis();
    const probes: Record<string, ProbeTruth> = {};
    for (const p of PLAN.probes) probes[p.target] = probeTruth(p, s, e);
    const requests = { good: 0, bad: 0, late: 0, total: 0 };
    const buckets: Record<string, number> = {};
    let latencyTotal = 0;
    for (let x = s + STEP_MS; x <= e; x += STEP_MS) {
      const i = (x - START_MS) / STEP_MS;
      if (i < 0 || i >= SAMPLES) continue;
      const r = requestsAt(i);
      requests.good += r.good;
      requests.bad += r.bad;
      requests.late += x >= lateSeriesStart() ? r.late : 0;
      const tot = r.good + r.bad;
      latencyTotal += tot;
      for (const [b, le] of PLAN.latency.buckets.entries())
        buckets[String(le)] = (buckets[String(le)] ?? 0) + bucketCounts(tot, r.slow)[b]!;
    }
    requests.total = requests.good + requests.bad + requests.late;
    const daily: WindowTruth["daily"] = [];
    for (let d = w.start; d < w.end; d = d.plus({ days: 1 })) {
      const ds = d.toMillis();
      const de = d.plus({ days: 1 }).toMillis();
      const dp: Record<string, { good: number; present: number }> = {};
      for (const p of PLAN.probes) {
        const pt = probeTruth(p, ds, de);
        dp[p.target] = { good: pt.good, present: pt.present };
      }
      daily.push({ date: d.toISODate()!, probes: dp });
    }
    windows[w.key] = {
      start: w.start.toISO()!,
      end: w.end.toISO()!,
      minutes: (e - s) / 60_000,
      probes,
      requests,
      latency: { buckets, total: latencyTotal },
      daily,
    };
  }
  return {
    fixture: { start: FIXTURE_START, days: FIXTURE_DAYS, stepSeconds: STEP_SECONDS, ...stats },
    plan: PLAN,
    windows,
  };
}
