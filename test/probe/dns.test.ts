/**
 * Probes with configured DNS servers (`dnsServers` / `probe.dnsServers`): names are resolved by a local DNS
 * server on 127.0.0.1 (test/helpers/dns-server.ts), never by the machine's resolver. A mapped name is probed,
 * an unknown one fails with cause `dns`, a server that never answers ends at the probe's deadline with
 * `timeout:dns`, and at the cycle level an unresolvable target among healthy ones is DOWN once, alone.
 */
import { type LookupOptions, Resolver } from "node:dns";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../packages/core/src/config/index.js";
import { probeResolver, resolverLookup } from "../../packages/core/src/probe/connector.js";
import { runProbeCycle } from "../../packages/core/src/probe/cycle.js";
import { probeTarget, runProbes } from "../../packages/core/src/probe/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { type DnsServer, startDnsServer } from "../helpers/dns-server.js";
import { type HostileServer, startHostileHttp } from "../helpers/hostile-servers.js";
import { CountingNotifier } from "../helpers/notifiers.js";
import { LOADED_MACHINE_MARGIN_MS } from "../helpers/timing.js";
import { spec } from "./spec.js";

let http: HostileServer;
let dns: DnsServer;
/** answers nothing at all */
let silentDns: DnsServer;
/** a UDP port that was a DNS server a moment ago: queries to it are refused (ICMP port unreachable) */
let refusedDns: string;
const tempDirs: string[] = [];

beforeAll(async () => {
  http = await startHostileHttp();
  dns = await startDnsServer({
    records: {
      "app.test": ["127.0.0.1"],
      "healthy.test": ["127.0.0.1"],
      "dual.test": ["::1", "127.0.0.1"],
      "empty.test": [],
    },
  });
  silentDns = await startDnsServer({ silent: "all" });
  const gone = await startDnsServer();
  refusedDns = gone.address;
  await gone.close();
});
afterAll(async () => {
  await http?.close();
  await dns?.close();
  await silentDns?.close();
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
});

const urlOf = (host: string, path = "/ok") => `http://${host}:${http.port}${path}`;

describe("a probe with dnsServers", () => {
  it("resolves a name through the configured server and probes it (dnsMs present)", async () => {
    const r = await probeTarget(spec(urlOf("app.test")), { dnsServers: [dns.address] });
    expect(r).toMatchObject({ success: true, status: 200, cause: null });
    expect(r.phases.dnsMs).toBeGreaterThanOrEqual(0);
    expect(r.phases.connectMs).toBeGreaterThanOrEqual(0);
    expect(dns.queriesFor("app.test").map((q) => q.type)).toEqual(expect.arrayContaining(["A", "AAAA"]));
  });

  it("fails an unknown name (NXDOMAIN) with cause dns, before any connection", async () => {
    const before = http.requests.length;
    const r = await probeTarget(spec(urlOf("ghost.test")), { dnsServers: [dns.address] });
    expect(r).toMatchObject({ success: false, cause: "dns", status: null });
    expect(r.causeDetail).toMatch(/ENOTFOUND/);
    expect(r.causeDetail).toContain("ghost.test");
    expect(r.phases.connectMs).toBeUndefined();
    expect(dns.queriesFor("ghost.test").length).toBeGreaterThan(0);
    expect(http.requests.length).toBe(before);
  });

  it("fails a name without A or AAAA records (ENODATA) with cause dns", async () => {
    const r = await probeTarget(spec(urlOf("empty.test")), { dnsServers: [dns.address] });
    expect(r).toMatchObject({ success: false, cause: "dns" });
    expect(r.causeDetail).toMatch(/ENODATA/);
  });

  it("classifies a DNS server refusing the query as dns, not as a refused TCP connection", async () => {
    const r = await probeTarget(spec(urlOf("app.test")), { dnsServers: [refusedDns] });
    expect(r).toMatchObject({ success: false, cause: "dns" });
    expect(r.causeDetail).toMatch(/ECONNREFUSED/);
  });

  it("ends at its deadline with timeout:dns when the server never answers", async () => {
    const timeoutMs = 1000;
    const cancel = vi.spyOn(Resolver.prototype, "cancel");
    const t0 = performance.now();
    const r = await probeTarget(spec(urlOf("hang.test"), { timeoutMs }), { dnsServers: [silentDns.address] });
    const elapsed = performance.now() - t0;
    expect(cancel).toHaveBeenCalled(); // the pending queries do not outlive the probe
    cancel.mockRestore();
    expect(r).toMatchObject({ success: false, cause: "timeout:dns", status: null });
    expect(r.causeDetail).toContain("dns phase");
    expect(r.phases).toEqual({});
    // the probe's own deadline fired (not an earlier resolver timeout), long before a silent server lets go
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 1);
    expect(elapsed).toBeLessThan(timeoutMs + LOADED_MACHINE_MARGIN_MS);
    expect(silentDns.queriesFor("hang.test")).toContainEqual({ name: "hang.test", type: "A" });
  });

  it("looks up A and AAAA, IPv4 first, in both the all-addresses and the single-address form", async () => {
    const resolver = probeResolver([dns.address], 5000);
    const lookup = resolverLookup(resolver);
    type Answer = { err: NodeJS.ErrnoException | null; address: unknown; family?: number };
    const ask = (options: LookupOptions) =>
      new Promise<Answer>((resolve) =>
        lookup("dual.test", options, (err, address, family) => resolve({ err, address, family })),
      );
    // Node 20's autoSelectFamily asks for all addresses
    expect(await ask({ all: true })).toMatchObject({
      err: null,
      address: [
        { address: "127.0.0.1", family: 4 },
        { address: "::1", family: 6 },
      ],
    });
    expect(await ask({})).toMatchObject({ err: null, address: "127.0.0.1", family: 4 });
    expect(await ask({ family: 6 })).toMatchObject({ err: null, address: "::1", family: 6 });
    expect(await ask({ family: 4, all: true })).toMatchObject({
      address: [{ address: "127.0.0.1", family: 4 }],
    });
  });

  it("does not query the server for an IP literal", async () => {
    const before = dns.queries.length;
    const r = await probeTarget(spec(`${http.url}/ok`), { dnsServers: [dns.address] });
    expect(r.success).toBe(true);
    expect(r.phases.dnsMs).toBeUndefined();
    expect(dns.queries.length).toBe(before);
  });

  it("runProbes passes dnsServers to every probe", async () => {
    const rs = await runProbes([spec(urlOf("app.test")), spec(urlOf("ghost.test")), spec(`${http.url}/ok`)], {
      dnsServers: [dns.address],
    });
    expect(rs.map((x) => x.cause)).toEqual([null, "dns", null]);
  });
});

describe("a target whose DNS name does not resolve", () => {
  it("fails with cause dns; the healthy targets succeed; DOWN is published once for it only", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sla-dns-"));
    tempDirs.push(dir);
    const store = new LocalObjectStore({ dir });
    const notifier = new CountingNotifier();
    const timeoutMs = 5000;
    const targets = [
      { name: "healthy-a", url: `${http.url}/ok`, timeoutMs },
      { name: "ghost", url: "http://nonexistent.invalid/health", timeoutMs },
      // resolved by the configured server: the cycle hands probe.dnsServers to the engine
      { name: "healthy-b", url: urlOf("healthy.test"), timeoutMs },
      { name: "healthy-c", url: `${http.url}/slow?ms=50`, timeoutMs },
    ];
    const cfg = await parseConfig(
      JSON.stringify({
        targets,
        notify: { downAfter: 1, recoverAfter: 1 },
        probe: { dnsServers: [dns.address] },
      }),
      { format: "json", source: "dns" },
    );
    const r = await runProbeCycle({ config: cfg, writer: null, store, notifier });
    const by = new Map(r.results.map((x) => [x.target, x]));
    expect(by.get("ghost")).toMatchObject({ success: false, cause: "dns", status: null });
    expect(by.get("ghost")!.causeDetail).toMatch(/ENOTFOUND|nonexistent\.invalid/);
    for (const n of ["healthy-a", "healthy-b", "healthy-c"])
      expect(by.get(n)).toMatchObject({ success: true, status: 200, cause: null });
    expect(by.get("healthy-b")!.phases.dnsMs).toBeGreaterThanOrEqual(0);
    expect(dns.queriesFor("nonexistent.invalid").length).toBeGreaterThan(0);
    expect(notifier.subjects()).toEqual(["DOWN: ghost"]);
    expect(notifier.sent[0]!.text).toContain("dns");
    expect(r.publishErrors).toEqual([]);

    // the next run does not repeat the alert
    await runProbeCycle({ config: cfg, writer: null, store, notifier });
    expect(notifier.subjects()).toEqual(["DOWN: ghost"]);
  });
});
