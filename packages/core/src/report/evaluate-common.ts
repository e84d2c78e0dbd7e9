/** Pieces shared by the per-SLI evaluation files (pure). */
import { NO_FIGURES, type SliEvaluation } from "../slo/sli.js";
import type { DayWindow } from "../slo/windows.js";
import type { QueryResult, QueryResults } from "./fetch.js";
import type { DailyPoint, SloReason, SloReport } from "./model.js";
import type { QueryId } from "./plan.js";

/** An SLI evaluation whose reasons may be the report's own too. */
export type Evaluation = Omit<SliEvaluation, "why"> & { why: SloReason[] };

/** What one SLI kind hands to the common finish (budget of a running window, status, identity). */
export interface SloFigures {
  ev: Evaluation;
  unit: "minutes" | "requests";
  /** units per counted unit (minutes per probe interval) */
  scale: number;
  downtimeMinutes?: number;
  incidents: SloReport["incidents"];
  daily: DailyPoint[];
  maintenanceMinutes: number;
  maintenance: SloReport["maintenance"];
  /** probe SLIs: the series found and the rule that judges an interval */
  series?: NonNullable<SloReport["series"]>;
  /** eligible units of the whole window, for the budget of a window still running (null: extrapolate) */
  fullWindowEligible: number | null;
  /** request SLIs: steps with data / expected steps outside maintenance */
  coverage?: number;
}

/** A successful answer of the expected kind; anything else here is a bug of the plan or of the caller. */
export function answer<K extends "instant" | "range">(
  results: QueryResults,
  id: QueryId,
  kind: K,
): Extract<QueryResult, { status: "ok"; kind: K }> {
  const r = results.get(id);
  if (r?.status !== "ok" || r.kind !== kind) {
    throw new Error(`evaluate: query ${id} has no ${kind} answer (${r ? r.status : "not fetched"})`);
  }
  return r as Extract<QueryResult, { status: "ok"; kind: K }>;
}

/** The first failed query among `ids`, in plan order. */
export function firstFailure(
  results: QueryResults,
  ids: readonly QueryId[],
): Extract<QueryResult, { status: "failed" }> | undefined {
  for (const id of ids) {
    const r = results.get(id);
    if (r?.status === "failed") return r;
  }
  return undefined;
}

/** Warnings mean Prometheus answered with possibly partial data: never "met" on that. */
export function applyWarnings(ev: Evaluation, warnings: readonly string[]): Evaluation {
  if (warnings.length === 0 || ev.status !== "met") return ev;
  const distinct = [...new Set(warnings)];
  return { ...ev, status: "unknown", why: [...ev.why, { code: "server-warnings", warnings: distinct }] };
}

export const minutesOf = (intervals: readonly { start: Date; end: Date }[]) =>
  intervals.reduce((a, m) => a + (m.end.getTime() - m.start.getTime()) / 60_000, 0);

export const unknownEvaluation = (why: SloReason[]): Evaluation => ({ ...NO_FIGURES, why });

/** Every day unknown (an SLO without figures). */
export const unknownDays = (days: readonly DayWindow[]): DailyPoint[] =>
  days.map((d) => ({ date: d.date, attainment: null, bad: 0 }));

/** A running window that has only just started (less than one step observed): nothing to count yet. */
export function notStarted(unit: SloFigures["unit"], days: readonly DayWindow[]): SloFigures {
  return {
    ev: unknownEvaluation([{ code: "not-started" }]),
    unit,
    scale: 1,
    incidents: [],
    daily: unknownDays(days),
    maintenanceMinutes: 0,
    maintenance: [],
    fullWindowEligible: null,
  };
}
