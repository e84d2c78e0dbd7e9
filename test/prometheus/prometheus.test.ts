/**
 * The query client and the remote writer against the real Prometheus of the integration setup (2.42,
 * remote-write receiver on, 35-day fixture backfilled). Remote-written series carry a unique `run` label.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { FIXTURE_START, PLAN, probeSample } from "../../infra/local/index.js";
import {
  createPrometheusClient,
  createRemoteWriter,
  escapeLabelValue,
  PrometheusError,
  selector,
} from "../../packages/core/src/prometheus/index.js";
import type { QueryApi } from "../../packages/core/src/report/engine.js";

const url = inject("prometheusUrl");
const writer = createRemoteWriter({ url: `${url}/api/v1/write` });
const run = () => `t-${randomUUID()}`;
const MIN = 60_000;

describe("remote write, then query back", () => {
  it("makes written samples queryable by instant()", async () => {
    const id = run();
    const now = Math.floor(Date.now() / 1000) * 1000;
    const w = await writer.write([
      {
        labels: { __name__: "sla_rw_test", run: id, target: "a" },
        samples: [
          { value: 1, timestampMs: now - 2 * MIN },
          { value: 0, timestampMs: now - MIN },
          { value: 1, timestampMs: now },
        ],
      },
      {
        labels: { __name__: "sla_rw_test", run: id, target: "b" },
        samples: [{ value: 0.25, timestampMs: now }],
      },
    ]);
    expect(w).toEqual({ ok: true, status: 204, attempts: 1 });

    const c = createPrometheusClient({ url });
    const latest = await c.instant(selector("sla_rw_test", { run: id }), new Date(now));
    expect(latest.resultType).toBe("vector");
    expect(latest.result.map((s) => [s.metric.target, s.value, s.timestampMs]).sort()).toEqual([
      ["a", 1, now],
      ["b", 0.25, now],
    ]);
    const sum = await c.instant(
      `sum_over_time(${selector("sla_rw_test", { run: id, target: "a" })}[3m])`,
      new Date(now),
    );
    expect(sum.result[0]!.value).toBe(2);
    const count = await c.instant(
      `count_over_time(${selector("sla_rw_test", { run: id, target: "a" })}[3m])`,
      new Date(now),
    );
    expect(count.result[0]!.value).toBe(3);
  });

  it("stores and matches hostile label values exactly (no PromQL injection)", async () => {
    const id = run();
    const now = Date.now();
    const hostile = ['"} or vector(1) or {x="', 'a\\"b\nc', "ends with backslash\\", "ü 🚀 \r\t"];
    const w = await writer.write(
      hostile.map((target, i) => ({
        labels: { __name__: "sla_rw_hostile", run: id, target },
        samples: [{ value: i, timestampMs: now }],
      })),
    );
    expect(w.ok).toBe(true);
    const c = createPrometheusClient({ url });
    for (const [i, target] of hostile.entries()) {
      const r = await c.instant(selector("sla_rw_hostile", { run: id, target }), new Date(now));
      expect(r.result, JSON.stringify(target)).toHaveLength(1);
      expect(r.result[0]!.metric.target).toBe(target);
      expect(r.result[0]!.value).toBe(i);
      // Prometheus's own parser reads the escaped literal back as the original string
      const echo = await c.instant(`label_replace(vector(1), "v", "${escapeLabelValue(target)}", "", "")`);
      expect(echo.result.map((s) => s.metric.v)).toEqual([target]);
    }
    // the injection attempt on a metric that has no such series stays an empty selector
    const injected = await c.instant(
      selector("sla_rw_hostile", { run: id, target: '"} or vector(1) or {x="x' }),
    );
    expect(injected.result).toEqual([]);
  });

  it("reports Prometheus's refusal of samples too old for the head block as ok:false", async () => {
    const id = run();
    const r = await writer.write([
      {
        labels: { __name__: "sla_rw_old", run: id },
        samples: [{ value: 1, timestampMs: Date.parse(FIXTURE_START) }],
      },
    ]);
    expect(r).toMatchObject({ ok: false, status: 400, attempts: 1 });
    expect(!r.ok && r.error).toMatch(/out of bounds/);
  });
});

describe("query client against the fixture", () => {
  const start = new Date(FIXTURE_START);
  const points = (35 * 86_400) / 60; // 50 400
  const end = new Date(start.getTime() + (points - 1) * MIN);
  const web = PLAN.probes.find((p) => p.target === "web")!;

  it("returns every one of the 50 400 points of a 35-day range at 60 s, chunked under the 11 000 limit", async () => {
    const c = createPrometheusClient({ url });
    const r = await c.range(selector("probe_success", { target: "web" }), start, end, 60);
    expect(r.chunks).toBe(6);
    expect(c.stats.queries).toBe(6);
    expect(r.result).toHaveLength(1);
    const s = r.result[0]!;
    expect(s.metric).toEqual({
      __name__: "probe_success",
      job: "sla-monitor",
      instance: web.url,
      target: "web",
    });
    expect(s.values).toHaveLength(points);
    for (const [i, [t, v]] of s.values.entries()) {
      expect(t).toBe(start.getTime() + i * MIN);
      if (v !== probeSample(web, t)) expect.fail(`point ${i} at ${new Date(t).toISOString()}: ${v}`);
    }
    expect(s.values.filter(([, v]) => v === 0)).toHaveLength(7 + 60);
  });

  it("gives the same answer whatever the chunk size, for many series", async () => {
    const q = "probe_success";
    const a = await createPrometheusClient({ url }).range(q, start, end, 60);
    const b = await createPrometheusClient({ url, maxPointsPerChunk: 11_000 }).range(q, start, end, 60);
    const c = await createPrometheusClient({ url, maxPointsPerChunk: 997 }).range(q, start, end, 60);
    expect(a.result.length).toBe(PLAN.probes.length);
    expect(b.chunks).toBe(5);
    expect(c.chunks).toBe(Math.ceil(points / 997));
    expect(b.result).toEqual(a.result);
    expect(c.result).toEqual(a.result);
  });

  it("shows why chunking is needed: one request over the limit is refused as bad_data", async () => {
    const r = await fetch(`${url}/api/v1/query_range`, {
      method: "POST",
      body: new URLSearchParams({
        query: "probe_success",
        start: String(start.getTime() / 1000),
        end: String(end.getTime() / 1000),
        step: "60",
      }),
    });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain("exceeded maximum resolution of 11,000 points per timeseries");
  });

  it("fails a bad query once, as bad_data, with the server's message and the query", async () => {
    const c = createPrometheusClient({ url, backoffMs: [1000] });
    const bad = 'sum(probe_success{target="api"}';
    let e: unknown;
    try {
      await c.instant(bad);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(PrometheusError);
    const pe = e as PrometheusError;
    expect(pe).toMatchObject({
      kind: "bad_data",
      status: 400,
      errorType: "bad_data",
      attempts: 1,
      query: bad,
    });
    expect(pe.serverError).toMatch(/parse error/);
    expect(pe.message).toContain(bad);
    expect(c.stats).toMatchObject({ queries: 1, retries: 0 });
  });

  it("evaluates with @ and time, returns scalar, matrix and string results, and counts its work", async () => {
    const c = createPrometheusClient({ url });
    const t = new Date("2026-10-08T00:00:00Z");
    const sel = 'probe_success{target="api"}[1d]';
    const v = await c.instant(`count_over_time(${sel}) - sum_over_time(${sel})`, new Date(t.getTime() - 1));
    expect(v.result).toHaveLength(1);
    expect(v.result[0]!.value).toBe(50); // the planted 50-minute outage
    expect(v.result[0]!.timestampMs).toBe(t.getTime() - 1);

    const s = await c.instant("scalar(vector(2.5))", t);
    expect(s).toMatchObject({
      resultType: "scalar",
      result: [{ metric: {}, value: 2.5, timestampMs: t.getTime() }],
    });

    const m = await c.instant('probe_success{target="web"}[5m]', t);
    expect(m.resultType).toBe("matrix");
    expect(m.matrix![0]!.values.map(([ts]) => ts)).toEqual(
      [5, 4, 3, 2, 1, 0].map((k) => t.getTime() - k * MIN),
    );

    const str = await c.instant('"hello"', t);
    expect(str).toMatchObject({ resultType: "string", string: "hello", result: [] });

    const inf = await c.instant("vector(1) / vector(0)", t);
    expect(inf.result[0]!.value).toBe(Number.POSITIVE_INFINITY);

    const st = c.stats;
    expect(st.queries).toBe(5);
    expect(st.retries).toBe(0);
    expect(st.bytes).toBeGreaterThan(200);
    expect(st.evalSeconds).toBeGreaterThan(0);
    expect(v.stats?.evalSeconds).toBeGreaterThan(0);
  });

  it("lists label values and series", async () => {
    const c = createPrometheusClient({ url });
    const targets = await c.labelValues("target", { match: ["probe_success"] });
    expect(targets).toEqual(expect.arrayContaining(PLAN.probes.map((p) => p.target)));
    const series = await c.series(['http_requests_total{service="checkout"}'], {
      start,
      end: new Date(start.getTime() + 35 * 86_400_000),
    });
    expect(series.map((s) => s.code).sort()).toEqual(["200", "500", "503"]);
  });

  it("satisfies the report engine's QueryApi", async () => {
    const api: QueryApi = createPrometheusClient({ url });
    const r = await api.range('probe_success{target="api"}', start, new Date(start.getTime() + 10 * MIN), 60);
    expect(r.result[0]!.values).toHaveLength(11);
  });
});
