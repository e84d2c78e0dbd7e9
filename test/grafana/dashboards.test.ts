/**
 * The generated Grafana dashboards against the real Prometheus of the integration setup (the backfilled
 * fixture): every panel target and annotation, with Grafana's variables replaced by the values Grafana
 * would send, goes through the query API (instant or range, as the panel asks) and must parse; every panel
 * whose metrics the fixture holds must return data, and the period-to-date attainment must be the report's.
 *
 * - The overview's burn-rate panel reads the recording rules of `sla rules`, which this Prometheus does not
 *   evaluate: its query is run as written (it parses, and is empty), then with each recording-rule selector
 *   replaced by the rule's own expression labelled as the rule labels it (the raw expression), which must
 *   return data.
 * - The burn-rate alert annotations (`ALERTS`) are parse-only: no rules are loaded, so no ALERTS series.
 * - Phase timings and TLS expiry are not in the fixture: a probe SLO on a target of its own gets them by
 *   remote write (now), and its whole dashboard must return data at now.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DateTime } from "luxon";
import { describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import {
  type DashboardQuery,
  generateDashboards,
  queriesOf,
} from "../../packages/cli/src/dashboards/generate.js";
import { renderAlertRules } from "../../packages/core/src/alerts/rules.js";
import { parseConfig, type SlaConfig } from "../../packages/core/src/config/index.js";
import {
  createPrometheusClient,
  createRemoteWriter,
  escapeLabelValue,
} from "../../packages/core/src/prometheus/index.js";
import { buildReport } from "../../packages/core/src/report/engine.js";
import { customWindow } from "../../packages/core/src/slo/index.js";

const url = inject("prometheusUrl");
const prom = createPrometheusClient({ url, timeoutMs: 20_000 });
const TZ = "Europe/Berlin";

const ERRORS = 'sum(increase(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))';
const TOTAL = 'sum(increase(http_requests_total{service="checkout"}[{{.window}}]))';

/**
 * The fixture's SLOs (test/report/fixture.config.yaml), the same checkout SLI written as raw PromQL (counts,
 * and a share), and its latency quantiles.
 */
async function fixtureConfig(extra: object[] = []): Promise<SlaConfig> {
  const base = parse(readFileSync(join(import.meta.dirname, "../report/fixture.config.yaml"), "utf8"));
  base.slos.push(
    {
      name: "checkout-raw",
      service: "checkout",
      objective: 99.9,
      sli: { type: "ratio", bad: { promql: ERRORS }, total: { promql: TOTAL } },
    },
    {
      name: "checkout-share",
      service: "checkout",
      objective: 99.9,
      windows: ["weekly"],
      sli: { type: "ratio", badRatio: { promql: `(${ERRORS}) / (${TOTAL})` } },
    },
    {
      name: "checkout-quantiles",
      service: "checkout",
      objective: 99,
      sli: {
        type: "quantile",
        metric: "http_request_duration_seconds",
        labels: { service: "checkout" },
        quantiles: [0.95, 0.99],
        targetSeconds: { "0.95": 0.5 },
      },
    },
    ...extra,
  );
  return await parseConfig(JSON.stringify(base), { format: "json" });
}

interface Values {
  /** the dashboard's or the panel's range, seconds */
  rangeS: number;
  slo: string;
  slos: string[];
  services: string[];
}

/**
 * A multi-value variable as Grafana's Prometheus datasource interpolates it into a query: each value escaped
 * for a regex inside a PromQL string (backslash doubled, regex metacharacters behind `\\`), joined by `|`.
 */
const anyOf = (xs: string[]) =>
  `(${xs.map((x) => x.replace(/\\/g, "\\\\\\\\").replace(/[$^*{}[\]'+?.()|]/g, "\\\\$&")).join("|")})`;

/** What Grafana sends for the variables the generator uses; nothing of the form `$…` may remain. */
function substitute(expr: string, v: Values): string {
  const out = expr
    .replaceAll('"$slo"', `"${anyOf(v.slos)}"`)
    .replaceAll('"$service"', `"${anyOf(v.services)}"`)
    .replaceAll(`\${slo}`, v.slo)
    .replaceAll("$__range_s", String(v.rangeS))
    .replaceAll("$__range", `${v.rangeS}s`)
    .replaceAll("$__rate_interval", "4m") // 4 x the 1-minute scrape interval
    .replaceAll("$__interval", "1m");
  expect(out, expr).not.toMatch(/\$/);
  return out;
}

/** A stat's relative time and the calendar unit it starts at. */
const PERIOD_UNIT: Record<string, "week" | "month" | "quarter" | "year"> = {
  "now/w": "week",
  "now/M": "month",
  "now/fQ": "quarter",
  "now/y": "year",
};

/** The panel's range at `now`: its relative time (`now/w`, `now/M` in the dashboard's zone) or the dashboard's. */
function rangeSeconds(q: DashboardQuery, now: Date, dashboardRangeS: number): number {
  const from = (q.panel as { timeFrom?: string } | undefined)?.timeFrom;
  if (!from) return dashboardRangeS;
  const unit = PERIOD_UNIT[from];
  expect(unit, from).toBeDefined();
  const start = DateTime.fromJSDate(now, { zone: TZ }).startOf(unit!);
  return Math.round((now.getTime() - start.toMillis()) / 1000);
}

/** The recording rules of `sla rules` replaced by their expressions, labelled as the rules label them. */
function expandRecordingRules(expr: string, config: SlaConfig): string {
  const rules = (
    parse(renderAlertRules(config)) as {
      groups: { rules: { record?: string; expr: string; labels: Record<string, string> }[] }[];
    }
  ).groups.flatMap((g) => g.rules.filter((r) => r.record));
  return expr.replace(
    /(sla:error_ratio:rate\w+)\{slo="([^"]+)"[^}]*\}/g,
    (_, record: string, slo: string) => {
      const r = rules.find((x) => x.record === record && x.labels.slo === slo);
      expect(r, `${record} of ${slo}`).toBeDefined();
      return `label_replace(label_replace((${r!.expr}), "slo", "${escapeLabelValue(slo)}", "", ""), "service", "${escapeLabelValue(r!.labels.service!)}", "", "")`;
    },
  );
}

interface Answer {
  series: number;
  values: number[];
}

async function run(expr: string, instant: boolean, now: Date): Promise<Answer> {
  if (instant) {
    const r = await prom.instant(expr, now);
    expect(r.warnings, expr).toEqual([]);
    return { series: r.result.length, values: r.result.map((s) => s.value) };
  }
  const r = await prom.range(expr, new Date(now.getTime() - 6 * 3600_000), now, 60);
  expect(r.warnings, expr).toEqual([]);
  return { series: r.result.length, values: r.result.flatMap((s) => s.values.map(([, v]) => v)) };
}

/** Every query of every dashboard of `config`, run at `now`; `empty` lists what may come back empty. */
async function checkAll(config: SlaConfig, now: Date, empty: (q: DashboardQuery) => boolean) {
  const g = generateDashboards(config, { path: "/dashboards" });
  const slos = config.slos.map((s) => s.name);
  const services = [...new Set(config.slos.map((s) => s.service))];
  const checked: { file: string; where: string; expr: string; answer: Answer }[] = [];
  for (const { file, dashboard } of g.dashboards) {
    const slo = (dashboard.templating.list ?? []).find((v) => v.type === "constant" && v.name === "slo");
    for (const q of queriesOf(dashboard)) {
      const v = {
        rangeS: rangeSeconds(q, now, 7 * 86_400),
        slo: String(slo?.query ?? ""),
        slos: [...slos, "api.v2+beta"], // names with regex metacharacters must still parse
        services: [...services, "pay/ments (eu)"],
      };
      const expr = substitute(q.expr, v);
      const answer = await run(expr, q.instant, now);
      checked.push({ file, where: q.where, expr, answer });
      if (/sla:error_ratio:/.test(expr)) {
        expect(answer.series, `${file} ${q.where}: no recording rules loaded`).toBe(0);
        const raw = expandRecordingRules(expr, config);
        const expanded = await run(raw, q.instant, now);
        expect(expanded.series, `${file} ${q.where} (recording rules expanded)`).toBe(
          config.slos.filter((s) => s.sli.type !== "quantile").length,
        );
        checked.push({ file, where: `${q.where} (rules expanded)`, expr: raw, answer: expanded });
      } else if (!empty(q)) {
        expect(answer.series, `${file} ${q.where}: ${expr}`).toBeGreaterThan(0);
        for (const x of answer.values) expect(Number.isFinite(x), `${file} ${q.where}: ${x}`).toBe(true);
      }
    }
  }
  return { g, checked };
}

describe("Grafana dashboards against the fixture (Europe/Berlin, 2026-10-21 11:59:30 UTC)", () => {
  // between two samples: Grafana's instant query reads [start, now] (closed), the report [start, end), so
  // off a sample both hold the same samples
  const NOW = new Date("2026-10-21T11:59:30Z");

  it("every target and annotation parses; every panel whose metrics the fixture holds returns data", async () => {
    const config = await fixtureConfig();
    const noPhaseOrTls = (q: DashboardQuery) =>
      q.where.startsWith("annotation") || q.where === "Phase timings" || q.where.startsWith("TLS");
    const { g, checked } = await checkAll(config, NOW, noPhaseOrTls);
    expect(g.dashboards).toHaveLength(1 + 8);
    const withData = checked.filter((c) => c.answer.series > 0);
    const empty = checked.filter((c) => c.answer.series === 0).map((c) => `${c.file} ${c.where}`);
    // 3 probe SLOs x (phase timings + TLS) and 8 annotations come back empty, as does the overview's
    // burn-rate query while the recording rules are not loaded
    expect(empty.sort()).toEqual(
      [
        ...g.dashboards
          .filter((d) => d.file !== "sla-slo-checkout-quantiles.json") // no alerts for a quantile SLI
          .map((d) => `${d.file} annotation Burn-rate alerts`),
        ...["api", "web", "flaky"].flatMap((t) => [
          `sla-slo-${t}-availability.json Phase timings`,
          `sla-slo-${t}-availability.json TLS certificate: days left`,
        ]),
        "sla-overview.json Burn rate over 1 h by SLO",
      ].sort(),
    );
    // the overview's burn-rate query again, recording rules expanded
    expect(checked.filter((c) => c.where.endsWith("(rules expanded)"))).toHaveLength(1);
    console.log(
      `[grafana] ${checked.length} queries run against Prometheus: ${withData.length} returned data, ${empty.length} parse-only`,
    );
  });

  it("attainment so far and budget left are the report's figures for the same window", async () => {
    const config = await fixtureConfig();
    const g = generateDashboards(config, { path: "/dashboards" });
    const monthStart = DateTime.fromJSDate(NOW, { zone: TZ }).startOf("month");
    const rangeS = (NOW.getTime() - monthStart.toMillis()) / 1000;
    const monthS = (monthStart.plus({ months: 1 }).toMillis() - monthStart.toMillis()) / 1000;
    const report = await buildReport({
      window: customWindow(monthStart.toJSDate(), NOW, TZ),
      slos: config.slos,
      api: prom,
      sourceLabel: url,
      now: NOW,
    });
    for (const name of ["api-availability", "flaky-availability", "checkout-success", "checkout-raw"]) {
      const d = g.dashboards.find((x) => x.file === `sla-slo-${name}.json`)!.dashboard;
      const stat = (title: string) => {
        const q = queriesOf(d).find((x) => x.where === `${name}: ${title}, this month so far`)!;
        return run(substitute(q.expr, { rangeS, slo: name, slos: [], services: [] }), true, NOW);
      };
      const r = report.slos.find((s) => s.name === name)!;
      const attainment = (await stat("attainment")).values[0]!;
      expect(Math.abs(attainment - r.attainment!), `${name}: ${attainment} vs ${r.attainment}`).toBeLessThan(
        1e-6,
      );
      // the report's budget of the window so far, as a share of the whole month's budget; the dashboard
      // takes the month's days from days_in_month (31 d, not October's 745 h in Berlin): within 0.5 %
      const left = (await stat("error budget left")).values[0]!;
      const b = r.errorBudget!;
      const expected = 1 - (b.consumed / b.allowed) * (rangeS / monthS);
      expect(Math.abs(left - expected), `${name}: ${left} vs ${expected}`).toBeLessThan(0.005);
      expect(left).toBeLessThan(1);
    }
  });

  it("quarter and year so far: every target returns data, and the figures are the report's", async () => {
    const long = {
      name: "checkout-long",
      service: "checkout",
      objective: 99.9,
      windows: ["monthly", "quarterly", "yearly"],
      sli: { type: "ratio", bad: { promql: ERRORS }, total: { promql: TOTAL } },
    };
    const config = await fixtureConfig([long]);
    const { g } = await checkAll(
      config,
      NOW,
      (q) => q.where.startsWith("annotation") || !q.where.includes("long"),
    );
    const d = g.dashboards.find((x) => x.file === "sla-slo-checkout-long.json")!.dashboard;
    for (const [unit, label] of [
      ["quarter", "this quarter so far"],
      ["year", "this year so far"],
    ] as const) {
      const start = DateTime.fromJSDate(NOW, { zone: TZ }).startOf(unit);
      const rangeS = (NOW.getTime() - start.toMillis()) / 1000;
      // the whole period in days (the dashboard counts days: no DST hour), 92 for Q4, 365 for 2026
      const periodS = start.plus({ [`${unit}s`]: 1 }).diff(start, "days").days * 86_400;
      const report = await buildReport({
        window: customWindow(start.toJSDate(), NOW, TZ),
        slos: [config.slos.find((s) => s.name === "checkout-long")!],
        api: prom,
        sourceLabel: url,
        now: NOW,
      });
      const r = report.slos[0]!;
      const stat = async (title: string) => {
        const q = queriesOf(d).find((x) => x.where === `checkout-long: ${title}, ${label}`);
        expect(q, `${title}, ${label}`).toBeDefined();
        return (await run(substitute(q!.expr, { rangeS, slo: long.name, slos: [], services: [] }), true, NOW))
          .values[0]!;
      };
      expect(Math.abs((await stat("attainment")) - r.attainment!), unit).toBeLessThan(1e-6);
      const b = r.errorBudget!;
      const left = await stat("error budget left");
      const expected = 1 - (b.consumed / b.allowed) * (rangeS / periodS);
      expect(Math.abs(left - expected), `${unit}: ${left} vs ${expected}`).toBeLessThan(1e-6);
    }
  });
});

describe("Grafana dashboards of a probe with phase timings and TLS (remote write, now)", () => {
  it("every panel of the probe SLO's dashboard returns data", async () => {
    const target = `grafana-${process.pid}-${Date.now()}`;
    const job = "sla-dashboards-test";
    const now = Math.floor(Date.now() / 1000) * 1000;
    const times = [3, 2, 1, 0].map((m) => now - m * 60_000);
    const labels = { job, target, instance: `https://${target}.example.test/` };
    const series = (name: string, value: (t: number) => number, extra: Record<string, string> = {}) => ({
      labels: { __name__: name, ...labels, ...extra },
      samples: times.map((t) => ({ timestampMs: t, value: value(t) })),
    });
    const w = await createRemoteWriter({ url: `${url}/api/v1/write` }).write([
      series("probe_success", (t) => (t === times[1] ? 0 : 1)),
      ...["resolve", "connect", "tls", "processing", "transfer"].map((phase, i) =>
        series("probe_http_duration_seconds", () => 0.01 * (i + 1), { phase }),
      ),
      series("probe_ssl_earliest_cert_expiry", () => now / 1000 + 30 * 86_400),
    ]);
    expect(w.ok).toBe(true);
    const config = await fixtureConfig([
      {
        name: "dash-probe",
        service: "dash",
        objective: 99,
        sli: { type: "probe", target, selector: { job } },
      },
    ]);
    const at = new Date(now);
    const { checked } = await checkAll(
      { ...config, slos: config.slos.filter((s) => s.name === "dash-probe") },
      at,
      (q) => q.where.startsWith("annotation"),
    );
    const probe = checked.filter((c) => c.file === "sla-slo-dash-probe.json");
    const by = (where: string) => probe.find((c) => c.where === where)!.answer;
    expect(by("Phase timings").series).toBe(5);
    const days = by("TLS certificate: days left").values[0]!;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    // 3 of the 4 probes succeeded
    expect(by("dash-probe: attainment, this week so far").values[0]).toBeCloseTo(0.75, 6);
    expect(probe.filter((c) => c.answer.series === 0).map((c) => c.where)).toEqual([
      "annotation Burn-rate alerts",
    ]);
    console.log(
      `[grafana] ${checked.length} queries run at now: ${checked.filter((c) => c.answer.series > 0).length} returned data`,
    );
  });
});
