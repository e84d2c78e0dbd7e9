/**
 * The report portal (`reports/index.html`), pure: every stored report, newest first, with its summary; and
 * for each SLO its last 12 months and 12 weeks (and, where such reports are stored, its last 8 quarters
 * and 5 years): status and attainment per period (each linking to that
 * period's report), budget remaining, and two small inline SVG trends. Built from `reports/index.json` alone.
 *
 * Static HTML: no scripts (the strict CSP forbids them), styles in one <style> block, every text from the
 * index or the config escaped. Links are relative to `reports/` (`monthly/2026-10/report.html`), so the page
 * works from a folder (`file://`), from `sla serve` and behind one signed viewer link (a tree link opens
 * every report under it).
 */

import type { CalendarKind } from "../../slo/windows.js";
import { type HistoryCell, type PortalEntry, type SloHistory, sloHistory } from "../history.js";
import {
  COLORS,
  documentHead,
  escapeHtml as e,
  fixed,
  kindLabel,
  localTime,
  objectivePct,
  periodLabel,
  remainingPct,
  STATUS_WORD,
} from "./format.js";

export interface PortalOptions {
  /** when the page was rendered (the run's time); shown, never read from a clock here */
  generatedAt: string;
  /** periods of history per SLO (12) */
  periods?: number;
}

/** A stored key as a link relative to `reports/`, or undefined when it is not a plain key under it. */
export function portalHref(key: string | undefined): string | undefined {
  if (!key?.startsWith("reports/")) return undefined;
  const rel = key.slice("reports/".length);
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._/-]*$/.test(rel) || rel.split("/").some((s) => s === "" || s === "..")) {
    return undefined;
  }
  return rel;
}

const a = (href: string | undefined, label: string, extra = "") =>
  href ? `<a href="${e(href)}"${extra}>${label}</a>` : label;

const STYLE = `
body{margin:0;padding:16px;background:#f6f8fa;color:${COLORS.text};font-family:Arial,Helvetica,sans-serif;font-size:14px}
main{max-width:1280px;margin:0 auto;background:#fff;border:1px solid ${COLORS.border};padding:20px 22px}
h1{font-size:24px;margin:0 0 6px 0}h2{font-size:18px;margin:22px 0 10px 0}
a{color:${COLORS.line}}.muted{color:${COLORS.muted};font-size:12px}
table{border-collapse:collapse;margin:0 0 10px 0}
th,td{padding:4px 6px;border-bottom:1px solid ${COLORS.border};font-size:12px;text-align:left;vertical-align:top}
th{background:#f6f8fa;border-bottom:2px solid ${COLORS.border}}
td.n,th.n{text-align:right;white-space:nowrap}
.h td{text-align:center;white-space:nowrap;min-width:54px;vertical-align:middle}
.h th{white-space:nowrap}.h tbody th{background:#fff;font-weight:normal}
.h td.met{background:#dafbe1}.h td.missed{background:#ffebe9}.h td.unknown{background:#eaeef2}
td.none{color:${COLORS.muted}}.run{font-style:italic}.o{color:${COLORS.missed};font-weight:bold}
.h td small{display:block;color:${COLORS.muted}}
.b{display:inline-block;padding:1px 6px;border-radius:8px;color:#fff;font-weight:bold;font-size:11px}
.b.met{background:${COLORS.met}}.b.missed{background:${COLORS.missed}}.b.unknown{background:${COLORS.unknown}}
svg{display:block}svg .f{fill:#fff;stroke:${COLORS.grid}}svg .obj{stroke:${COLORS.missed};stroke-dasharray:3 3}
svg .att{fill:none;stroke:${COLORS.line};stroke-width:1.5}svg .z{stroke:${COLORS.muted}}
svg .pos{fill:${COLORS.met}}svg .neg{fill:${COLORS.missed}}
.scroll{overflow-x:auto}
`;

/** "Oct 2026" for a month, "W43" for a week (the year is in the header's title), "Q4 2026", "2026" */
function shortPeriod(kind: CalendarKind, period: string): string {
  if (kind === "weekly") return period.slice(5);
  if (kind === "quarterly") return `${period.slice(5)} ${period.slice(0, 4)}`;
  if (kind === "yearly") return period;
  const label = periodLabel({ kind, period, window: { start: "", end: "", timeZone: "", hours: 0 } });
  return `${label.slice(0, 3)} ${period.slice(0, 4)}`;
}

const attainmentText = (x: number | null, objective: number) =>
  x === null ? "n/a" : fixed(x * 100, x >= 0.99 ? 3 : 2, [objective * 100]);

/**
 * One period of one SLO: its status (colour and word) and attainment, linking to the period's report (in
 * italics while the period runs), and the budget left below. Lean on purpose: 500 SLOs make 12 000 cells.
 */
function cell(h: SloHistory, c: HistoryCell): string {
  if (!c.slo) return `<td class="none">${c.entry ? "not in report" : "—"}</td>`;
  const s = c.slo;
  const text = `${STATUS_WORD[s.status]} ${e(attainmentText(s.attainment, h.objective))}`;
  const r = s.budgetRemaining;
  const budget = r === null ? "budget n/a" : `<span${r < 0 ? ' class="o"' : ""}>${e(remainingPct(r))}</span>`;
  return `<td class="${s.status}${c.entry?.partial ? " run" : ""}">${a(portalHref(c.entry?.keys.html), text)}<small>${budget}</small></td>`;
}

const UNIT: Record<CalendarKind, string> = {
  weekly: "week",
  monthly: "month",
  quarterly: "quarter",
  yearly: "year",
};
/** Quarters and years shown at most (2 and 5 years back; `PortalOptions.periods` caps them too). */
const LONG_HISTORY: Partial<Record<CalendarKind, number>> = { quarterly: 8, yearly: 5 };

const SW = 132;
const SH = 30;
const SPAD = 3;
const r1 = (v: number) => Math.round(v * 10) / 10;

/** Attainment per period as a line (gaps where unknown) against the objective (dashed). */
function attainmentTrend(kind: CalendarKind, h: SloHistory): string {
  const pts = h.cells.map((c) => c.slo?.attainment ?? null);
  const known = pts.filter((x): x is number => x !== null);
  const lo = Math.min(Math.max(0, h.objective - 2 * (1 - h.objective)), ...known);
  const n = h.cells.length;
  const x = (i: number) => SPAD + ((SW - 2 * SPAD) * (i + 0.5)) / n;
  const y = (v: number) => SPAD + (SH - 2 * SPAD) * (1 - (v - lo) / (1 - lo || 1));
  const segments: string[] = [];
  let cur: string[] = [];
  pts.forEach((v, i) => {
    if (v === null) {
      if (cur.length > 0) segments.push(cur.join(" "));
      cur = [];
    } else cur.push(`${r1(x(i))},${r1(y(v))}`);
  });
  if (cur.length > 0) segments.push(cur.join(" "));
  const label = `${h.name}: attainment per ${UNIT[kind]}, last ${n}, objective ${objectivePct(h.objective)}`;
  return (
    `<svg data-chart="trend-attainment-${kind}" role="img" width="${SW}" height="${SH}" viewBox="0 0 ${SW} ${SH}">` +
    `<title>${e(label)}</title><rect class="f" width="${SW}" height="${SH}"/>` +
    `<line class="obj" x1="${SPAD}" x2="${SW - SPAD}" y1="${r1(y(h.objective))}" y2="${r1(y(h.objective))}"/>` +
    segments
      .map((p) =>
        p.includes(" ")
          ? `<polyline class="att" points="${p}"/>`
          : `<circle class="pos" cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="1.5"/>`,
      )
      .join("") +
    "</svg>"
  );
}

/** Budget remaining per period as bars from zero (overspent below the line, clipped at -100 %). */
function budgetTrend(kind: CalendarKind, h: SloHistory): string {
  const n = h.cells.length;
  const vals = h.cells.map((c) => c.slo?.budgetRemaining ?? null);
  const lo = Math.min(0, ...vals.filter((v): v is number => v !== null).map((v) => Math.max(-1, v)));
  const slot = (SW - 2 * SPAD) / n;
  const y = (v: number) => SPAD + (SH - 2 * SPAD) * (1 - (v - lo) / (1 - lo));
  const zero = y(0);
  const path = (neg: boolean) =>
    vals
      .map((v, i) => {
        if (v === null || v < 0 !== neg) return "";
        const c = Math.max(-1, Math.min(1, v));
        const top = Math.min(y(c), zero);
        const height = Math.max(1, Math.abs(y(c) - zero));
        return `M${r1(SPAD + i * slot + slot * 0.15)} ${r1(top)}h${r1(slot * 0.7)}v${r1(height)}h${-r1(slot * 0.7)}z`;
      })
      .join("");
  const pos = path(false);
  const neg = path(true);
  const label = `${h.name}: error budget remaining per ${UNIT[kind]}, last ${n}`;
  return (
    `<svg data-chart="trend-budget-${kind}" role="img" width="${SW}" height="${SH}" viewBox="0 0 ${SW} ${SH}">` +
    `<title>${e(label)}</title><rect class="f" width="${SW}" height="${SH}"/>` +
    `<line class="z" x1="${SPAD}" x2="${SW - SPAD}" y1="${r1(zero)}" y2="${r1(zero)}"/>` +
    (pos ? `<path class="pos" d="${pos}"/>` : "") +
    (neg ? `<path class="neg" d="${neg}"/>` : "") +
    "</svg>"
  );
}

/** One table per kind: a row per SLO with its two trends and one cell per period. */
function historySection(kind: CalendarKind, entries: readonly PortalEntry[], n: number): string {
  const { periods, slos } = sloHistory(entries, kind, n);
  const title = `Last ${n} ${UNIT[kind]}s`;
  if (periods.length === 0)
    return `<h2 id="${kind}">${title}</h2><p class="muted">No ${kind} report stored yet.</p>`;
  const head = periods.map((p) => `<th title="${e(p)}">${e(shortPeriod(kind, p))}</th>`).join("");
  const rows = slos.map(
    (h) =>
      `<tr data-slo="${e(h.name)}"><th>${e(h.name)}<br><span class="muted">${e(h.service)} &middot; ${e(objectivePct(h.objective))}</span></th>` +
      `<td>${attainmentTrend(kind, h)}${budgetTrend(kind, h)}</td>${h.cells.map((c) => cell(h, c)).join("")}</tr>`,
  );
  return (
    `<h2 id="${kind}">${title} <span class="muted">(${e(periods[0]!)} to ${e(periods.at(-1)!)}; status and attainment %, budget left below; ` +
    `trends: attainment against the objective (dashed), budget remaining)</span></h2>` +
    `<div class="scroll"><table class="h" data-history="${kind}"><thead><tr><th>SLO</th><th>Trend</th>${head}</tr></thead>` +
    `<tbody>\n${rows.join("\n")}\n</tbody></table></div>`
  );
}

/** Newest first: by window start, then longer kinds first (year, quarter, month, week, custom), then id. */
function newestFirst(entries: readonly PortalEntry[]): PortalEntry[] {
  const rank = { yearly: 0, quarterly: 1, monthly: 2, weekly: 3, custom: 4 } as const;
  return [...entries].sort(
    (x, y) =>
      Date.parse(y.window.start) - Date.parse(x.window.start) ||
      rank[x.kind] - rank[y.kind] ||
      x.id.localeCompare(y.id),
  );
}

function reportsTable(entries: readonly PortalEntry[]): string {
  if (entries.length === 0) return `<p class="muted">No report stored yet.</p>`;
  const rows = newestFirst(entries).map((en) => {
    const s = en.summary;
    const files = (["html", "json", "txt", "csv"] as const)
      .map((f) => (portalHref(en.keys[f]) ? a(portalHref(en.keys[f]), f.toUpperCase()) : ""))
      .filter(Boolean)
      .join(" &middot; ");
    const subset = en.id.includes("/subset-") ? ' <span class="muted">(some SLOs)</span>' : "";
    return (
      `<tr data-report="${e(en.id)}"><td>${a(portalHref(en.keys.html), e(periodLabel(en)))}${subset}${en.partial ? ' <span class="muted run">in progress</span>' : ""}</td>` +
      `<td>${e(kindLabel(en.kind))}</td><td>${e(localTime(en.window.start))} &rarr; ${e(localTime(en.window.end))}</td>` +
      `<td class="n"><span class="b met">${s.met} met</span> <span class="b missed">${s.missed} missed</span> <span class="b unknown">${s.unknown} unknown</span> of ${s.total}</td>` +
      `<td>${e(localTime(en.generatedAt))}</td><td>${files}</td></tr>`
    );
  });
  return (
    `<div class="scroll"><table id="reports"><thead><tr><th>Period</th><th>Kind</th><th>Window (end exclusive)</th><th class="n">SLOs</th><th>Generated</th><th>Files</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table></div>`
  );
}

export function renderPortal(entries: readonly PortalEntry[], opts: PortalOptions): string {
  const n = opts.periods ?? 12;
  const length = (kind: CalendarKind) => Math.min(n, LONG_HISTORY[kind] ?? n);
  const zones = [...new Set(entries.map((en) => en.window.timeZone))];
  // quarters and years are opt-in (an SLO's `windows`): their sections appear once such a report is stored
  const longer = (["quarterly", "yearly"] as const).filter((k) => entries.some((en) => en.kind === k));
  const nav = [...longer.reverse(), "monthly", "weekly"] as CalendarKind[];
  const body = [
    `<h1>SLA reports</h1>`,
    `<p class="muted">${entries.length} report${entries.length === 1 ? "" : "s"}` +
      `${zones.length > 0 ? ` &middot; time zone ${e(zones.join(", "))}` : ""} &middot; updated ${e(localTime(opts.generatedAt))}` +
      nav.map((k) => ` &middot; <a href="#${k}">${UNIT[k]}s</a>`).join("") +
      ` &middot; <a href="#all">all reports</a></p>`,
    ...nav.map((k) => historySection(k, entries, length(k))),
    `<h2 id="all">All reports <span class="muted">(newest first)</span></h2>`,
    reportsTable(entries),
  ].join("\n");
  const head = documentHead("SLA reports", {
    csp: true,
    extra: `<meta name="referrer" content="no-referrer">\n<style>${STYLE}</style>`,
  });
  return `${head}
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
