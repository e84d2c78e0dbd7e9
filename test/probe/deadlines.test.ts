/**
 * The deadline is TOTAL and fires whatever the peer does: stay silent after the request, never complete the
 * TLS handshake, or send headers and then trickle the body (which undici's idle timers never catch). The
 * tests assert that the probe ended at its own deadline with the right phase, long before the peer let go;
 * how precisely (the 50 ms target) is measured by `bench/deadline.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CertFactory,
  type HostileServer,
  type RunningServer,
  startHostileHttp,
  startHostileHttps,
  startSilentTcp,
} from "../helpers/hostile-servers.js";
import { probeAtDeadline, spec } from "./spec.js";

const timeoutMs = 1000;
let http: HostileServer;
let https: HostileServer;
let silentTcp: RunningServer;
const certs = new CertFactory();

beforeAll(async () => {
  http = await startHostileHttp();
  https = await startHostileHttps(certs.selfSigned(30));
  silentTcp = await startSilentTcp("https");
});
afterAll(async () => {
  await Promise.all([http.close(), https.close(), silentTcp.close()]);
  certs.cleanup();
});

describe("total deadline", () => {
  it("a server that reads the request and never answers → timeout:headers", async () => {
    const { result } = await probeAtDeadline(spec(`${http.url}/hang`, { timeoutMs }));
    expect(result.cause).toBe("timeout:headers");
    expect(result.status).toBeNull();
    expect(result.phases.connectMs).toBeGreaterThanOrEqual(0);
    expect(http.requests).toContain("GET /hang");
  });

  it("a TCP peer that never completes the TLS handshake → timeout:tls", async () => {
    const { result } = await probeAtDeadline(spec(silentTcp.url, { timeoutMs }));
    expect(result.cause).toBe("timeout:tls");
    expect(result.tls).toBeUndefined();
    expect(silentTcp.connections()).toBeGreaterThanOrEqual(1);
  });

  it("headers then one body byte every 200 ms → timeout:body at the deadline", async () => {
    const { result } = await probeAtDeadline(spec(`${http.url}/trickle`, { timeoutMs }));
    expect(result.cause).toBe("timeout:body");
    expect(result.status).toBe(200);
    expect(result.phases.firstByteMs).toBeGreaterThanOrEqual(0);
    expect(result.phases.transferMs).toBeUndefined();
    expect(result.bodyBytes).toBeGreaterThan(0);
    expect(result.bodyBytes).toBeLessThan(10);
    expect(result.causeDetail).toContain("1000 ms");
  });

  it("a deadline shorter than the server's delay ends the probe, not the server", async () => {
    const { result } = await probeAtDeadline(spec(`${http.url}/slow?ms=60000`, { timeoutMs: 300 }));
    expect(result.cause).toBe("timeout:headers");
    expect(result.degraded).toBe("ok"); // no latency thresholds given
  });

  it("over TLS: silent after the handshake → timeout:headers; trickled body → timeout:body", async () => {
    const tls = { insecureSkipVerify: true };
    const hang = await probeAtDeadline(spec(`${https.url}/hang`, { timeoutMs, tls }));
    expect(hang.result.cause).toBe("timeout:headers");
    expect(hang.result.phases.tlsMs).toBeGreaterThanOrEqual(0);
    expect(hang.result.tls?.subject).toBe("localhost");
    const trickle = await probeAtDeadline(spec(`${https.url}/trickle`, { timeoutMs, tls }));
    expect(trickle.result.cause).toBe("timeout:body");
  });
});
