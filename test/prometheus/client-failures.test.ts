/**
 * The query client against local HTTP servers that fail on purpose: retries (5xx, 429, network, timeouts),
 * no retry on 4xx, total deadlines, malformed answers, and what goes on the wire.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import { LOADED_MACHINE_MARGIN_MS } from "../helpers/timing.js";
import { closedPort, failure, json, type LocalServer, startServer, vectorBody } from "./local-servers.js";

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const fast = { backoffMs: [5, 10] };

describe("retries", () => {
  it("succeeds after two 500s with 2 retries", async () => {
    server = await startServer((_req, res, n) =>
      n <= 2
        ? json(res, 500, { status: "error", errorType: "internal", error: "boom" })
        : json(res, 200, vectorBody("42")),
    );
    const c = createPrometheusClient({ url: server.url, ...fast });
    const r = await c.instant("up");
    expect(r.result).toEqual([{ metric: { job: "x" }, value: 42, timestampMs: 1727740799999 }]);
    expect(server.requests).toHaveLength(3);
    expect(c.stats).toMatchObject({ queries: 1, retries: 2 });
  });

  it("gives up after retries + 1 attempts when the server always answers 500", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("upstream exploded");
    });
    const c = createPrometheusClient({ url: server.url, retries: 3, ...fast });
    const e = await failure(c.instant("sum(up)"));
    expect(server.requests).toHaveLength(4);
    expect(e).toMatchObject({ kind: "http", status: 500, attempts: 4, query: "sum(up)" });
    expect(e.serverError).toBe("upstream exploded");
    expect(e.message).toContain("upstream exploded");
    expect(e.message).toContain("HTTP 500");
    expect(e.message).toContain("sum(up)");
    expect(c.stats.retries).toBe(3);
  });

  it("retries 429 and 503", async () => {
    server = await startServer((_req, res, n) => {
      if (n === 1) return json(res, 429, { status: "error", errorType: "too_many", error: "slow down" });
      if (n === 2) return json(res, 503, { status: "error", errorType: "unavailable", error: "later" });
      json(res, 200, vectorBody());
    });
    const c = createPrometheusClient({ url: server.url, ...fast });
    await c.instant("up");
    expect(server.requests).toHaveLength(3);
  });

  it("does not retry 400 bad_data", async () => {
    server = await startServer((_req, res) =>
      json(res, 400, { status: "error", errorType: "bad_data", error: 'parse error: unexpected "}"' }),
    );
    const c = createPrometheusClient({ url: server.url, ...fast });
    const e = await failure(c.instant("up}"));
    expect(server.requests).toHaveLength(1);
    expect(e).toMatchObject({ kind: "bad_data", status: 400, errorType: "bad_data", attempts: 1 });
    expect(e.serverError).toBe('parse error: unexpected "}"');
    expect(e.retryable).toBe(false);
  });

  it.each([401, 403, 404, 422])("does not retry HTTP %d", async (status) => {
    server = await startServer((_req, res) => {
      res.writeHead(status);
      res.end(`nope ${status}`);
    });
    const c = createPrometheusClient({ url: server.url, ...fast });
    const e = await failure(c.instant("up"));
    expect(server.requests).toHaveLength(1);
    expect(e).toMatchObject({ kind: "http", status, attempts: 1 });
  });

  it("retries network errors and reports kind network (nothing listening)", async () => {
    const port = await closedPort();
    const c = createPrometheusClient({ url: `http://127.0.0.1:${port}`, retries: 1, ...fast });
    const e = await failure(c.instant("up"));
    expect(e).toMatchObject({ kind: "network", attempts: 2 });
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(c.stats.retries).toBe(1);
  });

  it("retries a connection reset mid-response", async () => {
    server = await startServer((_req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { "content-type": "application/json", "content-length": 1000 });
        res.write('{"status":"succ');
        setTimeout(() => res.destroy(), 10);
        return;
      }
      json(res, 200, vectorBody("7"));
    });
    const c = createPrometheusClient({ url: server.url, ...fast });
    expect((await c.instant("up")).result[0]!.value).toBe(7);
    expect(server.requests).toHaveLength(2);
  });
});

describe("total deadline per attempt", () => {
  const timeoutMs = 300;

  it("times out a server that never answers, once per attempt", async () => {
    server = await startServer(() => {}); // accepts, reads the request, never answers
    const c = createPrometheusClient({ url: server.url, timeoutMs, retries: 1, backoffMs: [0] });
    const t0 = performance.now();
    const e = await failure(c.instant("up"));
    const elapsed = performance.now() - t0;
    expect(e).toMatchObject({ kind: "timeout", attempts: 2 });
    expect(e.message).toContain(`within ${timeoutMs} ms`);
    expect(server.requests).toHaveLength(2);
    // each attempt waited its full deadline, and no longer than a loaded machine makes it (the server never answers)
    expect(elapsed).toBeGreaterThanOrEqual(2 * timeoutMs - 5);
    expect(elapsed).toBeLessThan(2 * timeoutMs + LOADED_MACHINE_MARGIN_MS);
  });

  it("times out a server that sends headers and then trickles the body (idle timers never fire)", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const tick = setInterval(() => res.write(" "), 20);
      res.on("close", () => clearInterval(tick));
    });
    const c = createPrometheusClient({ url: server.url, timeoutMs, retries: 0 });
    const t0 = performance.now();
    const e = await failure(c.instant("up"));
    const elapsed = performance.now() - t0;
    expect(e).toMatchObject({ kind: "timeout", attempts: 1 });
    // the body never ends: only the total deadline can have ended this request
    expect(elapsed).toBeLessThan(timeoutMs + LOADED_MACHINE_MARGIN_MS);
  });
});

describe("malformed answers", () => {
  it("reports invalid_response for malformed JSON, without retrying", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"status":"success","data":{');
    });
    const c = createPrometheusClient({ url: server.url, ...fast });
    const e = await failure(c.instant("up"));
    expect(e).toMatchObject({ kind: "invalid_response", status: 200, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ["no data", { status: "success" }],
    ["unknown resultType", { status: "success", data: { resultType: "table", result: [] } }],
    [
      "value not a tuple",
      { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: 1 }] } },
    ],
    [
      "non-numeric value",
      { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, "abc"] }] } },
    ],
    [
      "label not a string",
      { status: "success", data: { resultType: "vector", result: [{ metric: { a: 1 }, value: [1, "1"] }] } },
    ],
  ])("reports invalid_response for a well-formed JSON of the wrong shape (%s)", async (_name, body) => {
    server = await startServer((_req, res) => json(res, 200, body));
    const c = createPrometheusClient({ url: server.url });
    const e = await failure(c.instant("up"));
    expect(e.kind).toBe("invalid_response");
  });

  it.each([
    [
      "a point whose value is a number",
      [1, 2],
      "result.0.values.2.1: Invalid input: expected string, received number",
    ],
    [
      "a point with three elements",
      [1, "1", 2],
      "result.0.values.2: Too big: expected array to have <=2 items",
    ],
    ["a point that is not a pair", "1", "result.0.values.2: Invalid input: expected tuple, received string"],
  ])("words a malformed matrix point as the full schema does (%s)", async (_name, point, where) => {
    const values = [[1, "1"], [2, "1"], point, [4, "1"]];
    const body = {
      status: "success",
      data: { resultType: "matrix", result: [{ metric: { a: "b" }, values }] },
    };
    server = await startServer((_req, res) => json(res, 200, body));
    const c = createPrometheusClient({ url: server.url, ...fast });
    const e = await failure(c.instant("up[5m]"));
    expect(e.kind).toBe("invalid_response");
    expect(e.message).toContain(`unexpected response shape at ${where}`);
  });

  it("parses NaN, +Inf and -Inf sample values and reads warnings", async () => {
    server = await startServer((_req, res) =>
      json(res, 200, {
        status: "success",
        warnings: ["partial data: store down"],
        data: {
          resultType: "vector",
          result: [
            { metric: { v: "nan" }, value: [1, "NaN"] },
            { metric: { v: "inf" }, value: [1, "+Inf"] },
            { metric: { v: "-inf" }, value: [1, "-Inf"] },
            { metric: { v: "exp" }, value: [1.5, "1e-3"] },
          ],
        },
      }),
    );
    const r = await createPrometheusClient({ url: server.url }).instant("x");
    expect(r.result.map((s) => s.value)).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0.001,
    ]);
    expect(r.result[3]!.timestampMs).toBe(1500);
    expect(r.warnings).toEqual(["partial data: store down"]);
  });
});

describe("on the wire", () => {
  it("POSTs form-encoded query, time with ms precision, stats, user agent and auth to <base path>/api/v1/query", async () => {
    server = await startServer((_req, res) => json(res, 200, vectorBody()));
    const longQuery = `sum(up{job=~"${"a|".repeat(3000)}b"})`;
    const c = createPrometheusClient({
      url: `${server.url}/prefix/`,
      auth: { type: "basic", username: "u", password: "p" },
      userAgent: "sla-monitor-test/1",
    });
    await c.instant(longQuery, new Date("2024-09-30T23:59:59.999Z"));
    const r = server.requests[0]!;
    expect(r.method).toBe("POST");
    expect(r.url).toBe("/prefix/api/v1/query");
    expect(r.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(r.headers["user-agent"]).toBe("sla-monitor-test/1");
    expect(r.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    const form = new URLSearchParams(r.body.toString());
    expect(form.get("query")).toBe(longQuery);
    expect(form.get("time")).toBe("1727740799.999");
    expect(form.get("stats")).toBe("all");
    expect(c.stats.bytes).toBe(JSON.stringify(vectorBody()).length);
  });

  it("sends a SigV4-signed request exactly as signed (host, date, body hash)", async () => {
    server = await startServer((_req, res) => json(res, 200, vectorBody()));
    const c = createPrometheusClient({
      url: `${server.url}/workspaces/ws-1`,
      auth: {
        type: "sigv4",
        region: "eu-west-1",
        credentials: async () => ({ accessKeyId: "AKID", secretAccessKey: "SECRETKEY" }),
      },
    });
    await c.instant('up{job="a b"}');
    const r = server.requests[0]!;
    expect(r.url).toBe("/workspaces/ws-1/api/v1/query");
    expect(r.headers.host).toBe(new URL(server.url).host);
    expect(r.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
    expect(r.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(r.headers["x-amz-content-sha256"]).toBe(createHash("sha256").update(r.body).digest("hex"));
  });

  it("never puts the token into an error message", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(500);
      res.end("no");
    });
    const c = createPrometheusClient({
      url: server.url,
      auth: { type: "bearer", token: "tok-SECRET-123" },
      retries: 0,
    });
    const e = await failure(c.instant("up"));
    expect(server.requests[0]!.headers.authorization).toBe("Bearer tok-SECRET-123");
    expect(`${e.message} ${e.stack} ${JSON.stringify(e)}`).not.toContain("SECRET");
  });

  it("refuses credentials in the URL", () => {
    expect(() => createPrometheusClient({ url: "http://user:pw@127.0.0.1:9090" })).toThrow(
      /must not carry credentials/,
    );
  });

  it("splits a long range into chunks of at most 10 000 points that neither overlap nor leave gaps", async () => {
    const stepS = 60;
    server = await startServer((req, res, n) => {
      const f = new URLSearchParams(req.body.toString());
      const start = Number(f.get("start"));
      const end = Number(f.get("end"));
      const step = Number(f.get("step"));
      const values: [number, string][] = [];
      for (let t = start; t <= end + 1e-9; t += step) values.push([t, String(t)]);
      if (values.length > 11_000) {
        return json(res, 400, {
          status: "error",
          errorType: "bad_data",
          error: "exceeded maximum resolution",
        });
      }
      // two series, one only present in some chunks; the answer order differs between chunks
      const result = [{ metric: { s: "a" }, values }];
      if (n % 2 === 1) result.push({ metric: { s: "b" }, values: values.slice(0, 2) });
      json(res, 200, { status: "success", data: { resultType: "matrix", result: result.reverse() } });
    });
    const c = createPrometheusClient({ url: server.url });
    const start = new Date("2026-09-28T00:00:00Z");
    const end = new Date(start.getTime() + 50_399 * 60_000);
    const r = await c.range("x", start, end, stepS);
    expect(r.chunks).toBe(6);
    expect(server.requests).toHaveLength(6);
    const bounds = server.requests.map((q) => {
      const f = new URLSearchParams(q.body.toString());
      return [Number(f.get("start")), Number(f.get("end")), Number(f.get("step"))];
    });
    for (const [i, [s, e, step]] of bounds.entries()) {
      expect(step).toBe(60);
      expect((e! - s!) / 60 + 1).toBe(i < 5 ? 10_000 : 400);
      if (i > 0) expect(s).toBe(bounds[i - 1]![1]! + 60);
    }
    const a = r.result.find((s) => s.metric.s === "a")!;
    expect(a.values).toHaveLength(50_400);
    expect(a.values.every(([t, v], i) => t === start.getTime() + i * 60_000 && v * 1000 === t)).toBe(true);
    expect(r.result.map((s) => s.metric.s)).toEqual(["a", "b"]);
    const b = r.result[1]!.values.map(([t]) => (t - start.getTime()) / 60_000);
    expect(b).toEqual([0, 1, 20_000, 20_001, 40_000, 40_001]);
    expect(c.stats.queries).toBe(6);
  });
});
