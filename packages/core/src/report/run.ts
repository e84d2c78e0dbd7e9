/**
 * One report run: build the document, render every format, store under deterministic keys, update the index,
 * then publish the summary and breach notifications at most once each. Shared by the Lambda and the CLI.
 */
import type { NotifyConfig, Slo } from "../config/schema.js";
import type { Notification, Notifier } from "../notify/index.js";
import { publishOnce } from "../notify/index.js";
import type { Window } from "../slo/windows.js";
import { contentTypeFor, type ObjectStore, StateStore } from "../store/index.js";
import { buildReport, type QueryApi } from "./engine.js";
import {
  INDEX_KEY,
  notificationKey,
  REPORT_FORMATS,
  type ReportFormat,
  reportId,
  reportKeys,
} from "./keys.js";
import type { Breach, ReportDocument } from "./model.js";
import { renderAll, renderSummaryLine, renderText } from "./render/index.js";

export interface RunReportInput {
  slos: Slo[];
  notifyConfig: NotifyConfig;
  window: Window;
  api: QueryApi;
  store: ObjectStore;
  notifier: Notifier;
  /** publish the summary/breaches (cron: true; on demand: false unless asked) */
  notify: boolean;
  /** restrict to these SLO names */
  sloFilter?: string[];
  sourceLabel: string;
  now?: Date;
  /** probe targets' latency thresholds, for the p95/p99 figures of probe SLOs */
  latencyTargets?: Record<string, { warnMs: number; critMs: number } | undefined>;
}

export interface RunReportResult {
  report: ReportDocument;
  keys: Record<ReportFormat, string>;
  published: string[];
  alreadySent: string[];
  /** set when notifications were withheld or failed; the caller should fail the invocation so it is retried */
  error?: string;
}

export interface IndexEntry {
  id: string;
  kind: ReportDocument["kind"];
  period: string | null;
  window: ReportDocument["window"];
  generatedAt: string;
  summary: ReportDocument["summary"];
  keys: Record<string, string>;
}

export class ReportInputError extends Error {}

export function selectSlos(slos: Slo[], filter: string[] | undefined): Slo[] {
  if (!filter || filter.length === 0) return slos;
  const unknown = filter.filter((n) => !slos.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new ReportInputError(
      `unknown SLO name(s): ${unknown.join(", ")} (known: ${slos.map((s) => s.name).join(", ")})`,
    );
  }
  return slos.filter((s) => filter.includes(s.name));
}

export async function runReport(input: RunReportInput): Promise<RunReportResult> {
  const slos = selectSlos(input.slos, input.sloFilter).filter(
    (s) => input.window.kind === "custom" || (s.windows ?? ["weekly", "monthly"]).includes(input.window.kind),
  );
  const report = await buildReport({
    window: input.window,
    slos,
    api: input.api,
    sourceLabel: input.sourceLabel,
    burnRate: input.notifyConfig.burnRate,
    ...(input.latencyTargets ? { latencyTargets: input.latencyTargets } : {}),
    ...(input.now ? { now: input.now } : {}),
  });
  const keys = reportKeys(input.window, input.sloFilter);
  const base = input.store.describe();
  report.location = { base, files: keys };
  const links = { html: `${base}/${keys.html}`, json: `${base}/${keys.json}` };
  const files = renderAll(report, { links });
  for (const f of REPORT_FORMATS) {
    await input.store.put(keys[f], files[`report.${f}`], { contentType: contentTypeFor(keys[f]) });
  }
  const entry: IndexEntry = {
    id: reportId(input.window, input.sloFilter),
    kind: report.kind,
    period: report.period,
    window: report.window,
    generatedAt: report.generatedAt,
    summary: report.summary,
    keys,
  };
  await new StateStore<IndexEntry[]>(input.store, {
    contentType: "application/json; charset=utf-8",
  }).readModifyWrite(INDEX_KEY, (prev) =>
    [...(prev ?? []).filter((e) => e.id !== entry.id), entry].sort((a, b) => a.id.localeCompare(b.id)),
  );

  const result: RunReportResult = { report, keys, published: [], alreadySent: [] };
  if (!input.notify) return result;
  if (report.errors.length > 0) {
    const names = [...new Set(report.errors.map((e) => e.slo))];
    result.error =
      `Prometheus queries failed for ${names.length} SLO(s) (${names.join(", ")}): ${report.errors[0]!.error}; ` +
      "the report was stored as it is, notifications were withheld so that a retry can publish complete ones";
    return result;
  }
  const messages: [string, Notification][] = [];
  // A running period gets breach messages only; its summary comes when it is complete.
  const wantSummary =
    !report.partial &&
    (report.kind === "custom" ||
      (report.kind === "monthly" && input.notifyConfig.monthlySummary) ||
      (report.kind === "weekly" && input.notifyConfig.weeklySummary));
  if (wantSummary) messages.push(["summary", summaryNotification(report, links.html)]);
  for (const b of report.breaches)
    messages.push([`breach-${b.slo}-${b.kind}`, breachNotification(report, b, links.html)]);
  const errors: string[] = [];
  for (const [name, msg] of messages) {
    const key = notificationKey(input.window, input.sloFilter, name);
    try {
      const r = await publishOnce(input.store, input.notifier, key, msg, input.now ?? new Date());
      (r.published ? result.published : result.alreadySent).push(name);
      if (r.markerError) {
        // published, but not recorded: a run after the claim's lease could publish it again
        errors.push(`${name}: published, but the record ${key} could not be written: ${r.markerError}`);
      }
    } catch (e) {
      errors.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (errors.length > 0) result.error = `publishing failed (will be retried): ${errors.join("; ")}`;
  return result;
}

function summaryNotification(doc: ReportDocument, htmlLink: string): Notification {
  const line = renderSummaryLine(doc);
  const worst = doc.summary.missed > 0 ? "critical" : doc.summary.unknown > 0 ? "warning" : "info";
  return {
    kind: "report",
    severity: worst,
    subject: `SLA report ${line}`,
    text: renderText(doc, { links: { html: htmlLink } }),
    chat: {
      title: `SLA report: ${line}`,
      description: doc.slos
        .map(
          (s) =>
            `${s.status === "met" ? "✅" : s.status === "missed" ? "❌" : "❔"} ${s.name}: ${s.attainment === null ? "n/a" : `${(s.attainment * 100).toFixed(3)} %`} (objective ${(s.objective * 100).toFixed(2)} %)`,
        )
        .join("\n"),
      nextSteps: [`Full report: ${htmlLink}`],
    },
    attributes: { period: doc.period ?? "custom", reportKind: doc.kind },
  };
}

function breachNotification(doc: ReportDocument, b: Breach, htmlLink: string): Notification {
  const s = doc.slos.find((x) => x.name === b.slo);
  const title = `SLO ${b.kind === "missed" ? "missed" : b.kind === "budget-exhausted" ? "budget exhausted" : "burning fast"}: ${b.slo}`;
  const lines = [
    `${title} (${doc.period ?? "custom window"})`,
    `Service: ${b.service}`,
    b.detail,
    ...(s
      ? [
          `Error budget: ${s.errorBudget.consumed.toFixed(1)} of ${s.errorBudget.allowed.toFixed(1)} ${s.errorBudget.unit} used`,
          ...(s.incidents.length > 0
            ? [
                `Incidents: ${s.incidents.length}, longest ${Math.max(...s.incidents.map((i) => i.minutes))} min`,
              ]
            : []),
        ]
      : []),
    `Report: ${htmlLink}`,
  ];
  return {
    kind: "breach",
    severity: b.severity,
    subject: title,
    text: `${lines.join("\n")}\n`,
    chat: { title, description: lines.slice(1, -1).join("\n"), nextSteps: [`Report: ${htmlLink}`] },
    attributes: { slo: b.slo, service: b.service, breach: b.kind, period: doc.period ?? "custom" },
  };
}
