/**
 * Formatting helpers shared by the renderers. Pure: no I/O, no clock, no locale dependence (the output is the
 * same on every machine, so rendered files are reproducible).
 */
import { formatDuration } from "../../slo/format.js";
import { downWhenText } from "../../slo/sli.js";
import type {
  Breach,
  ErrorBudgetReport,
  FigureStatus,
  ReportDocument,
  SloReport,
  SloStatus,
} from "../model.js";

export interface RenderOptions {
  /**
   * where the full report lives; shown as "where is the full report" links (text, HTML, Markdown): the report
   * itself, its JSON and the portal of every report (signed viewer links when the viewer is deployed)
   */
  links?: { html?: string; json?: string; portal?: string };
  /**
   * Plain text only: at most this many UTF-8 bytes (an email body inside one SNS message). Breaches, then the
   * SLO table, then latency figures, then details are kept whole while they fit; the rest of each part is a
   * "... N more in the full report" line; the links always stay. Default: no limit.
   */
  maxBytes?: number;
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

export const STATUS_WORD: Record<FigureStatus, string> = {
  met: "MET",
  missed: "MISSED",
  unknown: "UNKNOWN",
  "no-target": "NO TARGET",
};

/**
 * The Content-Security-Policy of every rendered page (report, portal): no scripts, no fetches, inline styles
 * and data: images only. A meta tag in the page; the viewer also sends it as a header (with frame-ancestors).
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/**
 * `<!DOCTYPE html>` to `</head>` of every rendered page: UTF-8, viewport, light scheme, the CSP (`csp`, for
 * browser pages; mail clients ignore it) and the title; `extra` (styles, further meta tags) before `</head>`.
 */
export function documentHead(title: string, opts: { csp?: boolean; extra?: string } = {}): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
${opts.csp ? `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">\n` : ""}<title>${escapeHtml(title)}</title>
${opts.extra ? `${opts.extra}\n` : ""}</head>`;
}

/**
 * The email-safe frame of the report and the email: a grey page and a white card of `width` px (at most the
 * screen), as nested tables with both `bgcolor` and styles (Outlook reads the attribute, the others the
 * style). The body goes between `open` and `close`.
 */
export function cardFrame(width: number): { open: string; close: string } {
  const FONT = "font-family:Arial,Helvetica,sans-serif";
  return {
    open: `<body style="margin:0;padding:0;background:#f6f8fa">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f6f8fa" style="width:100%;background:#f6f8fa">
<tr><td align="center" style="padding:16px 8px">
<table role="presentation" width="${width}" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:100%;max-width:${width}px;background:#ffffff;border:1px solid ${COLORS.border}">
<tr><td style="padding:20px 22px;${FONT};color:${COLORS.text}">
`,
    close: `
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`,
  };
}

export const COLORS = {
  met: "#1a7f37",
  missed: "#cf222e",
  unknown: "#6e7781",
  "no-target": "#59636e",
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

/**
 * Probe SLOs with several series (locations, shards): how many, and the rule that decides when an interval
 * is down; null for one series (nothing to say) and other SLIs.
 */
export function seriesText(s: SloReport): string | null {
  if (!s.series || s.series.count <= 1) return null;
  return (
    `${s.series.count} series; an interval is down when ${downWhenText(s.series.downWhen)} ` +
    `(downWhen: ${s.series.downWhen}); all minutes are wall-clock minutes`
  );
}

/** "ratio SLI", or for PromQL written in the config "user-defined ratio SLI (PromQL from the config)" */
export function sliKind(s: Pick<SloReport, "sliType" | "userDefined">): string {
  return s.userDefined ? `user-defined ${s.sliType} SLI (PromQL from the config)` : `${s.sliType} SLI`;
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

/** "October 2026", "Week 43, 2026", "Q4 2026" (Oct–Dec), "Year 2026", or a custom range's local start and end */
export function periodLabel(doc: Pick<ReportDocument, "kind" | "period" | "window">): string {
  const p = doc.period;
  const month = p ? /^(\d{4})-(\d{2})$/.exec(p) : null;
  if (month) {
    const name = MONTHS[Number(month[2]) - 1];
    if (name) return `${name} ${month[1]}`;
  }
  const week = p ? /^(\d{4})-W(\d{2})$/.exec(p) : null;
  if (week) return `Week ${Number(week[2])}, ${week[1]}`;
  const quarter = p ? /^(\d{4})-Q([1-4])$/.exec(p) : null;
  if (quarter) {
    const q = Number(quarter[2]);
    return `Q${q} ${quarter[1]} (${MONTHS[(q - 1) * 3]!.slice(0, 3)}–${MONTHS[(q - 1) * 3 + 2]!.slice(0, 3)})`;
  }
  if (p && doc.kind === "yearly" && /^\d{4}$/.test(p)) return `Year ${p}`;
  if (p) return oneLine(p);
  return `${localTime(doc.window.start)} to ${localTime(doc.window.end)}`;
}

const KIND_LABELS: Record<ReportDocument["kind"], string> = {
  weekly: "Weekly",
  monthly: "Monthly",
  quarterly: "Quarterly",
  yearly: "Yearly",
  custom: "Custom",
};

export function kindLabel(kind: ReportDocument["kind"]): string {
  return KIND_LABELS[kind] ?? "Custom";
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

/** one line for chat: "October 2026: 3 met, 1 missed, 1 unknown" (", partial" when queries failed) */
export function renderSummaryLine(doc: ReportDocument): string {
  const c = summaryCounts(doc);
  const failed = (doc.errors ?? []).length > 0 ? " (partial)" : "";
  return `${periodLabel(doc)}${doc.partial ? " (so far)" : ""}: ${c.met} met, ${c.missed} missed, ${c.unknown} unknown${failed}`;
}

/** "a, b, c and 4 more" */
function namesText(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).map(oneLine);
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${rest} more`;
  return shown.length <= 1 ? (shown[0] ?? "") : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

/** an error message for a sentence: one line, cut at `max` characters */
function errorQuote(error: string, max = 500): string {
  const one = oneLine(error).trim();
  return [...one].length <= max ? one : `${[...one].slice(0, max - 1).join("")}…`;
}

/**
 * Why the report is incomplete, in one paragraph, or null when every query succeeded: "Partial: 2 SLOs
 * unknown because Prometheus rejected the queries of checkout-x (a configuration error that repeats on every
 * run: fix the SLO in the config; <first error>), and Prometheus did not answer for api-y (<first error>)."
 * Failed previous-period comparisons and latency figures are named after it. The one place this sentence is
 * written: the text, HTML and Markdown reports and the notifications use it.
 */
export function incompleteNote(doc: Pick<ReportDocument, "errors">): string | null {
  const errors = doc.errors ?? [];
  if (errors.length === 0) return null;
  const unique = (xs: string[]) => [...new Set(xs)];
  const figures = errors.filter((e) => (e.part ?? "figures") === "figures");
  const rejected = figures.filter((e) => e.rejected);
  const transient = figures.filter((e) => !e.rejected);
  const names = (xs: typeof errors) => namesText(unique(xs.map((e) => e.slo)));
  const firstError = (xs: typeof errors) => errorQuote(xs[0]!.error);
  const sentences: string[] = [];
  const n = unique(figures.map((e) => e.slo)).length;
  if (n > 0) {
    const why: string[] = [];
    if (rejected.length > 0) {
      why.push(
        `Prometheus rejected the queries of ${names(rejected)} (a configuration error that repeats on every ` +
          `run: fix the SLO in the config; ${firstError(rejected)})`,
      );
    }
    if (transient.length > 0) {
      why.push(`Prometheus did not answer for ${names(transient)} (${firstError(transient)})`);
    }
    sentences.push(`Partial: ${n} SLO${n === 1 ? "" : "s"} unknown because ${why.join(", and ")}.`);
  }
  for (const [part, what] of [
    ["previous", "the comparison with the previous period"],
    ["latency", "the p95/p99 latency figures"],
  ] as const) {
    const xs = errors.filter((e) => e.part === part);
    if (xs.length === 0) continue;
    sentences.push(
      `${n > 0 ? "Also missing" : "Partial: missing"}: ${what} of ${names(xs)}, because ` +
        `${xs.some((e) => e.rejected) ? "Prometheus rejected the query" : "Prometheus did not answer"} (${firstError(xs)}).`,
    );
  }
  return sentences.join(" ");
}

/** "missed", "error budget exhausted", "burning fast" */
export function breachWord(kind: Breach["kind"]): string {
  return kind === "missed"
    ? "missed"
    : kind === "budget-exhausted"
      ? "error budget exhausted"
      : "burning fast";
}

/**
 * Breaches worst first: critical before warning, then the SLO that used the largest share of its error
 * budget (1 − remaining), then the higher burn rate, then by name (stable, reproducible).
 */
export function worstFirst(doc: Pick<ReportDocument, "slos">, breaches: readonly Breach[]): Breach[] {
  const by = new Map(doc.slos.map((s) => [s.name, s]));
  const used = (b: Breach) => {
    const r = by.get(b.slo)?.errorBudget.remaining;
    return r === null || r === undefined || !Number.isFinite(r) ? Number.NEGATIVE_INFINITY : 1 - r;
  };
  const burn = (b: Breach) => by.get(b.slo)?.burnRate ?? Number.NEGATIVE_INFINITY;
  const sev = (b: Breach) => (b.severity === "critical" ? 0 : 1);
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...breaches].sort(
    (a, b) =>
      sev(a) - sev(b) || used(b) - used(a) || burn(b) - burn(a) || cmp(a.slo, b.slo) || cmp(a.kind, b.kind),
  );
}

/** The figures of a breach, one sentence each: the breach, the budget, the incidents (probe SLIs). */
export function breachFacts(doc: Pick<ReportDocument, "slos">, b: Breach): string[] {
  const s = doc.slos.find((x) => x.name === b.slo);
  const out = [oneLine(b.detail)];
  if (s && budgetKnown(s)) {
    const e = s.errorBudget;
    const over = overageText(e);
    out.push(
      `Error budget: ${budgetAmount(e.consumed, e.unit)} used of ${budgetAmount(e.allowed, e.unit)} allowed` +
        `${over ? ` (${over})` : ""}`,
    );
  }
  if (s && s.incidents.length > 0) {
    const longest = Math.max(...s.incidents.map((i) => i.minutes));
    out.push(`Incidents: ${s.incidents.length}, longest ${durationText(longest)}`);
  }
  return out;
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

/**
 * Above this many daily rows (a quarter has 90–92, a year 365–366) the HTML and Markdown reports add
 * monthly subtotals and list at most this many days below objective; the JSON keeps every day.
 */
export const LONG_WINDOW_DAYS = 62;

export interface MonthSubtotal {
  /** "2026-10" */
  month: string;
  days: number;
  /** days with data that met the objective / fell below it, days without data */
  met: number;
  below: number;
  noData: number;
  /** bad units (minutes or requests) summed over the month's days */
  bad: number;
  /** the month's lowest daily attainment, null when no day had data */
  worst: number | null;
}

/** The daily figures grouped by local calendar month (the dates are local already), in date order. */
export function monthlySubtotals(
  daily: readonly { date: string; attainment: number | null; bad: number }[],
  objective: number,
): MonthSubtotal[] {
  const out: MonthSubtotal[] = [];
  for (const d of daily) {
    const month = d.date.slice(0, 7);
    let m = out.at(-1);
    if (m?.month !== month) {
      m = { month, days: 0, met: 0, below: 0, noData: 0, bad: 0, worst: null };
      out.push(m);
    }
    m.days++;
    if (Number.isFinite(d.bad)) m.bad += d.bad;
    if (d.attainment === null || !Number.isFinite(d.attainment)) m.noData++;
    else {
      if (dayMet(d.attainment, objective)) m.met++;
      else m.below++;
      m.worst = m.worst === null ? d.attainment : Math.min(m.worst, d.attainment);
    }
  }
  return out;
}

/** "2026-10" → "Oct 2026" */
export function shortMonth(month: string): string {
  const name = MONTHS[Number(month.slice(5, 7)) - 1];
  return name ? `${name.slice(0, 3)} ${month.slice(0, 4)}` : month;
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
