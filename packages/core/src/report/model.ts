/**
 * The report document (schemaVersion 1). Field names are a contract other tools rely on (DESIGN.md §7):
 * objectives and attainments are ratios (0.999), `remaining` is a ratio of the allowed budget (negative when
 * overspent), times are ISO-8601 with the zone's offset, and the window end is exclusive.
 */
import type { SliReason } from "../slo/sli.js";

export type ReportSliType = "probe" | "ratio" | "latency";
export type SloStatus = "met" | "missed" | "unknown";
export type ReportKind = "weekly" | "monthly" | "quarterly" | "yearly" | "custom";

export interface ErrorBudgetReport {
  unit: "minutes" | "requests";
  /** (1 - objective) x eligible units */
  allowed: number;
  /** bad units */
  consumed: number;
  /** 1 - consumed/allowed; 1 = untouched, 0 = spent, negative = overspent; null when nothing is known */
  remaining: number | null;
  /** consumed beyond allowed, as a percentage of allowed (0 when within budget) */
  overagePercent: number;
}

export interface IncidentReport {
  start: string;
  end: string;
  minutes: number;
}

export interface DailyPoint {
  /** local calendar date in the report's time zone */
  date: string;
  attainment: number | null;
  /**
   * bad units of that day (minutes or requests) as observed, maintenance excluded: for probe SLIs the day's
   * downtime (the daily figures add up to `downtimeMinutes`, whatever the missing-data policy)
   */
  bad: number;
  /** probe SLIs: minutes of that day without data (maintenance excluded); `missingData: bad` counts them too */
  missing?: number;
}

export interface SloReport {
  name: string;
  service: string;
  description?: string;
  objective: number;
  sliType: ReportSliType;
  /** the SLI is PromQL written in the config (a raw ratio SLI), not built by sla-monitor; absent otherwise */
  userDefined?: true;
  attainment: number | null;
  status: SloStatus;
  reason?: string;
  errorBudget: ErrorBudgetReport;
  /** probe SLIs: failed minutes (maintenance excluded) */
  downtimeMinutes?: number;
  /** present samples / expected samples outside maintenance (1 for ratio SLIs with data) */
  coverage: number | null;
  /** (bad/total) / (1 - objective) over the whole window */
  burnRate: number | null;
  /** for a window still running: when the budget runs out at the current burn rate */
  forecast?: { exhaustsAt: string | null; withinWindow: boolean };
  incidents: IncidentReport[];
  daily: DailyPoint[];
  maintenanceMinutes: number;
  maintenance: { start: string; end: string; reason: string }[];
  missingData: "unknown" | "good" | "bad";
  /**
   * Probe SLIs: the series found in the window (locations, shards) and the rule that decides when an
   * interval is down (`majority`: more than half of the series with a sample in it failed). Every figure
   * counts wall-clock minutes.
   */
  series?: { count: number; downWhen: "any" | "majority" | "all" };
  previous?: { period: string | null; attainment: number | null; status: SloStatus };
  /** how the figure was computed, in words (e.g. increase() extrapolation) */
  method: string;
  queries: string[];
}

/** A latency figure's status: "no-target" when there is a value but nothing to judge it against. */
export type FigureStatus = SloStatus | "no-target";

export interface QuantileFigure {
  name: string;
  service: string;
  quantile: number;
  /** null when no data */
  valueSeconds: number | null;
  targetSeconds?: number;
  status: FigureStatus;
  query: string;
}

export interface Breach {
  slo: string;
  service: string;
  kind: "missed" | "budget-exhausted" | "fast-burn";
  severity: "critical" | "warning";
  detail: string;
}

export interface ReportDocument {
  schemaVersion: 1;
  kind: ReportKind;
  /** "2026-10", "2026-W43", or null for a custom range */
  period: string | null;
  window: { start: string; end: string; timeZone: string; hours: number };
  generatedAt: string;
  /** the window had not ended when the report was generated */
  partial: boolean;
  source: { prometheus: string };
  summary: { total: number; met: number; missed: number; unknown: number };
  slos: SloReport[];
  quantiles: QuantileFigure[];
  breaches: Breach[];
  /**
   * Queries that failed while building the report. Non-empty means the document is incomplete; the report
   * says so ("Partial: N SLOs unknown because …"). Breaches (only ever from SLOs with complete figures) are
   * published all the same; the summary waits for a retry while any failure may be transient, and a
   * failure Prometheus will repeat (`rejected`) is reported once as a self-alert, not retried.
   */
  errors: {
    slo: string;
    /** what the failed query was for: the SLO's own figures (it is unknown), its previous-period comparison, or its p95/p99 latency figures */
    part: "figures" | "previous" | "latency";
    error: string;
    /** Prometheus refused the query (HTTP 4xx such as 400 bad_data): a configuration error, not an outage */
    rejected?: true;
  }[];
  /** where the rendered files live, filled in by the store step */
  location?: { base: string; files: Record<string, string> };
}

// ---------------------------------------------------------------------------------------------------------
// What evaluate.ts returns: numbers and structured codes. The text layer (render/explain.ts) turns it into
// the `ReportDocument` above by writing every sentence (reasons, method, breach details) in one place.

/** Why an SLO is unknown, or what qualifies its figures. */
export type SloReason =
  | SliReason
  /** a query of the SLO's own figures failed (the client's error message) */
  | { code: "query-failed"; error: string }
  /** the previous period's queries failed */
  | { code: "previous-unavailable"; error: string }
  /** Prometheus answered with warnings (data may be partial) */
  | { code: "server-warnings"; warnings: string[] }
  /** a running window: share of it elapsed, 0..1 */
  | { code: "period-in-progress"; elapsed: number }
  /** a running window whose whole budget is already gone */
  | { code: "budget-exhausted-early" }
  /** a running window that has only just started: nothing to count yet */
  | { code: "not-started" }
  /** request SLIs: the total selector has no series in the window */
  | { code: "no-total-series" }
  /** latency SLI: the histogram has requests but no bucket at the threshold */
  | { code: "no-latency-bucket"; thresholdSeconds: number };

/** How the figure was computed, as data; `methodText` (render/explain.ts) writes the paragraph. */
export type MethodSpec =
  | {
      sli: "probe";
      intervalSeconds: number;
      downWhen: "any" | "majority" | "all";
      missingData: "unknown" | "good" | "bad";
      /** series found in the window; absent when unknown */
      series?: number;
    }
  | {
      sli: "ratio";
      numerator: "good" | "bad";
      maintenance: boolean;
      /** PromQL written in the config: counts of events, or a share 0..1 weighted by time */
      userDefined?: "events" | "share";
    }
  | { sli: "latency"; thresholdSeconds: number; maintenance: boolean };

export type EvaluatedSlo = Omit<SloReport, "reason" | "method"> & { why: SloReason[]; method: MethodSpec };
export type EvaluatedBreach = Omit<Breach, "detail">;
export type EvaluatedReport = Omit<ReportDocument, "slos" | "breaches"> & {
  slos: EvaluatedSlo[];
  breaches: EvaluatedBreach[];
};
