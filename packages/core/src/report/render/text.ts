/**
 * Plain text for email (SNS email subscription): lines of at most 80 columns, status words (MET / MISSED /
 * UNKNOWN) rather than colours, breaches first, a fixed-width SLO table (long names truncated with "…"), the
 * numbers that matter per SLO, and the links to the full report at the end. A link is never broken (a broken
 * URL cannot be clicked): a URL longer than 80 characters stands alone on its own line.
 */
import type { Breach, ReportDocument, SloReport } from "../model.js";
import {
  actionItems,
  attainmentPct,
  breachFacts,
  breachWord,
  budgetAmount,
  budgetKnown,
  burnRateText,
  coveragePct,
  durationText,
  incompleteNote,
  kindLabel,
  localEnd,
  localTime,
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
  sliKind,
  summaryCounts,
  topIncidents,
  trend,
  worstFirst,
} from "./format.js";

export { renderSummaryLine } from "./format.js";

export const TEXT_WIDTH = 80;

const len = (s: string) => [...s].length;
const NBSP = "\u00a0";

/** Cuts `s` to `width` columns, ending with "…" when something was cut. */
export function truncate(s: string, width: number): string {
  const chars = [...oneLine(s)];
  if (chars.length <= width) return chars.join("");
  return width <= 1 ? "…".slice(0, width) : `${chars.slice(0, width - 1).join("")}…`;
}

function pad(s: string, width: number, align: "l" | "r" = "l"): string {
  const t = truncate(s, width);
  const fill = " ".repeat(Math.max(0, width - len(t)));
  return align === "r" ? fill + t : t + fill;
}

/**
 * Word-wraps `text` to `width` columns: the first line starts with `first`, the others with `rest`.
 * Words longer than a line are broken.
 */
export function wrap(text: string, first = "", rest = first, width = TEXT_WIDTH): string[] {
  const lines: string[] = [];
  let prefix = first;
  let words: string[] = [];
  let used = len(prefix);
  const flush = () => {
    lines.push(prefix + words.join(" "));
    prefix = rest;
    words = [];
    used = len(rest);
  };
  // keep a number with its unit on one line: "107.4 %", "+0.05 pp"
  const glued = oneLine(text).replace(/ (?=(%|pp)(\W|$))/g, NBSP);
  for (const w of glued.split(" ").filter(Boolean)) {
    let word = w;
    while (word !== "") {
      const need = (words.length > 0 ? 1 : 0) + len(word);
      if (used + need <= width) {
        words.push(word);
        used += need;
        break;
      }
      if (words.length > 0) {
        flush();
        continue;
      }
      // a word longer than a whole line: break it
      const chars = [...word];
      const n = Math.max(1, width - used);
      words.push(chars.slice(0, n).join(""));
      flush();
      word = chars.slice(n).join("");
    }
  }
  if (words.length > 0 || lines.length === 0) lines.push((prefix + words.join(" ")).trimEnd());
  return lines.map((l) => l.replaceAll(NBSP, " "));
}

const LABEL = 14;

/** "  Label:       text wrapped with a hanging indent" */
function field(label: string, text: string): string[] {
  return wrap(text, `  ${pad(`${label}:`, LABEL)}`, " ".repeat(LABEL + 2));
}

const COLS = [
  { title: "SLO", width: 22, align: "l" },
  { title: "Service", width: 12, align: "l" },
  { title: "Objective", width: 9, align: "r" },
  { title: "Attainment", width: 10, align: "r" },
  { title: "Status", width: 7, align: "l" },
  { title: "Budget left", width: 13, align: "r" },
] as const;

function tableRow(cells: string[]): string {
  return COLS.map((c, i) => pad(cells[i] ?? "", c.width, c.align))
    .join(" ")
    .trimEnd();
}

function sloTable(slos: SloReport[]): string[] {
  return [
    tableRow(COLS.map((c) => c.title)),
    COLS.map((c) => "-".repeat(c.width)).join(" "),
    ...slos.map((s) =>
      tableRow([
        s.name,
        s.service,
        objectivePct(s.objective),
        s.attainment === null ? "no data" : attainmentPct(s.attainment, s.objective),
        STATUS_WORD[s.status],
        budgetKnown(s) ? remainingPct(s.errorBudget.remaining) : "n/a",
      ]),
    ),
  ];
}

function sloDetail(s: SloReport): string[] {
  const b = s.errorBudget;
  const out: string[] = [];
  out.push(...wrap(`${s.name}: ${STATUS_WORD[s.status]}`));
  out.push(...wrap(`Service ${s.service}, ${sliKind(s)}`, "  ", "  "));
  const series = seriesText(s);
  if (series) out.push(...field("Series", series));
  out.push(
    ...field(
      "Attainment",
      `${s.attainment === null ? "UNKNOWN (no data)" : attainmentPct(s.attainment, s.objective)} (objective ${objectivePct(s.objective)})`,
    ),
  );
  if (budgetKnown(s)) {
    const over = overageText(b);
    out.push(
      ...field(
        "Error budget",
        `allowed ${budgetAmount(b.allowed, b.unit)}, consumed ${budgetAmount(b.consumed, b.unit)}, ` +
          `remaining ${remainingPct(b.remaining)}${over ? ` (${over})` : ""}`,
      ),
    );
  } else {
    out.push(...field("Error budget", "unknown"));
  }
  if (s.downtimeMinutes !== undefined) {
    const partialData = s.attainment === null ? " (in the data present)" : "";
    out.push(...field("Downtime", `${durationText(s.downtimeMinutes)}${partialData}`));
  }
  out.push(...field("Coverage", `${coveragePct(s.coverage)}, burn rate ${burnRateText(s.burnRate)}`));
  if (s.maintenanceMinutes > 0)
    out.push(...field("Maintenance", `${durationText(s.maintenanceMinutes)} excluded`));
  if (s.previous) {
    const t = trend(s);
    const prev =
      s.previous.attainment === null ? "no data" : attainmentPct(s.previous.attainment, s.objective);
    out.push(
      ...field(
        "Previous",
        `${s.previous.period ?? "previous period"}: ${prev} ${STATUS_WORD[s.previous.status]}` +
          (t ? `, trend ${t.dir === "same" ? "unchanged" : t.dir} ${t.delta}` : ""),
      ),
    );
  }
  if (s.sliType === "probe") {
    const top = topIncidents(s, 3);
    out.push(
      ...field(
        "Incidents",
        s.incidents.length === 0
          ? "none"
          : `${s.incidents.length}${s.incidents.length > 3 ? ", largest 3:" : ":"}`,
      ),
    );
    for (const i of top) {
      out.push(
        `    ${pad(durationText(i.minutes), 10, "r")}  ${localTime(i.start)} to ${localEnd(i.start, i.end)}`,
      );
    }
  }
  if (s.reason) out.push(...field(s.status === "unknown" ? "Why unknown" : "Note", s.reason));
  const actions = actionItems(s);
  if (actions.length > 0) {
    out.push("  Action items:");
    for (const a of actions) out.push(...wrap(a, "    - ", "      "));
  }
  return out;
}

function linkLines(opts: RenderOptions): string[] {
  const out: string[] = [];
  const add = (label: string, url: string | undefined) => {
    if (!url) return;
    const u = oneLine(url).trim();
    const line = `  ${label}: ${u}`;
    if (len(line) <= TEXT_WIDTH) out.push(line);
    else out.push(`  ${label}:`, len(u) + 4 <= TEXT_WIDTH ? `    ${u}` : u);
  };
  add("HTML", opts.links?.html);
  add("JSON", opts.links?.json);
  add("All reports", opts.links?.portal);
  return out;
}

/** UTF-8 bytes of `s`. */
function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Lines longer than the width (a safety net: nothing but a link may exceed it) are wrapped. */
const fitWidth = (lines: string[]) => lines.flatMap((l) => (len(l) > TEXT_WIDTH ? wrap(l, "", "  ") : [l]));

/** A part of the text: a heading, then items that are kept whole or left out (counted in the "more" line). */
interface Section {
  head: string[];
  items: string[][];
  /** the line that stands for `n` items left out */
  more: (n: number) => string;
  tail: string[];
}

/**
 * The email body of one run's breaches, one digest (worst first, see `worstFirst`): the count, then each
 * breach with its figures, then the links. Under `opts.maxBytes` the breaches that do not fit are one
 * "... N more breaches in the full report" line; the links always stay.
 */
export function renderBreachDigest(
  doc: ReportDocument,
  breaches: readonly Breach[],
  opts: RenderOptions = {},
): string {
  const sorted = worstFirst(doc, breaches);
  const n = sorted.length;
  const title = `SLO BREACHES: ${periodLabel(doc)}`;
  const head = [...wrap(title), "=".repeat(Math.min(TEXT_WIDTH, Math.max(...wrap(title).map(len))))];
  head.push(
    ...wrap(
      `${n} breach${n === 1 ? "" : "es"}${n > 1 ? ", worst first" : ""}. ${kindLabel(doc.kind)} window ` +
        `${localTime(doc.window.start)} to ${localTime(doc.window.end)} (end exclusive), time zone ${doc.window.timeZone}.`,
    ),
  );
  if (doc.partial) head.push(...wrap("The window has not ended yet: the figures cover the time so far."));
  const incomplete = incompleteNote(doc);
  if (incomplete) head.push(...wrap(incomplete));
  head.push("");
  const width = String(n).length + 2;
  const items = sorted.map((b, i) => {
    const indent = " ".repeat(width + 1);
    return fitWidth([
      ...wrap(
        `${pad(b.severity.toUpperCase(), 8)} ${b.slo} (${b.service}): ${breachWord(b.kind)}`,
        `${pad(`${i + 1}.`, width, "r")} `,
        indent,
      ),
      ...breachFacts(doc, b).flatMap((f) => wrap(f, indent, `${indent}  `)),
      "",
    ]);
  });
  const links = linkLines(opts);
  const footer =
    links.length > 0 ? ["FULL REPORT (every SLO, the incidents and the daily figures)", ...links] : [];
  const bytes = (lines: string[]) => lines.reduce((a, l) => a + utf8Length(l) + 1, 0);
  let room =
    opts.maxBytes === undefined
      ? Number.POSITIVE_INFINITY
      : opts.maxBytes - bytes(fitWidth(head)) - bytes(footer) - 2 * (TEXT_WIDTH + 1);
  const body = fitWidth(head);
  let kept = 0;
  for (const item of items) {
    const b = bytes(item);
    if (b > room) break;
    body.push(...item);
    room -= b;
    kept++;
  }
  if (kept < n) body.push(`... ${n - kept} more breach${n - kept === 1 ? "" : "es"} in the full report`, "");
  body.push(...footer);
  return `${body.join("\n").replace(/\n+$/, "")}\n`;
}

export function renderText(doc: ReportDocument, opts: RenderOptions = {}): string {
  const c = summaryCounts(doc);
  const out: string[] = [];
  const title = `SLA REPORT: ${periodLabel(doc)}`;
  out.push(...wrap(title), "=".repeat(Math.min(TEXT_WIDTH, Math.max(...wrap(title).map(len)))));
  out.push(
    ...wrap(
      `${kindLabel(doc.kind)} window ${localTime(doc.window.start)} to ${localTime(doc.window.end)} ` +
        `(end exclusive), time zone ${doc.window.timeZone}, ${doc.window.hours} h`,
      "",
      "  ",
    ),
  );
  out.push(...wrap(`Generated ${localTime(doc.generatedAt)}`));
  if (doc.partial)
    out.push(...wrap("NOTE: this window has not ended yet; the figures cover the time so far."));
  const incomplete = incompleteNote(doc);
  if (incomplete) out.push(...wrap(incomplete));
  out.push(`Summary: ${c.met} met, ${c.missed} missed, ${c.unknown} unknown (${c.total} SLOs)`, "");

  const sections: Section[] = [];
  sections.push({
    head: ["BREACHES", ...(doc.breaches.length === 0 ? ["  none"] : [])],
    items: doc.breaches.map((b) =>
      wrap(
        `${b.slo} (${b.service}): ${b.kind}, ${b.detail}`,
        `  ${pad(b.severity.toUpperCase(), 9)} `,
        " ".repeat(12),
      ),
    ),
    more: (n) => `  ... ${n} more breach${n === 1 ? "" : "es"} in the full report`,
    tail: [""],
  });
  sections.push({
    head: ["SLOS", ...(doc.slos.length === 0 ? ["  none"] : sloTable([]))],
    items: doc.slos.map((s) => sloTable([s]).slice(2)),
    more: (n) => `... ${n} more SLO${n === 1 ? "" : "s"} in the full report`,
    tail: [""],
  });
  if (doc.quantiles.length > 0) {
    sections.push({
      head: ["LATENCY QUANTILES"],
      items: doc.quantiles.map((q) =>
        wrap(
          `${q.name} ${quantileLabel(q.quantile)}: ${secondsText(q.valueSeconds)}` +
            `${q.targetSeconds === undefined ? "" : ` (target ${secondsText(q.targetSeconds)})`} ${STATUS_WORD[q.status]}`,
          "  ",
          "    ",
        ),
      ),
      more: (n) => `  ... ${n} more latency figure${n === 1 ? "" : "s"} in the full report`,
      tail: [""],
    });
  }
  sections.push({
    head: ["DETAILS", ""],
    items: doc.slos.map((s) => [...sloDetail(s), ""]),
    more: (n) => `Details of ${n} more SLO${n === 1 ? "" : "s"} are in the full report.`,
    tail: [],
  });

  const links = linkLines(opts);
  const footer = links.length > 0 ? ["FULL REPORT (where the complete report lives)", ...links] : [];
  const body = fitWidth(out);
  const max = opts.maxBytes;
  // Everything, in order: breaches, the SLO table, latency figures, details. Under a byte budget (an email
  // body), items are kept whole in that order while they fit; from the first one that does not, the rest of
  // each section is one "... N more in the full report" line, and the links always stay.
  const bytes = (lines: string[]) => lines.reduce((a, l) => a + utf8Length(l) + 1, 0);
  const reserve = sections.length * 2 * (TEXT_WIDTH + 1);
  let room = max === undefined ? Number.POSITIVE_INFINITY : max - bytes(body) - bytes(footer) - reserve;
  let full = true;
  for (const sec of sections) {
    const head = fitWidth(sec.head);
    if (full && bytes(head) > room) full = false;
    if (!full) {
      if (sec.items.length > 0) body.push(sec.head[0]!, sec.more(sec.items.length), ...sec.tail);
      continue;
    }
    body.push(...head);
    room -= bytes(head);
    let kept = 0;
    for (const item of sec.items) {
      const lines = fitWidth(item);
      const n = bytes(lines);
      if (n > room) {
        full = false;
        break;
      }
      body.push(...lines);
      room -= n;
      kept++;
    }
    if (kept < sec.items.length) body.push(sec.more(sec.items.length - kept));
    body.push(...sec.tail);
    room -= bytes(sec.tail);
  }
  if (footer.length > 0) body.push(...footer);
  return `${body.join("\n").replace(/\n+$/, "")}\n`;
}
