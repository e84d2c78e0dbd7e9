/**
 * One report run: build the document, render every format, store under deterministic keys, update the index,
 * then publish the summary, one digest of the breaches not published before, and (when Prometheus rejected
 * queries) one self-alert, each at most once. Shared by the Lambda and the CLI.
 * A damaged index is copied aside and rebuilt from the stored report documents; the run goes on.
 */
import * as z from "zod";
import { knownList, type NotifyConfig, type Slo } from "../config/schema.js";
import type { Notification, Notifier } from "../notify/index.js";
import { publishOnce, publishOnceEach, wasSent } from "../notify/index.js";
import { assertReportableWindow, toZonedIso, type Window } from "../slo/windows.js";
import { contentTypeFor, type DamagedObject, type ObjectStore, StateStore } from "../store/index.js";
import type { ReportLinks, ViewerLinks } from "../viewer/links.js";
import { PORTAL_KEY } from "../viewer/sign.js";
import type { ReportEmailer } from "./email.js";
import { buildReport, type QueryApi } from "./engine.js";
import { indexSlos, type PortalEntry, pruneHistory } from "./history.js";
import {
  INDEX_KEY,
  notificationKey,
  REPORT_FORMATS,
  type ReportFormat,
  reportId,
  reportKeys,
} from "./keys.js";
import type { Breach, ReportDocument } from "./model.js";
import {
  breachDigest,
  breachItem,
  type NotificationLinks,
  rejectedAlertName,
  rejectedQueriesAlert,
  summaryNotification,
} from "./notifications.js";
import { renderAll } from "./render/index.js";
import { renderPortal } from "./render/portal.js";

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
  /** the viewer's signed links: notifications then link the report, its JSON and the portal through it */
  links?: Pick<ViewerLinks, "forReport">;
  /** `notify.email.ses`: the summary also as an HTML email, once per report (marker `email`) */
  email?: Pick<ReportEmailer, "sendReport" | "describe">;
}

export interface RunReportResult {
  report: ReportDocument;
  keys: Record<ReportFormat, string>;
  published: string[];
  alreadySent: string[];
  /** set when the summary was withheld or a publish failed; the caller should fail the invocation so it is retried */
  error?: string;
  /**
   * set when Prometheus rejected queries (4xx: a configuration error a retry cannot fix): reported once as a
   * self-alert and the rest published; the caller logs it and does not fail the invocation
   */
  configError?: string;
  /** set when this run found the index damaged and rebuilt it from the stored reports */
  indexRebuilt?: IndexRebuild;
  /**
   * publish-once markers this run found damaged: each was copied aside and read as absent, so its message went
   * out (perhaps a second time; the message says so)
   */
  markersReset?: DamagedObject[];
  /** the signed viewer links of this report (when the viewer is configured and its secret could be read) */
  links?: Required<ReportLinks>;
  /** set when the signed links could not be made: the notifications carried the storage location instead */
  linkError?: string;
}

export interface IndexRebuild extends DamagedObject {
  /** entries in the rebuilt index, this run's report included */
  entries: number;
  /** stored `report.json` documents that could not be read (left out of the index) */
  skipped: string[];
}

/** One report in `reports/index.json`: id, window, summary, keys, and the SLO figures the portal shows. */
export type IndexEntry = PortalEntry;

export class ReportInputError extends Error {}

/** Where a damaged index is copied (bytes unchanged): `reports/corrupt-index-2026-11-01T05-00-00-000Z.json`. */
export const corruptIndexKey = (at: Date) =>
  `reports/corrupt-index-${at.toISOString().replace(/[:.]/g, "-")}.json`;

const SummarySchema = z.object({
  total: z.number(),
  met: z.number(),
  missed: z.number(),
  unknown: z.number(),
});
const WindowSchema = z.looseObject({
  start: z.string(),
  end: z.string(),
  timeZone: z.string(),
  hours: z.number(),
});
const IndexEntrySchema = z.looseObject({
  id: z.string(),
  kind: z.enum(["weekly", "monthly", "quarterly", "yearly", "custom"]),
  period: z.string().nullable(),
  window: WindowSchema,
  generatedAt: z.string(),
  summary: SummarySchema,
  keys: z.record(z.string(), z.string()),
});

/** Parses `reports/index.json`; throws SyntaxError (not JSON) or Error naming the first problems (shape). */
function parseIndex(text: string): IndexEntry[] {
  const parsed = z.array(IndexEntrySchema).safeParse(JSON.parse(text));
  if (parsed.success) return parsed.data as IndexEntry[];
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`);
  throw new Error(
    problems.slice(0, 3).join("; ") + (problems.length > 3 ? ` (+${problems.length - 3} more)` : ""),
  );
}

const ReportDocSchema = z.looseObject({
  kind: z.enum(["weekly", "monthly", "quarterly", "yearly", "custom"]),
  period: z.string().nullable(),
  window: WindowSchema,
  generatedAt: z.string(),
  summary: SummarySchema,
  partial: z.boolean().optional(),
  slos: z
    .array(
      z.looseObject({
        name: z.string(),
        service: z.string(),
        objective: z.number(),
        status: z.enum(["met", "missed", "unknown"]),
        attainment: z.number().nullable(),
        errorBudget: z.looseObject({ remaining: z.number().nullable() }),
      }),
    )
    .optional(),
});

/** The index as it follows from the stored `reports/<id>/report.json` documents. */
async function rebuildIndex(store: ObjectStore): Promise<{ entries: IndexEntry[]; skipped: string[] }> {
  const entries: IndexEntry[] = [];
  const skipped: string[] = [];
  for (const key of await store.list("reports/")) {
    const m = /^reports\/(.+)\/report\.json$/.exec(key);
    if (!m) continue;
    const id = m[1]!;
    const obj = await store.get(key);
    let doc: z.output<typeof ReportDocSchema> | undefined;
    try {
      doc = obj ? ReportDocSchema.parse(JSON.parse(new TextDecoder().decode(obj.body))) : undefined;
    } catch {
      doc = undefined;
    }
    if (!doc) {
      skipped.push(key);
      continue;
    }
    entries.push({
      id,
      kind: doc.kind,
      period: doc.period,
      window: doc.window,
      generatedAt: doc.generatedAt,
      summary: doc.summary,
      keys: Object.fromEntries(REPORT_FORMATS.map((f) => [f, `reports/${id}/report.${f}`])),
      ...(doc.partial !== undefined ? { partial: doc.partial } : {}),
      ...(doc.slos ? { slos: indexSlos({ slos: doc.slos }) } : {}),
    });
  }
  return { entries, skipped };
}

export function selectSlos(slos: Slo[], filter: string[] | undefined): Slo[] {
  if (!filter || filter.length === 0) return slos;
  const unknown = filter.filter((n) => !slos.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new ReportInputError(
      `unknown SLO name(s): ${knownList(unknown)} (known: ${knownList(slos.map((s) => s.name))})`,
    );
  }
  return slos.filter((s) => filter.includes(s.name));
}

/**
 * The SLOs a report of `window` covers: a custom window every selected SLO, a calendar window those that list
 * its kind in `windows` (default weeks and months). Quarters and years are opt-in, so a quarter or a year that
 * no selected SLO lists is refused (ReportInputError naming the period) rather than written as an empty report.
 */
export function slosForWindow(
  slos: Slo[],
  window: Pick<Window, "kind" | "period">,
  filter: string[] | undefined,
): Slo[] {
  const kind = window.kind;
  const selected = selectSlos(slos, filter).filter(
    (s) => kind === "custom" || (s.windows ?? ["weekly", "monthly"]).includes(kind),
  );
  if (selected.length === 0 && (kind === "quarterly" || kind === "yearly")) {
    throw new ReportInputError(
      `period ${JSON.stringify(window.period)}: no ${filter && filter.length > 0 ? "selected " : ""}SLO lists the ${kind} window; add "${kind}" to slos[].windows of the SLOs to report per ${kind === "quarterly" ? "quarter" : "year"}`,
    );
  }
  return selected;
}

export async function runReport(input: RunReportInput): Promise<RunReportResult> {
  // every entry point resolves its window with resolveWindow; this guard keeps any other caller honest
  try {
    assertReportableWindow(input.window, input.now ?? new Date());
  } catch (e) {
    throw new ReportInputError((e as Error).message);
  }
  const slos = slosForWindow(input.slos, input.window, input.sloFilter);
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
    partial: report.partial,
    // the figures as stored in report.json (rounded), so a rebuilt index holds exactly the same
    slos: indexSlos(JSON.parse(files["report.json"]) as Parameters<typeof indexSlos>[0]),
  };
  let skipped: string[] = [];
  const { healed, value: index } = await new StateStore<IndexEntry[]>(input.store, {
    contentType: "application/json; charset=utf-8",
    parse: parseIndex,
  }).readModifyWrite(
    INDEX_KEY,
    async (prev, damaged) => {
      let base = prev ?? [];
      if (damaged) ({ entries: base, skipped } = await rebuildIndex(input.store));
      return pruneHistory(
        [...base.filter((e) => e.id !== entry.id), entry].sort((a, b) => a.id.localeCompare(b.id)),
      );
    },
    { heal: { asideKey: () => corruptIndexKey(input.now ?? new Date()) } },
  );

  // The portal: every stored report and each SLO's last 12 months and weeks, from the index just written
  // (two runs at once may leave it one report behind until the next run; the index itself is exact).
  await input.store.put(
    PORTAL_KEY,
    renderPortal(index ?? [], { generatedAt: toZonedIso(input.now ?? new Date(), input.window.timeZone) }),
    { contentType: contentTypeFor(PORTAL_KEY) },
  );

  const result: RunReportResult = { report, keys, published: [], alreadySent: [] };
  if (healed) result.indexRebuilt = { ...healed, entries: index?.length ?? 0, skipped };
  const now = input.now ?? new Date();
  // Signed viewer links when the viewer is deployed; an unreadable link secret never holds back a message:
  // it then carries the storage location, as without a viewer.
  let notifyLinks: NotificationLinks = links.html;
  if (input.links) {
    try {
      result.links = await input.links.forReport(keys, now);
      notifyLinks = result.links;
    } catch (e) {
      result.linkError = `signed report links could not be made (${e instanceof Error ? e.message : String(e)}); the notifications carry the storage location instead`;
    }
  }
  if (!input.notify) return result;
  // Publishing under partial failure. Breaches come only from SLOs whose own figures are complete (an SLO
  // whose queries failed is unknown), so they go out whatever failed elsewhere, as ONE digest of the breaches
  // not published before. The summary waits while a failure may be transient (timeouts, 5xx): the run fails
  // and the retry completes it. A failure Prometheus repeats identically (`rejected`: 4xx, bad config) is
  // one self-alert; the summary then goes out saying it is partial, and the run does not fail (no retry loop).
  const transient = report.errors.filter((e) => !e.rejected);
  const rejected = report.errors.filter((e) => e.rejected);
  const errors: string[] = [];
  const markersReset = (resets: DamagedObject[] | undefined) => {
    if (resets?.length) result.markersReset = [...(result.markersReset ?? []), ...resets];
  };
  const once = async (name: string, msg: Notification, notifier: Notifier = input.notifier) => {
    const key = notificationKey(input.window, input.sloFilter, name);
    try {
      const r = await publishOnce(input.store, notifier, key, msg, now);
      (r.published ? result.published : result.alreadySent).push(name);
      markersReset(r.markersReset);
      if (r.markerError) {
        // published, but not recorded: a run after the claim's lease could publish it again
        errors.push(`${name}: published, but the record ${key} could not be written: ${r.markerError}`);
      }
    } catch (e) {
      errors.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  // A running period gets breach messages only; its summary comes when it is complete.
  const wantSummary =
    !report.partial &&
    (report.kind === "custom" ||
      (report.kind === "monthly" && input.notifyConfig.monthlySummary) ||
      (report.kind === "weekly" && input.notifyConfig.weeklySummary) ||
      // quarters and years run only for SLOs that list them in `windows`: their summary is always sent
      report.kind === "quarterly" ||
      report.kind === "yearly");
  if (wantSummary && transient.length === 0) {
    const note = result.indexRebuilt ? `\nNote: ${indexRebuiltText(result.indexRebuilt)}\n` : "";
    await once("summary", summaryNotification(report, notifyLinks, note));
    const email = input.email;
    if (email) {
      // the same summary as an HTML email (SES), under its own publish-once marker (which records `marker`)
      const links = typeof notifyLinks === "string" ? { html: notifyLinks } : notifyLinks;
      const marker: Notification = {
        kind: "report",
        severity: "info",
        subject: `SLA report email (${email.describe()})`,
        text: "",
        chat: { title: "", description: "" },
        attributes: {},
      };
      await once("email", marker, {
        publish: async () => ({ id: (await email.sendReport(report, links, now)).id }),
      });
    }
  }
  // A warning whose critical form (same SLO and kind) was sent in this period says nothing new: held back.
  const pending: Breach[] = [];
  for (const b of report.breaches) {
    const critical = notificationKey(
      input.window,
      input.sloFilter,
      breachItem({ ...b, severity: "critical" }),
    );
    if (b.severity === "warning" && (await wasSent(input.store, critical).catch(() => false))) {
      result.alreadySent.push(breachItem(b));
    } else pending.push(b);
  }
  if (pending.length > 0) {
    // One message for the breaches no earlier run published (each keeps its own publish-once marker).
    const byName = new Map(pending.map((b) => [breachItem(b), b]));
    const keys = new Map(
      [...byName.keys()].map((n) => [n, notificationKey(input.window, input.sloFilter, n)] as const),
    );
    try {
      const r = await publishOnceEach(
        input.store,
        input.notifier,
        keys,
        (names) =>
          breachDigest(
            report,
            names.map((n) => byName.get(n)!),
            notifyLinks,
          ),
        now,
      );
      result.published.push(...r.published);
      result.alreadySent.push(...r.alreadySent);
      markersReset(r.markersReset);
      for (const m of r.markerErrors ?? []) errors.push(`breach digest: published, but the record ${m}`);
    } catch (e) {
      errors.push(
        `${[...keys.keys()].join(", ")} (one digest): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  if (rejected.length > 0) {
    await once(
      rejectedAlertName(rejected.map((e) => e.slo)),
      rejectedQueriesAlert(report, rejected, notifyLinks),
    );
  }
  const problems: string[] = [];
  if (transient.length > 0) {
    const names = [...new Set(transient.map((e) => e.slo))];
    problems.push(
      `Prometheus queries failed for ${names.length} SLO(s) (${names.join(", ")}): ${transient[0]!.error}; ` +
        "the report was stored as it is and the breaches of the SLOs with complete figures were published; " +
        "the summary was withheld so that a retry can publish a complete one",
    );
  }
  if (errors.length > 0) problems.push(`publishing failed (will be retried): ${errors.join("; ")}`);
  if (problems.length > 0) result.error = problems.join("; ");
  if (rejected.length > 0) {
    const names = [...new Set(rejected.map((e) => e.slo))];
    result.configError =
      `Prometheus rejected the queries of ${names.length} SLO(s) (${names.join(", ")}) (configuration error, ` +
      `not retried): ${rejected[0]!.error}; reported once as a self-alert, the rest of the report was published`;
  }
  return result;
}

/** One line for logs: a damaged publish-once marker, set aside and replaced. */
export function markerResetText(d: DamagedObject): string {
  return (
    `the publish record ${d.key} was unreadable (${d.reason}) and was replaced; its message went out ` +
    `(perhaps a second time); the damaged copy is ${d.copiedTo}`
  );
}

/** One line for logs and the summary message. */
export function indexRebuiltText(r: IndexRebuild): string {
  return (
    `the report index ${r.key} was unreadable (${r.reason}) and was rebuilt from the stored reports ` +
    `(${r.entries} entr${r.entries === 1 ? "y" : "ies"}${r.skipped.length > 0 ? `, ${r.skipped.length} unreadable report(s) left out` : ""}); ` +
    `the damaged copy is ${r.copiedTo}`
  );
}
