/**
 * RFC 4180 CSV: a header and one row per SLO of the report's period, CRLF line ends. Fields containing a comma,
 * a quote, CR or LF are quoted (quotes doubled). Text cells that a spreadsheet would run as a formula (starting
 * with = + - @, tab or CR) get a leading apostrophe; numeric columns are written by us as plain numbers and are
 * never altered, so a negative remaining budget stays a number. Ratios as in the JSON (0.999, not 99.9 %);
 * empty cell = null / not applicable.
 */
import type { ReportDocument, SloReport } from "../model.js";
import { round } from "./format.js";

export const CSV_COLUMNS = [
  "period",
  "kind",
  "window_start",
  "window_end",
  "time_zone",
  "slo",
  "service",
  "sli_type",
  "objective",
  "attainment",
  "status",
  "budget_unit",
  "budget_allowed",
  "budget_consumed",
  "budget_remaining",
  "downtime_minutes",
  "coverage",
  "burn_rate",
  "incidents",
  "maintenance_minutes",
  "reason",
] as const;

type Column = (typeof CSV_COLUMNS)[number];
type Cell = { text: string } | { num: number | null | undefined };

/** Neutralises spreadsheet formula injection in a text cell. */
export function neutraliseFormula(text: string): string {
  // also the full-width forms (＝ ＋ － ＠) that spreadsheets fold to their ASCII twins
  return /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(text) ? `'${text}` : text;
}

/** One RFC 4180 field: quoted when it contains a comma, a quote, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function cellText(c: Cell): string {
  if ("text" in c) return neutraliseFormula(c.text);
  const n = c.num;
  if (n === null || n === undefined || !Number.isFinite(n)) return "";
  return String(n);
}

function row(doc: ReportDocument, s: SloReport): Record<Column, Cell> {
  const b = s.errorBudget;
  const known = s.attainment !== null && b.remaining !== null;
  const text = (t: string | null | undefined): Cell => ({ text: t ?? "" });
  const num = (n: number | null | undefined): Cell => ({ num: n });
  return {
    period: text(doc.period),
    kind: text(doc.kind),
    window_start: text(doc.window.start),
    window_end: text(doc.window.end),
    time_zone: text(doc.window.timeZone),
    slo: text(s.name),
    service: text(s.service),
    sli_type: text(s.sliType),
    objective: num(round(s.objective, 6, [0, 1])),
    attainment: num(round(s.attainment, 6, [0, 1, s.objective])),
    status: text(s.status),
    budget_unit: text(b.unit),
    budget_allowed: num(known ? round(b.allowed, 2, [0]) : null),
    budget_consumed: num(known ? round(b.consumed, 2, [0, b.allowed]) : null),
    budget_remaining: num(round(b.remaining, 6, [0, 1])),
    downtime_minutes: num(round(s.downtimeMinutes, 2, [0])),
    coverage: num(round(s.coverage, 6, [0, 1])),
    burn_rate: num(round(s.burnRate, 4, [0, 1])),
    incidents: num(s.sliType === "probe" ? s.incidents.length : null),
    maintenance_minutes: num(round(s.maintenanceMinutes, 2, [0])),
    reason: text(s.reason),
  };
}

export function renderCsv(doc: ReportDocument): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const s of doc.slos) {
    const r = row(doc, s);
    lines.push(CSV_COLUMNS.map((c) => csvField(cellText(r[c]))).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
