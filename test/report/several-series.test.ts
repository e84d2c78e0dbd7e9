/**
 * Several probe series for one SLO (three locations) against the real Prometheus: `sli.downWhen` any /
 * majority / all, every figure in wall-clock minutes (never series-minutes).
 *
 * Planted by remote write (the head only takes recent samples, so the window is the 45 whole minutes that
 * ended 5 minutes before the minute the test started in; the figures below do not depend on when that is).
 * Each location writes one probe_success sample a minute, at its own second within the minute (a :00,
 * b :17, c :42.5), from 2 minutes before the window to 2 minutes after it; the samples outside the window
 * all failed, so any that leaked in would show. Minutes are counted from the window start.
 *
 *   a failed 5–14, 30–31, 40–41          b failed 10–19, no sample 25 and 40–44     c failed 12–13, 31–34, 41
 *   minute 25: no location has a sample (missing)
 *
 * Per minute (series with a sample / of those failed) and the verdict of each rule:
 *   0–4   3/0   up        15–19 3/1 any           31     3/2 any, majority
 *   5–9   3/1   any       20–24 3/0 up            32–34  3/1 any
 *   10–11 3/2   any, maj. 25    0/0 missing       35–39  3/0 up
 *   12–13 3/3   all three 26–29 3/0 up            40     2/1 any (b has no sample: 1 of 2 is not a majority)
 *   14    3/2   any, maj. 30    3/1 any           41     2/2 all three (every series with a sample failed)
 *                                                 42–44  2/0 up
 * Down minutes: any 15 + 5 + 2 = 22; majority 5 + 1 + 1 = 7; all 2 + 1 = 3. Present 44 of 45 minutes.
 * Objective 90 %: budget 0.1 x 45 = 4.5 wall-clock minutes (per series it would read 13.5).
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createPrometheusClient, createRemoteWriter } from "../../packages/core/src/prometheus/index.js";
import { buildReport, type ReportSlo } from "../../packages/core/src/report/engine.js";
import { renderText } from "../../packages/core/src/report/render/index.js";
import { customWindow } from "../../packages/core/src/slo/index.js";

const url = inject("prometheusUrl");
const MIN = 60_000;
const RUN = `t-${randomUUID()}`;
const T0 = Math.floor(Date.now() / MIN) * MIN - 50 * MIN;
const LENGTH = 45;
const WINDOW = customWindow(new Date(T0), new Date(T0 + LENGTH * MIN), "UTC");
const NOW = new Date(T0 + 50 * MIN);

type Loc = "a" | "b" | "c";
const OFFSET_MS: Record<Loc, number> = { a: 0, b: 17_000, c: 42_500 };
/** [from, to) minutes of the window */
const FAILED: Record<Loc, [number, number][]> = {
  a: [
    [5, 15],
    [30, 32],
    [40, 42],
  ],
  b: [[10, 20]],
  c: [
    [12, 14],
    [31, 35],
    [41, 42],
  ],
};
const NO_SAMPLE: Record<Loc, [number, number][]> = {
  a: [[25, 26]],
  b: [
    [25, 26],
    [40, 45],
  ],
  c: [[25, 26]],
};
const inAny = (m: number, ranges: [number, number][]) => ranges.some(([f, t]) => m >= f && m < t);

async function plant(): Promise<void> {
  const writer = createRemoteWriter({ url: `${url}/api/v1/write` });
  const series = (["a", "b", "c"] as const).map((loc) => {
    const samples: { value: number; timestampMs: number }[] = [];
    for (let m = -2; m < LENGTH + 2; m++) {
      const outside = m < 0 || m >= LENGTH;
      if (!outside && inAny(m, NO_SAMPLE[loc])) continue;
      const failed = outside || inAny(m, FAILED[loc]);
      samples.push({ value: failed ? 0 : 1, timestampMs: T0 + m * MIN + OFFSET_MS[loc] });
    }
    return {
      labels: { __name__: "probe_success", job: "sla-monitor", run: RUN, target: "edge", location: loc },
      samples,
    };
  });
  const w = await writer.write(series);
  expect(w).toMatchObject({ ok: true });
}

const slo = (downWhen: "any" | "majority" | "all", extra: Partial<ReportSlo> = {}): ReportSlo => ({
  name: `edge-${downWhen}`,
  service: "edge",
  objective: 0.9,
  sli: { type: "probe", target: "edge", selector: { run: RUN }, intervalSeconds: 60, downWhen },
  missingData: "unknown",
  minCoverage: 0.9,
  maintenance: [],
  ...extra,
});

const iso = (minute: number) => new Date(T0 + minute * MIN).toISOString().replace("Z", "+00:00");
/** incidents as [start minute, end minute, minutes] */
const incidents = (pairs: [number, number][]) =>
  pairs.map(([f, t]) => ({ start: iso(f), end: iso(t), minutes: t - f }));

beforeAll(plant);

async function report(slos: ReportSlo[]) {
  return buildReport({
    window: WINDOW,
    slos,
    api: createPrometheusClient({ url }),
    sourceLabel: url,
    now: NOW,
    comparePrevious: false,
  });
}

describe("three locations probe one target (real Prometheus, remote-written samples)", () => {
  it("downWhen any / majority / all: attainment, downtime, incidents, daily figures and budget in wall-clock minutes", async () => {
    const doc = await report([slo("any"), slo("majority"), slo("all")]);
    const [any, majority, all] = doc.slos as [
      (typeof doc.slos)[number],
      (typeof doc.slos)[number],
      (typeof doc.slos)[number],
    ];
    for (const s of doc.slos) {
      expect(s.series).toEqual({ count: 3, downWhen: s.name.slice("edge-".length) });
      expect(s.coverage).toBeCloseTo(44 / 45, 12);
      // 0.1 x 45 wall-clock minutes
      expect(s.errorBudget.allowed).toBeCloseTo(4.5, 12);
      expect(s.method).toContain("3 series probe the target");
    }

    expect(any.downtimeMinutes).toBe(22);
    expect(any.attainment).toBeCloseTo(22 / 44, 12);
    expect(any.errorBudget.consumed).toBe(22);
    expect(any.status).toBe("missed");
    expect(any.incidents).toEqual(
      incidents([
        [5, 20],
        [30, 35],
        [40, 42],
      ]),
    );

    expect(majority.downtimeMinutes).toBe(7);
    expect(majority.attainment).toBeCloseTo(37 / 44, 12);
    expect(majority.errorBudget.consumed).toBe(7);
    expect(majority.errorBudget.remaining).toBeCloseTo(1 - 7 / 4.5, 12);
    expect(majority.status).toBe("missed"); // 7 > 4.5 even with the missing minute counted as good
    expect(majority.incidents).toEqual(
      incidents([
        [10, 15],
        [31, 32],
        [41, 42],
      ]),
    );

    expect(all.downtimeMinutes).toBe(3);
    expect(all.attainment).toBeCloseTo(41 / 44, 12);
    expect(all.errorBudget.remaining).toBeCloseTo(1 - 3 / 4.5, 12);
    expect(all.status).toBe("met"); // 3 + 1 missing = 4 <= 4.5
    expect(all.incidents).toEqual(
      incidents([
        [12, 14],
        [41, 42],
      ]),
    );

    // Daily figures, per UTC date of the minutes (the window may cross midnight): from the table above.
    const downMinutes: Record<string, number[]> = {
      any: [...range(5, 20), ...range(30, 35), 40, 41],
      majority: [...range(10, 15), 31, 41],
      all: [12, 13, 41],
    };
    for (const s of doc.slos) {
      const rule = s.name.slice("edge-".length);
      const byDate = new Map<string, { present: number; bad: number }>();
      for (let m = 0; m < LENGTH; m++) {
        const date = new Date(T0 + m * MIN).toISOString().slice(0, 10);
        const d = byDate.get(date) ?? { present: 0, bad: 0 };
        if (m !== 25) d.present += 1;
        if (downMinutes[rule]!.includes(m)) d.bad += 1;
        byDate.set(date, d);
      }
      expect(s.daily.map((d) => [d.date, d.bad])).toEqual([...byDate].map(([date, d]) => [date, d.bad]));
      for (const d of s.daily) {
        const h = byDate.get(d.date)!;
        expect(d.attainment).toBeCloseTo((h.present - h.bad) / h.present, 12);
      }
    }

    // the report states the rule and the number of series
    const text = renderText(doc).replace(/\s+/g, " ");
    expect(text).toContain(
      "Series: 3 series; an interval is down when more than half of the series with a sample in it failed (downWhen: majority)",
    );
    expect(text).toContain("every series with a sample in it failed (downWhen: all)");
  });

  it("maintenance takes whole wall-clock minutes out (majority, minutes 10–15 in maintenance)", async () => {
    const doc = await report([
      slo("majority", { maintenance: [{ start: iso(10), end: iso(15), reason: "failover drill" }] }),
    ]);
    const s = doc.slos[0]!;
    // eligible 45 − 5 = 40 minutes, present 39; down 31 and 41 only
    expect(s.maintenanceMinutes).toBe(5);
    expect(s.downtimeMinutes).toBe(2);
    expect(s.attainment).toBeCloseTo(37 / 39, 12);
    expect(s.errorBudget.allowed).toBeCloseTo(4, 12);
    expect(s.status).toBe("met"); // 2 + 1 missing = 3 <= 4
    expect(s.incidents).toEqual(
      incidents([
        [31, 32],
        [41, 42],
      ]),
    );
  });

  it("one series: the three rules agree, and the figures are those of its samples", async () => {
    // location a alone: failed 5–14, 30–31, 40–41 (14 minutes), no sample in minute 25
    const one = (rule: "any" | "majority" | "all") => {
      const s = slo(rule);
      return { ...s, sli: { ...s.sli, selector: { run: RUN, location: "a" } } } as ReportSlo;
    };
    const doc = await report([one("any"), one("majority"), one("all")]);
    for (const s of doc.slos) {
      expect(s.series?.count).toBe(1);
      expect(s.downtimeMinutes).toBe(14);
      expect(s.attainment).toBeCloseTo(30 / 44, 12);
      expect(s.coverage).toBeCloseTo(44 / 45, 12);
      expect(s.errorBudget.allowed).toBeCloseTo(4.5, 12);
      expect(s.incidents).toEqual(
        incidents([
          [5, 15],
          [30, 32],
          [40, 42],
        ]),
      );
    }
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
