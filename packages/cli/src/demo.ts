/**
 * `sla demo`: the whole product on one machine, no AWS. Installs/starts a local Prometheus, backfills a
 * month of history with planted incidents (moved onto the previous calendar month), starts three demo
 * endpoints (healthy, flaky, slow), probes them for a while with remote write, then runs the previous
 * month's and the current week's reports into a local folder and the notifications into an outbox.
 * Every process it starts is stopped at the end, on error and on Ctrl-C. With `--serve` the report viewer
 * (`sla serve`) runs on 127.0.0.1 from before the reports on, so the notifications carry signed links to it,
 * and it keeps serving the portal after the demo until Ctrl-C.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join, resolve } from "node:path";
import {
  createRuntime,
  parseConfig,
  previousCompleteMonth,
  probeDeps,
  type ReportDocument,
  reportDeps,
  resolveWindow,
  runProbeCycle,
  runReport,
  type Window,
} from "@sla-monitor/core";
import {
  backfillFixture,
  ensurePrometheus,
  PLAN,
  probeTruth,
  type RunningPrometheus,
  startPrometheus,
} from "@sla-monitor/infra/local";
import { EXIT, ExitError } from "./exit.js";
import { scrubber } from "./output.js";
import { summaryTable } from "./report.js";
import { type ServedReports, serveReports } from "./serve.js";

export interface DemoOpts {
  out: string;
  quiet?: boolean;
  json?: boolean;
  probeSeconds: string;
  failOnBreach?: boolean;
  serve?: boolean;
}

const TZ = "Europe/Berlin";
/** the fixture's planted history is October 2026 in Europe/Berlin; the demo moves it onto the previous month */
const FIXTURE_MONTH_START = Date.parse("2026-10-01T00:00:00+02:00");
const PROBE_EVERY_S = 5;

interface DemoServers {
  urls: { healthy: string; flaky: string; slow: string };
  close(): Promise<void>;
}

/**
 * Three local endpoints: one healthy, one that fails its 2nd and 3rd requests of every 8 (enough for a
 * DOWN and a RECOVERED with downAfter/recoverAfter 2), one that answers in ~450 ms (latency warning).
 */
async function startDemoServers(): Promise<DemoServers> {
  let flakyCount = 0;
  const servers: Server[] = [];
  const start = (handler: (res: import("node:http").ServerResponse) => void) =>
    new Promise<string>((res) => {
      const s = createServer((_req, r) => handler(r));
      servers.push(s);
      s.listen(0, "127.0.0.1", () => {
        const a = s.address();
        res(`http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/health`);
      });
    });
  const healthy = await start((r) => r.end('{"status":"ok"}'));
  const flaky = await start((r) => {
    const n = flakyCount++ % 8;
    const failing = n === 1 || n === 2;
    r.statusCode = failing ? 503 : 200;
    r.end(failing ? "unavailable" : '{"status":"ok"}');
  });
  const slow = await start((r) => setTimeout(() => r.end('{"status":"ok"}'), 450));
  return {
    urls: { healthy, flaky, slow },
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((r) => s.close(() => r(null)));
      }
    },
  };
}

function demoConfig(prometheusUrl: string, urls: DemoServers["urls"]): string {
  return `# Written by \`sla demo\`: a real config for the demo's local endpoints and its backfilled history.
calendar: { timeZone: ${TZ} }
prometheus: { url: "${prometheusUrl}" }
notify: { downAfter: 2, recoverAfter: 2, weeklySummary: true }
targets:
  - { name: demo-healthy, url: "${urls.healthy}", timeoutMs: 2000, expect: { bodyMatches: '"ok"' } }
  - { name: demo-flaky, url: "${urls.flaky}", timeoutMs: 2000 }
  - { name: demo-slow, url: "${urls.slow}", timeoutMs: 2000, latency: { warnMs: 300, critMs: 1000 } }
slos:
  # history (backfilled): blackbox-style probe series of four services and a request counter
  - { name: api-availability, service: api, objective: 99.5, sli: { type: probe, target: api, selector: { job: sla-monitor } } }
  - name: web-availability
    service: web
    objective: 99.9
    sli: { type: probe, target: web, selector: { job: sla-monitor } }
    maintenance: [MAINTENANCE]
  - { name: flaky-availability, service: flaky, objective: 99.9, sli: { type: probe, target: flaky, selector: { job: sla-monitor } } }
  - name: checkout-success
    service: checkout
    objective: 99.9
    sli:
      type: ratio
      good: { metric: http_requests_total, labels: { service: checkout }, labelsRegex: { code: "2.." } }
      total: { metric: http_requests_total, labels: { service: checkout } }
  - name: checkout-latency
    service: checkout
    objective: 95
    sli: { type: latency, metric: http_request_duration_seconds, labels: { service: checkout }, thresholdSeconds: 0.5 }
  - name: checkout-p95
    service: checkout
    objective: 99
    sli: { type: quantile, metric: http_request_duration_seconds, labels: { service: checkout }, quantiles: [0.95, 0.99], targetSeconds: { "0.95": 0.5 } }
  # live (probed by this demo every ${PROBE_EVERY_S} s)
  - { name: demo-healthy-availability, service: demo, objective: 99.9, windows: [weekly], sli: { type: probe, target: demo-healthy, intervalSeconds: ${PROBE_EVERY_S} } }
  - { name: demo-flaky-availability, service: demo, objective: 99.5, windows: [weekly], sli: { type: probe, target: demo-flaky, intervalSeconds: ${PROBE_EVERY_S} } }
  - { name: demo-slow-availability, service: demo, objective: 99.9, windows: [weekly], sli: { type: probe, target: demo-slow, intervalSeconds: ${PROBE_EVERY_S} } }
`;
}

export async function demoCommand(o: DemoOpts): Promise<void> {
  const t0 = Date.now();
  const quiet = o.quiet || o.json;
  const say = (m: string) => {
    if (!quiet) console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}`);
  };
  const probeSeconds = Number(o.probeSeconds);
  if (!Number.isFinite(probeSeconds) || probeSeconds < 0 || probeSeconds > 3600) {
    throw new ExitError(`--probe-seconds must be 0..3600 (got ${o.probeSeconds})`, EXIT.usage);
  }
  const out = resolve(o.out);
  const cleanups: (() => Promise<void>)[] = [];
  let served: ServedReports | undefined;
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  };
  const onSignal = () => {
    say("interrupted: stopping everything the demo started...");
    void cleanup()
      .then(() => served?.viewer.close())
      .then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    say("checking for Prometheus (installs the Debian package `prometheus` when missing)...");
    let bin: Awaited<ReturnType<typeof ensurePrometheus>>;
    try {
      bin = await ensurePrometheus(say);
    } catch (e) {
      throw new ExitError(e instanceof Error ? e.message : String(e), EXIT.unavailable);
    }
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });

    const now = new Date();
    const prevMonth = previousCompleteMonth(now, TZ);
    const offsetMs = prevMonth.start.getTime() - FIXTURE_MONTH_START;
    const untilMs = now.getTime() - 2 * 3600_000; // leave the recent past to the live probes
    const blocksDir = join(out, ".prometheus-blocks");
    await backfillFixture({ bin, blocksDir, offsetMs, untilMs, log: say });
    const prom: RunningPrometheus = await startPrometheus({ bin, blocksDir, log: say });
    cleanups.push(() => prom.stop());
    cleanups.push(() => rm(blocksDir, { recursive: true, force: true }));

    const servers = await startDemoServers();
    cleanups.push(() => servers.close());
    say(
      `demo endpoints: healthy ${servers.urls.healthy}, flaky ${servers.urls.flaky}, slow ${servers.urls.slow}`,
    );

    const m = PLAN.maintenance[0]!;
    const shift = (iso: string) => new Date(Date.parse(iso) + offsetMs).toISOString();
    const configText = demoConfig(prom.url, servers.urls).replace(
      "[MAINTENANCE]",
      `[{ start: "${shift(m.start)}", end: "${shift(m.end)}", reason: "${m.reason}" }]`,
    );
    const configFile = join(out, "sla.config.yaml");
    await writeFile(configFile, configText);
    const config = await parseConfig(configText, { format: "yaml", source: configFile });
    if (o.serve) {
      served = await serveReports(out);
      say(`report viewer on ${served.viewer.url} (the notifications link to it)`);
    }
    const rt = await createRuntime(config, {
      outDir: out,
      consoleOutbox: !quiet,
      scrubber,
      ...(served ? { viewerUrl: served.viewer.url } : {}),
    });

    const cycles = Math.max(1, Math.round(probeSeconds / PROBE_EVERY_S));
    say(
      `probing ${config.targets.length} endpoints every ${PROBE_EVERY_S} s, ${cycles} times (remote write to Prometheus)...`,
    );
    for (let i = 0; i < cycles; i++) {
      const started = Date.now();
      const r = await runProbeCycle(probeDeps(config, rt));
      say(
        `  probe run ${i + 1}/${cycles}: ${r.results
          .map(
            (p) =>
              `${p.target} ${p.success ? (p.degraded === "ok" ? "up" : p.degraded) : p.inconclusive ? `inconclusive(${p.observedCause})` : `DOWN(${p.cause})`} ${Math.round(p.durationMs)} ms`,
          )
          .join(", ")}; remote write ${r.write.ok ? "ok" : "FAILED"}`,
      );
      // wait for the probe interval to close, so the report (which counts whole intervals) sees this sample
      await new Promise((res) => setTimeout(res, Math.max(0, PROBE_EVERY_S * 1000 - (Date.now() - started))));
    }

    const runFor = async (window: Window) => {
      say(`querying Prometheus for the ${window.kind} report ${window.period}...`);
      return runReport({ ...reportDeps(config, rt), window, notify: true });
    };
    // the same resolver as `sla report` and the Lambda (past or running windows only)
    const monthly = await runFor(resolveWindow({ period: prevMonth.period! }, TZ, now));
    const weekly = await runFor(resolveWindow({ current: "weekly" }, TZ, now));

    // Planted vs reported, for the history targets of the previous month.
    const checks = (["api", "web", "flaky"] as const).map((target) => {
      const plan = PLAN.probes.find((p) => p.target === target)!;
      const t = probeTruth(plan, prevMonth.start.getTime(), prevMonth.end.getTime(), { offsetMs, untilMs });
      const inMaint = target === "web" ? t.badInMaintenance : 0;
      const s = monthly.report.slos.find((x) => x.name === `${target}-availability`)!;
      return {
        slo: s.name,
        plantedDowntimeMinutes: t.bad - inMaint,
        reportedDowntimeMinutes: s.downtimeMinutes ?? null,
        plantedIncidents: t.incidents.length - (inMaint > 0 ? 1 : 0),
        reportedIncidents: s.incidents.length,
        ok:
          s.downtimeMinutes === t.bad - inMaint &&
          s.incidents.length === t.incidents.length - (inMaint > 0 ? 1 : 0),
      };
    });
    const file = (doc: ReportDocument, ext: string) => join(out, doc.location!.files[ext]!);
    const result = {
      wallSeconds: (Date.now() - t0) / 1000,
      outDir: out,
      config: configFile,
      prometheus: prom.url,
      reports: Object.fromEntries(
        [monthly, weekly].map((r) => [
          r.report.kind,
          {
            period: r.report.period,
            summary: r.report.summary,
            html: file(r.report, "html"),
            json: file(r.report, "json"),
          },
        ]),
      ),
      outbox: join(out, "outbox"),
      breachState: join(out, "state/probe-state.json"),
      portal: { file: join(out, "reports/index.html"), ...(served ? { url: served.portal } : {}) },
      plantedVsReported: checks,
    };
    if (o.json) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      for (const r of [monthly, weekly]) {
        console.log(
          `\n${r.report.kind.toUpperCase()} ${r.report.period}  (${r.report.window.start} .. ${r.report.window.end})${r.report.partial ? "  [in progress]" : ""}`,
        );
        console.log(summaryTable(r.report));
      }
      console.log("\nplanted vs reported (previous month):");
      for (const c of checks) {
        console.log(
          `  ${c.ok ? "OK  " : "DIFF"} ${c.slo}: downtime planted ${c.plantedDowntimeMinutes} min, reported ${c.reportedDowntimeMinutes} min; incidents ${c.plantedIncidents} / ${c.reportedIncidents}`,
        );
      }
      console.log(`\nreports:   ${join(out, "reports")}`);
      console.log(`outbox:    ${result.outbox} (what SNS would have received)`);
      console.log(`state:     ${result.breachState}`);
      console.log(`config:    ${configFile}`);
      console.log(`\nopen the monthly report: file://${result.reports.monthly?.html}`);
      console.log(
        `demo finished in ${result.wallSeconds.toFixed(1)} s; ${served ? "Prometheus and the endpoints it started are stopped" : "everything it started is stopped"}.`,
      );
      console.log(
        served
          ? `portal (every report, each SLO's last 12 months and weeks): ${served.portal}  (file: ${result.portal.file}); serving until Ctrl-C`
          : `portal (every report, each SLO's last 12 months and weeks): file://${result.portal.file}  (over HTTP: npx sla serve --out ${o.out})`,
      );
    }
    if (checks.some((c) => !c.ok))
      throw new ExitError("the report does not match what the demo planted", EXIT.breach);
    if (o.failOnBreach && monthly.report.summary.missed > 0) process.exitCode = EXIT.breach;
    if (served) {
      // Prometheus and the endpoints stop now; the viewer serves until Ctrl-C, then the demo ends normally
      await cleanup();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await new Promise<void>((done) => {
        process.once("SIGINT", () => done());
        process.once("SIGTERM", () => done());
      });
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
    await served?.viewer.close();
  }
}
