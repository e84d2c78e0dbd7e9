/**
 * The remote writer against local HTTP servers: what it sends, and that failures come back as
 * `{ ok: false }` (never a throw), retried once on 5xx/network/timeouts and not on 4xx.
 */
import protobuf from "protobufjs";
import { uncompress } from "snappyjs";
import { afterEach, describe, expect, it } from "vitest";
import { createRemoteWriter } from "../../packages/core/src/prometheus/index.js";
import { LOADED_MACHINE_MARGIN_MS } from "../helpers/timing.js";
import { closedPort, type LocalServer, startServer } from "./local-servers.js";

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const series = [
  {
    labels: { __name__: "probe_success", target: "api", job: "sla-monitor" },
    samples: [{ value: 1, timestampMs: 1_795_000_000_000 }],
  },
];
const WriteRequest = protobuf
  .parse(`syntax = "proto3";
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }`)
  .root.lookupType("WriteRequest");

describe("remote writer", () => {
  it("POSTs a snappy protobuf with the remote-write 1.0 headers and reports 204 as ok", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const w = createRemoteWriter({
      url: `${server.url}/api/v1/write`,
      auth: { type: "bearer", token: "t0k" },
    });
    expect(await w.write(series)).toEqual({ ok: true, status: 204, attempts: 1 });
    const r = server.requests[0]!;
    expect(r.method).toBe("POST");
    expect(r.url).toBe("/api/v1/write");
    expect(r.headers).toMatchObject({
      "content-encoding": "snappy",
      "content-type": "application/x-protobuf",
      "x-prometheus-remote-write-version": "0.1.0",
      authorization: "Bearer t0k",
    });
    const decoded = WriteRequest.toObject(WriteRequest.decode(uncompress(new Uint8Array(r.body))), {
      longs: Number,
    });
    expect(decoded).toEqual({
      timeseries: [
        {
          labels: [
            { name: "__name__", value: "probe_success" },
            { name: "job", value: "sla-monitor" },
            { name: "target", value: "api" },
          ],
          samples: [{ value: 1, timestamp: 1_795_000_000_000 }],
        },
      ],
    });
  });

  it("returns ok:false after one retry when the server answers 500", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(500);
      res.end("tsdb on fire");
    });
    const w = createRemoteWriter({ url: `${server.url}/api/v1/write`, backoffMs: [5] });
    const r = await w.write(series);
    expect(r).toMatchObject({ ok: false, status: 500, attempts: 2 });
    expect(!r.ok && r.error).toMatch(/HTTP 500.*tsdb on fire/);
    expect(server.requests).toHaveLength(2);
  });

  it("succeeds when the retry succeeds", async () => {
    server = await startServer((_req, res, n) => {
      res.writeHead(n === 1 ? 503 : 200);
      res.end();
    });
    const r = await createRemoteWriter({ url: server.url, backoffMs: [5] }).write(series);
    expect(r).toEqual({ ok: true, status: 200, attempts: 2 });
  });

  it("does not retry a 400 and includes the server's text", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(400);
      res.end("out of bounds");
    });
    const r = await createRemoteWriter({ url: server.url, backoffMs: [5] }).write(series);
    expect(r).toMatchObject({ ok: false, status: 400, attempts: 1 });
    expect(!r.ok && r.error).toContain("out of bounds");
    expect(server.requests).toHaveLength(1);
  });

  it("returns ok:false (no throw) when nothing listens", async () => {
    const port = await closedPort();
    const r = await createRemoteWriter({
      url: `http://127.0.0.1:${port}/api/v1/write`,
      backoffMs: [5],
    }).write(series);
    expect(r).toMatchObject({ ok: false, attempts: 2 });
    expect(r.ok ? undefined : r.status).toBeUndefined();
    expect(!r.ok && r.error).toMatch(/network.*ECONNREFUSED/);
  });

  it("returns ok:false at its deadline when the server hangs", async () => {
    server = await startServer(() => {});
    const t0 = performance.now();
    const r = await createRemoteWriter({ url: server.url, timeoutMs: 200, retries: 0 }).write(series);
    // the server never answers: only the writer's deadline can have ended the write
    expect(performance.now() - t0).toBeLessThan(200 + LOADED_MACHINE_MARGIN_MS);
    expect(r).toMatchObject({ ok: false, attempts: 1 });
    expect(!r.ok && r.error).toMatch(/timeout/);
  });

  it("returns ok:false for an unparseable URL", async () => {
    const r = await createRemoteWriter({ url: "not a url" }).write(series);
    expect(r.ok).toBe(false);
  });
});
