/**
 * Prometheus recording and alerting rules for multi-window, multi-burn-rate SLO alerts (Google SRE
 * workbook, DESIGN.md §5), generated from the config (pure). The reports judge whole periods; these rules
 * page within minutes: fast burn = `notify.burnRate.fast` (14.4) over 1 h and 5 m, slow burn =
 * `notify.burnRate.slow` (6) over 6 h and 30 m, and the workbook's third tier, a ticket at
 * `notify.burnRate.ticket` (1) over 3 d and 6 h. The workbook sizes the tiers for a 30-day budget (2 %, 5 %
 * and 10 % of it spent); for a weekly SLO the same burn rates spend 4.3x those shares. Load the output into
 * Prometheus, AMP or Mimir rulers.
 */
import { stringify } from "yaml";
import type { SlaConfig, Slo } from "../config/schema.js";
import { escapeLabelValue } from "../prometheus/promql.js";
import { probeSelector, requestSelectors, type SliSpec, userDefinedErrorRatio } from "../report/queries.js";

export const BURN_WINDOWS = ["5m", "30m", "1h", "6h", "3d"] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number];

/** The recording rule holding an SLO's error ratio over `w` (labels `slo`, `service`). */
export const recordName = (w: BurnWindow) => `sla:error_ratio:rate${w}`;

/**
 * The workbook's three tiers: alert name, the `notify.burnRate` key of its threshold, its long and short
 * windows, how long it must hold and its severity. The dashboards draw the same tiers and thresholds.
 */
export const BURN_TIERS = [
  { alert: "SLOErrorBudgetBurnFast", rate: "fast", long: "1h", short: "5m", for: "2m", severity: "critical" },
  {
    alert: "SLOErrorBudgetBurnSlow",
    rate: "slow",
    long: "6h",
    short: "30m",
    for: "15m",
    severity: "warning",
  },
  {
    alert: "SLOErrorBudgetBurnTicket",
    rate: "ticket",
    long: "3d",
    short: "6h",
    for: "1h",
    severity: "ticket",
  },
] as const satisfies readonly {
  alert: string;
  rate: "fast" | "slow" | "ticket";
  long: BurnWindow;
  short: BurnWindow;
  for: string;
  severity: string;
}[];

/**
 * The SLI's error ratio (0..1) over a trailing window `w`, as one PromQL expression: `w` is a PromQL
 * duration ("5m") or a Grafana range variable ("$__range", "$__rate_interval"), written as it is.
 */
export function errorRatioExpr(sli: SliSpec, w: string): string | null {
  switch (sli.type) {
    case "probe": {
      const s = probeSelector(sli);
      return `1 - (sum(sum_over_time(${s}[${w}])) / sum(count_over_time(${s}[${w}])))`;
    }
    case "ratio":
    case "latency": {
      if (!/^(\d+(ms|[smhdwy]))+$|^\$\w+$|^\$\{\w+\}$/.test(w)) {
        throw new Error(`invalid window ${JSON.stringify(w)}`);
      }
      const raw = userDefinedErrorRatio(sli, w);
      if (raw !== null) return raw;
      const s = requestSelectors(sli);
      const total = `sum(rate(${s.total}[${w}]))`;
      return s.bad ? `sum(rate(${s.bad}[${w}])) / ${total}` : `1 - (sum(rate(${s.good}[${w}])) / ${total})`;
    }
    default:
      return null; // quantile SLIs are report-only figures
  }
}

/** Burn rate over `w`: the error ratio divided by the error budget (1 - objective). */
export function burnRateExpr(slo: Pick<Slo, "sli" | "objective">, w: string): string | null {
  const e = errorRatioExpr(slo.sli, w);
  return e === null ? null : `(${e}) / ${budgetOf(slo)}`;
}

/** 1 - objective, without float noise (0.0010000000000000009 is 0.001). */
export const budgetOf = (slo: Pick<Slo, "objective">): number => Number((1 - slo.objective).toPrecision(12));

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function sloRules(slo: Slo, burn: { fast: number; slow: number; ticket: number }): Rule[] {
  if (errorRatioExpr(slo.sli, "5m") === null) return [];
  const ids = { slo: slo.name, service: slo.service };
  const sel = `{slo="${escapeLabelValue(slo.name)}"}`;
  const budget = 1 - slo.objective;
  const records: Rule[] = BURN_WINDOWS.map((w) => ({
    record: recordName(w),
    expr: errorRatioExpr(slo.sli, w)!,
    labels: ids,
  }));
  const page = (rate: number, long: BurnWindow, short: BurnWindow) => {
    const threshold = Number((rate * budget).toPrecision(12)); // 14.4 x 0.001, not 0.014400000000000013
    return `${recordName(long)}${sel} > ${threshold} and ${recordName(short)}${sel} > ${threshold}`;
  };
  const objective = `${slo.objectivePercent} %`;
  const texts = {
    fast: (r: number) => ({
      summary: `${slo.name} is burning its error budget ${r}x too fast`,
      description: `Error ratio over 1 h and 5 m above ${r}x the budget of a ${objective} objective: at this rate a 30-day budget is gone in ${Math.round((30 * 24) / r)} h.`,
    }),
    slow: (r: number) => ({
      summary: `${slo.name} is burning its error budget ${r}x too fast`,
      description: `Error ratio over 6 h and 30 m above ${r}x the budget of a ${objective} objective: at this rate a 30-day budget is gone in ${Math.round(30 / r)} days.`,
    }),
    ticket: (r: number) => ({
      summary: `${slo.name} is spending its error budget ${r}x as fast as it can afford`,
      description: `Error ratio over 3 d and 6 h above ${r}x the budget of a ${objective} objective: at this rate a 30-day budget is gone in ${Math.round(30 / r)} days.`,
    }),
  };
  return [
    ...records,
    ...BURN_TIERS.map((t) => ({
      alert: t.alert,
      expr: page(burn[t.rate], t.long, t.short),
      for: t.for,
      labels: { ...ids, severity: t.severity, kind: "breach" },
      annotations: texts[t.rate](burn[t.rate]),
    })),
  ];
}

/** The rule file (Prometheus rule-file YAML), one group per SLO. */
export function renderAlertRules(config: Pick<SlaConfig, "slos" | "notify">): string {
  const groups = config.slos
    .map((slo) => ({ name: `sla-monitor-${slo.name}`, rules: sloRules(slo, config.notify.burnRate) }))
    .filter((g) => g.rules.length > 0);
  return `# Generated by \`sla rules\` from the sla-monitor config. Do not edit by hand.\n${stringify({ groups }, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
