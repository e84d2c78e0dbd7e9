/**
 * Whole probe runs: results remote-written to the real Prometheus and queryable, breach state across
 * consecutive runs (one DOWN, one RECOVERED, no storm), two overlapping runs, remote-write failure.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "../../packages/core/src/config/index.js";
import { OutboxNotifier } from "../../packages/core/src/notify/index.js";
import { PROBE_STATE_KEY, runProbeCycle } from "../../packages/core/src/probe/cycle.js";
import { createPrometheusClient, createRemoteWriter } from "../../packages/core/src/prometheus/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { CountingNotifier } from "../helpers/notifiers.js";

const promUrl = inject("prometheusUrl");
let server: Server;
let mode: "ok" | "fail" = "ok";
let url = "";
const dirs: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.headers.authorization !== "Bearer s3cr3t-token") {
      res.statusCode = 401;
      return res.end("no");
    }
    res.statusCode = mode === "ok" ? 200 : 503;
    res.end(mode === "ok" ? "healthy" : "down");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/health`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const run = `r${Date.now()}`;
const config = async () =>
  await parseConfig(
    JSON.stringify({
      targets: [
        {
          name: "svc",
          url,
          headers: { Authorization: { env: "SVC_TOKEN" } },
          expect: { bodyMatches: "healthy" },
          labels: { run },
        },
      ],
      notify: { downAfter: 3, recoverAfter: 2 },
    }),
    { format: "json", source: "test" },
  );
const env = { SVC_TOKEN: "Bearer s3cr3t-token" };
/** the service with its token, no assertions beyond the status, DOWN after `downAfter` failures */
const plainConfig = async (downAfter: number) =>
  await parseConfig(
    JSON.stringify({
      targets: [{ name: "svc", url, headers: { Authorization: { env: "SVC_TOKEN" } } }],
      notify: { downAfter, recoverAfter: 1 },
    }),
    { format: "json" },
  );

async function fresh() {
  const dir = await mkdtemp(join(tmpdir(), "sla-cycle-"));
  dirs.push(dir);
  return { dir, store: new LocalObjectStore({ dir }) };
}

describe("probe cycle", () => {
  it("writes blackbox-compatible series that Prometheus can query", async () => {
    const { dir, store } = await fresh();
    mode = "ok";
    const r = await runProbeCycle({
      config: await config(),
      env,
      writer: createRemoteWriter({ url: `${promUrl}/api/v1/write` }),
      store,
      notifier: new OutboxNotifier({ dir: join(dir, "outbox") }),
    });
    expect(r.write.ok).toBe(true);
    expect(r.results[0]!.success).toBe(true);
    const api = createPrometheusClient({ url: promUrl });
    const q = async (expr: string) => (await api.instant(expr)).result;
    const success = await q(`probe_success{run="${run}"}`);
    expect(success).toHaveLength(1);
    expect(success[0]!.value).toBe(1);
    expect(success[0]!.metric).toMatchObject({ job: "sla-monitor", target: "svc", instance: url });
    expect((await q(`probe_http_status_code{run="${run}"}`))[0]!.value).toBe(200);
    const phases = (await q(`probe_http_duration_seconds{run="${run}"}`)).map((s) => s.metric.phase).sort();
    expect(phases).toEqual(expect.arrayContaining(["connect", "processing", "transfer"]));
    expect((await q(`probe_duration_seconds{run="${run}"}`))[0]!.value).toBeGreaterThan(0);
    // the token never reaches the state, the outbox or the metrics
    const state = await readFile(join(dir, PROBE_STATE_KEY), "utf8");
    expect(state).not.toContain("s3cr3t");
  });

  it("alerts DOWN once after N failures and RECOVERED once after M successes", async () => {
    const { dir, store } = await fresh();
    const notifier = new CountingNotifier();
    const sent = notifier.sent;
    const seq: ("ok" | "fail")[] = ["ok", "fail", "fail", "fail", "fail", "fail", "ok", "ok", "ok"];
    for (const m of seq) {
      mode = m;
      await runProbeCycle({ config: await config(), env, writer: null, store, notifier });
    }
    expect(sent.map((m) => m.subject)).toEqual(["DOWN: svc", "RECOVERED: svc"]);
    expect(sent[0]!.attributes).toMatchObject({ target: "svc" });
    expect(sent[0]!.severity).toBe("critical");
    expect(sent[0]!.text).toContain("status");
    expect(JSON.stringify(sent)).not.toContain("s3cr3t");
    expect(await readdir(dir)).toContain("state");
  });

  it("two overlapping runs cannot both alert", async () => {
    const { store } = await fresh();
    const notifier = new CountingNotifier();
    mode = "fail";
    const cfg = await plainConfig(1);
    // eight runs at once, all seeing the target fail for the first time
    await Promise.all(
      Array.from({ length: 8 }, () => runProbeCycle({ config: cfg, env, writer: null, store, notifier })),
    );
    expect(notifier.subjects()).toEqual(["DOWN: svc"]);
  });

  it("a failed publish stays pending and goes out with the next run", async () => {
    const { store } = await fresh();
    const notifier = new CountingNotifier();
    notifier.failWith = new Error("SNS throttled");
    mode = "fail";
    const cfg = await plainConfig(1);
    const r1 = await runProbeCycle({ config: cfg, env, writer: null, store, notifier });
    expect(r1.publishErrors[0]).toMatch(/SNS throttled/);
    notifier.failWith = undefined;
    const r2 = await runProbeCycle({ config: cfg, env, writer: null, store, notifier });
    expect(r2.published).toHaveLength(1);
    expect(notifier.subjects()).toEqual(["DOWN: svc"]);
    await runProbeCycle({ config: cfg, env, writer: null, store, notifier });
    expect(notifier.subjects()).toEqual(["DOWN: svc"]);
  });

  it("a remote-write failure does not crash the run, keeps the breach step, and alerts once", async () => {
    const { store } = await fresh();
    const notifier = new CountingNotifier();
    mode = "fail";
    const cfg = await plainConfig(2);
    const writer = createRemoteWriter({ url: "http://127.0.0.1:1/api/v1/write", retries: 0 });
    for (let i = 0; i < 4; i++) {
      const r = await runProbeCycle({ config: cfg, env, writer, store, notifier });
      expect(r.write.ok).toBe(false);
    }
    expect(notifier.subjects().sort()).toEqual(["DOWN: svc", "sla-monitor cannot write metrics"]);
  });
});
