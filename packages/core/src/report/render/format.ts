/**
 * Formatting helpers shared by the renderers. Pure: no I/O, no clock, no locale dependence (the output is the
 * same on every machine, so rendered files are reproducible).
 */
import { formatDuration } from "../../slo/format.js";
import type { ErrorBudgetReport, ReportDocument, SloReport, SloStatus } from "../model.js";

export interface RenderOptions {
  /** where the full report lives; shown as "where is the full report" links (text, HTML, Markdown) */
  links?: { html?: string; json?: string };
}

const MAX_DIGITS = 15;

function fixedDigits(x: number, digits: number, keepSide: readonly number[]): number {
  for (let d = digits; d <= MAX_DIGITS; d++) {
    const r = Number(x.toFixed(d));
    if (keepSide.every((p) => Math.sign(r - p) === Math.sign(x - p))) return d;
  }
  return -1;
}

/**
 * Rounds `x` to `digits` decimals without changing what the number means: for every pivot in `keepSide`, the
 * rounded value stays on the same side of it (below, equal or above) as `x`, adding decimals where needed.
 * So an attainment of 0.9989999 against an objective of 0.999 never becomes 0.999, 0.9999999 never becomes 1
 * and a remaining budget of -0.0000001 never becomes 0. null/undefined give null; NaN/±Infinity are returned
 * unchanged (JSON turns them into null); -0 becomes 0.
 */
export function round(x: number, digits: number, keepSide?: readonly number[]): number;
export function round(
  x: number | null | undefined,
  digits: number,
  keepSide?: readonly number[],
): number | null;
export function round(
  x: number | null | undefined,
  digits: number,
  keepSide: readonly number[] = [],
): number | null {
  if (x === null || x === undefined) return null;
  if (!Number.isFinite(x)) return x;
  const d = fixedDigits(x, digits, keepSide.filter(Number.isFinite));
  const r = d < 0 ? x : Number(x.toFixed(d));
  return r === 0 ? 0 : r;
}

/** `x` as a string with `digits` decimals (more when a pivot in `keepSide` needs them, see `round`). */
export function fixed(x: number, digits: number, keepSide: readonly number[] = []): string {
  if (!Number.isFinite(x)) return "n/a";
  const d = fixedDigits(x, digits, keepSide.filter(Number.isFinite));
  const s = d < 0 ? String(x) : x.toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** Escapes text for HTML element content and quoted attribute values (also inside inline SVG). */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Control characters (newlines, tabs, escape sequences) become spaces: one logical line of text. */
export function oneLine(value: unknown): string {
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ");
}

export const STATUS_WORD: Record<SloStatus, string> = { met: "MET", missed: "MISSED", unknown: "UNKNOWN" };

export const COLORS = {
  met: "#1a7f37",
  missed: "#cf222e",
  unknown: "#6e7781",
  warning: "#9a6700",
  critical: "#cf222e",
  line: "#0969da",
  text: "#1f2328",
  muted: "#59636e",
  border: "#d0d7de",
  grid: "#e6e9ed",
} as const;

/** ratio → "99.788 %" (`digits` decimals of the percentage, more if a pivot needs them); null → "n/a" */
export function pct(
  ratio: number | null | undefined,
  digits: number,
  keepSide: readonly number[] = [],
): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "n/a";
  return `${fixed(
    ratio * 100,
    digits,
    keepSide.map((p) => p * 100),
  )} %`;
}

/** objective → shortest exact percentage: 0.999 → "99.9 %", 0.9995 → "99.95 %" */
export function objectivePct(objective: number): string {
  const p = round(objective * 100, 4);
  return Number.isFinite(p) ? `${p} %` : "n/a";
}

/** attainment with 3 decimals, never rounded across the objective, 100 % or 0 % */
export function attainmentPct(attainment: number | null | undefined, objective: number): string {
  return pct(attainment, 3, [objective, 1, 0]);
}

/** remaining budget ratio with 1 decimal, never rounded to 0 % or 100 % when it is not */
export function remainingPct(remaining: number | null | undefined): string {
  return pct(remaining, 1, [0, 1]);
}

export function coveragePct(coverage: number | null | undefined): string {
  return pct(coverage, 2, [0, 1]);
}

/** overage of an overspent budget in percent of the allowed budget, or null when within budget / unknown */
export function overagePercent(b: ErrorBudgetReport): number | null {
  if (b.remaining === null || !(b.remaining < 0)) return null;
  if (Number.isFinite(b.overagePercent) && b.overagePercent > 0) return b.overagePercent;
  return -b.remaining * 100;
}

/** "overspent by 112.1 %" or null */
export function overageText(b: ErrorBudgetReport): string | null {
  const o = overagePercent(b);
  return o === null ? null : `overspent by ${fixed(o, 1, [0])} %`;
}

export function burnRateText(burnRate: number | null | undefined): string {
  if (burnRate === null || burnRate === undefined || !Number.isFinite(burnRate)) return "n/a";
  return `${fixed(burnRate, 2, [1])}x`;
}

export function durationText(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return "n/a";
  return formatDuration(minutes);
}

/** downtime for a table cell: n/a when not a probe SLI or when the SLO is unknown */
export function downtimeCell(s: SloReport): string {
  return s.downtimeMinutes === undefined || s.attainment === null ? "n/a" : formatDuration(s.downtimeMinutes);
}

/** 1234567.891 → "1,234,568"; small numbers keep up to 2 decimals */
export function groupNumber(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  const s = Math.abs(x) >= 100 ? Math.round(x).toString() : String(round(x, 2));
  const [int = "", frac] = s.replace(/^-/, "").split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${s.startsWith("-") ? "-" : ""}${grouped}${frac ? `.${frac}` : ""}`;
}

/** a budget amount in its unit: "44.7 min", "1 h 35 min", "61,728 requests" */
export function budgetAmount(value: number, unit: ErrorBudgetReport["unit"]): string {
  if (!Number.isFinite(value)) return "n/a";
  if (unit === "minutes") return formatDuration(value);
  return `${groupNumber(value)} ${Math.round(value) === 1 ? "request" : "requests"}`;
}

/** budget amounts are meaningless while the SLO is unknown (allowed is 0) */
export function budgetKnown(s: SloReport): boolean {
  return s.attainment !== null && s.errorBudget.remaining !== null;
}

const ISO = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** "2026-10-25T02:05:00.000+01:00" → "2026-10-25 02:05 +01:00" (the local time as written, with its offset) */
export function localTime(iso: string): string {
  const m = ISO.exec(iso);
  if (!m) return oneLine(iso);
  const [, date, hm, sec, off] = m;
  const offset =
    off === undefined
      ? ""
      : off === "Z"
        ? " +00:00"
        : ` ${off.length === 5 ? `${off.slice(0, 3)}:${off.slice(3)}` : off}`;
  return `${date} ${hm}${sec && sec !== "00" ? `:${sec}` : ""}${offset}`;
}

/** the end of an interval, without the date when it is the same as the start's: "14:00 +02:00" */
export function localEnd(startIso: string, endIso: string): string {
  const s = localTime(startIso);
  const e = localTime(endIso);
  const date = (x: string) => x.slice(0, 10);
  return ISO.test(startIso) && ISO.test(endIso) && date(s) === date(e) ? e.slice(11) : e;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "October 2026", "Week 43, 2026", or the window's local start and end for a custom range */
export function periodLabel(doc: Pick<ReportDocument, "kind" | "period" | "window">): string {
  const p = doc.period;
  const month = p ? /^(\d{4})-(\d{2})$/.exec(p) : null;
  if (month) {
    const name = MONTHS[Number(month[2]) - 1];
    if (name) return `${name} ${month[1]}`;
  }
  const week = p ? /^(\d{4})-W(\d{2})$/.exec(p) : null;
  if (week) return `Week ${Number(week[2])}, ${week[1]}`;
  if (p) return oneLine(p);
  return `${localTime(doc.window.start)} to ${localTime(doc.window.end)}`;
}

export function kindLabel(kind: ReportDocument["kind"]): string {
  return kind === "monthly" ? "Monthly" : kind === "weekly" ? "Weekly" : "Custom";
}

/** quantile 0.95 → "p95", 0.999 → "p99.9" */
export function quantileLabel(q: number): string {
  return `p${round(q * 100, 4)}`;
}

/** seconds → "412 ms" / "1.23 s" */
export function secondsText(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return "n/a";
  return Math.abs(s) < 1 ? `${round(s * 1000, 1)} ms` : `${round(s, 3)} s`;
}

/** percentage points between two attainments: "+0.012 pp" */
export function deltaPp(now: number, before: number): string {
  const d = (now - before) * 100;
  return `${d > 0 ? "+" : ""}${fixed(d, 3, [0])} pp`;
}

export type Trend = "up" | "down" | "same";

export function trend(s: SloReport): { dir: Trend; delta: string } | null {
  const prev = s.previous?.attainment;
  if (prev === null || prev === undefined || s.attainment === null) return null;
  const dir: Trend = s.attainment > prev ? "up" : s.attainment < prev ? "down" : "same";
  return { dir, delta: deltaPp(s.attainment, prev) };
}

export function summaryCounts(doc: ReportDocument): {
  met: number;
  missed: number;
  unknown: number;
  total: number;
} {
  // Counted from the SLOs so the line never disagrees with the table; falls back to the stored summary.
  if (doc.slos.length === 0) return { ...doc.summary };
  const count = (st: SloStatus) => doc.slos.filter((s) => s.status === st).length;
  return { met: count("met"), missed: count("missed"), unknown: count("unknown"), total: doc.slos.length };
}

/** one line for chat: "October 2026: 3 met, 1 missed, 1 unknown" */
export function renderSummaryLine(doc: ReportDocument): string {
  const c = summaryCounts(doc);
  return `${periodLabel(doc)}${doc.partial ? " (so far)" : ""}: ${c.met} met, ${c.missed} missed, ${c.unknown} unknown`;
}

/** incidents sorted by minutes, largest first (stable for equal minutes: earlier first) */
export function topIncidents(s: SloReport, n: number): SloReport["incidents"] {
  return [...s.incidents].sort((a, b) => b.minutes - a.minutes || a.start.localeCompare(b.start)).slice(0, n);
}

/** the day with the lowest known attainment */
export function worstDay(s: SloReport): SloReport["daily"][number] | null {
  let worst: SloReport["daily"][number] | null = null;
  for (const d of s.daily) {
    if (d.attainment === null) continue;
    if (worst === null || d.attainment < (worst.attainment as number)) worst = d;
  }
  return worst;
}

/** true when a day's attainment met the objective (same float tolerance as the budget math) */
export function dayMet(attainment: number, objective: number): boolean {
  return attainment >= objective - 1e-9 * Math.max(1, objective);
}

/** what an action-items list says about a missed SLO (shared by HTML, Markdown and text) */
export function actionItems(s: SloReport): string[] {
  if (s.status !== "missed") return [];
  const out: string[] = [];
  const b = s.errorBudget;
  const share = (bad: number) =>
    b.allowed > 0 ? ` (${fixed((bad / b.allowed) * 100, 1, [0])} % of the budget)` : "";
  const over = overageText(b);
  if (over)
    out.push(
      `Error budget ${over}: ${budgetAmount(b.consumed, b.unit)} used of ${budgetAmount(b.allowed, b.unit)} allowed.`,
    );
  const top = topIncidents(s, 3);
  if (top.length > 0) {
    const list = top
      .map(
        (i) =>
          `${localTime(i.start)} to ${localEnd(i.start, i.end)}, ${durationText(i.minutes)}${share(i.minutes)}`,
      )
      .join("; ");
    out.push(`Largest incidents: ${list}.`);
  } else {
    const days = [...s.daily]
      .filter((d) => d.bad > 0)
      .sort((a, c) => c.bad - a.bad)
      .slice(0, 3);
    if (days.length > 0) {
      out.push(
        `Days that used most of the budget: ${days.map((d) => `${d.date}, ${budgetAmount(d.bad, b.unit)}${share(d.bad)}`).join("; ")}.`,
      );
    }
  }
  const w = worstDay(s);
  if (w && w.attainment !== null) {
    out.push(
      `Worst day: ${w.date} at ${attainmentPct(w.attainment, s.objective)} (${budgetAmount(w.bad, b.unit)} bad).`,
    );
  }
  const t = trend(s);
  const prevLabel = s.previous?.period ? ` ${oneLine(s.previous.period)}` : "";
  if (t) {
    const word = t.dir === "up" ? "better than" : t.dir === "down" ? "worse than" : "the same as";
    out.push(
      `Trend: ${t.delta}, ${word} the previous period${prevLabel} (${attainmentPct(s.previous!.attainment, s.objective)}, ${STATUS_WORD[s.previous!.status]}).`,
    );
  } else {
    out.push("Trend: no figure for the previous period.");
  }
  return out;
}
