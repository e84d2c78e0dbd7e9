/**
 * Probe Lambda (EventBridge every minute): probe the targets, remote-write the results, evaluate breaches
 * and publish state changes. Thin: everything is in `runProbeCycle`. An optional `{"targets": [...]}` payload
 * probes a shard only (fan-out past a few hundred targets).
 */
import { probeDeps, runProbeCycle } from "@sla-monitor/core";
import { context, logger, scrub } from "./shared.js";

export interface ProbeSummary {
  targets: number;
  up: number;
  down: number;
  degraded: number;
  remoteWrite: "ok" | "failed" | "skipped";
  events: { target: string; type: string }[];
  published: number;
  failures: { target: string; cause: string | null; status: number | null }[];
}

export async function handler(event: unknown): Promise<ProbeSummary> {
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
      durationMs: p.durationMs,
      phases: p.phases,
      degraded: p.degraded,
    });
  }
  const summary: ProbeSummary = {
    targets: r.results.length,
    up: r.results.filter((p) => p.success).length,
    down: r.results.filter((p) => !p.success).length,
    degraded: r.results.filter((p) => p.success && p.degraded !== "ok").length,
    remoteWrite: "skipped" in r.write ? "skipped" : r.write.ok ? "ok" : "failed",
    events: r.events.map((e) => ({ target: e.target, type: e.type })),
    published: r.published.length,
    failures: r.results
      .filter((p) => !p.success)
      .map((p) => ({ target: p.target, cause: p.cause, status: p.status })),
  };
  logger.info("probe run", { ...summary, failures: summary.failures.length });
  return summary;
}
