/**
 * Blackbox parity (issue 11 point 6): the real blackbox_exporter (Debian `prometheus-blackbox-exporter` 0.23,
 * installed when missing and started on 127.0.0.1 by the bench helper `bench/blackbox.ts`) and the engine
 * probe the same loopback HTTP and HTTPS targets. For each target, what the engine writes (`probeSeries`)
 * must hold every blackbox series the product claims (`CLAIMED`), with the same label sets, the same values
 * for the deterministic ones (`DETERMINISTIC`: status, lengths, versions, TLS, address, expiry timestamps to
 * the second) and present, non-negative durations. Every blackbox series is either claimed or listed in
 * `NOT_WRITTEN` with the reason, so a series blackbox starts writing fails this test until it is decided on.
 * When the exporter cannot be installed the test fails (it never skips).
 */
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBlackbox, type RunningBlackbox, startBlackbox } from "../../bench/blackbox.js";
import { type ProbeSpec, probeTarget } from "../../packages/core/src/probe/index.js";
import { probeSeries } from "../../packages/core/src/probe/metrics.js";
import { type DnsServer, startDnsServer } from "../helpers/dns-server.js";
import {
  CertFactory,
  type HostileServer,
  type RunningServer,
  refusedPort,
  startHostileHttp,
  startHostileHttps,
  startRawHttp,
} from "../helpers/hostile-servers.js";
import { spec } from "./spec.js";

/** blackbox_exporter series the engine writes under the same name, with the same labels and meaning. */
const CLAIMED = [
  "probe_success",
  "probe_duration_seconds",
  "probe_dns_lookup_time_seconds",
  "probe_http_duration_seconds",
  "probe_http_status_code",
  "probe_http_redirects",
  "probe_http_content_length",
  "probe_http_uncompressed_body_length",
  "probe_http_version",
  "probe_http_ssl",
  "probe_failed_due_to_regex",
  "probe_ip_protocol",
  "probe_ip_addr_hash",
  "probe_ssl_earliest_cert_expiry",
  "probe_ssl_last_chain_expiry_timestamp_seconds",
  "probe_tls_version_info",
];

/** Timings: compared for presence and sign only. */
const DURATIONS = ["probe_duration_seconds", "probe_dns_lookup_time_seconds", "probe_http_duration_seconds"];
/** Claimed series whose values must be equal for the same target. */
const DETERMINISTIC = CLAIMED.filter((n) => !DURATIONS.includes(n));

/** blackbox_exporter series the engine does not write, and why. */
const NOT_WRITTEN: Record<string, string> = {
  probe_ssl_last_chain_info:
    "labels are Go's own renderings (pkix.Name.String() of subject and issuer, the SAN list, the sha256 " +
    "fingerprint), not reproducible exactly from Node's certificate objects, and one series per certificate",
  probe_http_last_modified_timestamp_seconds:
    "written by blackbox only when the response has a Last-Modified header; the engine does not capture it",
};

const BASE_LABELS = new Set(["job", "instance", "target"]);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format as blackbox's /probe answers it (no timestamps, one sample a line). */
function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`cannot parse exposition line ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === "n" ? "\n" : c));
    }
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const labelKey = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

/** name → (label set → value) */
type Series = Map<string, Map<string, number>>;

function byName(samples: Sample[]): Series {
  const out: Series = new Map();
  for (const s of samples) {
    const m = out.get(s.name) ?? new Map<string, number>();
    m.set(labelKey(s.labels), s.value);
    out.set(s.name, m);
  }
  return out;
}

let bb: RunningBlackbox | undefined;
const certs = new CertFactory();
const servers: RunningServer[] = [];
let http: HostileServer;
let https: HostileServer;
let chain: HostileServer;
let http10: RunningServer;
let refused: number;
let dns: DnsServer;
/** notAfter in unix seconds: of the self-signed certificate, and of the CA of the chain (which expires first) */
let selfSignedExpiry: number;
let chainCaExpiry: number;

const notAfter = (pem: string) => Date.parse(new X509Certificate(pem).validTo) / 1000;

const MODULE_DEFAULTS = [
  "    prober: http",
  "    timeout: 5s",
  "    http:",
  "      preferred_ip_protocol: ip4",
  "      ip_protocol_fallback: false",
];
const MODULES = [
  "  http_2xx_insecure:",
  ...MODULE_DEFAULTS,
  "      tls_config:",
  "        insecure_skip_verify: true",
  "  http_2xx_regex:",
  ...MODULE_DEFAULTS,
  '      fail_if_body_not_matches_regexp: ["nomatch"]',
  "  http_head:",
  ...MODULE_DEFAULTS,
  "      method: HEAD",
];

beforeAll(async () => {
  http = await startHostileHttp();
  servers.push(http);
  const selfSigned = certs.selfSigned(30);
  selfSignedExpiry = notAfter(selfSigned.cert);
  https = await startHostileHttps(selfSigned);
  servers.push(https);
  const leafAndCa = certs.chain(30, 5); // the CA expires first
  chainCaExpiry = notAfter(
    leafAndCa.cert.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)![1]!,
  );
  chain = await startHostileHttps(leafAndCa);
  servers.push(chain);
  // HTTP/1.0 with a declared length (Node's own server answers 1.1 and chunked)
  http10 = await startRawHttp(
    "HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\r\nhello 1.0",
  );
  servers.push(http10);
  refused = await refusedPort();
  dns = await startDnsServer({ records: { "app.test": ["127.0.0.1"] } });
  const binary = await ensureBlackbox();
  // Fails (never skips) where the reference cannot be installed: the parity claim would be untested.
  if ("skipped" in binary) throw new Error(`blackbox parity needs the real exporter: ${binary.skipped}`);
  bb = await startBlackbox(binary.path, { modules: MODULES });
  console.log(`[parity] ${bb.version} on ${bb.url} (pid ${bb.pid})`);
});

afterAll(async () => {
  await bb?.stop();
  await Promise.all(servers.map((s) => s.close()));
  await dns?.close();
  certs.cleanup();
});

interface Case {
  name: string;
  url: () => string;
  /** blackbox module; the engine spec below asks for the same */
  module: "http_2xx" | "http_2xx_insecure" | "http_2xx_regex" | "http_head";
  engine?: Partial<ProbeSpec>;
  /** Values both sides must show (anchors, so that equal-but-wrong values cannot pass). */
  anchors: () => Record<string, number>;
  /** The `version` label of probe_tls_version_info both sides must show. */
  tlsVersion?: string;
  /** Deterministic series whose values differ on purpose: the engine's and blackbox's, and why. */
  differs?: Record<string, { engine: number; blackbox: number; why: string }>;
  /** probe_* series the engine writes and blackbox does not, for this target, and why. */
  engineOnly?: { names: string[]; why: string };
}

const insecure: Partial<ProbeSpec> = { tls: { insecureSkipVerify: true } };
const regex = (): Partial<ProbeSpec> => ({
  expect: { status: [{ min: 200, max: 299 }], maxBodyBytes: 1024 * 1024, bodyMatches: "nomatch" },
});

const cases: Case[] = [
  {
    name: "HTTP 200, chunked",
    url: () => `${http.url}/ok`,
    module: "http_2xx",
    anchors: () => ({
      probe_success: 1,
      probe_http_status_code: 200,
      probe_http_content_length: -1,
      probe_http_uncompressed_body_length: 2,
      probe_http_version: 1.1,
      probe_http_ssl: 0,
      probe_ip_protocol: 4,
      probe_ip_addr_hash: 3668918509,
    }),
  },
  {
    name: "HTTP/1.0 with content-length",
    url: () => `${http10.url}/`,
    module: "http_2xx",
    anchors: () => ({ probe_success: 1, probe_http_version: 1, probe_http_content_length: 9 }),
  },
  {
    name: "HEAD",
    url: () => `${http.url}/ok`,
    module: "http_head",
    engine: { method: "HEAD" },
    anchors: () => ({
      probe_success: 1,
      probe_http_content_length: -1,
      probe_http_uncompressed_body_length: 0,
    }),
  },
  {
    name: "204 No Content",
    url: () => `${http.url}/status/204`,
    module: "http_2xx",
    anchors: () => ({ probe_success: 1, probe_http_status_code: 204, probe_http_content_length: 0 }),
  },
  {
    name: "two redirects",
    url: () => `${http.url}/chain/2`,
    module: "http_2xx",
    anchors: () => ({ probe_success: 1, probe_http_redirects: 2, probe_http_uncompressed_body_length: 12 }),
  },
  {
    name: "body regex fails",
    url: () => `${http.url}/text?body=hello`,
    module: "http_2xx_regex",
    engine: regex(),
    anchors: () => ({
      probe_success: 0,
      probe_failed_due_to_regex: 1,
      probe_http_uncompressed_body_length: 5,
    }),
  },
  {
    name: "status 500",
    url: () => `${http.url}/status/500`,
    module: "http_2xx",
    anchors: () => ({ probe_success: 0, probe_http_status_code: 500, probe_http_version: 1.1 }),
    differs: {
      probe_http_uncompressed_body_length: {
        engine: 0,
        blackbox: 11,
        why: "the engine does not read the body of a rejected status (it cannot change the outcome)",
      },
    },
  },
  {
    name: "connection refused",
    url: () => `http://127.0.0.1:${refused}/`,
    module: "http_2xx",
    anchors: () => ({
      probe_success: 0,
      probe_http_status_code: 0,
      probe_http_version: 0,
      probe_ip_protocol: 4,
    }),
  },
  {
    name: "HTTPS self-signed, verification skipped",
    url: () => `${https.url}/ok`,
    module: "http_2xx_insecure",
    engine: insecure,
    anchors: () => ({
      probe_success: 1,
      probe_http_ssl: 1,
      probe_http_content_length: -1,
      probe_http_uncompressed_body_length: 2,
      // Go's zero time: blackbox 0.23 writes it when no chain was verified
      probe_ssl_last_chain_expiry_timestamp_seconds: -62135596800,
      probe_ssl_earliest_cert_expiry: selfSignedExpiry,
    }),
    tlsVersion: "TLS 1.3",
  },
  {
    name: "HTTPS chain whose CA expires first, verification skipped",
    url: () => `${chain.url}/ok`,
    module: "http_2xx_insecure",
    engine: insecure,
    anchors: () => ({ probe_success: 1, probe_http_ssl: 1, probe_ssl_earliest_cert_expiry: chainCaExpiry }),
    tlsVersion: "TLS 1.3",
  },
  {
    name: "HTTP redirected to HTTPS",
    url: () => `${http.url}/to?location=${encodeURIComponent(`${https.url}/ok`)}`,
    module: "http_2xx_insecure",
    engine: insecure,
    anchors: () => ({
      probe_success: 1,
      probe_http_redirects: 1,
      probe_http_ssl: 1,
      probe_ssl_earliest_cert_expiry: selfSignedExpiry,
    }),
    tlsVersion: "TLS 1.3",
  },
  {
    name: "HTTPS self-signed, verified (rejected)",
    url: () => `${https.url}/ok`,
    module: "http_2xx",
    anchors: () => ({
      probe_success: 0,
      probe_http_ssl: 0,
      probe_http_status_code: 0,
      probe_http_version: 0,
    }),
    engineOnly: {
      names: [
        "probe_ssl_earliest_cert_expiry",
        "probe_ssl_last_chain_expiry_timestamp_seconds",
        "probe_tls_version_info",
      ],
      why: "the engine reports the certificate of a rejected handshake (its expiry is what an alert needs); blackbox writes TLS series only with a response",
    },
  },
];

/** Claimed names blackbox wrote in some case: at the end every claimed name must have been compared. */
const compared = new Set<string>();

async function blackboxSeries(module: string, target: string): Promise<Series> {
  const res = await fetch(`${bb!.url}/probe?module=${module}&target=${encodeURIComponent(target)}`);
  expect(res.status).toBe(200);
  return byName(parseExposition(await res.text()));
}

async function engineSeries(c: Case, target: string): Promise<Series> {
  const r = await probeTarget(spec(target, { name: c.name, ...c.engine }));
  const samples = probeSeries([r], () => ({}), 0).map((s) => ({
    name: s.labels.__name__!,
    labels: Object.fromEntries(
      Object.entries(s.labels).filter(([k]) => k !== "__name__" && !BASE_LABELS.has(k)),
    ),
    value: s.samples[0]!.value,
  }));
  return byName(samples);
}

describe("blackbox_exporter 0.23 parity on the same targets", () => {
  it.each(cases)("$name", async (c) => {
    const target = c.url();
    const theirs = await blackboxSeries(c.module, target);
    const ours = await engineSeries(c, target);

    for (const name of theirs.keys()) if (CLAIMED.includes(name)) compared.add(name);

    // every blackbox series is claimed or explained
    const unexplained = [...theirs.keys()].filter((n) => !CLAIMED.includes(n) && !(n in NOT_WRITTEN));
    expect(unexplained, "blackbox series neither claimed nor in NOT_WRITTEN").toEqual([]);

    // names: ours ⊇ blackbox's claimed ones; ours beyond blackbox's only as stated
    const claimedTheirs = [...theirs.keys()].filter((n) => CLAIMED.includes(n));
    const oursProbe = [...ours.keys()].filter((n) => n.startsWith("probe_"));
    expect(
      claimedTheirs.filter((n) => !ours.has(n)),
      "claimed series the engine did not write",
    ).toEqual([]);
    expect(oursProbe.filter((n) => !theirs.has(n)).sort()).toEqual([...(c.engineOnly?.names ?? [])].sort());

    for (const name of claimedTheirs) {
      const t = theirs.get(name)!;
      const o = ours.get(name)!;
      // identical label sets (phase for the durations, version for the TLS version)
      expect([...o.keys()].sort(), `${name} label sets`).toEqual([...t.keys()].sort());
      for (const [labels, tv] of t) {
        const ov = o.get(labels)!;
        const what = `${name}${labels}`;
        if (DETERMINISTIC.includes(name)) {
          const d = c.differs?.[name];
          if (d) {
            expect({ engine: ov, blackbox: tv }, `${what} differs on purpose: ${d.why}`).toEqual({
              engine: d.engine,
              blackbox: d.blackbox,
            });
          } else {
            expect(ov, `${what}: engine ${ov}, blackbox ${tv}`).toBe(tv);
          }
        } else {
          for (const v of [ov, tv]) {
            expect(Number.isFinite(v) && v >= 0, `${what} = ${v}`).toBe(true);
          }
        }
      }
    }
    expect(ours.get("probe_http_duration_seconds")?.size, "all five phases").toBe(5);

    for (const [name, want] of Object.entries(c.anchors())) {
      const v = (s: Series) => [...(s.get(name)?.values() ?? [])];
      expect({ engine: v(ours), blackbox: v(theirs) }, name).toEqual({ engine: [want], blackbox: [want] });
    }
    if (c.tlsVersion) {
      const version = labelKey({ version: c.tlsVersion });
      expect(theirs.get("probe_tls_version_info")?.get(version), "blackbox TLS version").toBe(1);
      expect(ours.get("probe_tls_version_info")?.get(version), "engine TLS version").toBe(1);
    }
  });

  it("compared every claimed series at least once, TLS ones included", () => {
    expect(CLAIMED.filter((n) => !compared.has(n))).toEqual([]);
  });
});

/**
 * Names: blackbox_exporter resolves through the machine's resolver, which tests never use, so the address
 * series of a probe by name are checked on the engine alone, through a DNS server of the test's own.
 */
describe("target address series for a name (engine only)", () => {
  const series = async (url: string) => {
    const r = await probeTarget(spec(url), { dnsServers: [dns.address] });
    const s = probeSeries([r], () => ({}), 0);
    const value = (name: string) => s.find((x) => x.labels.__name__ === name)?.samples[0]?.value;
    return { r, value };
  };

  it("come from the target's own host (the first hop), whatever the redirects", async () => {
    // app.test → 302 to the IP literal: the last hop makes no lookup, the target's lookup is still reported
    const { r, value } = await series(
      `http://app.test:${http.port}/to?location=${encodeURIComponent(`${http.url}/ok`)}`,
    );
    expect(r).toMatchObject({ success: true, redirects: 1, address: { ip: "127.0.0.1", family: 4 } });
    expect(r.phases.dnsMs).toBeUndefined(); // the last hop's phases
    expect(r.address?.lookupMs).toBeGreaterThanOrEqual(0);
    expect(value("probe_dns_lookup_time_seconds")).toBe(r.address!.lookupMs! / 1000);
    expect(value("probe_ip_protocol")).toBe(4);
    expect(value("probe_ip_addr_hash")).toBe(3668918509);
  });

  it("are 0 when the name does not resolve, as blackbox writes them", async () => {
    const { r, value } = await series(`http://nowhere.test:${http.port}/ok`);
    expect(r).toMatchObject({ success: false, cause: "dns" });
    expect(r.address).toBeUndefined();
    expect([value("probe_ip_protocol"), value("probe_ip_addr_hash")]).toEqual([0, 0]);
  });
});
