/**
 * Report scale: `buildReport` for 1, 20, 100 and 500 SLOs over the 35-day fixture in a real Prometheus
 * (October 2026, Europe/Berlin, 745 h), each size in its own process (`report-child.ts`) so peak RSS is
 * per size. Counts instant (summary) and range (detail) queries by wrapping the client, HTTP requests and
 * bytes from `client.stats`, and compares report wall time with Prometheus's own evaluation time.
 */
import {
  ensureFixture,
  ensurePrometheus,
  type RunningPrometheus,
  startPrometheus,
} from "../infra/local/index.js";
import { BENCH_DIR, type BenchResult, log, median, type Row, round, runChild, tsxArgs } from "./lib.js";

interface ChildRun {
  wallMs: number;
  cpuMs: number;
  requests: number;
  instantQueries: number;
  rangeQueries: number;
  rangeRequests: number;
  bytes: number;
  evalMs: number;
  retries: number;
  failedSlos: number;
  slos: number;
}
interface ChildOut {
  n: number;
  comparePrevious: boolean;
  concurrency: number;
  replay: { wallMs: number; evalMs: number; requests: number }[];
  runs: ChildRun[];
  baselineMaxRssKb: number;
  maxRssKb: number;
  sampledPeakRss: number;
}

export interface SizeResult {
  n: number;
  comparePrevious: boolean;
  concurrency: number;
  /** bare undici replay of the same requests, serial (median of 2) */
  replay?: { wallMs: number; evalMs: number; requests: number };
  reps: number;
  wallMs: number;
  msPerSlo: number;
  cpuMs: number;
  instantPerSlo: number;
  rangeQueriesPerSlo: number;
  rangeRequestsPerSlo: number;
  requests: number;
  bytes: number;
  evalMs: number;
  wallOverEval: number;
  peakRssMb: number;
  rssAfterWarmupMb: number;
  failedSlos: number;
}

interface Size {
  n: number;
  comparePrevious: boolean;
  reps: number;
  concurrency: number;
  replay: boolean;
}

async function runSize(url: string, z: Size): Promise<SizeResult> {
  const { n, comparePrevious, reps, concurrency } = z;
  const args = [
    url,
    String(n),
    comparePrevious ? "1" : "0",
    String(reps),
    String(concurrency),
    z.replay ? "1" : "0",
  ];
  const out = await runChild(process.execPath, tsxArgs(`${BENCH_DIR}/report-child.ts`, args), {
    timeoutMs: 240_000,
  });
  const r = JSON.parse(out.trim().split("\n").pop()!) as ChildOut;
  if (z.replay) log(`report: bare replay of the same requests: ${JSON.stringify(r.replay)}`);
  const m = (k: keyof ChildRun) => median(r.runs.map((x) => x[k]));
  // the ratio per run, then the median (wall and eval of the same run belong together)
  const wallOverEval = median(r.runs.map((x) => x.wallMs / x.evalMs));
  const rp = r.replay;
  return {
    n,
    comparePrevious,
    concurrency,
    ...(rp.length > 0
      ? {
          replay: {
            wallMs: round(median(rp.map((x) => x.wallMs)), 1),
            evalMs: round(median(rp.map((x) => x.evalMs)), 1),
            requests: rp[0]!.requests,
          },
        }
      : {}),
    reps,
    wallMs: round(m("wallMs"), 1),
    msPerSlo: round(m("wallMs") / n, 3),
    cpuMs: round(m("cpuMs"), 1),
    instantPerSlo: round(m("instantQueries") / n, 3),
    rangeQueriesPerSlo: round(m("rangeQueries") / n, 3),
    rangeRequestsPerSlo: round(m("rangeRequests") / n, 3),
    requests: m("requests"),
    bytes: m("bytes"),
    evalMs: round(m("evalMs"), 1),
    wallOverEval: round(wallOverEval, 3),
    peakRssMb: round(Math.max(r.maxRssKb * 1024, r.sampledPeakRss) / 2 ** 20, 1),
    rssAfterWarmupMb: round((r.baselineMaxRssKb * 1024) / 2 ** 20, 1),
    failedSlos: Math.max(...r.runs.map((x) => x.failedSlos)),
  };
}

/** `quick` (`npm run bench -- --quick`): 1 and 20 SLOs only (no 100/500 sizes, no linearity rows). */
export async function benchReport(options: { quick?: boolean } = {}): Promise<BenchResult> {
  const notes: string[] = [];
  let prom: RunningPrometheus | undefined;
  try {
    const bin = await ensurePrometheus(log);
    const fixture = await ensureFixture(bin, log);
    prom = await startPrometheus({ bin, blocksDir: fixture.blocksDir, log });
    const size = (n: number, reps: number, more: Partial<Size> = {}): Size => ({
      n,
      reps,
      comparePrevious: false,
      concurrency: 4,
      replay: false,
      ...more,
    });
    const sizes: Size[] = [
      size(1, 7),
      size(20, 3),
      ...(options.quick ? [] : [size(100, 2), size(500, 1)]),
      size(20, 3, { comparePrevious: true }),
      size(20, 3, { concurrency: 1, replay: true }),
    ];
    const results: SizeResult[] = [];
    for (const z of sizes) {
      let r: SizeResult;
      try {
        r = await runSize(prom.url, z);
      } catch (e) {
        // one size failing (e.g. its time limit on a loaded machine) leaves the others' rows
        notes.push(
          `${z.n} SLOs${z.comparePrevious ? " comparePrevious" : ""}${z.replay ? " serial" : ""} failed: ${(e as Error).message.split("\n")[0]}`,
        );
        log(`report: ${z.n} SLOs FAILED: ${(e as Error).message.split("\n")[0]}`);
        continue;
      }
      results.push(r);
      const what = [
        z.comparePrevious ? "comparePrevious" : "",
        z.concurrency !== 4 ? `concurrency ${z.concurrency}` : "",
      ]
        .filter(Boolean)
        .join(", ");
      log(
        `report: ${z.n} SLOs${what ? ` (${what})` : ""}: ${r.wallMs} ms (${r.msPerSlo} ms/SLO), ` +
          `${r.requests} requests (${r.instantPerSlo} instant + ${r.rangeRequestsPerSlo} range requests per SLO), ` +
          `${round(r.bytes / 2 ** 20, 1)} MB, eval ${r.evalMs} ms, wall/eval ${r.wallOverEval}, peak RSS ${r.peakRssMb} MB`,
      );
    }
    const rows: Row[] = [];
    const plain = results.filter((r) => !r.comparePrevious && r.concurrency === 4);
    for (const r of plain) {
      rows.push({
        bench: "report",
        metric: `${r.n} SLOs: wall (${r.msPerSlo} ms/SLO, ${r.requests} req, ${round(r.bytes / 2 ** 20, 1)} MB, RSS ${r.peakRssMb} MB)`,
        measured: r.wallMs,
        unit: "ms",
        target: null,
      });
    }
    for (const r of plain) {
      rows.push({
        bench: "report",
        metric: `${r.n} SLOs: instant (summary) queries per SLO`,
        measured: r.instantPerSlo,
        unit: "",
        target: 3,
        note: `plus ${r.rangeQueriesPerSlo} range queries (${r.rangeRequestsPerSlo} requests after chunking) per SLO for the detail`,
      });
    }
    for (const r of plain) {
      rows.push({
        bench: "report",
        metric: `${r.n} SLOs: report wall / Prometheus eval time`,
        measured: r.wallOverEval,
        unit: "x",
        target: 1.2,
        note: `${r.wallMs} ms vs ${r.evalMs} ms summed evalTotalTime (4 SLOs evaluated at once)`,
      });
    }
    const per = (n: number) => plain.find((r) => r.n === n)?.msPerSlo ?? Number.NaN;
    if (!options.quick)
      rows.push(
        {
          bench: "report",
          metric: "linearity: ms/SLO at 500 / ms/SLO at 20",
          measured: per(500) / per(20),
          unit: "x",
          target: 1.25,
        },
        {
          bench: "report",
          metric: "linearity: ms/SLO at 500 / ms/SLO at 100",
          measured: per(500) / per(100),
          unit: "x",
          target: 1.25,
        },
      );
    const prev = results.find((r) => r.comparePrevious);
    if (prev)
      rows.push({
        bench: "report",
        metric: "20 SLOs comparePrevious: instant queries per SLO (info)",
        measured: prev.instantPerSlo,
        unit: "",
        target: null,
        note: `wall ${prev.wallMs} ms vs ${plain.find((r) => r.n === 20)?.wallMs} ms without`,
      });
    const serial = results.find((r) => r.replay);
    if (serial?.replay)
      rows.push(
        {
          bench: "report",
          metric: "20 SLOs serial (concurrency 1): report wall / Prometheus eval time",
          measured: serial.wallOverEval,
          unit: "x",
          target: 1.2,
          note: `${serial.wallMs} ms vs ${serial.evalMs} ms; evalTotalTime leaves out Prometheus's JSON encoding`,
        },
        {
          bench: "report",
          metric: "20 SLOs serial: report wall / bare undici replay of the same requests",
          measured: serial.wallMs / serial.replay!.wallMs,
          unit: "x",
          target: 1.2,
          note: `${serial.wallMs} ms vs ${serial.replay!.wallMs} ms for ${serial.replay!.requests} requests`,
        },
      );
    const failed = results.reduce((a, r) => a + r.failedSlos, 0);
    if (failed > 0) notes.push(`${failed} SLO evaluations failed with a query error (see details)`);
    notes.push(
      "SLO mix cycles 4 probe SLOs (api, web, flaky, dark) and 3 request SLOs on checkout (ratio good/total, " +
        "ratio bad/total, latency le=0.5); objective 99.9, October 2026 Europe/Berlin. Instant queries are the " +
        "summary; range queries are the daily/incident detail (a probe SLO's 1-min detail over 745 h is split " +
        "into 10 000-point chunks). buildReport evaluates 4 SLOs concurrently, so wall can be below the summed " +
        "eval time; eval time excludes Prometheus's JSON encoding, which the bytes column reflects.",
    );
    return { name: "report", rows, details: { sizes: results, prometheus: prom.url }, notes };
  } finally {
    await prom?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchReport();
  console.log(JSON.stringify(r, null, 2));
}
