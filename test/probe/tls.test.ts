/**
 * TLS against real servers with certificates made by openssl at test time: untrusted certificates fail with
 * cause "tls" unless insecureSkipVerify, expiry is read from the presented chain (earliest wins), a
 * certificate close to expiry sets tlsExpiring without failing, and phase timings add up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeTarget, runProbes } from "../../packages/core/src/probe/index.js";
import { CertFactory, type HostileServer, startHostileHttps } from "../helpers/hostile-servers.js";
import { spec } from "./spec.js";

const DAY_MS = 86_400_000;
const certs = new CertFactory();
const servers: HostileServer[] = [];
let selfSigned30: HostileServer;
let expiring2: HostileServer;
let chain: HostileServer;

beforeAll(async () => {
  selfSigned30 = await startHostileHttps(certs.selfSigned(30));
  expiring2 = await startHostileHttps(certs.selfSigned(2));
  chain = await startHostileHttps(certs.chain(30, 5)); // leaf outlives its CA
  servers.push(selfSigned30, expiring2, chain);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  certs.cleanup();
});

const skipVerify = (minDaysToExpiry?: number) => ({ tls: { insecureSkipVerify: true, minDaysToExpiry } });

/** |a - b| in days between an ISO string and now + `days`. */
const daysOff = (iso: string, days: number) =>
  Math.abs(Date.parse(iso) - (Date.now() + days * DAY_MS)) / DAY_MS;

describe("certificate verification", () => {
  it("a self-signed certificate fails with cause tls and a detail, and no request is sent", async () => {
    const r = await probeTarget(spec(`${selfSigned30.url}/ok`));
    expect(r).toMatchObject({ success: false, cause: "tls", status: null });
    expect(r.causeDetail).toContain("SELF_SIGNED");
    expect(r.tls?.subject).toBe("localhost"); // the presented certificate is still reported
    expect(selfSigned30.requests).not.toContain("GET /ok");
  });

  it("insecureSkipVerify accepts it and still reads the expiry", async () => {
    const r = await probeTarget(spec(`${selfSigned30.url}/ok`, skipVerify(14)));
    expect(r).toMatchObject({ success: true, status: 200, cause: null, tlsExpiring: false });
    expect(daysOff(r.tls!.leafExpiry, 30)).toBeLessThan(0.1);
    expect(r.tls!.earliestExpiry).toBe(r.tls!.leafExpiry);
    expect(r.tls!.daysToEarliestExpiry).toBeGreaterThan(29.9);
    expect(r.tls!.daysToEarliestExpiry).toBeLessThan(30.1);
  });

  it("a certificate expiring in 2 days is reported and sets tlsExpiring, the probe stays up", async () => {
    const r = await probeTarget(spec(`${expiring2.url}/ok`, skipVerify(14)));
    expect(r).toMatchObject({ success: true, status: 200, tlsExpiring: true });
    expect(r.tls!.daysToEarliestExpiry).toBeGreaterThan(1.9);
    expect(r.tls!.daysToEarliestExpiry).toBeLessThan(2.1);
  });

  it("the earliest expiry is taken over the whole presented chain", async () => {
    const r = await probeTarget(spec(`${chain.url}/ok`, skipVerify(7)));
    expect(r).toMatchObject({ success: true, tlsExpiring: true });
    expect(daysOff(r.tls!.leafExpiry, 30)).toBeLessThan(0.1);
    expect(daysOff(r.tls!.earliestExpiry, 5)).toBeLessThan(0.1);
    expect(r.tls).toMatchObject({ subject: "localhost", issuer: "ProbeTestCA" });
    const untrusted = await probeTarget(spec(`${chain.url}/ok`));
    expect(untrusted.cause).toBe("tls");
  });

  it("many concurrent rejections are all reported (regression: tearing down inside the TLS callback crashed Node)", async () => {
    const specs = Array.from({ length: 50 }, (_, i) => spec(`${chain.url}/ok`, { name: `t-${i}` }));
    const results = await runProbes(specs, { concurrency: 50 });
    expect(results.map((r) => r.cause)).toEqual(specs.map(() => "tls"));
    expect(results.every((r) => r.causeDetail?.startsWith("certificate rejected:"))).toBe(true);
  });
});

describe("phase timings", () => {
  it("a TLS probe has connect, tls, first byte and transfer times that fit in the duration", async () => {
    // 127.0.0.1 is an IP literal: no DNS lookup happens, so dnsMs is absent (see the localhost case in outcomes).
    const r = await probeTarget(spec(`${selfSigned30.url}/ok`, skipVerify()));
    expect(r.success).toBe(true);
    const { dnsMs, connectMs, tlsMs, firstByteMs, transferMs } = r.phases;
    expect(dnsMs).toBeUndefined();
    for (const ms of [connectMs, tlsMs, firstByteMs, transferMs]) expect(ms).toBeGreaterThanOrEqual(0);
    const sum = connectMs! + tlsMs! + firstByteMs! + transferMs!;
    expect(sum).toBeLessThanOrEqual(r.durationMs + 2);
    expect(tlsMs).toBeGreaterThan(0);
  });
});
