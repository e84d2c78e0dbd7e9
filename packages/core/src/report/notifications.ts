/**
 * The notifications of a report run (pure): the summary, one digest of the run's breaches, and the self-alert
 * for queries Prometheus rejects. Each keeps the per-part byte budgets (`NOTIFICATION_BUDGET_BYTES`): the email
 * body first (breaches, then the table, then details), a short chat description, and a "N more in the
 * report" line for what does not fit. The sentences themselves come from the renderers (render/).
 */
import { createHash } from "node:crypto";
import { NOTIFICATION_BUDGET_BYTES, type Notification } from "../notify/index.js";
import type { Breach, ReportDocument } from "./model.js";
import {
  breachFacts,
  breachWord,
  incompleteNote,
  renderBreachDigest,
  renderSummaryLine,
  renderText,
  worstFirst,
  wrap,
} from "./render/index.js";

/**
 * A breach's name in `published` / `alreadySent` and its publish-once marker:
 * `breach-<slo>-<kind>-<severity>`. The severity is part of it so that a warning sent earlier in the period
 * (a fast burn at 6x) does not hold back the critical one (the same SLO burning at 14.4x later).
 */
export const breachItem = (b: Pick<Breach, "slo" | "kind" | "severity">) =>
  `breach-${b.slo}-${b.kind}-${b.severity}`;

/** Marker name of the self-alert for the SLOs whose queries Prometheus rejected (once per set of SLOs). */
export function rejectedAlertName(slos: readonly string[]): string {
  const h = createHash("sha256")
    .update([...new Set(slos)].sort().join("\n"))
    .digest("hex")
    .slice(0, 12);
  return `config-error-${h}`;
}

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

/** Chat lines up to `max` bytes; the rest is one "_… N more …_" line. */
function chatLines(lines: string[], max: number, more: (n: number) => string): string {
  const out: string[] = [];
  let used = 0;
  for (const [i, l] of lines.entries()) {
    const left = lines.length - i;
    if (used + utf8(l) + 1 + (left > 1 ? 80 : 0) > max) {
      out.push(more(left));
      break;
    }
    out.push(l);
    used += utf8(l) + 1;
  }
  return out.join("\n");
}

/**
 * Where a notification points: the report HTML, and (signed viewer links, when the viewer is deployed) its
 * JSON and the portal of every report. A string is the HTML link alone (the `s3://` or `file://` location).
 */
export type NotificationLinks = string | { html: string; json?: string; portal?: string };
const linksOf = (l: NotificationLinks) => (typeof l === "string" ? { html: l } : l);
/** chat "next steps": the report, then the portal when there is one */
const linkSteps = (l: NotificationLinks, label: string) => {
  const { html, portal } = linksOf(l);
  return [`${label}: ${html}`, ...(portal ? [`All reports: ${portal}`] : [])];
};

const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(3)} %`);
const statusIcon = (s: string) => (s === "met" ? "✅" : s === "missed" ? "❌" : "❔");

/** The report summary: the email is the text report within its budget; chat lists the SLOs within its own. */
export function summaryNotification(doc: ReportDocument, links: NotificationLinks, note = ""): Notification {
  const htmlLink = linksOf(links).html;
  const line = renderSummaryLine(doc);
  const worst = doc.summary.missed > 0 ? "critical" : doc.summary.unknown > 0 ? "warning" : "info";
  const incomplete = incompleteNote(doc);
  const text =
    renderText(doc, { links: linksOf(links), maxBytes: NOTIFICATION_BUDGET_BYTES.email - utf8(note) }) + note;
  const head = incomplete ? [incomplete, ""] : [];
  const description = chatLines(
    [
      ...head,
      ...doc.slos.map(
        (s) =>
          `${statusIcon(s.status)} ${s.name}: ${pct(s.attainment)} (objective ${(s.objective * 100).toFixed(2)} %)`,
      ),
    ],
    NOTIFICATION_BUDGET_BYTES.chat,
    (n) => `_… ${n} more SLO${n === 1 ? "" : "s"} in the full report_`,
  );
  return {
    kind: "report",
    severity: worst,
    subject: `SLA report ${line}`,
    text,
    chat: { title: `SLA report: ${line}`, description, nextSteps: linkSteps(links, "Full report") },
    attributes: { period: doc.period ?? "custom", reportKind: doc.kind },
    reportUrl: htmlLink,
  };
}

/**
 * One message for a run's breaches (the ones not published before), worst first: the email is the digest
 * text, chat one line per breach; the attributes list every SLO and service (SNS String.Array).
 */
export function breachDigest(
  doc: ReportDocument,
  breaches: readonly Breach[],
  links: NotificationLinks,
): Notification {
  const htmlLink = linksOf(links).html;
  const sorted = worstFirst(doc, breaches);
  const top = sorted[0]!;
  const n = sorted.length;
  const period = doc.period ?? "custom window";
  const title =
    n === 1
      ? `SLO ${breachWord(top.kind)}: ${top.slo}`
      : `${n} SLO breaches (${period}), worst: ${top.slo} ${breachWord(top.kind)}`;
  const description = chatLines(
    sorted.map((b, i) => {
      const facts = breachFacts(doc, b);
      return `${i + 1}. ${b.severity === "critical" ? "❌" : "⚠️"} ${b.slo} (${b.service}): ${breachWord(b.kind)}; ${facts.join("; ")}`;
    }),
    NOTIFICATION_BUDGET_BYTES.chat,
    (k) => `_… ${k} more breach${k === 1 ? "" : "es"} in the full report_`,
  );
  const unique = (xs: string[]) => [...new Set(xs)];
  return {
    kind: "breach",
    severity: sorted.some((b) => b.severity === "critical") ? "critical" : "warning",
    subject: title,
    text: renderBreachDigest(doc, sorted, {
      links: linksOf(links),
      maxBytes: NOTIFICATION_BUDGET_BYTES.email,
    }),
    chat: { title, description, nextSteps: linkSteps(links, "Report") },
    attributes: {
      period: doc.period ?? "custom",
      breaches: String(n),
      ...(n === 1 ? { slo: top.slo, service: top.service, breach: top.kind } : {}),
    },
    ...(n > 1
      ? {
          attributeLists: {
            slo: unique(sorted.map((b) => b.slo)),
            service: unique(sorted.map((b) => b.service)),
            breach: unique(sorted.map((b) => b.kind)),
          },
        }
      : {}),
    reportUrl: htmlLink,
  };
}

/**
 * The monitor's own alert: Prometheus rejected the queries of some SLOs (HTTP 4xx, bad_data), which a retry
 * cannot fix. Sent once per report and set of SLOs; the run does not fail over it (no retry loop).
 */
export function rejectedQueriesAlert(
  doc: ReportDocument,
  errors: readonly ReportDocument["errors"][number][],
  links: NotificationLinks,
): Notification {
  const htmlLink = linksOf(links).html;
  const portal = linksOf(links).portal;
  const slos = [...new Set(errors.map((e) => e.slo))];
  const period = doc.period ?? "custom window";
  const title = `sla-monitor configuration error: Prometheus rejected the queries of ${slos.length} SLO${slos.length === 1 ? "" : "s"} (${period})`;
  const what = incompleteNote({ errors: [...errors] }) ?? "";
  const lines = [
    ...wrap(title),
    "",
    ...wrap(what),
    "",
    ...wrap(
      "Asking again fails the same way, so the report run does not retry over it (this alert is sent once; " +
        "the breaches of the other SLOs go out as usual): fix the SLO's selector or regex in the config (or " +
        "the Prometheus permissions) and run the report again; until then these SLOs are reported as unknown.",
    ),
    "",
    `Report: ${htmlLink}`,
    ...(portal ? [`All reports: ${portal}`] : []),
  ];
  return {
    kind: "alert",
    severity: "critical",
    subject: title,
    text: `${lines.join("\n")}\n`,
    chat: {
      title,
      description: what,
      nextSteps: ["Fix the SLO in the config, then run the report again", ...linkSteps(links, "Report")],
    },
    attributes: {
      alert: "prometheus-rejected-queries",
      period: doc.period ?? "custom",
      ...(slos.length === 1 ? { slo: slos[0]! } : {}),
    },
    ...(slos.length > 1 ? { attributeLists: { slo: slos } } : {}),
    reportUrl: htmlLink,
  };
}
