/**
 * A second metrics engine (issue 15): VictoriaMetrics (Debian `victoria-metrics`, defaults kept, its response
 * cache included) loaded with the same generated fixture as the Prometheus of the global setup. The report
 * engine must give the same figures from both, and the figures must be the ground truth's.
 *
 * Tolerances, stated: probe SLIs are counts of samples and must be identical; request SLIs use `increase()`,
 * where Prometheus extrapolates to the window's edges and VictoriaMetrics does not (it has the exact count),
 * so attainment may differ by at most 5e-5 absolute (the same tolerance the Prometheus test allows against
 * the planted truth), and each engine stays within it of the truth.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { GroundTruth } from "../../infra/local/index.js";
import {
  ensureVictoriaMetrics,
  importFixture,
  type RunningVictoria,
  startVictoriaMetrics,
} from "../../infra/local/victoria.js";
import { parseConfig } from "../../packages/core/src/config/index.js";
import { runProbeCycle } from "../../packages/core/src/probe/cycle.js";
import { createPrometheusClient, createRemoteWriter } from "../../packages/core/src/prometheus/index.js";
import { buildReport, type ReportSlo } from "../../packages/core/src/report/engine.js";
import type { ReportDocument, SloReport } from "../../packages/core/src/report/model.js";
import { monthWindow } from "../../packages/core/src/slo/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { TempDirs } from "../faults/helpers.js";
import { type HostileServer, startHostileHttp } from "../helpers/hostile-servers.js";
import { CountingNotifier } from "../helpers/notifiers.js";

const promUrl = inject("prometheusUrl");
const truth = JSON.parse(readFileSync(inject("truthFile"), "utf8")) as GroundTruth;
const TZ = "Europe/Berlin";
const NOW = new Date("2026-11-23T08:00:00Z");

const base = { missingData: "unknown" as const, minCoverage: 0.9, maintenance: [] };
const probe = (name: string, target: string, objective: number): ReportSlo => ({
  name,
  service: target,
  objective,
  sli: { type: "probe", target, intervalSeconds: 60 },
  ...base,
});
const SLOS: ReportSlo[] = [
  probe("api-availability", "api", 0.995),
  probe("web-availability", "web", 0.999),
  probe("flaky-availability", "flaky", 0.999),
  {
    name: "checkout-errors",
    service: "checkout",
    objective: 0.999,
    sli: {
      type: "ratio",
      bad: { metric: "http_requests_total", labels: { service: "checkout" }, labelsRegex: { code: "5.." } },
      total: { metric: "http_requests_total", labels: { service: "checkout" } },
    },
    ...base,
  },
  {
    name: "checkout-latency",
    service: "checkout",
    objective: 0.95,
    sli: {
      type: "latency",
      metric: "http_request_duration_seconds",
      labels: { service: "checkout" },
      thresholdSeconds: 0.5,
    },
    ...base,
  },
];

let vm: RunningVictoria;
beforeAll(async () => {
  const bin = await ensureVictoriaMetrics((m) => console.log(`[victoria] ${m}`));
  vm = await startVictoriaMetrics({ bin, log: (m) => console.log(`[victoria] ${m}`) });
  await importFixture(vm.url, (m) => console.log(`[victoria] ${m}`));
}, 180_000);
afterAll(async () => {
  await vm?.stop();
});

const report = (url: string) =>
  buildReport({
    window: monthWindow("2026-10", TZ),
    slos: SLOS,
    api: createPrometheusClient({ url, timeoutMs: 20_000 }),
    sourceLabel: url,
    now: NOW,
  });
const bySlo = (doc: ReportDocument, name: string): SloReport => {
  const s = doc.slos.find((x) => x.name === name);
  if (!s) throw new Error(`no SLO ${name}`);
  return s;
};

describe("VictoriaMetrics and Prometheus give the same report", { timeout: 120_000 }, () => {
  let fromProm: ReportDocument;
  let fromVm: ReportDocument;
  beforeAll(async () => {
    fromProm = await report(promUrl);
    // twice: the second run is answered from VictoriaMetrics' response cache, where step rounding happens
    await report(vm.url);
    fromVm = await report(vm.url);
  }, 120_000);

  it("probe SLIs: identical figures, incidents and daily attainment, equal to the truth", () => {
    const w = truth.windows["2026-10@Europe/Berlin"]!;
    for (const name of ["api-availability", "web-availability", "flaky-availability"]) {
      const p = bySlo(fromProm, name);
      const v = bySlo(fromVm, name);
      const target = name.split("-")[0]!;
      expect(v.attainment, name).toBe(p.attainment);
      expect(v.coverage, name).toBe(p.coverage);
      expect(v.downtimeMinutes, name).toBe(w.probes[target]!.bad);
      expect(v.status, name).toBe(p.status);
      expect(v.incidents, name).toEqual(p.incidents);
      expect(v.incidents.length, name).toBe(w.probes[target]!.incidents.length);
      expect(v.daily, name).toEqual(p.daily);
      expect(v.daily.filter((d) => d.attainment === null).length, name).toBe(
        p.daily.filter((d) => d.attainment === null).length,
      );
    }
  });

  it("request SLIs: within 5e-5 of each other, same status", () => {
    for (const name of ["checkout-errors", "checkout-latency"]) {
      const p = bySlo(fromProm, name);
      const v = bySlo(fromVm, name);
      console.log(
        `[victoria] ${name}: attainment prometheus ${p.attainment} victoria ${v.attainment} ` +
          `(difference ${Math.abs((p.attainment ?? 0) - (v.attainment ?? 0))})`,
      );
      expect(v.attainment).not.toBeNull();
      expect(Math.abs(v.attainment! - p.attainment!), name).toBeLessThanOrEqual(5e-5);
      expect(v.status, name).toBe(p.status);
      expect(v.daily.length, name).toBe(p.daily.length);
      expect(v.daily.filter((d) => d.attainment === null).length, name).toBe(
        p.daily.filter((d) => d.attainment === null).length,
      );
    }
  });
});

describe("remote write from the probe lands in VictoriaMetrics", () => {
  let server: HostileServer;
  const dirs = new TempDirs();
  beforeAll(async () => {
    server = await startHostileHttp();
  });
  afterAll(async () => {
    await server.close();
    await dirs.cleanup();
  });

  it("a probe cycle's blackbox series are stored under their names and labels", async () => {
    const target = `vm-${Date.now()}`;
    const config = await parseConfig(
      JSON.stringify({ targets: [{ name: target, url: `${server.url}/ok`, timeoutMs: 5000 }] }),
      { format: "json", source: "victoria" },
    );
    const r = await runProbeCycle({
      config,
      writer: createRemoteWriter({ url: `${vm.url}/api/v1/write` }),
      store: new LocalObjectStore({ dir: await dirs.make() }),
      notifier: new CountingNotifier(),
    });
    expect(r.results[0]).toMatchObject({ success: true, status: 200 });
    expect(r.write).toMatchObject({ ok: true });
    // /api/v1/export reads the stored samples (instant queries hide the newest ~30 s: -search.latencyOffset);
    // VictoriaMetrics buffers fresh rows for about a second before they are searchable: ask until they are
    const exported = async (name: string) => {
      for (let attempt = 0; attempt < 60; attempt++) {
        await fetch(`${vm.url}/internal/force_flush`);
        const rows = await exportOnce(name);
        if (rows.length > 0) return rows;
        await new Promise((r) => setTimeout(r, 500));
      }
      return [];
    };
    const exportOnce = async (name: string) => {
      const res = await fetch(
        `${vm.url}/api/v1/export?match[]=${encodeURIComponent(`${name}{target="${target}"}`)}`,
      );
      return (await res.text())
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { metric: Record<string, string>; values: number[] });
    };
    const success = await exported("probe_success");
    expect(success).toHaveLength(1);
    expect(success[0]!.values).toEqual([1]);
    expect(success[0]!.metric).toMatchObject({ __name__: "probe_success", target });
    const status = await exported("probe_http_status_code");
    expect(status[0]!.values).toEqual([200]);
    const phases = await exported("probe_http_duration_seconds");
    expect(phases.map((p) => p.metric.phase).sort()).toEqual([
      "connect",
      "processing",
      "resolve",
      "tls",
      "transfer",
    ]);
  });
});
