/**
 * Proves the real-Prometheus harness: the backfilled fixture reads back exactly as planted.
 * Uses raw HTTP (no product code) so a bug in the query client cannot hide a bug in the harness.
 */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import type { GroundTruth } from "../../infra/local/index.js";

const url = inject("prometheusUrl");
const truth = JSON.parse(readFileSync(inject("truthFile"), "utf8")) as GroundTruth;

async function query(q: string): Promise<Record<string, number>> {
  const r = await fetch(`${url}/api/v1/query`, {
    method: "POST",
    body: new URLSearchParams({ query: q }),
  });
  const j = (await r.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  expect(j.status).toBe("success");
  return Object.fromEntries(
    j.data.result.map((s) => [s.metric.target ?? s.metric.code ?? "", Number(s.value[1])]),
  );
}
const sec = (iso: string) => Date.parse(iso) / 1000;

describe("real-Prometheus harness", () => {
  it("reads the planted 50-minute outage back as exactly 50 minutes (evaluated at end - 1 ms)", async () => {
    const end = sec("2026-10-08T00:00:00Z") - 0.001;
    const sel = 'probe_success{target="api"}[1d]';
    const r = await query(`count_over_time(${sel} @ ${end}) - sum_over_time(${sel} @ ${end})`);
    const planted = truth.plan.probes.find((p) => p.target === "api")!.outages[1]!;
    expect((Date.parse(planted.end) - Date.parse(planted.start)) / 60_000).toBe(50);
    expect(r.api).toBe(50);
  });

  it("shows why: a range ending exactly on the boundary includes one sample too many", async () => {
    const end = sec("2026-10-08T00:00:00Z");
    expect((await query(`count_over_time(probe_success{target="api"}[1d] @ ${end})`)).api).toBe(1441);
    expect((await query(`count_over_time(probe_success{target="api"}[1d] @ ${end - 0.001})`)).api).toBe(1440);
  });

  it("holds every probe sample of October 2026 in Europe/Berlin (745 h) as planted, gaps included", async () => {
    const w = truth.windows["2026-10@Europe/Berlin"]!;
    expect(w.minutes).toBe(745 * 60);
    const end = sec(w.end) - 0.001;
    const present = await query(`count_over_time(probe_success[745h] @ ${end})`);
    const good = await query(`sum_over_time(probe_success[745h] @ ${end})`);
    for (const [target, t] of Object.entries(w.probes)) {
      expect(present[target], target).toBe(t.present);
      expect(good[target], target).toBe(t.good);
    }
    expect(w.probes.api!.missing).toBe(120);
    expect(w.probes.api!.bad).toBe(20 + 50 + 60 + 20);
  });

  it("returns an empty vector, not 0, for a window wholly inside a gap", async () => {
    const w = truth.windows["2026-W44@Europe/Berlin"]!;
    expect(w.probes.dark!.present).toBe(0);
    const r = await query(`count_over_time(probe_success{target="dark"}[168h] @ ${sec(w.end) - 0.001})`);
    expect(r).toEqual({});
  });

  it("holds the request counters (with a reset) close to the exact planted counts", async () => {
    const w = truth.windows["2026-10@Europe/Berlin"]!;
    const r = await query(`sum by (code) (increase(http_requests_total[745h] @ ${sec(w.end) - 0.001}))`);
    // increase() extrapolates at the window edges and handles the reset: within 0.01 % of the truth.
    expect(Math.abs(r["200"]! - w.requests.good) / w.requests.good).toBeLessThan(1e-4);
    expect(Math.abs(r["500"]! - w.requests.bad) / w.requests.bad).toBeLessThan(1e-3);
    // the series that appears mid-window loses its first sample (30 of 900 requests): a known limit
    expect(r["503"]!).toBeLessThan(w.requests.late);
    expect(r["503"]!).toBeGreaterThan(w.requests.late - 2 * 30);
  });
});
