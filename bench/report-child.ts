/**
 * One report size in a fresh process (so its peak RSS is its own): builds N SLOs, runs `buildReport` over
 * October 2026 (Europe/Berlin) against the Prometheus at argv[2], and prints one JSON line of measurements.
 * Usage: node --import tsx bench/report-child.ts <prometheusUrl> <nSlos> <comparePrevious 0|1> <reps> [concurrency] [replay 0|1]
 * With replay, the HTTP requests of the last run are sent again, one after another, by a bare undici loop
 * (same form-encoded POSTs and range chunks, gzip asked for and unzipped as the client's fetch does, response
 * JSON.parse'd, nothing else): the time a client with no logic at all would need for the same data.
 */
import { gunzipSync } from "node:zlib";
import { request } from "undici";
import { createPrometheusClient } from "../packages/core/src/prometheus/index.js";
import { buildReport, type QueryApi, type ReportSlo } from "../packages/core/src/report/engine.js";
import { monthWindow } from "../packages/core/src/slo/index.js";

const [url, nArg, prevArg, repsArg, concArg, replayArg] = process.argv.slice(2);
if (!url || !nArg) throw new Error("usage: report-child.ts <prometheusUrl> <nSlos> <comparePrevious> <reps>");
const N = Number(nArg);
const comparePrevious = prevArg === "1";
const reps = Number(repsArg ?? 1);
const concurrency = Number(concArg ?? 4);
const replay = replayArg === "1";
const MAX_POINTS = 10_000; // the client's default chunk size
const NOW = new Date("2026-11-23T08:00:00Z");
const window = monthWindow("2026-10", "Europe/Berlin");

const base = { objective: 0.999, missingData: "unknown" as const, minCoverage: 0.9, maintenance: [] };
const checkout = { metric: "http_requests_total", labels: { service: "checkout" } };
/** The cycle: probe SLOs on the 4 fixture targets, then ratio (good/total, bad/total) and latency on checkout. */
const KINDS: ((name: string) => ReportSlo)[] = [
  ...["api", "web", "flaky", "dark"].map(
    (target) =>
      (name: string): ReportSlo => ({
        ...base,
        name,
        service: target,
        sli: { type: "probe", target, intervalSeconds: 60 },
      }),
  ),
  (name) => ({
    ...base,
    name,
    service: "checkout",
    sli: { type: "ratio", good: { ...checkout, labelsRegex: { code: "2.." } }, total: checkout },
  }),
  (name) => ({
    ...base,
    name,
    service: "checkout",
    sli: { type: "ratio", bad: { ...checkout, labelsRegex: { code: "5.." } }, total: checkout },
  }),
  (name) => ({
    ...base,
    name,
    service: "checkout",
    sli: {
      type: "latency",
      metric: "http_request_duration_seconds",
      labels: { service: "checkout" },
      thresholdSeconds: 0.5,
    },
  }),
];
function buildSlos(n: number): ReportSlo[] {
  return Array.from({ length: n }, (_, i) => KINDS[i % KINDS.length]!(`slo-${String(i).padStart(4, "0")}`));
}

const client = createPrometheusClient({ url, timeoutMs: 60_000 });
let instant = 0;
let range = 0;
type Call = { query: string; start?: Date; end?: Date; step?: number };
let calls: Call[] = [];
const api: QueryApi = {
  instant: (q, t) => {
    instant++;
    calls.push({ query: q });
    return client.instant(q, t);
  },
  range: (q, s, e, step) => {
    range++;
    calls.push({ query: q, start: s, end: e, step });
    return client.range(q, s, e, step);
  },
};

/** Sends the recorded calls again with bare undici, serially; returns wall ms and summed evalTotalTime. */
async function replayCalls(list: Call[]): Promise<{ wallMs: number; evalMs: number; requests: number }> {
  const post = async (path: string, params: Record<string, string>) => {
    const res = await request(`${url}${path}`, {
      method: "POST",
      // as the client's fetch asks: Prometheus then gzips the answer, and the replay pays the gunzip too
      headers: { "content-type": "application/x-www-form-urlencoded", "accept-encoding": "gzip" },
      body: new URLSearchParams({ ...params, stats: "all" }).toString(),
    });
    const raw = Buffer.from(await res.body.arrayBuffer());
    const text = (res.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
    const j = JSON.parse(text) as {
      data?: { stats?: { timings?: { evalTotalTime?: number } } };
    };
    return (j.data?.stats?.timings?.evalTotalTime ?? 0) * 1000;
  };
  let evalMs = 0;
  let requests = 0;
  const t0 = performance.now();
  for (const c of list) {
    if (!c.start || !c.end || !c.step) {
      evalMs += await post("/api/v1/query", { query: c.query });
      requests++;
      continue;
    }
    const stepMs = Math.round(c.step * 1000);
    for (let s = c.start.getTime(); s <= c.end.getTime(); s += MAX_POINTS * stepMs) {
      const e = Math.min(s + (MAX_POINTS - 1) * stepMs, c.end.getTime());
      evalMs += await post("/api/v1/query_range", {
        query: c.query,
        start: String(s / 1000),
        end: String(e / 1000),
        step: String(stepMs / 1000),
      });
      requests++;
    }
  }
  return { wallMs: performance.now() - t0, evalMs, requests };
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10);

// warm-up: JIT, the HTTP connection, Prometheus's caches for these series
await buildReport({
  window,
  slos: buildSlos(Math.min(N, 7)),
  api,
  sourceLabel: "bench",
  now: NOW,
  comparePrevious,
  concurrency,
});
const baselineMaxRssKb = process.resourceUsage().maxRSS;

const slos = buildSlos(N);
const runs: Record<string, number>[] = [];
for (let r = 0; r < reps; r++) {
  client.resetStats();
  instant = 0;
  range = 0;
  calls = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = await buildReport({
    window,
    slos,
    api,
    sourceLabel: "bench",
    now: NOW,
    comparePrevious,
    concurrency,
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const st = client.stats;
  const unknown = doc.slos.filter((s) => s.reason?.startsWith("query failed")).length;
  runs.push({
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    requests: st.queries,
    instantQueries: instant,
    rangeQueries: range,
    rangeRequests: st.queries - instant,
    bytes: st.bytes,
    evalMs: st.evalSeconds * 1000,
    retries: st.retries,
    failedSlos: unknown,
    slos: doc.slos.length,
  });
}
clearInterval(sampler);
const replayed = replay ? [await replayCalls(calls), await replayCalls(calls)] : [];
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    n: N,
    comparePrevious,
    concurrency,
    runs,
    replay: replayed,
    baselineMaxRssKb,
    maxRssKb: process.resourceUsage().maxRSS,
    sampledPeakRss: peakRss,
  }),
);
