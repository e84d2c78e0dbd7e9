/**
 * Answers marked `"isPartial": true` (VictoriaMetrics cluster, and other engines spread over storage nodes,
 * answer so when a node did not reply) from a local HTTP server: the client never takes them for complete
 * data. It retries them like a 5xx and then fails with kind `partial`; a report built on them has the SLO
 * unknown with the failure named, and the failure is transient (the summary waits for a retry), not a
 * configuration error.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import { buildReport } from "../../packages/core/src/report/engine.js";
import { customWindow } from "../../packages/core/src/slo/index.js";
import { failure, json, type LocalServer, startServer } from "./local-servers.js";

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** What VictoriaMetrics sends when a storage node is down: a success, with isPartial at the top. */
const partialVector = (value: string) => ({
  status: "success",
  isPartial: true,
  data: { resultType: "vector", result: [{ metric: {}, value: [1727740799.999, value] }] },
});
const completeVector = (value: string) => ({
  status: "success",
  isPartial: false,
  data: { resultType: "vector", result: [{ metric: {}, value: [1727740799.999, value] }] },
});
const fast = { backoffMs: [5, 10] };

describe("isPartial answers", () => {
  it("are retried, then fail with kind partial after retries + 1 attempts", async () => {
    server = await startServer((_req, res) => json(res, 200, partialVector("17")));
    const c = createPrometheusClient({ url: server.url, retries: 2, ...fast });
    const e = await failure(c.instant("sum(up)"));
    expect(server.requests).toHaveLength(3);
    expect(e).toMatchObject({ kind: "partial", status: 200, attempts: 3, query: "sum(up)" });
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('"isPartial": true');
  });

  it("a partial answer followed by a complete one gives the complete one", async () => {
    server = await startServer((_req, res, n) =>
      json(res, 200, n === 1 ? partialVector("17") : completeVector("42")),
    );
    const c = createPrometheusClient({ url: server.url, ...fast });
    const r = await c.instant("sum(up)");
    expect(r.result.map((s) => s.value)).toEqual([42]);
    expect(server.requests).toHaveLength(2);
  });

  it("a range query with one partial chunk fails as a whole", async () => {
    // two chunks of at most 2 points; the second one is partial
    server = await startServer((_req, res, n) =>
      json(res, 200, {
        status: "success",
        ...(n >= 2 ? { isPartial: true } : {}),
        data: { resultType: "matrix", result: [{ metric: {}, values: [[1, "1"]] }] },
      }),
    );
    const c = createPrometheusClient({ url: server.url, retries: 0, maxPointsPerChunk: 2 });
    const e = await failure(c.range("up", new Date(0), new Date(3000), 1));
    expect(e.kind).toBe("partial");
    expect(server.requests).toHaveLength(2);
  });

  it("acceptPartial takes them as they are", async () => {
    server = await startServer((_req, res) => json(res, 200, partialVector("17")));
    const c = createPrometheusClient({ url: server.url, acceptPartial: true });
    expect((await c.instant("sum(up)")).result.map((s) => s.value)).toEqual([17]);
  });

  it("a report on partial answers: the SLO is unknown, the failure transient (not a configuration error)", async () => {
    // every answer partial: 1 000 requests, 900 good (which would read 90 %, missed)
    server = await startServer((req, res) =>
      json(res, 200, partialVector(req.body.toString().includes("code") ? "900" : "1000")),
    );
    const doc = await buildReport({
      window: customWindow("2026-10-14T00:00:00Z", "2026-10-15T00:00:00Z", "UTC"),
      slos: [
        {
          name: "checkout-success",
          service: "checkout",
          objective: 0.999,
          sli: {
            type: "ratio",
            good: { metric: "http_requests_total", labelsRegex: { code: "2.." } },
            total: { metric: "http_requests_total" },
          },
          missingData: "unknown",
          minCoverage: 0.9,
          maintenance: [],
        },
      ],
      api: createPrometheusClient({ url: server.url, retries: 1, ...fast }),
      sourceLabel: server.url,
      now: new Date("2026-11-01T00:00:00Z"),
      comparePrevious: false,
    });
    const s = doc.slos[0]!;
    expect(s.status).toBe("unknown");
    expect(s.attainment).toBeNull();
    expect(s.reason).toMatch(/^query failed: .*\(partial, HTTP 200\) after 2 attempt\(s\)/);
    expect(doc.breaches).toEqual([]);
    expect(doc.errors).toEqual([
      { slo: "checkout-success", part: "figures", error: expect.stringContaining("isPartial") },
    ]);
  });
});
