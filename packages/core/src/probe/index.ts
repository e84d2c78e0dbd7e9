/**
 * Probe engine (undici 7). Semantics, in short:
 * - `timeoutMs` is a TOTAL deadline (DNS + connect + TLS + headers + body) enforced by the engine's own timer,
 *   which settles the probe with `timeout:<phase>` and destroys its sockets (within a few ms of the deadline).
 * - No retries. Redirects (301/302/303/307/308) are followed by default, inside the one deadline, each hop on
 *   a new connection: a loop, more than `expect.maxRedirects` (10) or https→http (unless
 *   `allowInsecureRedirects`) fails with cause "redirect"; 301/302/303 turn POST into GET; credentials
 *   (Authorization, Cookie, secret headers) never go to another origin. `expect.status` judges the final
 *   answer; phases and TLS facts are the last hop's. With `followRedirects: false` a 3xx is judged by
 *   `expect.status` (cause "redirect" when not accepted).
 * - `bodyMatches` is RE2 (re2js): linear in the body, it cannot stall the event loop.
 * - HEAD reads no body. A body longer than `maxBodyBytes` stops the read and fails with "too-large".
 * - A slow but correct answer stays `success: true`; `degraded` grades latency ("warn"/"crit").
 * - Untrusted/expired certificates fail with cause "tls" unless `tls.insecureSkipVerify`; expiry is reported
 *   either way, and `tlsExpiring` flags an earliest expiry closer than `tls.minDaysToExpiry` (still a success).
 * - Runs pace their starts and watch the monitor's own event loop: a failure the monitor's stall explains
 *   (more than a quarter of the deadline) is `inconclusive` / "monitor-overload", never the target's.
 * - Results carry no secrets: header values and body are redacted from details, URL userinfo is stripped.
 */
export { classifyError, describeRanges, latencyLevel, statusAccepted } from "./assertions.js";
export { ONE_VCPU_MB, processCpuShare } from "./cpu-share.js";
export {
  describeOverload,
  judgeOverload,
  OVERLOAD_METRIC,
  OVERLOAD_SHARE,
  type OverloadSummary,
  stallCanExplain,
  summarizeOverload,
} from "./overload.js";
export { probeTarget, USER_AGENT } from "./probe.js";
export { redactResult, specSecrets } from "./redact.js";
export {
  HTTPS_PROBE_CPU_MS,
  PACE_MAX_STALL_SHARE,
  PACE_UTILIZATION,
  PACE_WINDOW_MS,
  runProbes,
  STARTS_PER_TICK,
  startsPerMs,
} from "./run.js";
export { tlsInfoFromChain, walkChain } from "./tls-info.js";
export type * from "./types.js";
export { STALL_FLOOR_MS, StallLog, WATCH_TICK_MS, watchEventLoop } from "./watch.js";
