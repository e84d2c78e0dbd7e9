/** Keeps secrets out of probe results: header values, request body, URL userinfo never leave the engine. */
import { redactText, redactUrl } from "../config/redact.js";
import type { ProbeResult, ProbeSpec } from "./types.js";

/** Every value of the spec that may be a secret: header values, the request body, URL userinfo. */
export function specSecrets(spec: Pick<ProbeSpec, "headers" | "body" | "url">): string[] {
  const secrets = Object.values(spec.headers);
  if (spec.body) secrets.push(spec.body);
  try {
    const u = new URL(spec.url);
    if (u.username) secrets.push(u.username, decodeURIComponent(u.username));
    if (u.password) secrets.push(u.password, decodeURIComponent(u.password));
  } catch {
    // not a URL: redactUrl below still strips anything userinfo-shaped
  }
  return secrets.filter((s) => s.length > 0);
}

/**
 * Strips URL userinfo (and masks token-like query parameters) and replaces every known secret in
 * `causeDetail`. Returns a new object. URLs quoted inside `causeDetail` are redacted where they are written.
 */
export function redactResult(result: ProbeResult, secrets: readonly string[]): ProbeResult {
  const out: ProbeResult = { ...result, url: redactUrl(result.url) };
  if (result.causeDetail !== undefined) out.causeDetail = redactText(result.causeDetail, secrets);
  return out;
}
