/**
 * Probe engine (undici 7). Semantics, in short:
 * - `timeoutMs` is a TOTAL deadline (DNS + connect + TLS + headers + body) enforced by the engine's own timer,
 *   which settles the probe with `timeout:<phase>` and destroys its sockets (within a few ms of the deadline).
 * - No retries; no redirects followed: a 3xx is judged by `expect.status` (cause "redirect" when not
 *   accepted), so a redirect loop ends after one response.
 * - HEAD reads no body. A body longer than `maxBodyBytes` stops the read and fails with "too-large".
 * - A slow but correct answer stays `success: true`; `degraded` grades latency ("warn"/"crit").
 * - Untrusted/expired certificates fail with cause "tls" unless `tls.insecureSkipVerify`; expiry is reported
 *   either way, and `tlsExpiring` flags an earliest expiry closer than `tls.minDaysToExpiry` (still a success).
 * - Results carry no secrets: header values and body are redacted from details, URL userinfo is stripped.
 */
export { classifyError, describeRanges, latencyLevel, statusAccepted } from "./assertions.js";
export { probeTarget, USER_AGENT } from "./probe.js";
export { redactResult, specSecrets } from "./redact.js";
export { runProbes } from "./run.js";
export { tlsInfoFromChain, walkChain } from "./tls-info.js";
export type * from "./types.js";
