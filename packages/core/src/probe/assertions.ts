/** Pure judgement helpers: status ranges, latency levels, error → failure cause. No I/O. */
import type { FailureCause, LatencyLevel, StatusRange } from "./types.js";

const DEFAULT_STATUS: StatusRange[] = [{ min: 200, max: 299 }];

export function statusAccepted(status: number, ranges: readonly StatusRange[]): boolean {
  const list = ranges.length > 0 ? ranges : DEFAULT_STATUS;
  return list.some((r) => status >= r.min && status <= r.max);
}

export function describeRanges(ranges: readonly StatusRange[]): string {
  const list = ranges.length > 0 ? ranges : DEFAULT_STATUS;
  return list.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(", ");
}

export function latencyLevel(durationMs: number, latency?: { warnMs: number; critMs: number }): LatencyLevel {
  if (!latency) return "ok";
  if (durationMs >= latency.critMs) return "crit";
  if (durationMs >= latency.warnMs) return "warn";
  return "ok";
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
]);

/** The error's code, looking into `AggregateError`s (Node's happy-eyeballs connect) and `cause`. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === "string") return e.code;
  if (Array.isArray(e.errors) && e.errors.length > 0) return errorCode(e.errors[0]);
  if (e.cause) return errorCode(e.cause);
  return undefined;
}

/** Maps a network/TLS error to a failure cause (errno first, then TLS-looking codes, else "network"). */
export function classifyError(err: unknown): FailureCause {
  const code = errorCode(err) ?? "";
  if (DNS_CODES.has(code)) return "dns";
  if (code === "ECONNREFUSED") return "refused";
  if (RESET_CODES.has(code)) return "reset";
  if (
    TLS_CODES.has(code) ||
    code.startsWith("ERR_TLS_") ||
    code.startsWith("ERR_SSL_") ||
    code.startsWith("CERT_")
  )
    return "tls";
  return "network";
}

/** `CODE: message` (or just the message), for `causeDetail`. Callers redact it before it leaves the engine. */
export function describeError(err: unknown): string {
  const code = errorCode(err);
  let message = err instanceof Error ? err.message : String(err);
  if (!message && err instanceof AggregateError)
    message = err.errors.map((e) => String(e?.message ?? e)).join("; ");
  if (code && !message.includes(code)) return `${code}: ${message}`;
  return message || code || "unknown error";
}
