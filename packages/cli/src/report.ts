import {
  type CalendarKind,
  createRuntime,
  formatMinutes,
  loadConfig,
  markerResetText,
  type ReportDocument,
  ReportInputError,
  renderCsv,
  renderJson,
  renderMarkdown,
  renderText,
  reportDeps,
  resolveWindow,
  runReport,
  type SlaConfig,
  type Window,
} from "@sla-monitor/core";
import { EXIT, ExitError } from "./exit.js";
import { scrubber } from "./output.js";
import { table } from "./table.js";

export interface ReportOpts {
  config: string;
  stage?: string;
  prometheus?: string;
  period?: string;
  from?: string;
  to?: string;
  previous?: CalendarKind;
  slo?: string[];
  out: string;
  format: "table" | "json" | "md" | "txt" | "csv";
  notify?: boolean;
  failOnBreach?: boolean;
  viewerUrl?: string;
}

export function windowFromOptions(
  o: Pick<ReportOpts, "period" | "from" | "to" | "previous">,
  config: SlaConfig,
  now = new Date(),
): Window {
  const tz = config.calendar.timeZone;
  const given = [o.period, o.from ?? o.to, o.previous].filter((x) => x !== undefined).length;
  if (given !== 1) throw new ExitError("give exactly one of --period, --from/--to, --previous", EXIT.usage);
  if (o.period === undefined && o.previous === undefined && (!o.from || !o.to))
    throw new ExitError("--from and --to go together", EXIT.usage);
  try {
    // the one resolver the Lambda and the demo use too: refuses future, pre-2000 and empty windows
    return resolveWindow(
      o.period !== undefined
        ? { period: o.period }
        : o.previous !== undefined
          ? { previous: o.previous }
          : { from: o.from!, to: o.to! },
      tz,
      now,
    );
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(e instanceof Error ? e.message : String(e), EXIT.usage);
  }
}

const pct = (x: number | null, d = 3) => (x === null ? "n/a" : `${(x * 100).toFixed(d)} %`);

export function summaryTable(doc: ReportDocument): string {
  const rows = doc.slos.map((s) => [
    s.name,
    s.status.toUpperCase(),
    pct(s.attainment),
    pct(s.objective, 2),
    s.errorBudget.remaining === null ? "n/a" : `${(s.errorBudget.remaining * 100).toFixed(1)} %`,
    s.downtimeMinutes === undefined ? "-" : formatMinutes(s.downtimeMinutes),
    s.coverage === null ? "n/a" : `${(s.coverage * 100).toFixed(1)} %`,
    String(s.incidents.length),
  ]);
  return table(
    ["SLO", "STATUS", "ATTAINMENT", "OBJECTIVE", "BUDGET LEFT", "DOWNTIME", "COVERAGE", "INCIDENTS"],
    rows,
  );
}

export async function reportCommand(o: ReportOpts): Promise<void> {
  const config = await loadConfig(o.config, o.stage ? { stage: o.stage } : {});
  const window = windowFromOptions(o, config);
  const rt = await createRuntime(config, {
    scrubber,
    outDir: o.out,
    ...(o.prometheus ? { prometheusUrl: o.prometheus } : {}),
    ...(o.viewerUrl ? { viewerUrl: o.viewerUrl } : {}),
    consoleOutbox: o.format === "table",
  });
  let result: Awaited<ReturnType<typeof runReport>>;
  try {
    result = await runReport({
      ...reportDeps(config, rt),
      window,
      notify: o.notify ?? false,
      ...(o.slo ? { sloFilter: o.slo } : {}),
    });
  } catch (e) {
    if (e instanceof ReportInputError) throw new ExitError(e.message, EXIT.usage);
    throw e;
  }
  const doc = result.report;
  const printers = { json: renderJson, md: renderMarkdown, txt: renderText, csv: renderCsv } as const;
  if (o.format === "table") {
    console.log(
      `${doc.kind} report ${doc.period ?? ""} ${doc.window.start} .. ${doc.window.end} (${doc.window.timeZone})`,
    );
    console.log(summaryTable(doc));
    console.log(`\nfiles in ${rt.store.describe()}:`);
    for (const k of Object.values(result.keys)) console.log(`  ${k}`);
    if (result.links)
      console.log(`signed links: ${result.links.html}\n  all reports: ${result.links.portal}`);
    if (result.published.length) console.log(`published: ${result.published.join(", ")}`);
    if (result.alreadySent.length)
      console.log(`already sent before (not repeated): ${result.alreadySent.join(", ")}`);
  } else {
    process.stdout.write(printers[o.format](doc));
  }
  if (result.error) console.error(result.error);
  if (result.configError) console.error(result.configError);
  if (result.linkError) console.error(`warning: ${result.linkError}`);
  const rebuilt = result.indexRebuilt;
  if (rebuilt) {
    console.error(
      `warning: ${rebuilt.key} was unreadable (${rebuilt.reason}); rebuilt from the stored reports, the damaged copy is ${rebuilt.copiedTo}`,
    );
  }
  for (const d of result.markersReset ?? []) console.error(`warning: ${markerResetText(d)}`);
  const rejected = doc.errors.find((e) => e.rejected);
  if (rejected) {
    // Prometheus refused a query (4xx, e.g. bad_data): asking again fails the same way; fix the config.
    throw new ExitError(
      `Prometheus at ${rt.sourceLabel} rejected a query of SLO ${rejected.slo} (configuration error): ${rejected.error}`,
      EXIT.usage,
    );
  }
  if (doc.errors.length > 0) {
    throw new ExitError(
      `Prometheus at ${rt.sourceLabel} did not answer for ${doc.errors.length} quer${doc.errors.length === 1 ? "y" : "ies"}: ${doc.errors[0]!.error}`,
      EXIT.unavailable,
    );
  }
  if (o.failOnBreach && doc.summary.missed > 0) process.exitCode = EXIT.breach;
}
