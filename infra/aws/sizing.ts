/**
 * Pure sizing and naming rules for the AWS deployment, derived from the product config at synth time.
 * No CDK and no I/O here, so the rules are unit-testable and shared by the stacks and the tests.
 */
import { MAX_CONCURRENCY } from "../../packages/core/src/probe/cycle.js";

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

/** Probe Lambda timeout: largest target deadline + 20 s margin, whole seconds, capped at 15 minutes. */
export function probeTimeoutSeconds(config: SizingConfig): number {
  const largest = config.targets.reduce(
    (max, t) => Math.max(max, t.timeoutMs),
    config.targets.length === 0 ? DEFAULT_TARGET_TIMEOUT_MS : 0,
  );
  return Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, Math.ceil((largest + PROBE_TIMEOUT_MARGIN_MS) / 1000));
}

/**
 * Probe memory: probing is network-bound, so 256 MB serves about a hundred concurrent targets; add 128 MB
 * per further hundred (sockets, TLS buffers, bodies up to maxBodyBytes), capped at 1769 MB (one vCPU).
 */
export function probeMemoryMb(config: SizingConfig): number {
  // one invocation probes one shard: at most MAX_CONCURRENCY targets (stacks/probes.ts fans out past that)
  const perInvocation = Math.min(config.targets.length, MAX_CONCURRENCY);
  const extra = Math.floor(Math.max(0, perInvocation - 1) / 100) * 128;
  return Math.min(1769, 256 + extra);
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
