/**
 * `expect.bodyMatches` runs on RE2 (re2js), in time linear in the body: a pattern that makes JavaScript's
 * backtracking RegExp run for seconds (`(a+)+$` against "aaa…a!": 9 s at 28 bytes, doubling with each byte)
 * ends at once, so neither its own probe nor another one in the same run misses its deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeTarget, runProbes } from "../../packages/core/src/probe/index.js";
import { type HostileServer, startHostileHttp } from "../helpers/hostile-servers.js";
import { LOADED_MACHINE_MARGIN_MS } from "../helpers/timing.js";
import { spec } from "./spec.js";

let http: HostileServer;
beforeAll(async () => {
  http = await startHostileHttp();
});
afterAll(async () => {
  await http.close();
});

const hostileBody = `${"a".repeat(27)}!`; // 28 bytes

describe("bodyMatches is linear-time RE2", () => {
  it("(a+)+$ against a hostile body: in a run of two, both end in time, the healthy one succeeds", async () => {
    const timeoutMs = 2000;
    const specs = [
      spec(`${http.url}/text?body=${encodeURIComponent(hostileBody)}`, {
        name: "hostile",
        timeoutMs,
        expect: { status: [], bodyMatches: "(a+)+$", maxBodyBytes: 1024 },
      }),
      spec(`${http.url}/slow?ms=200`, {
        name: "healthy",
        timeoutMs,
        expect: { status: [], bodyMatches: "^ok, slowly$", maxBodyBytes: 1024 },
      }),
    ];
    const t0 = performance.now();
    const [hostile, healthy] = await runProbes(specs, { concurrency: 2 });
    const wallMs = performance.now() - t0;
    expect(hostile).toMatchObject({
      target: "hostile",
      success: false,
      cause: "body",
      status: 200,
      bodyBytes: 28,
    });
    expect(hostile!.causeDetail).toBe("body (28 bytes) does not match /(a+)+$/");
    expect(healthy).toMatchObject({ target: "healthy", success: true, cause: null });
    for (const r of [hostile!, healthy!])
      expect(r.durationMs).toBeLessThan(timeoutMs + LOADED_MACHINE_MARGIN_MS);
    expect(wallMs).toBeLessThan(timeoutMs + LOADED_MACHINE_MARGIN_MS);
  });

  it("stays linear on a large hostile body (256 KiB)", async () => {
    const big = `${"a".repeat(256 * 1024)}!`;
    const r = await probeTarget(
      spec(`${http.url}/echo`, {
        method: "POST",
        body: big,
        timeoutMs: 2000,
        expect: { status: [], bodyMatches: "(a+)+$", maxBodyBytes: 1024 * 1024 },
      }),
    );
    expect(r).toMatchObject({ success: false, cause: "body" });
    expect(r.durationMs).toBeLessThan(2000 + LOADED_MACHINE_MARGIN_MS);
    // and a match is still a match: the same engine, a pattern that holds
    const ok = await probeTarget(
      spec(`${http.url}/echo`, {
        method: "POST",
        body: big,
        expect: { status: [], bodyMatches: "(?s)^POST (a+)+!$", maxBodyBytes: 1024 * 1024 },
      }),
    );
    expect(ok).toMatchObject({ success: true, cause: null });
  });

  it("RE2 syntax: inline flags work; a pattern RE2 rejects fails the probe with cause body and RE2's reason", async () => {
    const url = `${http.url}/text?body=${encodeURIComponent("Status: UP")}`;
    const flags = await probeTarget(
      spec(url, { expect: { status: [], bodyMatches: "(?i)status: up", maxBodyBytes: 64 } }),
    );
    expect(flags.success).toBe(true);
    // config load rejects this (schema.test.ts); a spec built by hand still cannot run it
    const lookbehind = await probeTarget(
      spec(url, { expect: { status: [], bodyMatches: "(?<=Status: )UP", maxBodyBytes: 64 } }),
    );
    expect(lookbehind).toMatchObject({ success: false, cause: "body", status: null });
    expect(lookbehind.causeDetail).toContain("RE2 has no lookbehind");
  });
});
