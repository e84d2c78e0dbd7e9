/**
 * One self-contained HTML document: inline CSS only, no scripts, fonts or images, charts as inline SVG.
 * Table-based layout with the important styling inline, so it reads as an email body even where a mail client
 * drops <style> (and where it drops SVG, each chart has a text fallback beside it). A Content-Security-Policy
 * meta tag forbids scripts in browsers as a second line of defence; every document string is escaped.
 */
import type { Breach, FigureStatus, QuantileFigure, ReportDocument, SloReport, SloStatus } from "../model.js";
import { budgetBurnDownChart, dailyAttainmentChart } from "./charts.js";
import {
  actionItems,
  attainmentPct,
  budgetAmount,
  budgetKnown,
  burnRateText,
  COLORS,
  cardFrame,
  coveragePct,
  dayMet,
  documentHead,
  downtimeCell,
  durationText,
  escapeHtml as e,
  incompleteNote,
  kindLabel,
  LONG_WINDOW_DAYS,
  localEnd,
  localTime,
  monthlySubtotals,
  objectivePct,
  overageText,
  periodLabel,
  quantileLabel,
  type RenderOptions,
  remainingPct,
  STATUS_WORD,
  secondsText,
  seriesText,
  shortMonth,
  sliKind,
  summaryCounts,
  trend,
} from "./format.js";

const FONT = "font-family:Arial,Helvetica,sans-serif";
const TH = `padding:6px 8px;border-bottom:2px solid ${COLORS.border};text-align:left;font-size:13px;color:${COLORS.text};background:#f6f8fa;${FONT}`;
const TD = `padding:6px 8px;border-bottom:1px solid ${COLORS.border};font-size:13px;color:${COLORS.text};vertical-align:top;${FONT}`;
const NUM = "text-align:right;white-space:nowrap";
const P = `margin:0 0 8px 0;font-size:14px;line-height:1.45;color:${COLORS.text};${FONT}`;
const MUTED = `margin:0 0 8px 0;font-size:12px;line-height:1.4;color:${COLORS.muted};${FONT}`;
const H2 = `margin:0 0 10px 0;font-size:18px;color:${COLORS.text};${FONT}`;
const H3 = `margin:16px 0 6px 0;font-size:15px;color:${COLORS.text};${FONT}`;

const MAX_INCIDENT_ROWS = 50;

function badge(status: FigureStatus): string {
  return (
    `<span data-status="${status}" style="display:inline-block;padding:2px 8px;border-radius:10px;background:${COLORS[status]};` +
    `color:#ffffff;font-weight:bold;font-size:12px;letter-spacing:0.3px;${FONT}">${STATUS_WORD[status]}</span>`
  );
}

function severityBadge(sev: Breach["severity"]): string {
  const bg = sev === "critical" ? COLORS.critical : COLORS.warning;
  return `<span style="display:inline-block;padding:1px 6px;border-radius:3px;background:${bg};color:#ffffff;font-weight:bold;font-size:11px;${FONT}">${sev.toUpperCase()}</span>`;
}

function th(label: string, align: "left" | "right" = "left"): string {
  return `<th style="${TH}${align === "right" ? ";text-align:right" : ""}">${label}</th>`;
}

function td(html: string, numeric = false): string {
  return `<td style="${TD}${numeric ? `;${NUM}` : ""}">${html}</td>`;
}

function table(id: string | null, head: string, rows: string[]): string {
  return (
    `<table${id ? ` id="${id}"` : ""} role="table" width="100%" cellpadding="0" cellspacing="0" border="0" ` +
    `style="border-collapse:collapse;width:100%;margin:0 0 12px 0"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`
  );
}

/** only http(s) and relative links become anchors; anything else is shown as text */
function link(href: string, label: string): string {
  const ok = /^(https?:\/\/|\/|\.{1,2}\/)/i.test(href) || /^[\w.-]+(\/[\w./-]*)?$/.test(href);
  return ok ? `<a href="${e(href)}" style="color:${COLORS.line}">${e(label)}</a>` : `${e(label)}: ${e(href)}`;
}

function statusColor(status: SloStatus, text: string): string {
  return `<span style="color:${COLORS[status]};font-weight:bold">${text}</span>`;
}

function budgetRemainingCell(s: SloReport): string {
  if (!budgetKnown(s)) return `<span style="color:${COLORS.muted}">n/a</span>`;
  const b = s.errorBudget;
  const over = overageText(b);
  const main = e(remainingPct(b.remaining));
  return over
    ? `<span style="color:${COLORS.missed};font-weight:bold">${main}</span><br><span data-overage style="color:${COLORS.missed};font-size:12px">${e(over)}</span>`
    : main;
}

function sloTable(doc: ReportDocument): string {
  const head = [
    th("SLO"),
    th("Service"),
    th("Objective", "right"),
    th("Attainment", "right"),
    th("Status"),
    th("Budget remaining", "right"),
    th("Downtime", "right"),
    th("Coverage", "right"),
    th("Burn rate", "right"),
  ].join("");
  const rows = doc.slos.map((s, i) => {
    const att =
      s.attainment === null
        ? `<span style="color:${COLORS.muted}">no data</span>`
        : e(attainmentPct(s.attainment, s.objective));
    return (
      `<tr data-slo-index="${i}" data-status="${s.status}">` +
      td(`<a href="#slo-${i}" style="color:${COLORS.line}">${e(s.name)}</a>`) +
      td(e(s.service)) +
      td(e(objectivePct(s.objective)), true) +
      td(att, true) +
      td(badge(s.status)) +
      td(budgetRemainingCell(s), true) +
      td(e(downtimeCell(s)), true) +
      td(e(coveragePct(s.coverage)), true) +
      td(e(burnRateText(s.burnRate)), true) +
      "</tr>"
    );
  });
  return table("slo-table", head, rows);
}

function quantileTable(qs: QuantileFigure[]): string {
  if (qs.length === 0) return "";
  const head = [
    th("Figure"),
    th("Service"),
    th("Quantile"),
    th("Value", "right"),
    th("Target", "right"),
    th("Status"),
  ].join("");
  const rows = qs.map(
    (q) =>
      "<tr>" +
      td(e(q.name)) +
      td(e(q.service)) +
      td(e(quantileLabel(q.quantile))) +
      td(
        q.valueSeconds === null
          ? `<span style="color:${COLORS.muted}">no data</span>`
          : e(secondsText(q.valueSeconds)),
        true,
      ) +
      td(q.targetSeconds === undefined ? "&mdash;" : e(secondsText(q.targetSeconds)), true) +
      td(badge(q.status)) +
      "</tr>",
  );
  return `<h2 style="${H2};margin-top:20px">Latency quantiles</h2>${table("quantile-table", head, rows)}`;
}

function breachList(bs: Breach[]): string {
  if (bs.length === 0) return `<p id="breaches" style="${P}">No breaches.</p>`;
  const items = bs.map(
    (b) =>
      `<li style="margin:0 0 6px 0;${FONT};font-size:14px;color:${COLORS.text}">${severityBadge(b.severity)} ` +
      `<strong>${e(b.slo)}</strong> (${e(b.service)}): ${e(b.kind)} &mdash; ${e(b.detail)}</li>`,
  );
  return `<ul id="breaches" style="margin:0 0 12px 0;padding-left:20px">${items.join("")}</ul>`;
}

function keyFigures(s: SloReport): string {
  const b = s.errorBudget;
  const known = budgetKnown(s);
  const rows: [string, string][] = [
    ["Objective", e(objectivePct(s.objective))],
    [
      "Attainment",
      s.attainment === null
        ? `<span style="color:${COLORS.muted}">unknown (no data)</span>`
        : e(attainmentPct(s.attainment, s.objective)),
    ],
    ["Error budget allowed", known ? e(budgetAmount(b.allowed, b.unit)) : "n/a"],
    ["Error budget consumed", known ? e(budgetAmount(b.consumed, b.unit)) : "n/a"],
    ["Error budget remaining", budgetRemainingCell(s)],
  ];
  if (s.downtimeMinutes !== undefined) {
    const partialData = s.attainment === null ? " (in the data present)" : "";
    rows.push(["Downtime", e(`${durationText(s.downtimeMinutes)}${partialData}`)]);
  }
  const series = seriesText(s);
  if (series) rows.push(["Series", e(series)]);
  rows.push(["Coverage", e(coveragePct(s.coverage))], ["Burn rate", e(burnRateText(s.burnRate))]);
  if (s.maintenanceMinutes > 0) rows.push(["Maintenance excluded", e(durationText(s.maintenanceMinutes))]);
  if (s.forecast) {
    rows.push([
      "Budget runs out",
      s.forecast.exhaustsAt
        ? `${e(localTime(s.forecast.exhaustsAt))}${s.forecast.withinWindow ? " (within this window)" : ""}`
        : "not at the current burn rate",
    ]);
  }
  const tr = rows
    .map(
      ([k, v]) =>
        `<tr><td style="${TD};width:45%;color:${COLORS.muted}">${k}</td><td style="${TD};${NUM};text-align:left">${v}</td></tr>`,
    )
    .join("");
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;width:100%;max-width:460px;margin:0 0 12px 0">${tr}</table>`;
}

function previousLine(s: SloReport): string {
  const p = s.previous;
  if (!p) return "";
  const label = p.period ? `Previous period (${e(p.period)})` : "Previous period";
  const before =
    p.attainment === null
      ? "no data"
      : `${e(attainmentPct(p.attainment, s.objective))} ${statusColor(p.status, STATUS_WORD[p.status])}`;
  const t = trend(s);
  let arrow = "";
  if (t) {
    const [sym, color, word] =
      t.dir === "up"
        ? ["&#9650;", COLORS.met, "up"]
        : t.dir === "down"
          ? ["&#9660;", COLORS.missed, "down"]
          : ["&#9644;", COLORS.muted, "unchanged"];
    arrow = ` &rarr; now <span data-trend="${t.dir}" style="color:${color};font-weight:bold">${sym} ${word} ${e(t.delta)}</span>`;
  }
  return `<p style="${P}">${label}: ${before}${arrow}</p>`;
}

function incidentsTable(s: SloReport): string {
  if (s.sliType !== "probe") return "";
  if (s.incidents.length === 0) return `<h3 style="${H3}">Incidents</h3><p style="${P}">No incidents.</p>`;
  const shown = s.incidents.slice(0, MAX_INCIDENT_ROWS);
  const rows = shown.map(
    (i) =>
      "<tr>" +
      td(e(localTime(i.start))) +
      td(e(localEnd(i.start, i.end))) +
      td(e(durationText(i.minutes)), true) +
      "</tr>",
  );
  const more =
    s.incidents.length > shown.length
      ? `<p style="${MUTED}">&hellip; and ${s.incidents.length - shown.length} more incidents (see the JSON report).</p>`
      : "";
  return `<h3 style="${H3}">Incidents (${s.incidents.length})</h3>${table(null, th("Start") + th("End") + th("Duration", "right"), rows)}${more}`;
}

function maintenanceTable(s: SloReport): string {
  if (s.maintenance.length === 0) return "";
  const rows = s.maintenance.map(
    (m) => `<tr>${td(e(localTime(m.start)))}${td(e(localEnd(m.start, m.end)))}${td(e(m.reason))}</tr>`,
  );
  return (
    `<h3 style="${H3}">Maintenance (excluded, ${e(durationText(s.maintenanceMinutes))})</h3>` +
    table(null, th("Start") + th("End") + th("Reason"), rows)
  );
}

function legend(items: [string, string][]): string {
  return `<p style="${MUTED}">${items
    .map(([color, label]) => `<span style="color:${color};font-size:14px">&#9632;</span> ${label}`)
    .join(" &nbsp; ")}</p>`;
}

/**
 * text beside the daily chart: the same facts for mail clients without SVG. Over a quarter or a year the
 * list stops after LONG_WINDOW_DAYS days (the monthly subtotals below have the rest; the JSON every day).
 */
function dailyFallback(s: SloReport): string {
  const below = s.daily.filter((d) => d.attainment !== null && !dayMet(d.attainment, s.objective));
  const noData = s.daily.filter((d) => d.attainment === null).length;
  const listed = s.daily.length > LONG_WINDOW_DAYS ? below.slice(0, LONG_WINDOW_DAYS) : below;
  const more =
    listed.length < below.length
      ? ` &hellip; and ${below.length - listed.length} more (every day is in the JSON report)`
      : "";
  const parts: string[] = [];
  parts.push(
    below.length === 0
      ? "Every day with data met the objective."
      : `Days below objective (${below.length}): ${listed.map((d) => `${e(d.date)} ${e(attainmentPct(d.attainment, s.objective))}`).join(", ")}${more}.`,
  );
  if (noData > 0) parts.push(`Days without data: ${noData}.`);
  return `<p style="${MUTED}">${parts.join(" ")}</p>`;
}

/** Quarters and years: the daily figures summed per calendar month (a row per month instead of 90–366 days). */
function monthlyTable(s: SloReport): string {
  if (s.daily.length <= LONG_WINDOW_DAYS) return "";
  const rows = monthlySubtotals(s.daily, s.objective).map(
    (m) =>
      `<tr data-month="${e(m.month)}">` +
      td(e(shortMonth(m.month))) +
      td(String(m.met), true) +
      td(m.below > 0 ? `<strong style="color:${COLORS.missed}">${m.below}</strong>` : "0", true) +
      td(String(m.noData), true) +
      td(e(budgetAmount(m.bad, s.errorBudget.unit)), true) +
      td(e(m.worst === null ? "n/a" : attainmentPct(m.worst, s.objective)), true) +
      "</tr>",
  );
  return (
    `<h3 style="${H3}">Months</h3>` +
    table(
      null,
      th("Month") +
        th("Days met", "right") +
        th("Days below", "right") +
        th("Days without data", "right") +
        th(s.errorBudget.unit === "minutes" ? "Bad minutes" : "Bad requests", "right") +
        th("Worst day", "right"),
      rows,
    )
  );
}

function sloSection(s: SloReport, i: number): string {
  const parts: string[] = [];
  parts.push(
    `<h2 id="slo-${i}" style="${H2}">${e(s.name)} ${badge(s.status)}</h2>`,
    `<p style="${MUTED}">Service ${e(s.service)} &middot; ${e(sliKind(s))} &middot; budget counted in ${e(s.errorBudget.unit)} &middot; missing data counts as ${e(s.missingData)}</p>`,
  );
  if (s.description) parts.push(`<p style="${P}">${e(s.description)}</p>`);
  if (s.reason) {
    parts.push(
      `<p data-reason style="${P};padding:8px 10px;background:#fff8c5;border-left:4px solid ${COLORS.warning}">` +
        `<strong>${s.status === "unknown" ? "Why unknown" : "Note"}:</strong> ${e(s.reason)}</p>`,
    );
  }
  parts.push(keyFigures(s), previousLine(s));
  const actions = actionItems(s);
  if (actions.length > 0) {
    parts.push(
      `<h3 style="${H3};color:${COLORS.missed}">Action items</h3>` +
        `<ul data-action-items style="margin:0 0 12px 0;padding-left:20px">${actions
          .map((a) => `<li style="margin:0 0 4px 0;font-size:14px;color:${COLORS.text};${FONT}">${e(a)}</li>`)
          .join("")}</ul>`,
    );
  }
  parts.push(
    `<h3 style="${H3}">Daily attainment</h3>`,
    dailyAttainmentChart(s, i),
    legend([
      [COLORS.met, "met objective"],
      [COLORS.missed, "below objective"],
      ["#a0a7b0", "no data"],
      [COLORS.text, "dashed line: objective"],
    ]),
    dailyFallback(s),
    monthlyTable(s),
    `<h3 style="${H3}">Error budget burn-down</h3>`,
    budgetBurnDownChart(s, i),
    legend([
      [COLORS.line, "remaining budget (red when overspent)"],
      [COLORS.muted, "dashed: even burn to 0 % at the end of the window"],
    ]),
    `<p style="${MUTED}">Cumulative from the daily figures; the window total is ${e(
      budgetKnown(s) ? remainingPct(s.errorBudget.remaining) : "unknown",
    )}.</p>`,
    incidentsTable(s),
    maintenanceTable(s),
    `<p style="${MUTED}"><strong>Method:</strong> ${e(s.method)}</p>`,
  );
  if (s.queries.length > 0) {
    parts.push(
      `<details style="margin:0 0 4px 0"><summary style="${MUTED};cursor:pointer">PromQL queries (${s.queries.length})</summary>` +
        `<pre style="margin:6px 0 0 0;padding:8px;background:#f6f8fa;border:1px solid ${COLORS.border};font-size:12px;line-height:1.4;white-space:pre-wrap;word-break:break-all;font-family:Menlo,Consolas,monospace">${s.queries
          .map((q) => e(q))
          .join("\n")}</pre></details>`,
    );
  }
  return (
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" data-slo-section="${i}" style="width:100%;margin:0 0 18px 0;border:1px solid ${COLORS.border};border-collapse:separate">` +
    `<tr><td style="padding:14px 16px;${FONT}">${parts.join("")}</td></tr></table>`
  );
}

export function renderHtml(doc: ReportDocument, opts: RenderOptions = {}): string {
  const period = periodLabel(doc);
  const c = summaryCounts(doc);
  const title = `SLA report: ${period}`;
  const incomplete = incompleteNote(doc);
  const links: string[] = [];
  if (opts.links?.html) links.push(link(opts.links.html, "View this report in a browser"));
  if (opts.links?.json) links.push(link(opts.links.json, "Report data (JSON)"));
  if (opts.links?.portal) links.push(link(opts.links.portal, "All reports"));
  const summary =
    `${statusColor("met", `${c.met} met`)} / ${statusColor("missed", `${c.missed} missed`)} / ` +
    `${statusColor("unknown", `${c.unknown} unknown`)} of ${c.total} SLOs`;
  const body = [
    `<h1 style="margin:0 0 6px 0;font-size:24px;color:${COLORS.text};${FONT}">${e(title)}</h1>`,
    `<p style="${P}">${e(kindLabel(doc.kind))} window ${e(localTime(doc.window.start))} &rarr; ${e(localTime(doc.window.end))} ` +
      `(end exclusive), time zone <strong>${e(doc.window.timeZone)}</strong>, ${e(String(doc.window.hours))} h</p>`,
    `<p style="${MUTED}">Generated ${e(localTime(doc.generatedAt))} &middot; source: Prometheus ${e(doc.source.prometheus)}</p>`,
    doc.partial
      ? `<p data-partial style="${P};padding:8px 10px;background:#ddf4ff;border-left:4px solid ${COLORS.line}">This window has not ended yet: the figures cover the time so far.</p>`
      : "",
    incomplete
      ? `<p data-incomplete style="${P};padding:8px 10px;background:#fff8c5;border-left:4px solid ${COLORS.warning}">${e(incomplete)}</p>`
      : "",
    links.length > 0 ? `<p style="${P}">${links.join(" &middot; ")}</p>` : "",
    `<p id="summary" style="${P};font-size:16px">${summary}</p>`,
    `<h2 style="${H2};margin-top:18px">Breaches</h2>`,
    breachList(doc.breaches),
    `<h2 style="${H2};margin-top:18px">Service level objectives</h2>`,
    doc.slos.length > 0 ? sloTable(doc) : `<p style="${P}">No SLOs in this report.</p>`,
    quantileTable(doc.quantiles),
    `<h2 style="${H2};margin-top:20px">Details</h2>`,
    ...doc.slos.map(sloSection),
  ].join("\n");
  const frame = cardFrame(720);
  const style = `<style>
body{margin:0;padding:0;background:#f6f8fa}
a{color:${COLORS.line}}
summary{cursor:pointer}
@media (max-width:600px){td,th{font-size:12px !important;padding:4px !important}}
</style>`;
  return `${documentHead(title, { csp: true, extra: style })}\n${frame.open}${body}${frame.close}`;
}
