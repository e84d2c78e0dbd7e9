/**
 * The report as an HTML email body (pure), for mail clients that do not render inline SVG (Gmail, Outlook):
 * table layout, inline styles only, bars drawn as table cells with background colours, no SVG, no images, no
 * scripts, no <style> dependence. SLOs worst first; within `maxBytes` (default 100 KB: Gmail clips a message
 * whose HTML passes ~102 KB) rows are kept whole and the rest is one "N more SLOs in the full report" row.
 * The links (the report, its JSON, the portal) always stay. Every text from the document is escaped.
 */
import type { ReportDocument, SloReport } from "../model.js";
import {
  attainmentPct,
  breachFacts,
  breachWord,
  COLORS,
  cardFrame,
  dayMet,
  documentHead,
  escapeHtml as e,
  incompleteNote,
  kindLabel,
  localTime,
  objectivePct,
  periodLabel,
  type RenderOptions,
  remainingPct,
  renderSummaryLine,
  STATUS_WORD,
  summaryCounts,
  worstFirst,
} from "./format.js";

/** Gmail clips an HTML part past about 102 KB ("[Message clipped]"): keep under it. */
export const EMAIL_HTML_MAX_BYTES = 100 * 1024;

const FONT = "font-family:Arial,Helvetica,sans-serif";
const TD = `padding:5px 6px;border-bottom:1px solid ${COLORS.border};font-size:13px;${FONT}`;
const TH = `padding:6px 8px;border-bottom:2px solid ${COLORS.border};font-size:12px;color:${COLORS.text};text-align:left;background:#f6f8fa;${FONT}`;
const P = `margin:0 0 10px 0;font-size:14px;line-height:1.45;color:${COLORS.text};${FONT}`;
const MUTED = `margin:0 0 10px 0;font-size:12px;line-height:1.4;color:${COLORS.muted};${FONT}`;
/** a bar: one table of coloured cells, no text in them (font-size 0 keeps clients from growing the row) */
const BAR = `role="presentation" height="8" cellpadding="0" cellspacing="0" border="0" style="font-size:0;line-height:0;mso-line-height-rule:exactly"`;

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

/** only http(s) links become anchors (an s3:// or file:// location is shown as text) */
function link(href: string | undefined, label: string): string {
  if (!href) return "";
  return /^https?:\/\//i.test(href)
    ? `<a href="${e(href)}" style="color:${COLORS.line};font-weight:bold">${e(label)}</a>`
    : `${e(label)}: <span style="color:${COLORS.muted}">${e(href)}</span>`;
}

/** Budget remaining as a 120 px bar: green share left, grey used; all red when overspent. */
function budgetBar(s: SloReport): string {
  const r = s.errorBudget.remaining;
  if (r === null || !Number.isFinite(r)) return `<span style="color:${COLORS.muted}">n/a</span>`;
  const left = Math.max(0, Math.min(100, Math.round(r * 100)));
  const cells =
    r < 0
      ? `<td width="120" bgcolor="${COLORS.missed}"></td>`
      : [
          left > 0 ? `<td width="${Math.round(1.2 * left)}" bgcolor="${COLORS.met}"></td>` : "",
          left < 100 ? `<td width="${120 - Math.round(1.2 * left)}" bgcolor="${COLORS.grid}"></td>` : "",
        ].join("");
  return (
    `<table ${BAR} width="120"><tr>${cells}</tr></table>` +
    `<span style="font-size:12px;${r < 0 ? `color:${COLORS.missed};font-weight:bold` : `color:${COLORS.text}`}">${e(remainingPct(r))}</span>`
  );
}

/**
 * One cell per run of days with the same outcome: green met, red missed, grey no data. 4 px a day up to a
 * month; longer windows (quarters, years) are squeezed into a month's width (124 px), cell edges rounded
 * from the cumulative day count so the widths add up.
 */
const STRIP_PX = 124;

function dailyStrip(s: SloReport): string {
  if (s.daily.length === 0) return "";
  const color = (a: number | null) =>
    a === null ? COLORS.grid : dayMet(a, s.objective) ? COLORS.met : COLORS.missed;
  const runs: { color: string; days: number }[] = [];
  for (const d of s.daily) {
    const c = color(d.attainment);
    const last = runs.at(-1);
    if (last && last.color === c) last.days++;
    else runs.push({ color: c, days: 1 });
  }
  const bad = s.daily.filter((d) => d.attainment !== null && !dayMet(d.attainment, s.objective)).length;
  const pxPerDay = Math.min(4, STRIP_PX / s.daily.length);
  let daysSoFar = 0;
  const widthOf = (days: number) => {
    const from = Math.round(daysSoFar * pxPerDay);
    daysSoFar += days;
    return Math.max(1, Math.round(daysSoFar * pxPerDay) - from);
  };
  return (
    `<table ${BAR}><tr>${runs.map((x) => `<td width="${widthOf(x.days)}" bgcolor="${x.color}"></td>`).join("")}</tr></table>` +
    `<span style="font-size:11px;color:${COLORS.muted}">${bad === 0 ? "every day met" : `${bad} day${bad === 1 ? "" : "s"} below`}</span>`
  );
}

function sloRow(s: SloReport): string {
  const att =
    s.attainment === null
      ? `<span style="color:${COLORS.muted}">no data</span>`
      : e(attainmentPct(s.attainment, s.objective));
  return (
    `<tr><td style="${TD}"><strong>${e(s.name)}</strong><br><span style="font-size:11px;color:${COLORS.muted}">${e(s.service)}</span></td>` +
    `<td bgcolor="${COLORS[s.status]}" style="${TD};color:#ffffff;font-size:11px;font-weight:bold">${STATUS_WORD[s.status]}</td>` +
    `<td style="${TD};text-align:right;white-space:nowrap">${att}<br><span style="font-size:11px;color:${COLORS.muted}">objective ${e(objectivePct(s.objective))}</span></td>` +
    `<td style="${TD}">${budgetBar(s)}</td><td style="${TD}">${dailyStrip(s)}</td></tr>`
  );
}

/** Worst first: missed, unknown, met; then the least budget left; then by name. */
function worstSlosFirst(slos: readonly SloReport[]): SloReport[] {
  const rank = { missed: 0, unknown: 1, met: 2 } as const;
  const left = (s: SloReport) => s.errorBudget.remaining ?? Number.POSITIVE_INFINITY;
  return [...slos].sort(
    (a, b) =>
      rank[a.status] - rank[b.status] ||
      left(a) - left(b) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

export interface EmailHtmlOptions {
  links?: RenderOptions["links"];
  /** UTF-8 bytes of the whole document (default `EMAIL_HTML_MAX_BYTES`) */
  maxBytes?: number;
}

export function renderEmailHtml(doc: ReportDocument, opts: EmailHtmlOptions = {}): string {
  const max = opts.maxBytes ?? EMAIL_HTML_MAX_BYTES;
  const c = summaryCounts(doc);
  const title = `SLA report: ${periodLabel(doc)}`;
  const incomplete = incompleteNote(doc);
  const links = [
    link(opts.links?.html, "Open the full report"),
    link(opts.links?.json, "Data (JSON)"),
    link(opts.links?.portal, "All reports"),
  ].filter(Boolean);
  const summary =
    `<span style="color:${COLORS.met};font-weight:bold">${c.met} met</span> &middot; ` +
    `<span style="color:${COLORS.missed};font-weight:bold">${c.missed} missed</span> &middot; ` +
    `<span style="color:${COLORS.unknown};font-weight:bold">${c.unknown} unknown</span> of ${c.total} SLOs`;
  const breaches = worstFirst(doc, doc.breaches).slice(0, 20);
  const head = [
    // the preview line mail clients show next to the subject
    `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">${e(renderSummaryLine(doc))}</div>`,
    `<h1 style="margin:0 0 6px 0;font-size:22px;color:${COLORS.text};${FONT}">${e(title)}</h1>`,
    `<p style="${MUTED}">${e(kindLabel(doc.kind))} window ${e(localTime(doc.window.start))} to ${e(localTime(doc.window.end))} (end exclusive), time zone ${e(doc.window.timeZone)}</p>`,
    doc.partial
      ? `<p style="${P}">This window has not ended yet: the figures cover the time so far.</p>`
      : "",
    incomplete ? `<p style="${P};padding:8px 10px;background:#fff8c5">${e(incomplete)}</p>` : "",
    `<p style="${P};font-size:16px">${summary}</p>`,
    links.length > 0 ? `<p style="${P}">${links.join(" &nbsp;&middot;&nbsp; ")}</p>` : "",
    breaches.length > 0
      ? `<h2 style="margin:16px 0 8px 0;font-size:17px;color:${COLORS.text};${FONT}">Breaches</h2>` +
        breaches
          .map(
            (b) =>
              `<p style="${P}"><strong style="color:${b.severity === "critical" ? COLORS.critical : COLORS.warning}">${e(b.severity.toUpperCase())}</strong> ` +
              `<strong>${e(b.slo)}</strong> (${e(b.service)}): ${e(breachWord(b.kind))}<br><span style="font-size:12px;color:${COLORS.muted}">${breachFacts(doc, b).map(e).join(" &middot; ")}</span></p>`,
          )
          .join("") +
        (doc.breaches.length > breaches.length
          ? `<p style="${MUTED}">${doc.breaches.length - breaches.length} more breaches in the full report.</p>`
          : "")
      : "",
    `<h2 style="margin:16px 0 8px 0;font-size:17px;color:${COLORS.text};${FONT}">Service level objectives</h2>`,
  ].join("\n");
  const tableHead =
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;width:100%">` +
    `<tr><th style="${TH}">SLO</th><th style="${TH}">Status</th><th style="${TH};text-align:right">Attainment</th><th style="${TH}">Budget left</th><th style="${TH}">Days</th></tr>`;
  const foot = [
    `</table>`,
    `<p style="${MUTED};margin-top:14px">Sent by sla-monitor (notify.email.ses). The links are signed and expire; the portal lists every report.</p>`,
  ].join("\n");
  const frame = cardFrame(680);
  const open = `${documentHead(title)}\n${frame.open}`;
  const close = frame.close;
  const rows = worstSlosFirst(doc.slos).map(sloRow);
  const moreRow = (n: number) =>
    `<tr><td colspan="5" style="${TD};color:${COLORS.muted}">${n} more SLO${n === 1 ? "" : "s"} (the ones with the most budget left) in the full report.</td></tr>`;
  let room = max - utf8(open + head + tableHead + foot + close) - utf8(moreRow(doc.slos.length)) - 2;
  const kept: string[] = [];
  for (const r of rows) {
    const b = utf8(r) + 1;
    if (b > room) break;
    kept.push(r);
    room -= b;
  }
  const more = rows.length - kept.length;
  return `${open}${head}\n${tableHead}\n${kept.join("\n")}${more > 0 ? `\n${moreRow(more)}` : ""}\n${foot}${close}`;
}
