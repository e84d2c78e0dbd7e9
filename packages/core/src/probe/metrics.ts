/**
 * Probe results as blackbox_exporter-compatible series for remote write (pure).
 * Names: probe_success, probe_duration_seconds, probe_http_status_code,
 * probe_http_duration_seconds{phase="resolve|connect|tls|processing|transfer"} (the last hop's phases after
 * redirects; blackbox_exporter sums each phase over the hops), probe_http_redirects (redirects followed),
 * probe_failed_due_to_regex (1 when `bodyMatches` failed, i.e. cause "body", else 0),
 * probe_ssl_earliest_cert_expiry (unix seconds, the last hop's chain), plus sla_probe_latency_level
 * (0 ok, 1 warn, 2 crit) and sla_probe_failure{cause} (1 on the failing cause) which blackbox_exporter has
 * no equivalent for.
 */
import type { RemoteSeries } from "../prometheus/remote-write.js";
import type { ProbeResult } from "./types.js";

export const PROBE_JOB = "sla-monitor";

const PHASES: [keyof ProbeResult["phases"], string][] = [
  ["dnsMs", "resolve"],
  ["connectMs", "connect"],
  ["tlsMs", "tls"],
  ["firstByteMs", "processing"],
  ["transferMs", "transfer"],
];

export function probeSeries(
  results: ProbeResult[],
  labelsOf: (target: string) => Record<string, string>,
  timestampMs: number,
): RemoteSeries[] {
  const out: RemoteSeries[] = [];
  for (const r of results) {
    const base = { ...labelsOf(r.target), job: PROBE_JOB, instance: r.url, target: r.target };
    const one = (name: string, value: number, extra: Record<string, string> = {}) =>
      out.push({ labels: { __name__: name, ...base, ...extra }, samples: [{ value, timestampMs }] });
    one("probe_success", r.success ? 1 : 0);
    one("probe_duration_seconds", r.durationMs / 1000);
    one("probe_http_status_code", r.status ?? 0);
    one("probe_http_redirects", r.redirects);
    one("probe_failed_due_to_regex", r.cause === "body" ? 1 : 0);
    for (const [key, phase] of PHASES) {
      const v = r.phases[key];
      if (v !== undefined) one("probe_http_duration_seconds", v / 1000, { phase });
    }
    if (r.tls) one("probe_ssl_earliest_cert_expiry", Date.parse(r.tls.earliestExpiry) / 1000);
    one("sla_probe_latency_level", r.degraded === "ok" ? 0 : r.degraded === "warn" ? 1 : 2);
    if (r.cause) one("sla_probe_failure", 1, { cause: r.cause });
  }
  return out;
}
