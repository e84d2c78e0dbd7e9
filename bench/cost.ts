/**
 * Monthly AWS cost of sla-monitor for N endpoints probed every minute plus weekly and monthly reports,
 * next to CloudWatch Synthetics (one canary per endpoint, every minute), from this run's measurements.
 *
 *   npx tsx bench/cost.ts --endpoints 50            (reads bench/out/results.json written by `npm run bench`)
 *   npx tsx bench/cost.ts --endpoints 10,200 --probe-latency-ms 400
 *
 * Model (every assumption is printed with the table):
 * - probe Lambda: every endpoint HTTPS with a 10 s deadline; targets per invocation (shards) and memory from
 *   infra/aws/sizing.ts (a shard's CPU demand at most 25 % of its smallest deadline at its vCPU share, at
 *   least half a vCPU), all of a shard's probes in flight, started at half the CPU share (probe/run.ts);
 *   duration = fixed overhead (state read/write in S3, remote write) + the larger of (start window +
 *   internet probe latency) and CPU time, where CPU time is this run's measured CPU per HTTPS probe
 *   (bench/https-cpu.ts: full handshake, chain verified and captured; HTTPS_PROBE_CPU_MS without a run) ×
 *   targets, scaled by Lambda's CPU share (memory / 1769 MB = one vCPU).
 * - report Lambda: one SLO per endpoint; 4.35 weekly + 1 monthly + 720 hourly budget-check runs a month; duration = this run's measured
 *   report wall time per SLO (35-day fixture, local Prometheus), CPU part scaled like above, + overhead.
 * - S3: one state GET + PUT per probe run; 8 PUTs per report (5 formats, index, notification markers).
 * - SNS: one publish per report + assumed breach alerts, each delivered to one email subscriber.
 * - AMP (separate column): remote-write ingestion at $0.90 per 10 M samples, of the samples one HTTPS probe
 *   writes, counted from `probeSeries` (packages/core/src/probe/metrics.ts) itself.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  HTTPS_PROBE_CPU_MS,
  ONE_VCPU_MB,
  probeMemoryMb,
  reportMemoryMb,
  startWindowMs,
  targetsPerShard,
} from "../infra/aws/sizing.js";
import { MAX_CONCURRENCY } from "../packages/core/src/probe/cycle.js";
import { probeSeries } from "../packages/core/src/probe/metrics.js";
import type { ProbeResult } from "../packages/core/src/probe/types.js";
import { type BenchResult, ensureOutDir, formatTable, OUT_DIR, RESULTS_FILE, round } from "./lib.js";

export const PRICES = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  snsPublish: 0.5 / 1e6,
  snsEmail: 2 / 100_000,
  ampPerSample: 0.9 / 10e6,
  syntheticsPerRun: 0.0012,
} as const;

const MINUTES_PER_MONTH = 43_200; // 30 days, as the Synthetics figure (43 200 runs/month) assumes
const WEEKLY_PER_MONTH = 4.35;
/** the hourly budget check of the running month (stacks/reports.ts) */
const BUDGET_CHECKS_PER_MONTH = 720;
/** a probe run keeps all its probes in flight (runProbeCycle) */
const IN_FLIGHT = MAX_CONCURRENCY;

/**
 * Samples one successful probe writes by remote write, counted from `probeSeries` itself (a failed probe adds
 * one more, `sla_probe_failure`): a representative result over plain HTTP or over TLS.
 */
export function samplesPerProbe(scheme: "http" | "https"): number {
  const result: ProbeResult = {
    target: "t",
    url: `${scheme}://example.com/`,
    success: true,
    degraded: "ok",
    status: 200,
    cause: null,
    durationMs: 120,
    phases: {
      dnsMs: 5,
      connectMs: 20,
      firstByteMs: 60,
      transferMs: 1,
      ...(scheme === "https" ? { tlsMs: 30 } : {}),
    },
    bodyBytes: 2,
    redirects: 0,
    httpVersion: 1.1,
    contentLength: 2,
    address: { ip: "127.0.0.2", family: 4, lookupMs: 5 }, // any address: only the series count matters
    startedAt: "2026-10-01T00:00:00.000Z",
    ...(scheme === "https"
      ? {
          tls: {
            leafExpiry: "2027-01-01T00:00:00.000Z",
            earliestExpiry: "2027-01-01T00:00:00.000Z",
            daysToEarliestExpiry: 92,
            protocol: "TLSv1.3",
            trusted: true,
          },
          tlsExpiring: false,
        }
      : {}),
  };
  return probeSeries([result], () => ({}), 0).reduce((n, series) => n + series.samples.length, 0);
}
/** every endpoint is priced as HTTPS */
const SAMPLES_PER_PROBE = samplesPerProbe("https");

export interface CostInputs {
  /** measured: engine CPU ms per HTTPS probe (full handshake, chain verified and captured; bench/https-cpu.ts) */
  httpsProbeCpuMs: number;
  /** where `httpsProbeCpuMs` comes from */
  httpsSource: string;
  /** measured: engine CPU ms per plain-HTTP probe at concurrency 50 on loopback (shown for reference) */
  httpProbeCpuMs?: number;
  /** measured: loopback run wall ms for N probes at concurrency 50 (shown for reference) */
  probeRunWallMs?: Record<string, number>;
  /** measured: report wall ms per SLO (concurrency 4, local Prometheus) */
  reportWallMsPerSlo: number;
  /** measured: report CPU ms per SLO */
  reportCpuMsPerSlo: number;
  source: string;
}

export interface CostAssumptions {
  /** internet HTTPS probe latency (DNS + connect + TLS + first byte) */
  probeLatencyMs: number;
  /** every target's deadline (the config default); sizing takes the smallest */
  targetTimeoutMs: number;
  /** per probe invocation: state GET/PUT in S3, remote write, logging */
  probeOverheadMs: number;
  /** per report invocation: rendering, 8 S3 PUTs, SNS */
  reportOverheadMs: number;
  /** breach alerts per month (each one SNS publish + one email) */
  alertsPerMonth: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  probeLatencyMs: 300,
  targetTimeoutMs: 10_000,
  probeOverheadMs: 250,
  reportOverheadMs: 1500,
  alertsPerMonth: 20,
};

/** Used only when no results file exists (documented fallbacks from a previous run on this machine). */
const FALLBACK_INPUTS: CostInputs = {
  httpsProbeCpuMs: HTTPS_PROBE_CPU_MS,
  httpsSource: "HTTPS_PROBE_CPU_MS, packages/core/src/probe/run.ts",
  reportWallMsPerSlo: 40,
  reportCpuMsPerSlo: 35,
  source: "fallback constants (no bench/out/results.json: run `npm run bench` first)",
};

export interface CostRow {
  endpoints: number;
  probe: {
    invocationsPerMonth: number;
    memoryMb: number;
    durationMs: number;
    usd: number;
    targetsPerInvocation: number;
    /** the shard's CPU time at its vCPU share / the smallest deadline (sizing keeps it at most 0.25) */
    cpuShareOfDeadline: number;
  };
  report: { invocationsPerMonth: number; memoryMb: number; durationMs: number; usd: number };
  s3Usd: number;
  snsUsd: number;
  totalUsd: number;
  ampIngestUsd: number;
  syntheticsUsd: number;
}

export function estimate(n: number, inp: CostInputs, a: CostAssumptions = DEFAULT_ASSUMPTIONS): CostRow {
  const config = { targets: Array.from({ length: n }, () => ({ timeoutMs: a.targetTimeoutMs })), slos: [] };
  const perShard = targetsPerShard(config);
  const shards = Math.max(1, Math.ceil(n / perShard));
  const probeMem = probeMemoryMb(config);
  const probeCpuShare = Math.min(1, probeMem / ONE_VCPU_MB);
  const probeCpuMs = (perShard * inp.httpsProbeCpuMs) / probeCpuShare;
  // the pacer starts the shard's probes at half its CPU share (probe/run.ts): the last one starts after the
  // start window and ends one probe latency later, unless the measured CPU needs longer than that
  const probeDurationMs = a.probeOverheadMs + Math.max(startWindowMs(config) + a.probeLatencyMs, probeCpuMs);
  const probeInvocations = MINUTES_PER_MONTH * shards;
  const probeUsd =
    probeInvocations * PRICES.lambdaPerRequest +
    probeInvocations * (probeMem / 1024) * (Math.ceil(probeDurationMs) / 1000) * PRICES.lambdaArmGbSecond;

  const slos = n;
  const reportMem = reportMemoryMb({ targets: [], slos: Array.from({ length: slos }) });
  const reportCpuShare = Math.min(1, reportMem / ONE_VCPU_MB);
  const reportDurationMs =
    a.reportOverheadMs +
    Math.max(inp.reportWallMsPerSlo * slos, (inp.reportCpuMsPerSlo * slos) / reportCpuShare);
  const reportInvocations = WEEKLY_PER_MONTH + 1 + BUDGET_CHECKS_PER_MONTH;
  const reportUsd =
    reportInvocations * PRICES.lambdaPerRequest +
    reportInvocations * (reportMem / 1024) * (Math.ceil(reportDurationMs) / 1000) * PRICES.lambdaArmGbSecond;

  const s3Usd = probeInvocations * (PRICES.s3Get + PRICES.s3Put) + reportInvocations * 8 * PRICES.s3Put;
  const publishes = WEEKLY_PER_MONTH + 1 + a.alertsPerMonth;
  const snsUsd = publishes * (PRICES.snsPublish + PRICES.snsEmail);
  const ampIngestUsd = n * MINUTES_PER_MONTH * SAMPLES_PER_PROBE * PRICES.ampPerSample;
  const syntheticsUsd = n * MINUTES_PER_MONTH * PRICES.syntheticsPerRun;
  return {
    endpoints: n,
    probe: {
      invocationsPerMonth: probeInvocations,
      memoryMb: probeMem,
      durationMs: Math.round(probeDurationMs),
      usd: probeUsd,
      targetsPerInvocation: perShard,
      cpuShareOfDeadline: probeCpuMs / a.targetTimeoutMs,
    },
    report: {
      invocationsPerMonth: reportInvocations,
      memoryMb: reportMem,
      durationMs: Math.round(reportDurationMs),
      usd: reportUsd,
    },
    s3Usd,
    snsUsd,
    totalUsd: probeUsd + reportUsd + s3Usd + snsUsd,
    ampIngestUsd,
    syntheticsUsd,
  };
}

const usd = (x: number) => (x >= 100 ? `$${x.toFixed(0)}` : x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(3)}`);

export function costMarkdown(rows: CostRow[], inp: CostInputs, a: CostAssumptions): string {
  const table = formatTable(
    [
      "endpoints",
      "probe Lambda",
      "report Lambda",
      "S3",
      "SNS",
      "sla-monitor total",
      "+ AMP ingest",
      "CloudWatch Synthetics",
      "total / Synthetics",
    ],
    rows.map((r) => [
      String(r.endpoints),
      `${usd(r.probe.usd)} (${r.probe.memoryMb} MB, ${r.probe.durationMs} ms × ${r.probe.invocationsPerMonth})`,
      `${usd(r.report.usd)} (${r.report.memoryMb} MB, ${(r.report.durationMs / 1000).toFixed(1)} s × ${r.report.invocationsPerMonth})`,
      usd(r.s3Usd),
      usd(r.snsUsd),
      usd(r.totalUsd),
      usd(r.ampIngestUsd),
      usd(r.syntheticsUsd),
      `${(((r.totalUsd + r.ampIngestUsd) / r.syntheticsUsd) * 100).toFixed(1)} % (with AMP)`,
    ]),
  );
  const runs = Object.entries(inp.probeRunWallMs ?? {})
    .map(([n, ms]) => `${n}: ${ms} ms`)
    .join(", ");
  const shardsText = rows
    .map(
      (r) =>
        `${r.endpoints}: ${r.probe.targetsPerInvocation} (${round(r.probe.cpuShareOfDeadline * 100, 1)} %)`,
    )
    .join(", ");
  return [
    "### Monthly AWS cost estimate (every endpoint probed every minute, weekly + monthly reports)",
    "",
    table,
    "",
    "Prices: Lambda arm64 $0.0000133334 per GB-s and $0.20 per 1 M requests; S3 PUT $0.005/1000, GET $0.0004/1000",
    "(storage negligible); SNS $0.50 per 1 M publishes + email $2 per 100 000; AMP ingestion $0.90 per 10 M samples",
    `(${SAMPLES_PER_PROBE} samples per HTTPS probe, ${samplesPerProbe("http")} per plain-HTTP one, counted from \`probeSeries\`); CloudWatch Synthetics $0.0012`,
    `per canary run, one canary per endpoint, ${MINUTES_PER_MONTH} runs a month. A month is ${MINUTES_PER_MONTH} minutes. Free tiers not deducted.`,
    "",
    `Measured (${inp.source}): CPU per HTTPS probe ${round(inp.httpsProbeCpuMs, 3)} ms (full handshake, chain verified`,
    `and captured, the larger of concurrency 1 and 500; bench/https-cpu.ts${inp.httpsSource === inp.source ? "" : `; from ${inp.httpsSource}`});`,
    ...(inp.httpProbeCpuMs !== undefined
      ? [`plain-HTTP engine CPU ${round(inp.httpProbeCpuMs, 3)} ms per probe (loopback, concurrency 50);`]
      : []),
    ...(runs ? [`loopback run wall at concurrency 50 by N: ${runs};`] : []),
    `report ${round(inp.reportWallMsPerSlo, 1)} ms wall and ${round(inp.reportCpuMsPerSlo, 1)} ms CPU per SLO`,
    "(October 2026 over the 35-day fixture in a local Prometheus).",
    "",
    `Sizing (infra/aws/sizing.ts): memory and targets per probe invocation from HTTPS_PROBE_CPU_MS = ${HTTPS_PROBE_CPU_MS} ms, so that`,
    `a shard's CPU demand is at most 25 % of its smallest deadline at its vCPU share (memory / ${ONE_VCPU_MB} MB, at least half a vCPU), probes started at half the share; targets per`,
    `invocation by endpoints (this run's CPU time at that share, as a share of the deadline): ${shardsText}.`,
    "",
    `Assumed: every endpoint HTTPS with a ${a.targetTimeoutMs} ms deadline, internet probe latency ${a.probeLatencyMs} ms,`,
    `${a.probeOverheadMs} ms per probe invocation (S3 state, remote write), ${a.reportOverheadMs} ms per report`,
    `(render, 8 PUTs), one SLO per endpoint, ${a.alertsPerMonth} alerts a month to one email subscriber; CPU`,
    `scaled by Lambda's share; all of a shard's probes in flight (at most ${IN_FLIGHT}).`,
    "Not included: AMP query and storage charges, CloudWatch Logs ingestion, data transfer, Synthetics' own",
    "Lambda/S3 charges (so the Synthetics column is a lower bound).",
    "",
  ].join("\n");
}

/** Reads this run's measurements from a results object (as written to bench/out/results.json). */
export function inputsFromResults(results: { benches?: BenchResult[] }, source: string): CostInputs | null {
  const https = results.benches?.find((b) => b.name === "https")?.details as
    | { sizingFigureMs?: number }
    | undefined;
  const probe = results.benches?.find((b) => b.name === "probe")?.details as
    | {
        c50?: { perProbeMs?: { engine?: { cpu: number } } };
        runDurationsC50?: Record<string, { wallMs: number }>;
      }
    | undefined;
  const report = results.benches?.find((b) => b.name === "report")?.details as
    | {
        sizes?: {
          n: number;
          msPerSlo: number;
          cpuMs: number;
          concurrency: number;
          comparePrevious: boolean;
        }[];
      }
    | undefined;
  const cpu = probe?.c50?.perProbeMs?.engine?.cpu;
  const sizes = (report?.sizes ?? []).filter((s) => s.concurrency === 4 && !s.comparePrevious);
  const big = sizes.sort((a, b) => b.n - a.n)[0];
  if (!big) return null;
  const measuredHttps = https?.sizingFigureMs;
  return {
    httpsProbeCpuMs: measuredHttps ?? HTTPS_PROBE_CPU_MS,
    httpsSource:
      measuredHttps !== undefined
        ? source
        : "HTTPS_PROBE_CPU_MS, packages/core/src/probe/run.ts: no https bench in this run",
    ...(cpu !== undefined ? { httpProbeCpuMs: cpu } : {}),
    ...(probe?.runDurationsC50
      ? {
          probeRunWallMs: Object.fromEntries(
            Object.entries(probe.runDurationsC50).map(([k, v]) => [k, v.wallMs]),
          ),
        }
      : {}),
    reportWallMsPerSlo: big.msPerSlo,
    reportCpuMsPerSlo: big.cpuMs / big.n,
    source,
  };
}

export function benchCost(
  inputs: CostInputs | null,
  endpoints: number[] = [10, 50, 200, 1000],
  assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS,
): BenchResult & { markdown: string } {
  const inp = inputs ?? FALLBACK_INPUTS;
  const rows = endpoints.map((n) => estimate(n, inp, assumptions));
  const markdown = costMarkdown(rows, inp, assumptions);
  ensureOutDir();
  writeFileSync(join(OUT_DIR, "cost.md"), markdown);
  return {
    name: "cost",
    rows: rows.map((r) => ({
      bench: "cost",
      metric: `${r.endpoints} endpoints: $/month (Synthetics ${usd(r.syntheticsUsd)}, + AMP ${usd(r.ampIngestUsd)})`,
      measured: round(r.totalUsd, 2),
      unit: "$",
      target: null,
    })),
    details: { inputs: inp, assumptions, rows, prices: PRICES, file: join(OUT_DIR, "cost.md") },
    notes: inputs ? [] : [FALLBACK_INPUTS.source],
    markdown,
  };
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const endpoints = (argValue("--endpoints") ?? "10,50,200,1000").split(",").map(Number);
  if (endpoints.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error("--endpoints takes positive integers, e.g. --endpoints 50 or --endpoints 10,200");
    process.exit(2);
  }
  const num = (flag: string, dflt: number) => {
    const v = argValue(flag);
    return v === undefined ? dflt : Number(v);
  };
  const assumptions: CostAssumptions = {
    probeLatencyMs: num("--probe-latency-ms", DEFAULT_ASSUMPTIONS.probeLatencyMs),
    targetTimeoutMs: num("--timeout-ms", DEFAULT_ASSUMPTIONS.targetTimeoutMs),
    probeOverheadMs: num("--probe-overhead-ms", DEFAULT_ASSUMPTIONS.probeOverheadMs),
    reportOverheadMs: num("--report-overhead-ms", DEFAULT_ASSUMPTIONS.reportOverheadMs),
    alertsPerMonth: num("--alerts", DEFAULT_ASSUMPTIONS.alertsPerMonth),
  };
  const saved = existsSync(RESULTS_FILE)
    ? (JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as { benches?: BenchResult[]; startedAt?: string })
    : undefined;
  const inputs = saved ? inputsFromResults(saved, `npm run bench, ${saved.startedAt ?? RESULTS_FILE}`) : null;
  const r = benchCost(inputs, endpoints, assumptions);
  console.log(r.markdown);
  console.log(`written to ${join(OUT_DIR, "cost.md")}`);
}
