/**
 * Pure sizing and naming rules for the AWS deployment, derived from the product config at synth time.
 * No CDK and no I/O here, so the rules are unit-testable and shared by the stacks and the tests.
 */
import { ONE_VCPU_MB } from "../../packages/core/src/probe/cpu-share.js";
import { MAX_CONCURRENCY } from "../../packages/core/src/probe/cycle.js";
import { HTTPS_PROBE_CPU_MS, startsPerMs } from "../../packages/core/src/probe/run.js";

/** Lambda's hard limit for a function timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** Margin on top of the largest probe deadline: cold start, state read/write and the remote write. */
export const PROBE_TIMEOUT_MARGIN_MS = 20_000;
/** Default target deadline when a config has no targets (matches the config schema's default). */
export const DEFAULT_TARGET_TIMEOUT_MS = 10_000;
/** Report functions query Prometheus, render and store; five minutes is ample for many SLOs. */
export const REPORT_TIMEOUT_SECONDS = 300;
/**
 * Reserved concurrency of the report function. Reports are rare (weekly, monthly, an hourly budget check,
 * on demand), so two concurrent runs are plenty (the weekly and monthly reports may coincide on a Monday the
 * 1st); throttled async invocations are retried by Lambda for up to the max event age and show up in the
 * throttles alarm. The cap keeps a runaway retry loop or invoke storm from eating the account's concurrency
 * (and from running up Prometheus queries). Note: Lambda keeps 100 executions of the account unreserved (all
 * of them when the quota is lower), so a new account with a concurrency quota of 10 or 50 cannot reserve
 * any and must have the quota raised first (docs/DEPLOY.md).
 */
export const REPORT_RESERVED_CONCURRENCY = 2;
/** Alarm when a function's p99 duration exceeds this share of its timeout. */
export const DURATION_ALARM_RATIO = 0.8;

/** The subset of the product config that sizing depends on (structural, so infra does not import core). */
export interface SizingConfig {
  targets: readonly { timeoutMs: number }[];
  slos: readonly unknown[];
}

/**
 * Probe Lambda timeout: the shard's start window (`startWindowMs`) + the largest target deadline + 20 s
 * margin, whole seconds, capped at 15 minutes.
 */
export function probeTimeoutSeconds(config: SizingConfig): number {
  const largest = config.targets.reduce(
    (max, t) => Math.max(max, t.timeoutMs),
    config.targets.length === 0 ? DEFAULT_TARGET_TIMEOUT_MS : 0,
  );
  return Math.min(
    LAMBDA_MAX_TIMEOUT_SECONDS,
    Math.ceil((startWindowMs(config) + largest + PROBE_TIMEOUT_MARGIN_MS) / 1000),
  );
}

/**
 * How long the pacer (probe/run.ts) takes to start a whole shard at the function's vCPU share: targets ×
 * HTTPS_PROBE_CPU_MS / (PACE_UTILIZATION × share). The last probe's deadline starts then.
 */
export function startWindowMs(config: SizingConfig): number {
  const perShard = targetsPerShard(config);
  if (perShard === 0) return 0;
  return Math.ceil(perShard / startsPerMs(probeMemoryMb(config) / ONE_VCPU_MB));
}

/**
 * Lambda gives a function one vCPU per 1769 MB of memory, and that share of one vCPU below it; CPU per HTTPS
 * probe, measured (its comment says how): both live with the probe engine, whose pacer uses them too.
 */
export { HTTPS_PROBE_CPU_MS, ONE_VCPU_MB };

/**
 * The sizing rule's headroom: a shard's CPU demand (targets × HTTPS_PROBE_CPU_MS) may use at most this share
 * of its smallest deadline at the function's vCPU share. What it buys, with the pacer (probe/run.ts), which
 * starts probes at `PACE_UTILIZATION` (a half) of the share:
 * - the starts of a shard take at most CPU_HEADROOM / PACE_UTILIZATION = half of its smallest deadline, so a
 *   run lasts at most one and a half deadlines (`probeTimeoutSeconds` adds the start window to the timeout);
 * - the CPU never queues a probe: it runs at half its share, so the monitor's own stall inside any probe's
 *   window stays far below `OVERLOAD_SHARE` (a quarter of the deadline, probe/overload.ts) even when a probe
 *   costs twice the measured figure (arm64, cold JIT, a noisy host), and a healthy target is neither DOWN nor
 *   inconclusive. The two quarters are independent: before the pacer spent the share at its rate (10 starts
 *   per 10 ms tick whatever the share), the headroom had to be the stall limit itself, with no margin.
 * Checked by `npm run bench --only sizing` (the largest shard with 0 false DOWN at its sized share, the
 * monitor's stall and the p99 latency against the endpoint probed alone) and test/probe/cpu-quota.test.ts.
 */
export const CPU_HEADROOM = 0.25;

/** The smallest target deadline of a config (the schema's default when it has no targets). */
export function smallestDeadlineMs(config: SizingConfig): number {
  if (config.targets.length === 0) return DEFAULT_TARGET_TIMEOUT_MS;
  return config.targets.reduce((min, t) => Math.min(min, t.timeoutMs), Number.POSITIVE_INFINITY);
}

/**
 * The most targets one invocation may probe: their CPU demand fits in CPU_HEADROOM of the smallest deadline
 * on one whole vCPU (a Node event loop, TLS included, runs on one thread, so more vCPUs would not help),
 * at most MAX_CONCURRENCY (every probe of a shard in flight at once), at least one.
 */
export function maxTargetsPerShard(config: SizingConfig): number {
  const fit = Math.floor((CPU_HEADROOM * smallestDeadlineMs(config)) / HTTPS_PROBE_CPU_MS);
  return Math.max(1, Math.min(MAX_CONCURRENCY, fit));
}

/**
 * Targets per invocation: the targets split into as few shards as `maxTargetsPerShard` allows, evenly (so
 * 600 targets of at most 500 a shard are two shards of 300, not 500 + 100). stacks/probes.ts fans out one
 * invocation per shard of this size.
 */
export function targetsPerShard(config: SizingConfig): number {
  const n = config.targets.length;
  if (n === 0) return 0;
  const shards = Math.ceil(n / maxTargetsPerShard(config));
  return Math.ceil(n / shards);
}

/** The config's targets split into shards of `targetsPerShard` (in config order). */
export function probeShards<T>(config: SizingConfig, items: readonly T[]): T[][] {
  const size = Math.max(1, targetsPerShard(config));
  const shards: T[][] = [];
  for (let i = 0; i < items.length; i += size) shards.push(items.slice(i, i + size));
  return shards;
}

/**
 * The smallest vCPU share a probe function gets, whatever its shard: half a vCPU (885 MB). Below it a CPU
 * quota (Lambda enforces memory / 1769 MB of a vCPU per scheduling period) stops the whole process for most
 * of each period as soon as a few handshakes (a cold process's first probes cost 4-7 ms each) have used its
 * share, and that pause is reported as the target's latency. Measured (`npm run bench --only sizing`, healthy
 * HTTPS targets answering at once, paced at half the share): 42 targets at 0.25 vCPU and 125 at 0.22 vCPU
 * measured a p99 161-162 ms above the same endpoint probed alone; 83 at 0.5 vCPU 62 ms, 250 at 0.3 vCPU 76 ms,
 * full shards at 0.6 and 1 vCPU within 16 ms. It costs about $1 a month per function more than 256 MB
 * (docs/DEPLOY.md "Costs"), and it is what makes a latency SLA figure the target's.
 */
export const MIN_PROBE_VCPU = 0.5;

/**
 * Probe memory, the largest of
 * - the CPU rule (DESIGN §9 "Sizing is measured"): the vCPU share a shard needs so that its CPU demand is at
 *   most CPU_HEADROOM of its smallest deadline, i.e. memory = ceil(targets × HTTPS_PROBE_CPU_MS /
 *   (CPU_HEADROOM × smallest deadline) × 1769 MB);
 * - the latency floor, `MIN_PROBE_VCPU` of a vCPU (885 MB);
 * - room for sockets, TLS buffers and bodies: 256 MB for a hundred targets in flight, 128 MB per further
 *   hundred;
 * capped at 1769 MB (one vCPU; `maxTargetsPerShard` keeps the CPU rule under it).
 */
export function probeMemoryMb(config: SizingConfig): number {
  const perInvocation = targetsPerShard(config);
  const demandMs = perInvocation * HTTPS_PROBE_CPU_MS;
  const cpuMb = Math.ceil((demandMs / (CPU_HEADROOM * smallestDeadlineMs(config))) * ONE_VCPU_MB);
  const floorMb = Math.ceil(MIN_PROBE_VCPU * ONE_VCPU_MB);
  const socketsMb = 256 + Math.floor(Math.max(0, perInvocation - 1) / 100) * 128;
  return Math.min(ONE_VCPU_MB, Math.max(cpuMb, floorMb, socketsMb));
}

/** Report memory: 512 MB plus 256 MB per 25 SLOs beyond the first 25 (HTML with SVG charts), capped at 3008. */
export function reportMemoryMb(config: SizingConfig): number {
  const extra = Math.floor(Math.max(0, config.slos.length - 1) / 25) * 256;
  return Math.min(3008, 512 + extra);
}

/** Duration alarm threshold in milliseconds for a function timeout in seconds. */
export function durationAlarmThresholdMs(timeoutSeconds: number): number {
  return Math.round(timeoutSeconds * 1000 * DURATION_ALARM_RATIO);
}

export interface ApsWorkspace {
  region: string;
  workspaceId: string;
}

/**
 * The Amazon Managed Service for Prometheus workspace addressed by a Prometheus URL such as
 * `https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1234.../`, or undefined for other servers.
 */
export function apsWorkspaceFromUrl(url: string): ApsWorkspace | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = /^aps-workspaces\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/.exec(parsed.hostname);
  const path = /^\/workspaces\/(ws-[A-Za-z0-9-]+)(?:\/|$)/.exec(parsed.pathname);
  if (!host?.[1] || !path?.[1]) return undefined;
  return { region: host[1], workspaceId: path[1] };
}

/** SSM parameter names referenced as `{ ssm: "/name" }` anywhere inside a config subtree. */
export function ssmParameterNames(value: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
      return;
    }
    if (typeof v !== "object" || v === null) return;
    const rec = v as Record<string, unknown>;
    const keys = Object.keys(rec);
    if (keys.length === 1 && keys[0] === "ssm" && typeof rec.ssm === "string") {
      found.add(rec.ssm);
      return;
    }
    for (const key of keys) walk(rec[key]);
  };
  walk(value);
  return [...found].sort();
}

/** The ARN of an SSM parameter by name ("/a/b" or "a"). */
export function ssmParameterArn(partition: string, region: string, account: string, name: string): string {
  const path = name.startsWith("/") ? name : `/${name}`;
  return `arn:${partition}:ssm:${region}:${account}:parameter${path}`;
}
