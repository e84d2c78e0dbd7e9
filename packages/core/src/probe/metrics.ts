/**
 * Probe results as blackbox_exporter-compatible series for remote write (pure).
 * Names: probe_success, probe_duration_seconds, probe_http_status_code,
 * probe_http_duration_seconds{phase="resolve|connect|tls|processing|transfer"} (all five always, 0 for a
 * phase not reached, as blackbox_exporter writes them; the last hop's phases after redirects, where
 * blackbox_exporter sums each phase over the hops), probe_http_redirects (redirects followed),
 * probe_failed_due_to_regex (1 when `bodyMatches` failed, i.e. cause "body", else 0),
 * probe_dns_lookup_time_seconds, probe_ip_protocol (4/6, 0 unresolved) and probe_ip_addr_hash (FNV-1a of
 * the address bytes) for the target's own address (first hop), probe_http_version (1.1, 0 without a
 * response), probe_http_content_length (Go's ContentLength: -1 unknown, 0 without a response),
 * probe_http_uncompressed_body_length (body bytes read; never decompressed, as no Accept-Encoding is sent),
 * probe_http_ssl (1 when the final response came over TLS), and for a completed TLS handshake of the last
 * hop: probe_ssl_earliest_cert_expiry (unix seconds, earliest over the presented chain),
 * probe_ssl_last_chain_expiry_timestamp_seconds (the verified chain's earliest expiry, Go's zero time
 * -62135596800 for a chain that was not verified, exactly as blackbox_exporter 0.23 writes it) and
 * probe_tls_version_info{version="TLS 1.3"} 1. The parity with blackbox_exporter 0.23 is checked against the
 * real exporter by test/probe/blackbox-parity.test.ts. Plus sla_probe_latency_level (0 ok, 1 warn, 2 crit)
 * and sla_probe_failure{cause} (1 on the failing cause) which blackbox_exporter has no equivalent for.
 * An inconclusive probe (the monitor's own overload, `overload.ts`) writes only `sla_probe_inconclusive`.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { RemoteSeries } from "../prometheus/remote-write.js";
import type { ProbeResult } from "./types.js";

export const PROBE_JOB = "sla-monitor";

/**
 * Written (value 1, at the run's timestamp) for each inconclusive probe in place of every other series: a
 * gauge per run, not a `_total` counter, because nothing survives between Lambda invocations to count on
 * from (a counter restarting at 1 every run reads as no increase at all). Count with
 * `count_over_time(sla_probe_inconclusive[1h])`; absent means "not inconclusive" (or no run).
 */
export const INCONCLUSIVE_SERIES = "sla_probe_inconclusive";

/** Go's zero `time.Time` in unix seconds: blackbox_exporter 0.23's last-chain expiry when no chain was verified. */
export const GO_ZERO_TIME_SECONDS = -62_135_596_800;

/** blackbox_exporter's `probe_tls_version_info{version}` label for Node's `getProtocol()` ("TLSv1.3" → "TLS 1.3"). */
export function tlsVersionLabel(protocol: string | undefined): string {
  const m = /^TLSv1(?:\.([0-3]))?$/.exec(protocol ?? "");
  return m ? `TLS 1.${m[1] ?? "0"}` : "unknown";
}

/** The bytes Go hashes for an address: 4 for IPv4 (and IPv4-mapped IPv6, like Go's `To4`), 16 for IPv6. */
function ipBytes(ip: string): number[] | undefined {
  const addr = ip.replace(/%.*$/s, ""); // zone id
  const quad = (s: string) => s.split(".").map(Number);
  if (isIPv4(addr)) return quad(addr);
  if (!isIPv6(addr)) return undefined;
  // an embedded dotted quad becomes two hex groups, then "::" expands to the missing zero groups
  const hex = addr.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((n) => n.toString(16)).join(":"),
  );
  const [head = "", tail] = hex.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

/** blackbox_exporter's probe_ip_addr_hash: 32-bit FNV-1a over the address bytes (0 for no address). */
export function ipAddrHash(ip: string): number {
  const bytes = ipBytes(ip);
  if (!bytes) return 0;
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

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
    if (r.inconclusive) {
      // the monitor's own stall, not the target's answer (overload.ts): no probe_success, so reports count
      // the minute as missing data, and no per-probe figures; one sample saying so instead
      one(INCONCLUSIVE_SERIES, 1);
      continue;
    }
    one("probe_success", r.success ? 1 : 0);
    one("probe_duration_seconds", r.durationMs / 1000);
    one("probe_http_status_code", r.status ?? 0);
    one("probe_http_redirects", r.redirects);
    one("probe_failed_due_to_regex", r.cause === "body" ? 1 : 0);
    for (const [key, phase] of PHASES) {
      one("probe_http_duration_seconds", (r.phases[key] ?? 0) / 1000, { phase }); // 0 when not reached
    }
    one("probe_dns_lookup_time_seconds", (r.address?.lookupMs ?? 0) / 1000);
    one("probe_ip_protocol", r.address?.family ?? 0);
    one("probe_ip_addr_hash", r.address ? ipAddrHash(r.address.ip) : 0);
    one("probe_http_version", r.httpVersion ?? 0);
    one("probe_http_content_length", r.contentLength ?? 0);
    one("probe_http_uncompressed_body_length", r.bodyBytes);
    one("probe_http_ssl", r.status !== null && r.tls ? 1 : 0);
    if (r.tls) {
      const earliest = Date.parse(r.tls.earliestExpiry) / 1000;
      one("probe_ssl_earliest_cert_expiry", earliest);
      one("probe_ssl_last_chain_expiry_timestamp_seconds", r.tls.trusted ? earliest : GO_ZERO_TIME_SECONDS);
      one("probe_tls_version_info", 1, { version: tlsVersionLabel(r.tls.protocol) });
    }
    one("sla_probe_latency_level", r.degraded === "ok" ? 0 : r.degraded === "warn" ? 1 : 2);
    if (r.cause) one("sla_probe_failure", 1, { cause: r.cause });
  }
  return out;
}
