/**
 * Grafana dashboards from the config (pure: the config in, dashboard JSON and the provisioning file out;
 * `sla dashboards` writes them). The model is built with Grafana's own builders
 * (`@grafana/grafana-foundation-sdk`), the PromQL with the builders the burn-rate rules use
 * (`errorRatioExpr`, `burnRateExpr`, `probeSelector`, `recordName`), so a panel reads what the rules and the
 * report read. Every target and annotation queries the datasource picked in the `datasource` variable.
 *
 * - One overview (every SLO): per SLO its attainment and error budget left for each of its calendar windows
 *   so far (its quantiles for a quantile SLI), each linking to the SLO's dashboard; burn rates over 1 h from
 *   the `sla rules` recording rules (filtered by the `service` and `slo` variables); the probe state of
 *   every probe SLO's series.
 * - One dashboard per SLO: the same period-to-date figures, burn rate over the five rule windows against the
 *   three alert thresholds, the SLI as a ratio over time, and for probe SLIs the probe state, phase timings
 *   and TLS days left. A quantile SLI (a report-only figure, without budget or alerts) gets its quantiles
 *   so far and over time instead, from the report's own quantile expression (`quantileExpr`).
 * - Both show the burn-rate alerts of `sla rules` (`ALERTS`) as annotations.
 *
 * Calendar windows: the dashboards' `timezone` is the config's zone and the week starts on Monday, so a
 * stat with relative time `now/M` (`now/w`) reads "this month (week) so far" in the zone of the reports.
 */
import { createHash } from "node:crypto";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dash from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import {
  BURN_TIERS,
  BURN_WINDOWS,
  budgetOf,
  burnRateExpr,
  errorRatioExpr,
  escapeLabelValue,
  probeSelector,
  quantileExpr,
  recordName,
  type SlaConfig,
  type Slo,
  type SloWindow,
} from "@sla-monitor/core";
import { stringify } from "yaml";

export type DashboardConfig = Pick<SlaConfig, "slos" | "calendar" | "notify" | "targets">;
export type Dashboard = dash.Dashboard;

export interface GeneratedDashboards {
  /** file name (in the output folder) → dashboard */
  dashboards: { file: string; dashboard: Dashboard }[];
  /** Grafana's dashboard provisioning file (`dashboards.yaml`) */
  provisioning: string;
}

export interface GenerateOptions {
  /** where Grafana will find the JSON files (the provider's `options.path`) */
  path: string;
}

/** The datasource variable every panel and annotation queries. */
export const DATASOURCE_VAR = "datasource";
const DS = { type: "prometheus", uid: `\${${DATASOURCE_VAR}}` };

export const OVERVIEW_UID = "sla-overview";
export const FOLDER = "SLA monitor";
export const TAG = "sla-monitor";
export const PROVISIONING_FILE = "dashboards.yaml";

/** A stable, unique, Grafana-valid uid (at most 40 characters) for an SLO's dashboard. */
export function sloUid(name: string): string {
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 22);
  return `sla-${slug}-${hash}`;
}

export const sloFile = (name: string) => `sla-slo-${name}.json`;

/** The alerts of `sla rules`, as the annotations' selector matches them. */
export const ALERT_NAMES = BURN_TIERS.map((t) => t.alert);

const WINDOW = {
  weekly: { from: "now/w", label: "this week so far", period: "week" },
  monthly: { from: "now/M", label: "this month so far", period: "month" },
  quarterly: { from: "now/fQ", label: "this quarter so far", period: "quarter" },
  yearly: { from: "now/y", label: "this year so far", period: "year" },
} as const satisfies Record<SloWindow, { from: string; label: string; period: string }>;

/**
 * The length of the running calendar period in seconds, evaluated with the stat's relative time (`now/w`,
 * `now/M`, `now/fQ` (the fiscal quarter: calendar quarters, the year starting in January), `now/y`, so `$__range_s` is the time elapsed since the period began): 7 days for a
 * week; for a month the days of the month the period began in (`days_in_month` is UTC: 14 h after the
 * local start is inside the local month for every zone, UTC-12 to UTC+14); a quarter adds the days of the
 * months 45 and 75 days later (quarters start in Jan/Apr/Jul/Oct: those land in its second and third
 * month); a year is 337 days and its February (45 days after 1 January). The hour a DST change adds or
 * removes is not counted.
 */
function periodSeconds(w: SloWindow): string {
  const daysOfMonth = (afterDays: number) =>
    `scalar(days_in_month(vector(time() - $__range_s + ${50_400 + afterDays * 86_400})))`;
  switch (w) {
    case "weekly":
      return "604800";
    case "monthly":
      return `(86400 * ${daysOfMonth(0)})`;
    case "quarterly":
      return `(86400 * (${daysOfMonth(0)} + ${daysOfMonth(45)} + ${daysOfMonth(75)}))`;
    case "yearly":
      return `(86400 * (337 + ${daysOfMonth(45)}))`;
  }
}

/** 1 - the error ratio over the stat's relative time: the period so far. */
export function attainmentExpr(slo: Slo): string | null {
  const e = errorRatioExpr(slo.sli, "$__range");
  return e === null ? null : `1 - (${e})`;
}

/**
 * The share of the whole period's error budget left: 1 - bad / ((1 - objective) x the period), bad being
 * the error ratio so far times the time so far (a running period's budget is the whole period's, as in
 * the report).
 */
export function budgetRemainingExpr(slo: Slo, w: SloWindow): string | null {
  const e = errorRatioExpr(slo.sli, "$__range");
  return e === null ? null : `1 - (${e}) * $__range_s / (${budgetOf(slo)} * ${periodSeconds(w)})`;
}

/** `ALERTS` of the burn-rate alerts that fire, restricted by `matchers` (already PromQL). */
export function alertsExpr(matchers: string): string {
  return `ALERTS{alertname=~"${ALERT_NAMES.join("|")}",alertstate="firing"${matchers ? `,${matchers}` : ""}}`;
}

// ---------------------------------------------------------------------------------------------------------

const percentThresholds = (objective: number) =>
  new dash.ThresholdsConfigBuilder().mode(dash.ThresholdsMode.Absolute).steps([
    { value: null, color: "red" },
    { value: objective, color: "green" },
  ]);

const budgetThresholds = (warnRemaining: number) =>
  new dash.ThresholdsConfigBuilder().mode(dash.ThresholdsMode.Absolute).steps([
    { value: null, color: "red" },
    { value: 0, color: "orange" },
    { value: warnRemaining, color: "green" },
  ]);

/** Green below the ticket threshold, then yellow, orange (slow) and red (fast): the three alert tiers. */
export const burnThresholds = (burn: SlaConfig["notify"]["burnRate"]) =>
  new dash.ThresholdsConfigBuilder().mode(dash.ThresholdsMode.Absolute).steps([
    { value: null, color: "green" },
    { value: burn.ticket, color: "yellow" },
    { value: burn.slow, color: "orange" },
    { value: burn.fast, color: "red" },
  ]);

const query = (expr: string, refId: string, o: { instant?: boolean; legend?: string } = {}) => {
  const q = new DataqueryBuilder().datasource(DS).expr(expr).refId(refId);
  if (o.instant) q.instant();
  else q.range();
  if (o.legend !== undefined) q.legendFormat(o.legend);
  return q;
};

type AnyPanel = { build(): dash.Panel } & {
  id(id: number): unknown;
  gridPos(g: dash.GridPos): unknown;
};

/** Lays panels out left to right on Grafana's 24-column grid, numbering them. */
class Layout {
  private x = 0;
  private y = 0;
  private rowH = 0;
  private id = 1;
  readonly panels: (dash.Panel | dash.RowPanel)[] = [];

  add(p: AnyPanel, w: number, h: number): void {
    if (this.x + w > 24) this.newLine();
    p.id(this.id++);
    p.gridPos({ x: this.x, y: this.y, w, h });
    this.panels.push(p.build());
    this.x += w;
    this.rowH = Math.max(this.rowH, h);
  }

  row(title: string): void {
    this.newLine();
    const r = new dash.RowBuilder(title).id(this.id++).gridPos({ x: 0, y: this.y, w: 24, h: 1 });
    this.panels.push(r.build());
    this.y += 1;
  }

  private newLine(): void {
    if (this.x === 0) return;
    this.x = 0;
    this.y += this.rowH;
    this.rowH = 0;
  }
}

function baseDashboard(config: DashboardConfig, uid: string, title: string): dash.DashboardBuilder {
  return (
    new dash.DashboardBuilder(title)
      .uid(uid)
      .tags([TAG])
      .timezone(config.calendar.timeZone)
      .weekStart("monday")
      // Grafana's panel relative times know "now/fQ" (this fiscal quarter so far), not "now/Q": with the
      // fiscal year starting in January, a fiscal quarter is the calendar quarter
      .fiscalYearStartMonth(0)
      .time({ from: "now-7d", to: "now" })
      .refresh("1m")
      .editable()
      .tooltip(dash.DashboardCursorSync.Crosshair)
      .withVariable(new dash.DatasourceVariableBuilder(DATASOURCE_VAR).label("Prometheus").type("prometheus"))
  );
}

const annotation = (expr: string) =>
  new dash.AnnotationQueryBuilder()
    .name("Burn-rate alerts")
    .datasource(DS)
    .enable(true)
    .iconColor("red")
    .expr(expr)
    .step("60s")
    .titleFormat("{{alertname}}")
    .textFormat("{{slo}} ({{severity}})")
    .tagKeys("alertname,severity,slo,service")
    .useValueForTime(false);

/** A stat showing one figure: the last value of an instant query, no sparkline. */
const figure = () =>
  new stat.PanelBuilder()
    .graphMode(common.BigValueGraphMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));

/** Attainment and budget-left stats of one SLO for each of its windows. */
function periodStats(layout: Layout, config: DashboardConfig, slo: Slo, link?: string): void {
  const att = attainmentExpr(slo)!;
  for (const w of slo.windows) {
    const win = WINDOW[w];
    const s = figure()
      .title(`${slo.name}: attainment, ${win.label}`)
      .description(
        `1 - the error ratio since the ${win.period} began in ${config.calendar.timeZone}; objective ${slo.objectivePercent} %. The report's figures are the exact ones (missing data, several series, maintenance).`,
      )
      .datasource(DS)
      .timeFrom(win.from)
      .unit("percentunit")
      .decimals(3)
      .thresholds(percentThresholds(slo.objective))
      .withTarget(query(att, "A", { instant: true }));
    const b = figure()
      .title(`${slo.name}: error budget left, ${win.label}`)
      .description(
        `Share of the whole ${win.period}'s error budget (${Number((budgetOf(slo) * 100).toPrecision(6))} % of the ${win.period}) not yet spent, at the error ratio so far; negative when overspent.`,
      )
      .datasource(DS)
      .timeFrom(win.from)
      .unit("percentunit")
      .decimals(1)
      .thresholds(budgetThresholds(config.notify.budgetWarningRemaining))
      .withTarget(query(budgetRemainingExpr(slo, w)!, "A", { instant: true }));
    if (link) {
      const l = new dash.DashboardLinkBuilder(slo.name).type(dash.DashboardLinkType.Link).url(link);
      s.links([l]);
      b.links([l]);
    }
    layout.add(s, 6, 4);
    layout.add(b, 6, 4);
  }
}

function burnRatePanel(slo: Slo, config: DashboardConfig): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title("Burn rate")
    .description(
      `Error ratio / error budget (1 - ${slo.objectivePercent} %) over the windows of the sla rules alerts. ${BURN_TIERS.map((t) => `${t.alert}: ${config.notify.burnRate[t.rate]}x over ${t.long} and ${t.short}`).join("; ")}.`,
    )
    .datasource(DS)
    .unit("x")
    .min(0)
    .thresholds(burnThresholds(config.notify.burnRate))
    .thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  BURN_WINDOWS.forEach((w, i) => {
    p.withTarget(query(burnRateExpr(slo, w)!, String.fromCharCode(65 + i), { legend: w }));
  });
  return p;
}

function sliPanel(slo: Slo): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(slo.sli.type === "probe" ? "Availability (share of successful probes)" : "SLI (good / total)")
    .datasource(DS)
    .unit("percentunit")
    .decimals(3)
    .max(1)
    .thresholds(percentThresholds(slo.objective))
    .withTarget(query(`1 - (${errorRatioExpr(slo.sli, "$__rate_interval")})`, "A", { legend: slo.name }));
}

const upDown: dash.ValueMapping[] = [
  {
    type: dash.MappingType.ValueToText,
    options: { "0": { text: "DOWN", color: "red", index: 0 }, "1": { text: "UP", color: "green", index: 1 } },
  },
];

/** probe_success per series as a state timeline. */
function probeStatePanel(selectors: string[]): statetimeline.PanelBuilder {
  return new statetimeline.PanelBuilder()
    .title("Probe state")
    .datasource(DS)
    .mappings(upDown)
    .withTarget(query(selectors.join(" or "), "A", { legend: "{{target}} {{instance}}" }));
}

function probePanels(layout: Layout, config: DashboardConfig, slo: Slo): void {
  if (slo.sli.type !== "probe") return;
  const sli = slo.sli;
  layout.row("Probe");
  layout.add(probeStatePanel([probeSelector(sli)]), 24, 5);
  layout.add(
    new timeseries.PanelBuilder()
      .title("Phase timings")
      .description("probe_http_duration_seconds per phase (resolve, connect, tls, processing, transfer)")
      .datasource(DS)
      .unit("s")
      .fillOpacity(30)
      .withTarget(
        query(probeSelector(sli, "probe_http_duration_seconds"), "A", { legend: "{{phase}} {{instance}}" }),
      ),
    16,
    8,
  );
  const target = config.targets.find((t) => t.name === sli.target);
  const warnDays = target?.tls.minDaysToExpiry ?? config.notify.tlsWarnDays;
  layout.add(
    figure()
      .title("TLS certificate: days left")
      .description(`Earliest notAfter of the presented chain; red under ${warnDays} days.`)
      .datasource(DS)
      .unit("d")
      .decimals(1)
      .thresholds(
        new dash.ThresholdsConfigBuilder().mode(dash.ThresholdsMode.Absolute).steps([
          { value: null, color: "red" },
          { value: warnDays, color: "green" },
        ]),
      )
      .withTarget(
        query(`(${probeSelector(sli, "probe_ssl_earliest_cert_expiry")} - time()) / 86400`, "A", {
          instant: true,
          legend: "{{instance}}",
        }),
      ),
    8,
    8,
  );
}

type QuantileSlo = Slo & { sli: Extract<Slo["sli"], { type: "quantile" }> };
const isQuantile = (slo: Slo): slo is QuantileSlo => slo.sli.type === "quantile";

/** 0.95 → "p95", 0.999 → "p99.9" */
const pName = (q: number) => `p${Number((q * 100).toPrecision(6))}`;

/**
 * A quantile SLI (a report-only figure: no error ratio, budget or burn rate): each quantile so far in
 * each window, red from its `targetSeconds`.
 */
function quantileStats(layout: Layout, config: DashboardConfig, slo: QuantileSlo, link?: string): void {
  for (const w of slo.windows) {
    const win = WINDOW[w];
    for (const q of slo.sli.quantiles) {
      const target = slo.sli.targetSeconds?.[String(q)];
      const p = figure()
        .title(`${slo.name}: ${pName(q)}, ${win.label}`)
        .description(
          `${pName(q)} of ${slo.sli.metric} since the ${win.period} began in ${config.calendar.timeZone}${target === undefined ? "" : `; target ${target} s`}.`,
        )
        .datasource(DS)
        .timeFrom(win.from)
        .unit("s")
        .decimals(3)
        .withTarget(query(quantileExpr(slo.sli, q, "[$__range]"), "A", { instant: true }));
      if (target !== undefined) {
        p.thresholds(
          new dash.ThresholdsConfigBuilder().mode(dash.ThresholdsMode.Absolute).steps([
            { value: null, color: "green" },
            { value: target, color: "red" },
          ]),
        );
      }
      if (link)
        p.links([new dash.DashboardLinkBuilder(slo.name).type(dash.DashboardLinkType.Link).url(link)]);
      layout.add(p, 6, 4);
    }
  }
}

function quantilePanel(slo: QuantileSlo): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder().title("Latency quantiles").datasource(DS).unit("s").min(0);
  slo.sli.quantiles.forEach((q, i) => {
    p.withTarget(
      query(quantileExpr(slo.sli, q, "[$__rate_interval]"), String.fromCharCode(65 + i), {
        legend: pName(q),
      }),
    );
  });
  return p;
}

function sloDashboard(config: DashboardConfig, slo: Slo): Dashboard {
  const layout = new Layout();
  layout.row(`Period to date (${config.calendar.timeZone})`);
  if (isQuantile(slo)) {
    quantileStats(layout, config, slo);
    layout.row("Latency");
    layout.add(quantilePanel(slo), 24, 8);
  } else {
    periodStats(layout, config, slo);
    layout.row("Burn rate");
    layout.add(burnRatePanel(slo, config), 24, 8);
    layout.row("SLI");
    layout.add(sliPanel(slo), 24, 8);
    probePanels(layout, config, slo);
  }
  const b = baseDashboard(config, sloUid(slo.name), `SLO ${slo.name}`)
    .description(slo.description ?? `${slo.service}: ${slo.objectivePercent} %`)
    .withVariable(new dash.ConstantVariableBuilder("slo").value(slo.name))
    .withVariable(new dash.ConstantVariableBuilder("service").value(slo.service));
  // sla rules writes no alerts for a quantile SLI
  if (!isQuantile(slo)) b.annotation(annotation(alertsExpr(`slo="\${slo}"`)));
  const d = b
    .link(
      new dash.DashboardLinkBuilder("Overview")
        .type(dash.DashboardLinkType.Link)
        .url(`/d/${OVERVIEW_UID}`)
        .keepTime(true),
    )
    .build();
  d.panels = layout.panels;
  return d;
}

/**
 * The overview's `service` and `slo` variables as matchers. Plain `$slo`: the Prometheus datasource escapes
 * a multi-value variable for a regex inside a PromQL string (`\\.`), where the `:regex` format's `\.` would
 * be an invalid escape in PromQL.
 */
export const VARIABLE_FILTER = `slo=~"$slo",service=~"$service"`;

const multi = (name: string, label: string, values: string[]) =>
  new dash.CustomVariableBuilder(name)
    .label(label)
    .values(values.map((v) => v.replace(/\\/g, "\\\\").replace(/,/g, "\\,")).join(","))
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ["All"], value: ["$__all"] })
    .options(values.map((v) => ({ selected: false, text: v, value: v })));

function overview(config: DashboardConfig, slos: Slo[]): Dashboard {
  const layout = new Layout();
  layout.row(`SLOs, period to date (${config.calendar.timeZone})`);
  for (const slo of slos) {
    const link = `/d/${sloUid(slo.name)}`;
    if (isQuantile(slo)) quantileStats(layout, config, slo, link);
    else periodStats(layout, config, slo, link);
  }
  const burning = slos.filter((s) => !isQuantile(s));
  if (burning.length > 0) {
    layout.row("Burn rate over 1 h (recording rules of sla rules)");
    const burn = new timeseries.PanelBuilder()
      .title("Burn rate over 1 h by SLO")
      .description(
        `sla:error_ratio:rate1h / error budget, from the recording rules sla rules writes (load them into Prometheus). Alert thresholds: ${BURN_TIERS.map((t) => `${t.rate} ${config.notify.burnRate[t.rate]}x`).join(", ")}.`,
      )
      .datasource(DS)
      .unit("x")
      .min(0)
      .thresholds(burnThresholds(config.notify.burnRate));
    // one term per SLO (each has its own budget), each filtered by the variables
    const terms = burning.map(
      (slo) =>
        `${recordName("1h")}{slo="${escapeLabelValue(slo.name)}",${VARIABLE_FILTER}} / ${budgetOf(slo)}`,
    );
    burn.withTarget(query(terms.join(" or "), "A", { legend: "{{slo}}" }));
    layout.add(burn, 24, 8);
  }
  const probes = slos.flatMap((s) => (s.sli.type === "probe" ? [probeSelector(s.sli)] : []));
  if (probes.length > 0) {
    layout.row("Probes");
    layout.add(probeStatePanel([...new Set(probes)]), 24, Math.min(20, 3 + 2 * probes.length));
  }
  const services = [...new Set(slos.map((s) => s.service))];
  const d = baseDashboard(config, OVERVIEW_UID, "SLA overview")
    .description("Every SLO of the sla-monitor config, period to date, burn rates and probes")
    .withVariable(multi("service", "Service", services))
    .withVariable(
      multi(
        "slo",
        "SLO",
        slos.map((s) => s.name),
      ),
    )
    .annotation(annotation(alertsExpr(VARIABLE_FILTER)))
    .build();
  d.panels = layout.panels;
  return d;
}

function provisioning(path: string): string {
  const doc = {
    apiVersion: 1,
    providers: [
      {
        name: TAG,
        orgId: 1,
        folder: FOLDER,
        type: "file",
        disableDeletion: false,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path, foldersFromFilesStructure: false },
      },
    ],
  };
  return `# Generated by \`sla dashboards\` from the sla-monitor config. Do not edit by hand.\n# Copy it to Grafana's provisioning/dashboards/ folder; options.path is where Grafana reads the JSON files.\n${stringify(doc)}`;
}

export function generateDashboards(config: DashboardConfig, options: GenerateOptions): GeneratedDashboards {
  return {
    dashboards: [
      { file: "sla-overview.json", dashboard: overview(config, config.slos) },
      ...config.slos.map((slo) => ({ file: sloFile(slo.name), dashboard: sloDashboard(config, slo) })),
    ],
    provisioning: provisioning(options.path),
  };
}

/** Every PromQL expression of a dashboard, where it sits, and whether Grafana asks it as an instant query. */
export interface DashboardQuery {
  /** panel title, or `annotation <name>` */
  where: string;
  panel?: dash.Panel;
  expr: string;
  instant: boolean;
  datasource: unknown;
}

export function queriesOf(d: Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const p of d.panels ?? []) {
    if (p.type === "row") continue;
    const panel = p as dash.Panel;
    for (const t of (panel.targets ?? []) as { expr?: string; instant?: boolean; datasource?: unknown }[]) {
      out.push({
        where: panel.title ?? "",
        panel,
        expr: t.expr ?? "",
        instant: t.instant === true,
        datasource: t.datasource,
      });
    }
  }
  for (const a of d.annotations.list ?? []) {
    const x = a as { name: string; expr?: string; datasource?: unknown };
    out.push({ where: `annotation ${x.name}`, expr: x.expr ?? "", instant: false, datasource: x.datasource });
  }
  return out;
}
