import { describe, expect, it } from "vitest";
import { GO_ZERO_TIME_SECONDS, ipAddrHash, probeSeries, tlsVersionLabel } from "./metrics.js";
import { probeResult } from "./test-helpers.js";

const value = (series: ReturnType<typeof probeSeries>, name: string) =>
  series.find((s) => s.labels.__name__ === name)?.samples[0]?.value;

describe("probe series (blackbox_exporter names)", () => {
  it("writes probe_http_redirects and probe_failed_due_to_regex", () => {
    const ok = probeSeries([probeResult({ redirects: 3 })], () => ({}), 0);
    expect(value(ok, "probe_http_redirects")).toBe(3);
    expect(value(ok, "probe_failed_due_to_regex")).toBe(0);
    const regex = probeSeries([probeResult({ success: false, cause: "body" })], () => ({}), 0);
    expect(value(regex, "probe_failed_due_to_regex")).toBe(1);
    const status = probeSeries(
      [probeResult({ success: false, cause: "status", status: 500 })],
      () => ({}),
      0,
    );
    expect(value(status, "probe_failed_due_to_regex")).toBe(0);
  });

  it("writes all five phases, 0 for a phase not reached (as blackbox_exporter does)", () => {
    const refused = probeSeries(
      [
        probeResult({
          success: false,
          cause: "refused",
          status: null,
          phases: { connectMs: 1.5 },
          bodyBytes: 0,
        }),
      ],
      () => ({}),
      0,
    );
    const phases = refused
      .filter((s) => s.labels.__name__ === "probe_http_duration_seconds")
      .map((s) => [s.labels.phase, s.samples[0]?.value]);
    expect(phases).toEqual([
      ["resolve", 0],
      ["connect", 0.0015],
      ["tls", 0],
      ["processing", 0],
      ["transfer", 0],
    ]);
    // no response: version, lengths and ssl are 0, no TLS series, address unknown
    for (const name of [
      "probe_http_version",
      "probe_http_content_length",
      "probe_http_uncompressed_body_length",
      "probe_http_ssl",
      "probe_ip_protocol",
      "probe_ip_addr_hash",
      "probe_dns_lookup_time_seconds",
    ]) {
      expect(value(refused, name), name).toBe(0);
    }
    expect(value(refused, "probe_tls_version_info")).toBeUndefined();
  });

  it("writes the response facts and the target address", () => {
    const s = probeSeries(
      [
        probeResult({
          httpVersion: 1.1,
          contentLength: -1,
          bodyBytes: 7,
          address: { ip: "127.0.0.1", family: 4, lookupMs: 2 },
        }),
      ],
      () => ({}),
      0,
    );
    expect(value(s, "probe_http_version")).toBe(1.1);
    expect(value(s, "probe_http_content_length")).toBe(-1);
    expect(value(s, "probe_http_uncompressed_body_length")).toBe(7);
    expect(value(s, "probe_ip_protocol")).toBe(4);
    expect(value(s, "probe_ip_addr_hash")).toBe(3668918509); // what blackbox_exporter 0.23 writes for 127.0.0.1
    expect(value(s, "probe_dns_lookup_time_seconds")).toBe(0.002);
    expect(value(s, "probe_http_ssl")).toBe(0);
  });

  it("TLS series: version label, and the last-chain expiry only for a verified chain", () => {
    const tls = {
      leafExpiry: "2027-01-01T00:00:00.000Z",
      earliestExpiry: "2026-12-01T00:00:00.000Z",
      daysToEarliestExpiry: 60,
      protocol: "TLSv1.2",
    };
    const expiry = Date.parse(tls.earliestExpiry) / 1000;
    const trusted = probeSeries([probeResult({ tls: { ...tls, trusted: true } })], () => ({}), 0);
    expect(value(trusted, "probe_http_ssl")).toBe(1);
    expect(value(trusted, "probe_ssl_earliest_cert_expiry")).toBe(expiry);
    expect(value(trusted, "probe_ssl_last_chain_expiry_timestamp_seconds")).toBe(expiry);
    const version = trusted.find((x) => x.labels.__name__ === "probe_tls_version_info");
    expect(version?.labels.version).toBe("TLS 1.2");
    expect(version?.samples[0]?.value).toBe(1);
    const skipped = probeSeries([probeResult({ tls: { ...tls, trusted: false } })], () => ({}), 0);
    expect(value(skipped, "probe_ssl_last_chain_expiry_timestamp_seconds")).toBe(GO_ZERO_TIME_SECONDS);
    // a handshake without a response (certificate rejected): TLS facts, but the final response was not over TLS
    const rejected = probeSeries(
      [probeResult({ success: false, cause: "tls", status: null, tls: { ...tls, trusted: false } })],
      () => ({}),
      0,
    );
    expect(value(rejected, "probe_http_ssl")).toBe(0);
    expect(value(rejected, "probe_ssl_earliest_cert_expiry")).toBe(expiry);
  });

  it("maps TLS versions and hashes addresses as blackbox_exporter does", () => {
    expect(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "SSLv3", undefined].map(tlsVersionLabel)).toEqual([
      "TLS 1.0",
      "TLS 1.1",
      "TLS 1.2",
      "TLS 1.3",
      "unknown",
      "unknown",
    ]);
    // FNV-1a 32 over Go's net.IP bytes (computed independently with Python's ipaddress.packed)
    expect(ipAddrHash("::1")).toBe(1751717746);
    expect(ipAddrHash("2001:db8::ff00:42:8329")).toBe(1432727906);
    expect(ipAddrHash("fe80::1%eth0")).toBe(3766760168);
    expect(ipAddrHash("::ffff:127.0.0.1")).toBe(ipAddrHash("127.0.0.1")); // Go's To4
    expect(ipAddrHash("not an address")).toBe(0);
  });
});
