/**
 * Report history for the portal (pure): the per-SLO figures each `reports/index.json` entry keeps, and the
 * last N calendar months, ISO weeks, quarters and years of each SLO, taken from the index alone (no report
 * is re-read).
 */
import { DateTime } from "luxon";
import type { CalendarKind } from "../slo/windows.js";
import type { ReportDocument, SloStatus } from "./model.js";

/** One SLO's figures in an index entry: what the portal's history shows, nothing more. */
export interface IndexSlo {
  name: string;
  service: string;
  objective: number;
  status: SloStatus;
  attainment: number | null;
  /** error budget remaining, a ratio of the allowed budget (negative when overspent); null when unknown */
  budgetRemaining: number | null;
}

/** The fields of an index entry the portal reads (`IndexEntry` in run.ts has them). */
export interface PortalEntry {
  id: string;
  kind: ReportDocument["kind"];
  period: string | null;
  window: ReportDocument["window"];
  generatedAt: string;
  summary: ReportDocument["summary"];
  keys: Record<string, string>;
  /** the window had not ended when the report was made (absent in entries written before the portal) */
  partial?: boolean;
  /** every SLO's status, attainment and budget, in the newest 12 reports of each kind (`pruneHistory`) */
  slos?: IndexSlo[];
}

type SloFigures = Pick<
  ReportDocument["slos"][number],
  "name" | "service" | "objective" | "status" | "attainment"
> & {
  errorBudget: { remaining: number | null };
};

export function indexSlos(doc: { slos: readonly SloFigures[] }): IndexSlo[] {
  return doc.slos.map((s) => ({
    name: s.name,
    service: s.service,
    objective: s.objective,
    status: s.status,
    attainment: s.attainment,
    budgetRemaining: s.errorBudget.remaining,
  }));
}

/** Whether the entry is a whole-config report of a calendar period (a run restricted to some SLOs is not). */
export const isPeriodReport = (e: PortalEntry, kind: CalendarKind) =>
  e.kind === kind && e.period !== null && !e.id.includes("/subset-");

/**
 * The index keeps each SLO's figures only where the portal shows them: in the newest `n` reports of each
 * calendar kind. Older entries (and custom or subset ones) keep their summary and keys, so the index stays
 * bounded however many years of reports it lists.
 */
export function pruneHistory<E extends PortalEntry>(entries: readonly E[], n = 12): E[] {
  const keep = new Set<E>();
  for (const kind of ["yearly", "quarterly", "monthly", "weekly"] as const) {
    const newest = entries
      .filter((e) => isPeriodReport(e, kind))
      .sort((a, b) => (b.period! < a.period! ? -1 : b.period! > a.period! ? 1 : 0))
      .slice(0, n);
    for (const e of newest) keep.add(e);
  }
  return entries.map((e) => {
    if (keep.has(e) || e.slos === undefined) return e;
    const { slos: _, ...rest } = e;
    return rest as E;
  });
}

const PERIOD_STEP = {
  weekly: { unit: "weeks", format: "kkkk-'W'WW" },
  monthly: { unit: "months", format: "yyyy-MM" },
  quarterly: { unit: "quarters", format: "yyyy-'Q'q" },
  yearly: { unit: "years", format: "yyyy" },
} as const;

function periodStart(kind: CalendarKind, period: string): DateTime {
  const zone = { zone: "UTC" };
  if (kind === "weekly") return DateTime.fromISO(`${period}-1`, zone);
  if (kind === "monthly") return DateTime.fromFormat(period, "yyyy-MM", zone);
  const q = kind === "quarterly" ? /^(\d{4})-Q([1-4])$/.exec(period) : null;
  if (q) return DateTime.fromObject({ year: Number(q[1]), month: (Number(q[2]) - 1) * 3 + 1 }, zone);
  if (kind === "yearly" && /^\d{4}$/.test(period)) return DateTime.fromObject({ year: Number(period) }, zone);
  return DateTime.invalid("not a period of this kind");
}

/**
 * The `n` periods ending with `newest`, oldest first: `2026-10` → `2025-11` … `2026-10`; ISO weeks,
 * quarters (`2024-Q1` … `2026-Q4`) and years (`2015` … `2026`) alike.
 */
export function lastPeriods(kind: CalendarKind, newest: string, n: number): string[] {
  const start = periodStart(kind, newest);
  if (!start.isValid) return [];
  const { unit, format } = PERIOD_STEP[kind];
  return Array.from({ length: n }, (_, i) => start.minus({ [unit]: n - 1 - i }).toFormat(format));
}

export interface HistoryCell {
  period: string;
  /** the period's report, when there is one */
  entry?: PortalEntry;
  /** the SLO's figures in it, when the report has the SLO */
  slo?: IndexSlo;
}

export interface SloHistory {
  name: string;
  service: string;
  /** the objective in the newest report that has the SLO */
  objective: number;
  cells: HistoryCell[];
}

/**
 * The last `n` periods of `kind` (ending with the newest stored one) and, for every SLO that appears in any
 * of them, its cell per period. SLOs are ordered by service, then name.
 */
export function sloHistory(
  entries: readonly PortalEntry[],
  kind: CalendarKind,
  n = 12,
): { periods: string[]; slos: SloHistory[] } {
  const byPeriod = new Map<string, PortalEntry>();
  for (const e of entries) {
    if (!isPeriodReport(e, kind)) continue;
    const prev = byPeriod.get(e.period!);
    if (!prev || e.generatedAt > prev.generatedAt) byPeriod.set(e.period!, e);
  }
  const newest = [...byPeriod.keys()].sort().at(-1);
  if (!newest) return { periods: [], slos: [] };
  const periods = lastPeriods(kind, newest, n);
  const slos = new Map<string, SloHistory>();
  for (const period of periods) {
    for (const s of byPeriod.get(period)?.slos ?? []) {
      const h = slos.get(s.name) ?? { name: s.name, service: s.service, objective: s.objective, cells: [] };
      h.service = s.service;
      h.objective = s.objective; // periods run oldest first: the newest wins
      slos.set(s.name, h);
    }
  }
  for (const h of slos.values()) {
    h.cells = periods.map((period) => {
      const entry = byPeriod.get(period);
      const slo = entry?.slos?.find((s) => s.name === h.name);
      return { period, ...(entry ? { entry } : {}), ...(slo ? { slo } : {}) };
    });
  }
  const ordered = [...slos.values()].sort(
    (a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name),
  );
  return { periods, slos: ordered };
}
