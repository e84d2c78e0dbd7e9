/**
 * GitHub-flavoured Markdown: summary table, breaches, quantiles and one section per SLO (incidents, the days
 * below the objective, maintenance, method, queries). Text from the document is escaped so names or reasons
 * cannot break a table (`|`), start emphasis, links or raw HTML.
 */
import type { FigureStatus, ReportDocument, SloReport } from "../model.js";
import {
  actionItems,
  attainmentPct,
  budgetAmount,
  budgetKnown,
  burnRateText,
  coveragePct,
  dayMet,
  downtimeCell,
  durationText,
  incompleteNote,
  kindLabel,
  LONG_WINDOW_DAYS,
  localEnd,
  localTime,
  monthlySubtotals,
  objectivePct,
  oneLine,
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

/**
 * Escapes Markdown metacharacters in inline text and table cells: `\ ` * _ [ ] < > | ~ & $` everywhere, and a
 * leading `#`, `-`, `+`, `=`, `>` or `1.` that would start a heading, list or quote. Newlines become spaces.
 */
export function escapeMarkdown(value: unknown): string {
  return oneLine(value)
    .replace(/[\\`*_[\]<>|~&$]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([#+=-])/, "$1\\$2")
    .replace(/^(\s*\d+)([.)])/, "$1\\$2");
}

const md = escapeMarkdown;

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function tableMd(head: string[], align: ("l" | "r")[], rows: string[][]): string[] {
  return [row(head), row(align.map((a) => (a === "r" ? "---:" : "---"))), ...rows.map(row)];
}

/** a fence longer than any backtick run in the content */
function fenced(lang: string, lines: string[]): string[] {
  const longest = Math.max(
    2,
    ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))),
  );
  const fence = "`".repeat(longest + 1);
  return [`${fence}${lang}`, ...lines, fence];
}

function remainingCell(s: SloReport): string {
  if (!budgetKnown(s)) return "n/a";
  const over = overageText(s.errorBudget);
  return over ? `${remainingPct(s.errorBudget.remaining)} (${over})` : remainingPct(s.errorBudget.remaining);
}

function status(s: FigureStatus): string {
  return `**${STATUS_WORD[s]}**`;
}

function sloSection(s: SloReport): string[] {
  const out: string[] = [];
  const b = s.errorBudget;
  out.push(`## ${md(s.name)}: ${STATUS_WORD[s.status]}`, "");
  out.push(`Service ${md(s.service)}, ${md(sliKind(s))}, budget in ${md(b.unit)}.`, "");
  if (s.description) out.push(md(s.description), "");
  if (s.reason) out.push(`> **${s.status === "unknown" ? "Why unknown" : "Note"}:** ${md(s.reason)}`, "");
  const figures: string[] = [
    `- Attainment: ${s.attainment === null ? "unknown (no data)" : attainmentPct(s.attainment, s.objective)} (objective ${objectivePct(s.objective)})`,
  ];
  if (budgetKnown(s)) {
    figures.push(
      `- Error budget: ${budgetAmount(b.allowed, b.unit)} allowed, ${budgetAmount(b.consumed, b.unit)} consumed, ${remainingCell(s)} remaining`,
    );
  } else {
    figures.push("- Error budget: unknown");
  }
  if (s.downtimeMinutes !== undefined) figures.push(`- Downtime: ${durationText(s.downtimeMinutes)}`);
  figures.push(`- Coverage: ${coveragePct(s.coverage)}, burn rate ${burnRateText(s.burnRate)}`);
  if (s.maintenanceMinutes > 0) figures.push(`- Maintenance excluded: ${durationText(s.maintenanceMinutes)}`);
  if (s.previous) {
    const t = trend(s);
    const arrow = t
      ? t.dir === "up"
        ? ` ↑ ${t.delta}`
        : t.dir === "down"
          ? ` ↓ ${t.delta}`
          : " = unchanged"
      : "";
    const prev =
      s.previous.attainment === null ? "no data" : attainmentPct(s.previous.attainment, s.objective);
    figures.push(
      `- Previous period${s.previous.period ? ` (${md(s.previous.period)})` : ""}: ${prev}, ${STATUS_WORD[s.previous.status]}${arrow}`,
    );
  }
  out.push(...figures, "");
  const actions = actionItems(s);
  if (actions.length > 0) out.push("### Action items", "", ...actions.map((a) => `- ${md(a)}`), "");
  if (s.sliType === "probe") {
    out.push(`### Incidents (${s.incidents.length})`, "");
    if (s.incidents.length === 0) out.push("No incidents.", "");
    else {
      out.push(
        ...tableMd(
          ["Start", "End", "Duration"],
          ["l", "l", "r"],
          s.incidents.map((i) => [
            md(localTime(i.start)),
            md(localEnd(i.start, i.end)),
            durationText(i.minutes),
          ]),
        ),
        "",
      );
    }
  }
  const long = s.daily.length > LONG_WINDOW_DAYS;
  if (long) {
    // a quarter or a year: one row per month (the JSON keeps every day)
    out.push(
      "### Months",
      "",
      ...tableMd(
        ["Month", "Days met", "Days below", "Days without data", "Bad", "Worst day"],
        ["l", "r", "r", "r", "r", "r"],
        monthlySubtotals(s.daily, s.objective).map((m) => [
          shortMonth(m.month),
          String(m.met),
          String(m.below),
          String(m.noData),
          budgetAmount(m.bad, b.unit),
          m.worst === null ? "n/a" : attainmentPct(m.worst, s.objective),
        ]),
      ),
      "",
    );
  }
  const below = s.daily.filter((d) => d.attainment !== null && !dayMet(d.attainment, s.objective));
  if (below.length > 0) {
    const listed = long ? below.slice(0, LONG_WINDOW_DAYS) : below;
    out.push(
      "### Days below objective",
      "",
      ...tableMd(
        ["Date", "Attainment", "Bad"],
        ["l", "r", "r"],
        listed.map((d) => [
          md(d.date),
          attainmentPct(d.attainment, s.objective),
          budgetAmount(d.bad, b.unit),
        ]),
      ),
      "",
    );
    if (listed.length < below.length) {
      out.push(
        `… and ${below.length - listed.length} more days below objective (every day is in report.json).`,
        "",
      );
    }
  }
  const noData = s.daily.filter((d) => d.attainment === null).length;
  if (noData > 0) out.push(`Days without data: ${noData} of ${s.daily.length}.`, "");
  if (s.maintenance.length > 0) {
    out.push(
      "### Maintenance",
      "",
      ...tableMd(
        ["Start", "End", "Reason"],
        ["l", "l", "l"],
        s.maintenance.map((m) => [md(localTime(m.start)), md(localEnd(m.start, m.end)), md(m.reason)]),
      ),
      "",
    );
  }
  const series = seriesText(s);
  if (series) out.push(`**Series:** ${md(series)}`, "");
  out.push(`**Method:** ${md(s.method)}`, "");
  if (s.queries.length > 0) {
    out.push(
      "<details><summary>PromQL queries</summary>",
      "",
      ...fenced(
        "promql",
        s.queries.map((q) => q.replace(/\r?\n|\r/g, " ")),
      ),
      "",
      "</details>",
      "",
    );
  }
  return out;
}

export function renderMarkdown(doc: ReportDocument, opts: RenderOptions = {}): string {
  const c = summaryCounts(doc);
  const out: string[] = [];
  out.push(`# SLA report: ${md(periodLabel(doc))}`, "");
  out.push(
    `${kindLabel(doc.kind)} window ${md(localTime(doc.window.start))} to ${md(localTime(doc.window.end))} (end exclusive), ` +
      `time zone ${md(doc.window.timeZone)}, ${md(String(doc.window.hours))} h. Generated ${md(localTime(doc.generatedAt))}.`,
    "",
  );
  if (doc.partial) out.push("> This window has not ended yet: the figures cover the time so far.", "");
  const incomplete = incompleteNote(doc);
  if (incomplete) out.push(`> ${md(incomplete)}`, "");
  out.push(`**Summary:** ${c.met} met, ${c.missed} missed, ${c.unknown} unknown (${c.total} SLOs)`, "");
  out.push("## Breaches", "");
  if (doc.breaches.length === 0) out.push("No breaches.", "");
  else {
    out.push(
      ...doc.breaches.map(
        (b) =>
          `- **${b.severity.toUpperCase()}** ${md(b.slo)} (${md(b.service)}): ${md(b.kind)}, ${md(b.detail)}`,
      ),
      "",
    );
  }
  out.push("## SLOs", "");
  if (doc.slos.length === 0) out.push("No SLOs in this report.", "");
  else {
    out.push(
      ...tableMd(
        [
          "SLO",
          "Service",
          "Objective",
          "Attainment",
          "Status",
          "Budget remaining",
          "Downtime",
          "Coverage",
          "Burn rate",
        ],
        ["l", "l", "r", "r", "l", "r", "r", "r", "r"],
        doc.slos.map((s) => [
          md(s.name),
          md(s.service),
          objectivePct(s.objective),
          s.attainment === null ? "no data" : attainmentPct(s.attainment, s.objective),
          status(s.status),
          remainingCell(s),
          downtimeCell(s),
          coveragePct(s.coverage),
          burnRateText(s.burnRate),
        ]),
      ),
      "",
    );
  }
  if (doc.quantiles.length > 0) {
    out.push(
      "## Latency quantiles",
      "",
      ...tableMd(
        ["Figure", "Service", "Quantile", "Value", "Target", "Status"],
        ["l", "l", "l", "r", "r", "l"],
        doc.quantiles.map((q) => [
          md(q.name),
          md(q.service),
          quantileLabel(q.quantile),
          secondsText(q.valueSeconds),
          q.targetSeconds === undefined ? "n/a" : secondsText(q.targetSeconds),
          status(q.status),
        ]),
      ),
      "",
    );
  }
  for (const s of doc.slos) out.push(...sloSection(s));
  const links: string[] = [];
  if (opts.links?.html)
    links.push(`- Full report (HTML): <${opts.links.html.replace(/[<>\s]/g, encodeURIComponent)}>`);
  if (opts.links?.json)
    links.push(`- Data (JSON): <${opts.links.json.replace(/[<>\s]/g, encodeURIComponent)}>`);
  if (opts.links?.portal)
    links.push(`- All reports: <${opts.links.portal.replace(/[<>\s]/g, encodeURIComponent)}>`);
  if (links.length > 0) out.push("## Full report", "", ...links, "");
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}
