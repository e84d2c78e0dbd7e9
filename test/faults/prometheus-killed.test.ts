/**
 * Prometheus killed (SIGKILL) in the middle of a report with 30 SLOs, then restarted on the same data dir and
 * port: the first run stores an honest report (affected SLOs "unknown" with the failure named, nothing "met"
 * that was not fully evaluated), publishes the breaches of the SLOs evaluated before the kill (their figures
 * are complete) as one digest, withholds the summary and says so; the run after the restart publishes the
 * summary and the breaches not yet published (one more digest), and a third run publishes nothing.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureFixture,
  ensurePrometheus,
  type PrometheusBinaries,
  type RunningPrometheus,
  startPrometheus,
} from "../../infra/local/index.js";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import type { Breach, ReportDocument, SloReport } from "../../packages/core/src/report/model.js";
import { breachItem } from "../../packages/core/src/report/notifications.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import {
  CountingNotifier,
  countingApi,
  expectedMessages,
  fixtureConfig,
  manySlos,
  markerKeys,
  NOW,
  OCTOBER,
  since,
  TempDirs,
} from "./helpers.js";

const SLOS = manySlos(30);
/** the n-th query (1-based) finds Prometheus dead: about 7 of the 30 SLOs are evaluated by then */
const KILL_AT = 40;
const CLIENT = { timeoutMs: 5000, retries: 1, backoffMs: [50] };

const dirs = new TempDirs();
let bin: PrometheusBinaries;
let blocksDir: string;
let dataDir: string;
let prom: RunningPrometheus | undefined;

beforeAll(async () => {
  bin = await ensurePrometheus();
  blocksDir = (await ensureFixture(bin)).blocksDir;
  dataDir = join(await mkdtemp(join(tmpdir(), "sla-fault-prom-")), "data");
  prom = await startPrometheus({ bin, blocksDir, dataDir });
});
afterAll(async () => {
  await prom?.stop();
  await rm(join(dataDir, ".."), { recursive: true, force: true });
  await dirs.cleanup();
});

const pick = (s: SloReport) => ({ status: s.status, attainment: s.attainment, coverage: s.coverage });

describe("Prometheus killed in the middle of a report", () => {
  it("stores the SLOs it could not evaluate as unknown, publishes the complete SLOs' breaches, the rest once after a restart", {
    timeout: 240_000,
  }, async () => {
    const first = prom!;
    const port = first.port;
    const base = {
      slos: SLOS,
      notifyConfig: fixtureConfig.notify,
      window: OCTOBER,
      now: NOW,
      sourceLabel: first.url,
    };

    // Ground truth for every SLO: the same report from the healthy server, not published.
    const truthDir = await dirs.make();
    const truth = await runReport({
      ...base,
      api: createPrometheusClient({ url: first.url, ...CLIENT }),
      store: new LocalObjectStore({ dir: truthDir }),
      notifier: new CountingNotifier(),
      notify: false,
    });
    const truthBy = new Map(truth.report.slos.map((s) => [s.name, s]));
    // (the fixture's api-availability is "unknown" on its own merits: 2 h of missing data decide it)
    expect(truth.report.slos.every((s) => !s.reason?.startsWith("query failed"))).toBe(true);
    expect(truth.report.summary.met).toBeGreaterThan(0);
    expect(truth.report.summary.missed).toBeGreaterThan(0);

    // Run 1: SIGKILL Prometheus just before the KILL_AT-th query goes out.
    const dir = await dirs.make();
    const store = new LocalObjectStore({ dir });
    const notifier = new CountingNotifier();
    let killedAt = 0;
    const api = countingApi(createPrometheusClient({ url: first.url, ...CLIENT }), async (n) => {
      if (n !== KILL_AT) return;
      process.kill(first.pid, "SIGKILL");
      await first.stop(); // waits for the exit
      killedAt = performance.now();
    });
    const t0 = performance.now();
    const r1 = await runReport({ ...base, api, store, notifier, notify: true });
    const elapsed = since(t0);
    const afterKill = since(killedAt);
    console.log(
      `[faults] killed at query ${KILL_AT} of ${api.count()}; run ${elapsed} ms, ${afterKill} ms after the kill; ` +
        `met ${r1.report.summary.met}, missed ${r1.report.summary.missed}, unknown ${r1.report.summary.unknown}`,
    );
    // How long the rest of the run took after the kill is a figure (printed above); the behaviour is below:
    // the SLOs whose queries found the server dead are unknown with the failure named, the rest are exact.

    // The report is stored, with the truth for what was evaluated and "unknown" for the rest.
    const stored = JSON.parse(await readFile(join(dir, r1.keys.json), "utf8")) as ReportDocument;
    expect(stored.summary).toEqual(r1.report.summary);
    expect(stored.slos.map((s) => [s.name, s.status, s.reason])).toEqual(
      r1.report.slos.map((s) => [s.name, s.status, s.reason]),
    );
    const failed = r1.report.slos.filter((s) => s.reason?.startsWith("query failed"));
    const evaluated = r1.report.slos.filter((s) => !failed.includes(s));
    expect(failed.length).toBeGreaterThan(0);
    expect(evaluated.filter((s) => s.status !== "unknown").length).toBeGreaterThan(0);
    for (const s of failed) {
      expect(s.status).toBe("unknown");
      expect(s.attainment).toBeNull();
      expect(s.reason).toMatch(
        new RegExp(
          `^query failed: Prometheus request to http://127\\.0\\.0\\.1:${port}/api/v1/query(_range)? failed \\(network\\) after 2 attempt\\(s\\): ECONNREFUSED.*; query: `,
        ),
      );
      expect(s.errorBudget.remaining).toBeNull();
    }
    for (const s of evaluated) expect(pick(s)).toEqual(pick(truthBy.get(s.name)!));
    // "met" counts only SLOs whose current-window queries all succeeded (they match the healthy run)
    expect(stored.summary.met).toBe(evaluated.filter((s) => s.status === "met").length);
    expect(stored.summary.unknown).toBe(
      failed.length + evaluated.filter((s) => s.status === "unknown").length,
    );
    expect(stored.summary.met).toBeLessThan(truth.report.summary.met);
    // the human-readable text says so too
    const txt = await readFile(join(dir, r1.keys.txt), "utf8");
    expect(txt).toMatch(/unknown/i);

    // every SLO with a failed query (its own figures, or its p95/p99 latency figures) is listed in errors
    const withErrors = new Set(r1.report.errors.map((e) => e.slo));
    for (const s of failed) expect(withErrors.has(s.name), s.name).toBe(true);
    expect(r1.error).toMatch(
      new RegExp(
        `^Prometheus queries failed for ${withErrors.size} SLO\\(s\\) \\(.*${failed[0]!.name}.*\\): .*the summary was withheld`,
      ),
    );
    // The breaches of SLOs evaluated before the kill went out at once, in one digest; they are the truth's
    // (only SLOs with complete figures can breach); no summary yet.
    const items = (bs: Breach[]) => bs.map(breachItem).sort();
    const truthItems = items(truth.report.breaches);
    const first1 = items(r1.report.breaches);
    console.log(`[faults] breaches published before the restart: ${first1.length} of ${truthItems.length}`);
    for (const b of r1.report.breaches) expect(evaluated.map((s) => s.name)).toContain(b.slo);
    for (const i of first1) expect(truthItems).toContain(i);
    expect([...r1.published].sort()).toEqual(first1);
    expect(notifier.sent.map((m) => m.kind)).toEqual(first1.length > 0 ? ["breach"] : []);
    expect(await markerKeys(store)).toHaveLength(first1.length); // one publish-once marker per breach

    // Restart on the same data dir and port; the retry publishes everything exactly once.
    prom = await startPrometheus({ bin, dataDir, port });
    const again = { ...base, store, notifier, notify: true };
    const r2 = await runReport({ ...again, api: createPrometheusClient({ url: prom.url, ...CLIENT }) });
    expect(r2.error).toBeUndefined();
    expect(r2.report.slos.map(pick)).toEqual(truth.report.slos.map(pick));
    expect(r2.report.summary).toEqual(truth.report.summary);
    // only what run 1 did not publish: the summary and the other breaches (each breach once over both runs)
    expect([...r2.published, ...r1.published].sort()).toEqual(expectedMessages(truth.report));
    expect([...r2.alreadySent].sort()).toEqual(first1);
    const second = truthItems.filter((i) => !first1.includes(i));
    expect(notifier.sent).toHaveLength((first1.length > 0 ? 1 : 0) + 1 + (second.length > 0 ? 1 : 0));
    expect(new Set(notifier.subjects()).size).toBe(notifier.sent.length);
    expect(notifier.sent.filter((m) => m.kind === "report")).toHaveLength(1);
    // every breach is in exactly one digest
    const digests = notifier.sent.filter((m) => m.kind === "breach");
    for (const b of truth.report.breaches)
      expect(digests.filter((m) => m.text.includes(` ${b.slo} (${b.service}): `))).toHaveLength(1);
    const summary = notifier.sent.find((m) => m.kind === "report")!;
    expect(summary.severity).toBe("critical"); // some SLOs missed
    expect(summary.subject).toContain(`${truth.report.summary.met} met`);

    // A third run (another retry) publishes nothing.
    const r3 = await runReport({ ...again, api: createPrometheusClient({ url: prom.url, ...CLIENT }) });
    expect(r3.error).toBeUndefined();
    expect(r3.published).toEqual([]);
    expect([...r3.alreadySent].sort()).toEqual(expectedMessages(truth.report));
    expect(notifier.sent).toHaveLength(digests.length + 1);
  });
});
