/**
 * The sentences of the report document, written in one place: an evaluated report (numbers and structured
 * codes, evaluate.ts) becomes the `ReportDocument` whose `reason`, `method` and breach `detail` read as text.
 * Pure; every renderer and notification then quotes these.
 */
import { formatDuration } from "../../slo/format.js";
import { downWhenText } from "../../slo/sli.js";
import type {
  Breach,
  EvaluatedBreach,
  EvaluatedReport,
  EvaluatedSlo,
  MethodSpec,
  ReportDocument,
  SloReason,
  SloReport,
} from "../model.js";
import { attainmentPct, fixed, objectivePct, pct, remainingPct } from "./format.js";

const countText = (units: number) => (Number.isInteger(units) ? String(units) : units.toFixed(1));

/** "1 h 12 min of missing data" (minutes) or "missing data (72 samples)" (samples). */
function missingPhrase(units: number, unit: "minutes" | "samples"): string {
  if (unit === "minutes") return `${formatDuration(units)} of missing data`;
  return `missing data (${countText(units)} sample${units === 1 ? "" : "s"})`;
}

/** One reason as a clause. */
export function reasonClause(r: SloReason): string {
  switch (r.code) {
    case "invalid-input":
      return r.detail;
    case "no-eligible-time":
      return "no eligible time: the whole window is excluded (maintenance) or empty";
    case "no-data":
      return r.unit === "minutes"
        ? `no data: nothing observed in the ${formatDuration(r.eligible)} of eligible time`
        : `no data: none of the ${countText(r.eligible)} expected samples is present`;
    case "missing-decides": {
      const keep = [r.objective, 1, 0];
      return (
        `${missingPhrase(r.missing, r.unit)} decides the outcome: attainment is between ` +
        `${pct(r.low, 3, keep)} (missing counted as bad) and ${pct(r.high, 3, keep)} ` +
        `(missing counted as good), objective ${pct(r.objective, 3)}`
      );
    }
    case "missing-counted":
      return `${missingPhrase(r.missing, r.unit)} counted as ${r.policy} (missingData: ${r.policy})`;
    case "coverage-below-minimum":
      return `coverage ${pct(r.coverage, 2, [r.minCoverage])} is below the required ${pct(r.minCoverage, 2)}`;
    case "no-events":
      return "no events in the window (total is 0): attainment is undefined";
    case "no-numerator":
      return `${r.prefix}good/bad is missing (no data)`;
    case "query-failed":
      return `query failed: ${r.error}`;
    case "previous-unavailable":
      return `previous period unavailable: ${r.error}`;
    case "server-warnings":
      return `Prometheus returned warnings (data may be partial): ${r.warnings.join("; ")}`;
    case "period-in-progress":
      return `period in progress (${Math.round(r.elapsed * 100)} % elapsed)`;
    case "budget-exhausted-early":
      return "the error budget of the whole period is already exhausted";
    case "not-started":
      return "the period has only just started: nothing to count yet";
    case "no-total-series":
      return "no data: the total selector matches no series in the window";
    case "no-latency-bucket":
      return (
        `the histogram has requests but no bucket at le=${r.thresholdSeconds}: thresholdSeconds must be ` +
        "one of the histogram's bucket boundaries"
      );
  }
}

/** The reasons of an SLO as one sentence (clauses joined by "; "), or undefined when there are none. */
export function reasonText(why: readonly SloReason[]): string | undefined {
  return why.length > 0 ? why.map(reasonClause).join("; ") : undefined;
}

/** The method of a ratio SLI written as PromQL in the config (the renderers also call it user-defined). */
function userDefinedMethod(kind: "events" | "share"): string {
  return (
    "User-defined SLI: the PromQL written in the config, with [{{.window}}] filled in as the window and " +
    "evaluated at its end - 1 ms (@); daily figures fill in 15-minute steps. " +
    (kind === "share"
      ? "It gives the good (or bad) share directly, so the budget is that share weighted by time: " +
        "minutes of the window (share x minutes)."
      : "Its good/bad and total are what the expressions return (counts when they use increase()).")
  );
}

/** How the figure was computed, in words. */
export function methodText(m: MethodSpec): string {
  const maintenance =
    m.sli !== "probe" && m.maintenance
      ? " Maintenance windows (clipped to the window, overlapping ones merged) are excluded: the requests " +
        "inside each, increase() over the maintenance window evaluated at its end - 1 ms, are subtracted " +
        "from good and total (and from the daily figures, by the share of each 15-minute step inside " +
        "maintenance)."
      : "";
  switch (m.sli) {
    case "probe": {
      const i = m.intervalSeconds;
      const rule = m.downWhen;
      const counted =
        m.series !== undefined && m.series > 1
          ? `Availability = good intervals / expected intervals of wall-clock time (one per ${i} s) in the ` +
            `window. ${m.series} series probe the target (locations or shards): an interval is down when ` +
            `${downWhenText(rule)} (downWhen: ${rule}), missing when none has a sample. Per interval, the ` +
            "series with a sample and those that failed are counted in PromQL (count of min_over_time over " +
            "the interval, a range query with a point at each interval's end looking 1 ms back) and the rule is applied " +
            "to each interval; attainment, downtime, incidents, daily figures and the budget count " +
            "wall-clock minutes, never series-minutes; "
          : `Availability = successful probe samples / expected samples (one per ${i} s) in the window, ` +
            "counted exactly with count_over_time/sum_over_time evaluated at the window end - 1 ms " +
            `(${m.series === 1 ? "1 series; " : ""}with several series, an interval of wall-clock time is down ` +
            `when ${downWhenText(rule)}, downWhen: ${rule}); `;
      return (
        `${counted}maintenance excluded (overlapping windows merged); missing samples: ${m.missingData}. ` +
        "Error budget = (1 - objective) x (window minutes - maintenance minutes), whatever the missing-data " +
        "policy: missing minutes lower the coverage, not the budget. Daily downtime counts failed minutes " +
        "only; minutes without data are shown apart."
      );
    }
    case "ratio":
      if (m.userDefined) return userDefinedMethod(m.userDefined) + maintenance;
      return (
        `Ratio = sum(increase(${m.numerator})) / sum(increase(total)) over the window at its end - 1 ms. ` +
        "increase() extrapolates to the window edges and handles counter resets, so request counts are not " +
        "integers; a series that first appears inside the window loses its first sample. A good or bad " +
        "selector without any series while total has data counts 0 requests. Daily figures sum 15-minute " +
        `increases and are approximate.${maintenance}`
      );
    case "latency":
      return (
        `Latency = requests at or below ${m.thresholdSeconds} s (histogram bucket le) / all requests, both ` +
        `from increase() over the window at its end - 1 ms (extrapolated; see ratio SLIs).${maintenance}`
      );
  }
}

/**
 * A breach in one sentence. Percentages are never rounded across the objective: 0.9989999 against 0.999
 * reads "attainment 99.89999 % below objective 99.9 %", never "99.900 % below 99.900 %".
 */
export function breachDetail(
  b: EvaluatedBreach,
  s: Pick<SloReport, "attainment" | "objective" | "errorBudget" | "burnRate"> | undefined,
): string {
  switch (b.kind) {
    case "missed":
      return s
        ? `attainment ${attainmentPct(s.attainment, s.objective)} below objective ${objectivePct(s.objective)}`
        : "objective missed";
    case "budget-exhausted":
      return `error budget of the period exhausted while it is still running (${remainingPct(s?.errorBudget.remaining ?? 0)} remaining)`;
    case "fast-burn":
      return `burning the error budget at ${fixed(s?.burnRate ?? Number.NaN, 1, [1])}x the sustainable rate`;
  }
}

function explainSlo(s: EvaluatedSlo): SloReport {
  const { why, method, ...rest } = s;
  const reason = reasonText(why);
  // `reason` sits where the model puts it; renderJson orders the keys anyway
  return { ...rest, ...(reason ? { reason } : {}), method: methodText(method) };
}

/** The report document: the evaluated report with its sentences written. */
export function explainReport(e: EvaluatedReport): ReportDocument {
  const slos = e.slos.map(explainSlo);
  const by = new Map(slos.map((s) => [s.name, s]));
  const breaches: Breach[] = e.breaches.map((b) => ({ ...b, detail: breachDetail(b, by.get(b.slo)) }));
  return { ...e, slos, breaches };
}
