/**
 * A Prometheus that is slow (answers after the client's deadline), answers garbage, or always answers 500:
 * every SLO ends "unknown" with the failure named, nothing claims "met", the run is bounded by the client's
 * deadlines and retries, and nothing is published (no SLO has complete figures, so there is no breach, and
 * the summary waits for the retry). Also: a failure of only the previous-period queries, where the breaches
 * go out at once and the retry adds only the summary.
 */
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { createPrometheusClient, PrometheusError } from "../../packages/core/src/prometheus/index.js";
import { breachItem } from "../../packages/core/src/report/notifications.js";
import { type RunReportResult, runReport } from "../../packages/core/src/report/run.js";
import { previousWindow } from "../../packages/core/src/slo/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { closedPort } from "../prometheus/local-servers.js";
import {
  CountingNotifier,
  type Forwarder,
  type ForwardMode,
  fixtureConfig,
  manySlos,
  markerKeys,
  NOW,
  OCTOBER,
  since,
  startForwarder,
  TempDirs,
} from "./helpers.js";

const promUrl = inject("prometheusUrl");
const dirs = new TempDirs();
let fwd: Forwarder | undefined;
afterEach(async () => {
  await fwd?.close();
  fwd = undefined;
});
afterAll(async () => {
  await dirs.cleanup();
});

const SLOS = manySlos(12);

async function reportThrough(
  mode: ForwardMode,
  client: { timeoutMs: number; retries: number; backoffMs: number[] },
): Promise<{ r: RunReportResult; elapsed: number; notifier: CountingNotifier; store: LocalObjectStore }> {
  fwd = await startForwarder(promUrl);
  fwd.mode = () => mode;
  const store = new LocalObjectStore({ dir: await dirs.make() });
  const notifier = new CountingNotifier();
  const t0 = performance.now();
  const r = await runReport({
    slos: SLOS,
    notifyConfig: fixtureConfig.notify,
    window: OCTOBER,
    now: NOW,
    api: createPrometheusClient({ url: fwd.url, ...client }),
    store,
    notifier,
    notify: true,
    sourceLabel: fwd.url,
  });
  return { r, elapsed: since(t0), notifier, store };
}

async function expectAllUnknownAndWithheld(
  x: Awaited<ReturnType<typeof reportThrough>>,
  reason: RegExp,
): Promise<void> {
  const { r, notifier, store } = x;
  expect(r.report.summary).toEqual({ total: SLOS.length, met: 0, missed: 0, unknown: SLOS.length });
  for (const s of r.report.slos) {
    expect(s.status).toBe("unknown");
    expect(s.attainment).toBeNull();
    expect(s.reason).toMatch(reason);
  }
  expect(r.report.breaches).toEqual([]);
  // a transient failure: the run fails (the Lambda retry completes the report), the summary is withheld
  expect(r.error).toMatch(
    new RegExp(
      `^Prometheus queries failed for ${SLOS.length} SLO\\(s\\) .*the summary was withheld so that a retry can publish a complete one`,
    ),
  );
  expect(r.configError).toBeUndefined();
  expect(r.published).toEqual([]);
  expect(notifier.sent).toEqual([]);
  expect(await markerKeys(store)).toEqual([]);
  // the report itself is stored and says why
  const txt = new TextDecoder().decode((await store.get(r.keys.txt))!.body);
  expect(txt).toMatch(/unknown/i);
}

describe("slow Prometheus (answers after the client's deadline)", () => {
  it("every SLO unknown with a timeout reason; each query tried retries + 1 times, each SLO stops at its first failure", async () => {
    const client = { timeoutMs: 300, retries: 2, backoffMs: [20] };
    const x = await reportThrough({ kind: "delay", ms: 1500 }, client);
    // how long such a run takes is a figure (bench/report.ts); here: what was asked, and how often
    console.log(`[faults] slow Prometheus: ${SLOS.length} SLOs unknown in ${x.elapsed} ms`);
    await expectAllUnknownAndWithheld(
      x,
      /^query failed: Prometheus request to .*api\/v1\/query failed \(timeout\) after 3 attempt\(s\): no complete response within 300 ms; query: /,
    );
    // Every query was sent exactly retries + 1 times (the SLOs are clones of the fixture's five, so one
    // query text can belong to several SLOs: its count is a multiple of retries + 1).
    const attempts = new Map<string, number>();
    for (const b of fwd!.bodies) attempts.set(b, (attempts.get(b) ?? 0) + 1);
    for (const n of attempts.values()) expect(n % (client.retries + 1)).toBe(0);
    // An SLO gives up at its first failed round (at most 3 queries sent together) and never goes on to its
    // daily breakdown or incident queries; the per-target latency figures add one round per probe SLO.
    const probeSlos = SLOS.filter((s) => s.sli.type === "probe").length;
    const rounds = fwd!.bodies.length / (client.retries + 1);
    expect(rounds).toBeGreaterThanOrEqual(SLOS.length);
    expect(rounds).toBeLessThanOrEqual(3 * SLOS.length + probeSlos);
    console.log(`[faults] slow Prometheus: ${rounds} query chains of ${client.retries + 1} attempts`);
  });
});

describe("Prometheus answering garbage", () => {
  it("malformed JSON: unknown with an invalid_response reason, not retried", async () => {
    const client = { timeoutMs: 2000, retries: 2, backoffMs: [20] };
    const x = await reportThrough(
      { kind: "status", status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[' },
      client,
    );
    await expectAllUnknownAndWithheld(
      x,
      /failed \(invalid_response, HTTP 200\) after 1 attempt\(s\): response is not JSON: .*"resultType/,
    );
  });

  it("well-formed JSON with a non-numeric sample: unknown with an invalid_response reason", async () => {
    const body = JSON.stringify({
      status: "success",
      data: { resultType: "vector", result: [{ metric: {}, value: [1793487599.999, "lots"] }] },
    });
    const x = await reportThrough(
      { kind: "status", status: 200, body },
      { timeoutMs: 2000, retries: 2, backoffMs: [20] },
    );
    await expectAllUnknownAndWithheld(x, /\(invalid_response, HTTP 200\).*not a sample value: "lots"/);
  });

  it("HTTP 500 on every request: unknown naming the status and the server's text after retries + 1 attempts", async () => {
    const client = { timeoutMs: 2000, retries: 2, backoffMs: [20] };
    const x = await reportThrough(
      { kind: "status", status: 500, body: "upstream store unavailable", contentType: "text/plain" },
      client,
    );
    await expectAllUnknownAndWithheld(
      x,
      // the server's text, quoted as untrusted (“…”) where the client does so
      /failed \(http, HTTP 500\) after 3 attempt\(s\): “?upstream store unavailable”?; query: /,
    );
  });
});

describe("only the previous-period comparison fails", () => {
  // A failed comparison query makes the document incomplete (report.errors): the SLOs' own figures are
  // complete, so their breaches go out; the summary waits for the retry, which publishes only the summary.
  it("publishes the breaches, withholds the summary and fails the run; the retry publishes only the summary", async () => {
    const healthy = createPrometheusClient({ url: promUrl });
    const down = createPrometheusClient({ url: `http://127.0.0.1:${await closedPort()}`, retries: 0 });
    // the previous-window (September) queries are evaluated at its end - 1 ms
    const septemberEnd = `@ ${(previousWindow(OCTOBER).end.getTime() - 1) / 1000}`;
    const isPrevious = (q: string) => q.includes(septemberEnd);
    const api = {
      instant: (q: string, t?: Date) => (isPrevious(q) ? down : healthy).instant(q, t),
      range: (q: string, s: Date, e: Date, step: number) => healthy.range(q, s, e, step),
    };
    const notifier = new CountingNotifier();
    const base = {
      slos: fixtureConfig.slos,
      notifyConfig: fixtureConfig.notify,
      window: OCTOBER,
      now: NOW,
      store: new LocalObjectStore({ dir: await dirs.make() }),
      notifier,
      notify: true,
      sourceLabel: promUrl,
    };
    const r = await runReport({ ...base, api });
    expect(r.report.slos.some((s) => s.reason?.includes("previous period unavailable"))).toBe(true);
    expect(r.report.errors.length).toBeGreaterThan(0);
    expect(r.report.errors.every((e) => e.part === "previous" && !e.rejected)).toBe(true);
    expect(r.error).toMatch(
      /^Prometheus queries failed for \d+ SLO\(s\) .*: previous period: .*the breaches of the SLOs with complete figures were published; the summary was withheld/,
    );
    const breaches = r.report.breaches.map(breachItem).sort();
    expect(breaches.length).toBeGreaterThan(0);
    expect([...r.published].sort()).toEqual(breaches);
    expect(notifier.sent.map((m) => m.kind)).toEqual(["breach"]); // one digest, no summary
    // the stored report says what is missing
    const txt = new TextDecoder().decode((await base.store.get(r.keys.txt))!.body).replace(/\s+/g, " ");
    expect(txt).toContain("Partial: missing: the comparison with the previous period of");

    // the retry, with Prometheus answering: the summary only, the breaches are not repeated
    const r2 = await runReport({ ...base, api: healthy });
    expect(r2.error).toBeUndefined();
    expect(r2.published).toEqual(["summary"]);
    expect([...r2.alreadySent].sort()).toEqual(breaches);
    expect(notifier.sent.map((m) => m.kind)).toEqual(["breach", "report"]);
    expect(notifier.sent[1]!.text).not.toContain("Partial");
  });
});

describe("error messages name the endpoint", () => {
  it("the endpoint in a PrometheusError is the URL that was requested", async () => {
    const port = await closedPort();
    const c = createPrometheusClient({ url: `http://127.0.0.1:${port}`, retries: 0 });
    const e = await c.instant("up").catch((err: unknown) => err);
    expect(e).toBeInstanceOf(PrometheusError);
    expect((e as PrometheusError).endpoint).toBe(`http://127.0.0.1:${port}/api/v1/query`);
  });
});
