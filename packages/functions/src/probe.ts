/**
 * Probe Lambda (EventBridge every minute): probe the targets, remote-write the results, evaluate breaches
 * and publish state changes. Thin: everything is in `runProbeCycle`. An optional `{"targets": [...]}` payload
 * probes a shard only (fan-out past a few hundred targets).
 *
 * Each run writes one line in CloudWatch embedded metric format: metric `InconclusiveProbes`, namespace
 * `sla-monitor`, dimensions `service` = "sla-monitor" and `function` = this function's name, every run (0
 * when the monitor kept up): probes whose failure the monitor's own overload explains (DESIGN §9
 * "Inconclusive probes"). The probe stack alarms on its Sum > 0 (infra/aws/alarms.ts).
 */
import { OVERLOAD_METRIC, probeDeps, runProbeCycle } from "@sla-monitor/core";
import { context, guarded, logger, scrub } from "./shared.js";

export interface ProbeSummary {
  targets: number;
  up: number;
  down: number;
  degraded: number;
  remoteWrite: "ok" | "failed" | "skipped";
  events: { target: string; type: string }[];
  published: number;
  failures: { target: string; cause: string | null; status: number | null }[];
  /** probes the monitor's own overload made inconclusive (not DOWN, not in `down` or `failures`) */
  inconclusive: number;
  /** the most the monitor's event loop stalled inside one probe, ms */
  maxMonitorStallMs: number;
}

/** EMF namespace and metric of the monitor's own overload (for a CloudWatch alarm). */
export const METRIC_NAMESPACE = OVERLOAD_METRIC.namespace;
export const INCONCLUSIVE_METRIC = OVERLOAD_METRIC.name;

/** The embedded-metric-format document of one run's `InconclusiveProbes`. */
export function inconclusiveMetric(
  count: number,
  at: Date,
  fn = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local",
): Record<string, unknown> {
  return {
    service: OVERLOAD_METRIC.service,
    function: fn,
    [INCONCLUSIVE_METRIC]: count,
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [["service", "function"]],
          Metrics: [{ Name: INCONCLUSIVE_METRIC, Unit: "Count" }],
        },
      ],
    },
  };
}

export const handler = guarded(probe);

async function probe(event: unknown): Promise<ProbeSummary> {
  const { config, runtime } = await context();
  const shard =
    event && typeof event === "object" && Array.isArray((event as { targets?: unknown }).targets)
      ? ((event as { targets: unknown[] }).targets.filter((t) => typeof t === "string") as string[])
      : undefined;
  const r = await runProbeCycle({
    ...probeDeps(config, runtime),
    ...(shard ? { targets: shard } : {}),
    log: (level, msg, data) =>
      logger[level](scrub(msg, runtime), data ? JSON.parse(scrub(JSON.stringify(data), runtime)) : {}),
  });
  for (const p of r.results) {
    // results carry no header values or URL credentials (redacted by the engine). Successes at DEBUG:
    // one line per probe per minute would cost more in CloudWatch Logs than the Lambda itself.
    logger[p.success ? "debug" : "warn"]("probe", {
      target: p.target,
      success: p.success,
      status: p.status,
      cause: p.cause,
      ...(p.inconclusive ? { inconclusive: true, observedCause: p.observedCause } : {}),
      monitorStallMs: p.monitorStallMs,
      durationMs: p.durationMs,
      phases: p.phases,
      degraded: p.degraded,
    });
  }
  const summary: ProbeSummary = {
    targets: r.results.length,
    up: r.results.filter((p) => p.success).length,
    down: r.results.filter((p) => !p.success && !p.inconclusive).length,
    degraded: r.results.filter((p) => p.success && p.degraded !== "ok").length,
    remoteWrite: "skipped" in r.write ? "skipped" : r.write.ok ? "ok" : "failed",
    events: r.events.map((e) => ({ target: e.target, type: e.type })),
    published: r.published.length,
    failures: r.results
      .filter((p) => !p.success && !p.inconclusive)
      .map((p) => ({ target: p.target, cause: p.cause, status: p.status })),
    inconclusive: r.overload.inconclusive,
    maxMonitorStallMs: r.overload.maxStallMs,
  };
  logger.info("probe run", {
    ...summary,
    failures: summary.failures.length,
    ...(r.overload.inconclusive > 0 ? { monitorOverloaded: true } : {}),
  });
  // Raw on stdout: not through console (Lambda prefixes its lines, and EMF must be bare JSON), not through
  // the logger (a log level above INFO would drop the metric). Counts only, nothing to scrub.
  process.stdout.write(`${JSON.stringify(inconclusiveMetric(r.overload.inconclusive, new Date()))}\n`);
  return summary;
}
