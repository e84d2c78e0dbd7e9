/**
 * One probe run (the every-minute Lambda, or `sla probe`): probe every target, remote-write the results,
 * evaluate breaches against the state kept in the object store, publish state changes at most once.
 * A remote-write failure is logged and alerted once, never crashes the run, and never skips the breach step.
 * An unreadable or wrongly shaped state object is copied aside, replaced by a fresh state and alerted once
 * (DESIGN §9 "Damaged state heals"); the run's own outcomes are applied to the fresh state as usual.
 * A probe the monitor's own overload explains (`inconclusive`, DESIGN §9 "Inconclusive probes") writes no
 * probe_success, moves no breach counter, and the run says how many there were (`overload`, a warn log).
 */
import { randomUUID } from "node:crypto";
import type { SlaConfig, Target } from "../config/schema.js";
import { resolveHeaders, type SsmResolver } from "../config/secrets.js";
import type { Notification, Notifier } from "../notify/types.js";
import type { RemoteWriter, WriteResult } from "../prometheus/remote-write.js";
import { type DamagedObject, StateStore } from "../store/state.js";
import type { ObjectStore } from "../store/types.js";
import {
  applyOutcomes,
  type BreachEvent,
  type BreachState,
  claimStale,
  type ProbeOutcome,
  parseBreachState,
  settle,
} from "./breach.js";
import { processCpuShare } from "./cpu-share.js";
import { probeSeries } from "./metrics.js";
import { describeOverload, type OverloadSummary, summarizeOverload } from "./overload.js";
import { runProbes } from "./run.js";
import type { ProbeResult, ProbeSpec } from "./types.js";

export const PROBE_STATE_KEY = "state/probe-state.json";
/** Where a damaged state object is copied (bytes unchanged): `state/corrupt-2026-11-01T05-00-00-000Z.json`. */
export const corruptStateKey = (at: Date) => `state/corrupt-${at.toISOString().replace(/[:.]/g, "-")}.json`;
/** how long a run may take to publish the events it claimed before another run takes them over */
const LEASE_MS = 5 * 60_000;
/** probes in flight at once; one Lambda invocation handles up to this many targets within one deadline */
export const MAX_CONCURRENCY = 500;

export async function toProbeSpec(t: Target, env: NodeJS.ProcessEnv, ssm?: SsmResolver): Promise<ProbeSpec> {
  return {
    name: t.name,
    url: t.url,
    method: t.method,
    headers: await resolveHeaders(t.headers, {
      env,
      what: `targets.${t.name}.headers`,
      ...(ssm ? { ssm } : {}),
    }),
    // values read from env/SSM are secrets: never sent to another origin when following a redirect
    secretHeaders: Object.entries(t.headers).flatMap(([name, ref]) =>
      typeof ref === "string" ? [] : [name],
    ),
    ...(t.body !== undefined ? { body: t.body } : {}),
    expect: {
      status: t.expect.status,
      ...(t.expect.bodyMatches !== undefined ? { bodyMatches: t.expect.bodyMatches } : {}),
      maxBodyBytes: t.expect.maxBodyBytes,
      followRedirects: t.expect.followRedirects,
      maxRedirects: t.expect.maxRedirects,
      allowInsecureRedirects: t.expect.allowInsecureRedirects,
    },
    timeoutMs: t.timeoutMs,
    ...(t.latency ? { latency: t.latency } : {}),
    tls: { minDaysToExpiry: t.tls.minDaysToExpiry, insecureSkipVerify: t.tls.insecureSkipVerify },
    labels: t.labels,
  };
}

export interface ProbeCycleInput {
  config: SlaConfig;
  writer: RemoteWriter | null;
  store: ObjectStore;
  notifier: Notifier;
  env?: NodeJS.ProcessEnv;
  /** resolves `{ ssm: ... }` header references */
  ssm?: SsmResolver;
  now?: () => Date;
  concurrency?: number;
  /** share of one CPU this process has (default `processCpuShare(env)`: Lambda memory, cgroup quota) */
  cpuShare?: number;
  /** only these targets (sharding); default all */
  targets?: string[];
  log?: (level: "info" | "warn" | "error", msg: string, data?: Record<string, unknown>) => void;
}

export interface ProbeCycleResult {
  results: ProbeResult[];
  write: WriteResult | { ok: false; skipped: true };
  events: BreachEvent[];
  published: string[];
  publishErrors: string[];
  /** set when this run found the state object damaged and replaced it (alerted once, as `state-reset`) */
  stateReset?: DamagedObject;
  /**
   * The monitor's own overload: probes whose failure its stalled event loop explains (`inconclusive`, no
   * probe_success written, never DOWN). `inconclusive` 0 when the monitor kept up.
   */
  overload: OverloadSummary;
}

const REMOTE_WRITE_TARGET = "__remote_write__";
/** The monitor's own state, as the "target" of the state-reset self-alert. */
const PROBE_STATE_TARGET = "__probe_state__";

function eventTitle(e: BreachEvent): string {
  if (e.target === REMOTE_WRITE_TARGET) {
    return e.type === "recovered" ? "sla-monitor writes metrics again" : "sla-monitor cannot write metrics";
  }
  if (e.target === PROBE_STATE_TARGET) return "sla-monitor reset its probe state";
  const word: Record<BreachEvent["type"], string> = {
    down: "DOWN",
    recovered: "RECOVERED",
    degraded: "DEGRADED",
    "latency-normal": "LATENCY NORMAL",
    "tls-expiring": "TLS EXPIRING",
    "state-reset": "STATE RESET",
  };
  return `${word[e.type]}: ${e.target}`;
}

function eventNotification(e: BreachEvent): Notification {
  const title = eventTitle(e);
  return {
    kind: e.kind,
    severity: e.severity,
    subject: title,
    text: `${title}\n\n${e.detail}\nAt: ${e.at}\n`,
    chat: { title, description: e.detail, keywords: [e.type] },
    attributes: { target: e.target, event: e.type },
  };
}

/** The self-alert for a damaged state object; it goes out like any breach event, once. */
function stateResetEvent(
  d: DamagedObject,
  targets: number,
  ctx: { now: Date; runId: string; leaseMs: number },
): BreachEvent {
  const at = ctx.now.toISOString();
  return {
    id: `${PROBE_STATE_TARGET}:state-reset:${at}`,
    type: "state-reset",
    kind: "alert",
    severity: "warning",
    target: PROBE_STATE_TARGET,
    at,
    detail:
      `probe state was reset: ${targets} target${targets === 1 ? "" : "s"} start from unknown ` +
      `(${d.key} was unreadable: ${d.reason}; its ${d.bytes} bytes were copied to ${d.copiedTo})`,
    claimedBy: ctx.runId,
    claimedUntil: new Date(ctx.now.getTime() + ctx.leaseMs).toISOString(),
  };
}

export async function runProbeCycle(input: ProbeCycleInput): Promise<ProbeCycleResult> {
  const now = input.now ?? (() => new Date());
  const log = input.log ?? (() => {});
  const env = input.env ?? process.env;
  const runId = randomUUID();
  const targets = input.targets
    ? input.config.targets.filter((t) => input.targets!.includes(t.name))
    : input.config.targets;
  const specs = await Promise.all(targets.map((t) => toProbeSpec(t, env, input.ssm)));
  const startedAt = now();
  // Every probe of a run in flight at once (up to MAX_CONCURRENCY), so a run lasts one deadline, not
  // several: hanging targets must not queue behind each other. Past that, shard the targets.
  const concurrency = input.concurrency ?? Math.max(1, Math.min(specs.length, MAX_CONCURRENCY));
  const { dnsServers } = input.config.probe;
  // starts are paced to the CPU this process has (Lambda memory, cgroup quota): see run.ts
  const cpuShare = input.cpuShare ?? processCpuShare(env);
  const results = await runProbes(specs, {
    concurrency,
    cpuShare,
    now,
    ...(dnsServers ? { dnsServers } : {}),
  });
  const overload = summarizeOverload(results);
  const overloadText = describeOverload(overload);
  if (overloadText) {
    log("warn", overloadText, {
      inconclusive: overload.inconclusive,
      probes: overload.probes,
      maxMonitorStallMs: overload.maxStallMs,
      targets: overload.targets.slice(0, 20),
    });
  }

  let write: ProbeCycleResult["write"] = { ok: false, skipped: true };
  if (input.writer) {
    const labels = new Map(targets.map((t) => [t.name, t.labels]));
    write = await input.writer.write(probeSeries(results, (n) => labels.get(n) ?? {}, startedAt.getTime()));
    if (!write.ok) log("error", "remote write failed", { error: write.error, status: write.status });
  }

  // Breach evaluation: one conditional read-modify-write of the state object; the events go into the
  // state as pending, claimed by this run, in the same write.
  const policy = {
    downAfter: input.config.notify.downAfter,
    recoverAfter: input.config.notify.recoverAfter,
    tlsWarnDays: input.config.notify.tlsWarnDays,
  };
  const outcomes: ProbeOutcome[] = results.map((r) => ({
    target: r.target,
    success: r.success,
    degraded: r.degraded,
    cause: r.cause,
    ...(r.causeDetail ? { causeDetail: r.causeDetail } : {}),
    durationMs: r.durationMs,
    status: r.status,
    ...(r.tls
      ? { tls: { daysToEarliestExpiry: r.tls.daysToEarliestExpiry, earliestExpiry: r.tls.earliestExpiry } }
      : {}),
    ...(r.inconclusive ? { inconclusive: true } : {}),
  }));
  if (input.writer) {
    // The monitor watches itself: a failing remote write is a target of its own (alert once, recover once).
    outcomes.push({
      target: REMOTE_WRITE_TARGET,
      success: write.ok,
      degraded: "ok",
      cause: write.ok ? null : "remote-write",
      ...(!write.ok && "error" in write ? { causeDetail: write.error } : {}),
      durationMs: 0,
      status: write.ok ? write.status : ("status" in write && write.status) || null,
    });
  }
  const state = new StateStore<BreachState>(input.store, { parse: parseBreachState });
  let mine: BreachEvent[] = [];
  // A damaged state is healed inside this same conditional write: of two runs that find it damaged, the
  // one whose write wins creates the reset alert; the other re-reads the healed state and applies its own
  // outcomes to it (so its DOWNs are not lost). Each keeps its copy of the damaged bytes.
  const { healed } = await state.readModifyWrite(
    PROBE_STATE_KEY,
    (prev, damaged) => {
      const ctx = { now: now(), runId, leaseMs: LEASE_MS };
      const applied = applyOutcomes(prev, outcomes, policy, ctx);
      if (damaged) applied.state.pending.unshift(stateResetEvent(damaged, input.config.targets.length, ctx));
      const stale = claimStale(applied.state, ctx);
      // this run's new events plus events whose earlier run died before publishing them
      mine = stale.state.pending.filter((e) => e.claimedBy === runId);
      return stale.state;
    },
    { heal: { asideKey: () => corruptStateKey(now()) } },
  );
  if (healed) {
    log("error", "probe state was unreadable and was reset", {
      key: healed.key,
      reason: healed.reason,
      copiedTo: healed.copiedTo,
    });
  }

  const published: string[] = [];
  const failed: string[] = [];
  const publishErrors: string[] = [];
  for (const e of mine) {
    try {
      await input.notifier.publish(eventNotification(e));
      published.push(e.id);
    } catch (err) {
      failed.push(e.id);
      publishErrors.push(`${e.id}: ${err instanceof Error ? err.message : String(err)}`);
      log("error", "publish failed; the event stays pending for the next run", { event: e.id });
    }
  }
  if (published.length + failed.length > 0) {
    await state.readModifyWrite(PROBE_STATE_KEY, (prev) => (prev ? settle(prev, published, failed) : null));
  }
  return {
    results,
    write,
    events: mine,
    published,
    publishErrors,
    ...(healed ? { stateReset: healed } : {}),
    overload,
  };
}
