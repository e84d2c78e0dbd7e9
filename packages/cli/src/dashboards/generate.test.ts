import {
  BURN_TIERS,
  BURN_WINDOWS,
  burnRateExpr,
  configSecretValues,
  parseConfig,
  renderAlertRules,
  type SlaConfig,
} from "@sla-monitor/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  ALERT_NAMES,
  DATASOURCE_VAR,
  type Dashboard,
  generateDashboards,
  OVERVIEW_UID,
  queriesOf,
  sloUid,
} from "./generate.js";

const config = async (over: Record<string, unknown> = {}): Promise<SlaConfig> =>
  await parseConfig(
    JSON.stringify({
      calendar: { timeZone: "America/New_York" },
      targets: [
        {
          name: "api",
          url: "https://api.example.test/health",
          headers: { Authorization: { env: "API_TOKEN" } },
          tls: { minDaysToExpiry: 21 },
        },
      ],
      slos: [
        { name: "api-availability", service: "api", objective: 99.9, sli: { type: "probe", target: "api" } },
        {
          name: "checkout.success",
          service: "checkout",
          objective: 99.5,
          windows: ["monthly"],
          sli: {
            type: "ratio",
            good: { metric: "http_requests_total", labels: { service: "checkout", code: "200" } },
            total: { metric: "http_requests_total", labels: { service: "checkout" } },
          },
        },
        {
          name: "search-errors",
          service: "search",
          objective: 99,
          windows: ["weekly"],
          sli: {
            type: "ratio",
            bad: { promql: 'sum(increase(search_requests_total{code=~"5.."}[{{.window}}]))' },
            total: { promql: "sum(increase(search_requests_total[{{.window}}]))" },
          },
        },
        {
          name: "search-share",
          service: "search",
          objective: 99,
          sli: {
            type: "ratio",
            badRatio: {
              promql:
                'sum(rate(search_requests_total{code=~"5.."}[{{.window}}])) / sum(rate(search_requests_total[{{.window}}]))',
            },
          },
        },
        {
          name: "latency",
          service: "checkout",
          objective: 95,
          sli: {
            type: "latency",
            metric: "http_request_duration_seconds",
            labels: { service: "checkout" },
            thresholdSeconds: 0.5,
          },
        },
        {
          name: "quantiles",
          service: "checkout",
          objective: 99,
          sli: { type: "quantile", metric: "http_request_duration_seconds" },
        },
      ],
      notify: { burnRate: { fast: 10, slow: 5, ticket: 2 } },
      prometheus: {
        url: "https://prom.example.test",
        auth: { type: "basic", username: "prom-reader", password: { env: "PROM_PASSWORD" } },
      },
      ...over,
    }),
    { format: "json" },
  );

const gen = async (c?: SlaConfig) =>
  generateDashboards(c ?? (await config()), { path: "/var/lib/grafana/dashboards/sla" });
/** The parts of a panel's JSON the tests read. */
interface PanelJson {
  type: string;
  title: string;
  timeFrom?: string;
  datasource?: unknown;
  targets: { expr: string }[];
  fieldConfig: { defaults: { thresholds: { steps: { value: number | null; color: string }[] } } };
}
const panelsOf = (d: Dashboard) => (d.panels ?? []).filter((p) => p.type !== "row") as unknown as PanelJson[];
const byFile = async (file: string) => (await gen()).dashboards.find((d) => d.file === file)!.dashboard;

describe("sla dashboards: the generated model", () => {
  it("an overview and one dashboard per SLO", async () => {
    const g = await gen();
    expect(g.dashboards.map((d) => d.file)).toEqual([
      "sla-overview.json",
      "sla-slo-api-availability.json",
      "sla-slo-checkout.success.json",
      "sla-slo-search-errors.json",
      "sla-slo-search-share.json",
      "sla-slo-latency.json",
      "sla-slo-quantiles.json",
    ]);
    for (const { dashboard: d } of g.dashboards) {
      expect(d.tags).toEqual(["sla-monitor"]);
      const ids = (d.panels ?? []).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels ?? []) {
        expect(p.gridPos!.x + p.gridPos!.w).toBeLessThanOrEqual(24);
      }
    }
  });

  it("uids are stable, unique and valid Grafana uids", async () => {
    const a = (await gen()).dashboards.map((d) => d.dashboard.uid);
    const b = (await gen()).dashboards.map((d) => d.dashboard.uid);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
    expect(a[0]).toBe(OVERVIEW_UID);
    for (const uid of a) expect(uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(sloUid("checkout.success")).toBe(sloUid("checkout.success"));
    expect(sloUid("a.b")).not.toBe(sloUid("a-b")); // the same slug, told apart by the hash
    expect(sloUid("x".repeat(64))).toHaveLength(4 + 22 + 1 + 8);
    // adding an SLO does not move the others
    const c = await config();
    const more = (await gen({ ...c, slos: [...c.slos, { ...c.slos[0]!, name: "zzz" }] })).dashboards.map(
      (d) => d.dashboard.uid,
    );
    expect(more.slice(0, a.length)).toEqual(a);
  });

  it("every panel, target and annotation queries the datasource variable", async () => {
    for (const { dashboard: d } of (await gen()).dashboards) {
      const dsVar = d.templating.list!.find((v) => v.name === DATASOURCE_VAR)!;
      expect(dsVar).toMatchObject({ type: "datasource", query: "prometheus" });
      const ref = { type: "prometheus", uid: `\${${DATASOURCE_VAR}}` };
      for (const p of panelsOf(d)) expect(p.datasource).toEqual(ref);
      const qs = queriesOf(d);
      expect(qs.length).toBeGreaterThan(0);
      for (const q of qs) {
        expect(q.datasource, q.where).toEqual(ref);
        expect(q.expr, q.where).not.toBe("");
        expect(q.expr, q.where).not.toContain("{{.window}}");
      }
    }
  });

  it("is in the config's zone with weeks from Monday; period stats use now/w and now/M per SLO window", async () => {
    for (const { dashboard: d } of (await gen()).dashboards) {
      expect(d.timezone).toBe("America/New_York");
      expect(d.weekStart).toBe("monday");
      expect(d.fiscalYearStartMonth).toBe(0);
    }
    const stats = async (file: string) =>
      panelsOf(await byFile(file))
        .filter((p) => p.timeFrom)
        .map((p) => [p.title, p.timeFrom]);
    expect(await stats("sla-slo-api-availability.json")).toEqual([
      ["api-availability: attainment, this week so far", "now/w"],
      ["api-availability: error budget left, this week so far", "now/w"],
      ["api-availability: attainment, this month so far", "now/M"],
      ["api-availability: error budget left, this month so far", "now/M"],
    ]);
    expect((await stats("sla-slo-checkout.success.json")).map((s) => s[1])).toEqual(["now/M", "now/M"]);
    expect((await stats("sla-slo-search-errors.json")).map((s) => s[1])).toEqual(["now/w", "now/w"]);
    // the overview has the stats of every SLO
    // (2 + 1 + 1 + 2 + 2 windows) x 2 figures, and 2 windows x 2 quantiles
    expect(panelsOf(await byFile("sla-overview.json")).filter((p) => p.timeFrom)).toHaveLength(20);
  });

  it("quarter and year stats use relative times Grafana's quick ranges know (now/fQ, now/y)", async () => {
    const d = generateDashboards(
      await config({
        slos: [
          {
            name: "api-long",
            service: "api",
            objective: 99.9,
            windows: ["quarterly", "yearly"],
            sli: { type: "probe", target: "api" },
          },
        ],
      }),
      { path: "/d" },
    );
    const file = "sla-slo-api-long.json";
    const froms = panelsOf(d.dashboards.find((x) => x.file === file)!.dashboard)
      .filter((p) => p.timeFrom)
      .map((p) => [p.title.split(", ").pop(), p.timeFrom]);
    expect(froms).toEqual([
      ["this quarter so far", "now/fQ"],
      ["this quarter so far", "now/fQ"],
      ["this year so far", "now/y"],
      ["this year so far", "now/y"],
    ]);
    // Grafana accepts a panel's relative time only from its quick ranges or as now-N<unit>
    const GRAFANA_SO_FAR = new Set(["now/d", "now/w", "now/M", "now/fQ", "now/y", "now/fy"]);
    for (const { dashboard } of d.dashboards)
      for (const p of panelsOf(dashboard)) if (p.timeFrom) expect(GRAFANA_SO_FAR).toContain(p.timeFrom);
  });

  it("attainment stats turn green at the objective; burn-rate thresholds are notify.burnRate's", async () => {
    const d = await byFile("sla-slo-checkout.success.json");
    const att = panelsOf(d).find((p) => p.title.includes("attainment"))!;
    expect(att.fieldConfig.defaults.thresholds.steps).toEqual([
      { value: null, color: "red" },
      { value: 0.995, color: "green" },
    ]);
    const burn = panelsOf(d).find((p) => p.title === "Burn rate")!;
    expect(burn.fieldConfig.defaults.thresholds.steps.map((s) => s.value)).toEqual([null, 2, 5, 10]);
    // one series per window of the rules, each the rules' own expression over that window
    const c = await config();
    expect(burn.targets.map((t: { expr: string }) => t.expr)).toEqual(
      BURN_WINDOWS.map((w) => burnRateExpr(c.slos[1]!, w)),
    );
    const overviewBurn = panelsOf(await byFile("sla-overview.json")).find((p) =>
      p.title.startsWith("Burn rate"),
    )!;
    expect(overviewBurn.fieldConfig.defaults.thresholds.steps.map((s) => s.value)).toEqual([null, 2, 5, 10]);
  });

  it("the overview's burn rates read the recording rules sla rules writes, filtered by the variables", async () => {
    const c = await config();
    const rules = parse(renderAlertRules(c)) as {
      groups: { rules: { record?: string; alert?: string; labels: Record<string, string> }[] }[];
    };
    const records = new Set(
      rules.groups.flatMap((g) => g.rules.filter((r) => r.record).map((r) => `${r.record}/${r.labels.slo}`)),
    );
    const d = await byFile("sla-overview.json");
    const burn = queriesOf(d).find((q) => q.where.startsWith("Burn rate"))!;
    const used = [...burn.expr.matchAll(/(sla:[a-z_:0-9]+)\{slo="([^"]+)"/g)].map((m) => `${m[1]}/${m[2]}`);
    expect(used).toHaveLength(5);
    for (const u of used) expect(records).toContain(u);
    expect(burn.expr).toContain(`slo=~"$slo",service=~"$service"`);
    const vars = Object.fromEntries(d.templating.list!.map((v) => [v.name, v]));
    expect(vars.slo).toMatchObject({ type: "custom", multi: true, includeAll: true });
    expect((vars.slo!.options ?? []).map((o) => o.value)).toEqual(c.slos.map((s) => s.name));
    expect((vars.service!.options ?? []).map((o) => o.value)).toEqual(["api", "checkout", "search"]);
  });

  it("annotations show the burn-rate alerts of sla rules (ALERTS), per SLO and by the overview's variables", async () => {
    const c = await config();
    const alerts = (parse(renderAlertRules(c)) as { groups: { rules: { alert?: string }[] }[] }).groups
      .flatMap((g) => g.rules)
      .flatMap((r) => (r.alert ? [r.alert] : []));
    expect(new Set(alerts)).toEqual(new Set(ALERT_NAMES));
    expect(ALERT_NAMES).toEqual(BURN_TIERS.map((t) => t.alert));
    const ann = async (file: string) =>
      queriesOf(await byFile(file)).filter((q) => q.where.startsWith("annotation"));
    expect((await ann("sla-slo-latency.json")).map((q) => q.expr)).toEqual([
      `ALERTS{alertname=~"SLOErrorBudgetBurnFast|SLOErrorBudgetBurnSlow|SLOErrorBudgetBurnTicket",alertstate="firing",slo="\${slo}"}`,
    ]);
    expect((await ann("sla-overview.json"))[0]!.expr).toContain(`slo=~"$slo",service=~"$service"`);
    const consts = (await byFile("sla-slo-latency.json")).templating.list!.filter(
      (v) => v.type === "constant",
    );
    expect(consts.map((v) => [v.name, v.query])).toEqual([
      ["slo", "latency"],
      ["service", "checkout"],
    ]);
  });

  it("probe SLOs get the probe state, phase timings and TLS days left; request SLIs their ratio", async () => {
    const probe = panelsOf(await byFile("sla-slo-api-availability.json"));
    const expr = (title: string) => probe.find((p) => p.title === title)!.targets[0]!.expr;
    expect(probe.find((p) => p.title === "Probe state")!.type).toBe("state-timeline");
    expect(expr("Probe state")).toBe('probe_success{target="api"}');
    expect(expr("Phase timings")).toBe('probe_http_duration_seconds{target="api"}');
    expect(expr("TLS certificate: days left")).toBe(
      '(probe_ssl_earliest_cert_expiry{target="api"} - time()) / 86400',
    );
    const tls = probe.find((p) => p.title === "TLS certificate: days left")!;
    expect(tls.fieldConfig.defaults.thresholds.steps[1]!.value).toBe(21); // the target's tls.minDaysToExpiry
    const raw = queriesOf(await byFile("sla-slo-search-errors.json"));
    expect(raw.find((q) => q.where.includes("attainment"))!.expr).toBe(
      '1 - ((sum(increase(search_requests_total{code=~"5.."}[$__range]))) / (sum(increase(search_requests_total[$__range]))))',
    );
    expect(raw.find((q) => q.where.startsWith("SLI"))!.expr).toContain("[$__rate_interval]");
    const share = queriesOf(await byFile("sla-slo-search-share.json"));
    expect(share.find((q) => q.where.includes("attainment"))!.expr).toBe(
      '1 - ((sum(rate(search_requests_total{code=~"5.."}[$__range])) / sum(rate(search_requests_total[$__range]))))',
    );
    for (const f of ["sla-slo-search-errors.json", "sla-slo-latency.json"]) {
      expect(panelsOf(await byFile(f)).map((p) => p.title)).not.toContain("Probe state");
    }
  });

  it("a quantile SLI (report-only, no budget or alerts) gets its quantiles so far and over time", async () => {
    const d = await byFile("sla-slo-quantiles.json");
    const qs = queriesOf(d);
    expect(qs.map((q) => [q.where, q.expr])).toEqual([
      ...["this week so far", "this month so far"].flatMap((w) =>
        [0.95, 0.99].map((q) => [
          `quantiles: p${q * 100}, ${w}`,
          `histogram_quantile(${q}, sum by (le) (increase(http_request_duration_seconds_bucket[$__range])))`,
        ]),
      ),
      ...[0.95, 0.99].map((q) => [
        "Latency quantiles",
        `histogram_quantile(${q}, sum by (le) (increase(http_request_duration_seconds_bucket[$__rate_interval])))`,
      ]),
    ]);
    expect(d.annotations.list ?? []).toEqual([]);
    const c = await config();
    const withTargets = generateDashboards(
      {
        ...c,
        slos: [
          {
            ...c.slos[5]!,
            sli: { type: "quantile", metric: "h", quantiles: [0.95], targetSeconds: { "0.95": 0.25 } },
          },
        ],
      },
      { path: "/x" },
    ).dashboards[1]!.dashboard;
    const p95 = panelsOf(withTargets).find((p) => p.title.startsWith("quantiles: p95"))!;
    expect(p95.fieldConfig.defaults.thresholds.steps).toEqual([
      { value: null, color: "green" },
      { value: 0.25, color: "red" },
    ]);
  });

  it("the budget left is 1 - error ratio x time so far / (budget x the whole period)", async () => {
    const q = queriesOf(await byFile("sla-slo-checkout.success.json")).find((x) =>
      x.where.includes("budget left"),
    )!;
    expect(q.instant).toBe(true);
    expect(q.expr).toMatch(/\* \$__range_s \/ \(0\.005 \* \(86400 \* scalar\(days_in_month\(/);
    const w = queriesOf(await byFile("sla-slo-search-errors.json")).find((x) =>
      x.where.includes("budget left"),
    )!;
    expect(w.expr).toMatch(/\* \$__range_s \/ \(0\.01 \* 604800\)$/);
  });

  it("the provisioning file points a file provider at the folder", async () => {
    const p = parse((await gen()).provisioning) as {
      apiVersion: number;
      providers: Record<string, unknown>[];
    };
    expect(p.apiVersion).toBe(1);
    expect(p.providers).toEqual([
      expect.objectContaining({
        name: "sla-monitor",
        type: "file",
        folder: "SLA monitor",
        options: { path: "/var/lib/grafana/dashboards/sla", foldersFromFilesStructure: false },
      }),
    ]);
  });

  it("carries nothing of the config's credentials or Prometheus settings", async () => {
    const c = await config();
    const env = { API_TOKEN: "Bearer tok-3f9a8b7c6d5e", PROM_PASSWORD: "pw-a1b2c3d4e5f6" };
    const secrets = configSecretValues(c, env);
    expect(secrets.length).toBeGreaterThan(0);
    const g = await gen(c);
    const text = JSON.stringify(g.dashboards) + g.provisioning;
    for (const s of [
      ...secrets,
      ...Object.values(env),
      "prom.example.test",
      "prom-reader",
      "api.example.test",
    ]) {
      expect(text).not.toContain(s);
    }
  });
});
