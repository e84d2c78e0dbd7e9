import { createRuntime, describeOverload, loadConfig, probeDeps, runProbeCycle } from "@sla-monitor/core";
import { EXIT } from "./exit.js";
import { scrubber } from "./output.js";
import { table } from "./table.js";

export interface ProbeOpts {
  config: string;
  stage?: string;
  prometheus?: string;
  json?: boolean;
  write: boolean;
  failOnDown?: boolean;
  out?: string;
}

export async function probeCommand(o: ProbeOpts): Promise<void> {
  const config = await loadConfig(o.config, o.stage ? { stage: o.stage } : {});
  const rt = await createRuntime(config, {
    scrubber,
    outDir: o.out ?? "out",
    ...(o.prometheus ? { prometheusUrl: o.prometheus } : {}),
    consoleOutbox: !o.json,
  });
  const r = await runProbeCycle({
    ...probeDeps(config, rt, o.write),
    log: (level, msg, data) => console.error(`${level}: ${msg}${data ? ` ${JSON.stringify(data)}` : ""}`),
  });
  if (o.json) {
    for (const p of r.results) {
      console.log(
        JSON.stringify({
          target: p.target,
          success: p.success,
          status: p.status,
          cause: p.cause,
          ...(p.inconclusive ? { inconclusive: true, observedCause: p.observedCause } : {}),
          monitorStallMs: p.monitorStallMs ?? 0,
          durationMs: Math.round(p.durationMs * 10) / 10,
          phases: p.phases,
          tlsExpiry: p.tls?.earliestExpiry ?? null,
          degraded: p.degraded,
        }),
      );
    }
  } else {
    const ms = (x?: number) => (x === undefined ? "-" : x.toFixed(1));
    console.log(
      table(
        [
          "TARGET",
          "RESULT",
          "STATUS",
          "CAUSE",
          "TOTAL ms",
          "DNS",
          "CONNECT",
          "TLS",
          "TTFB",
          "TRANSFER",
          "CERT EXPIRES",
        ],
        r.results.map((p) => [
          p.target,
          p.success
            ? p.degraded === "ok"
              ? "UP"
              : `UP (${p.degraded})`
            : p.inconclusive
              ? "INCONCLUSIVE"
              : "DOWN",
          p.status === null ? "-" : String(p.status),
          p.inconclusive ? `${p.cause} (${p.observedCause})` : (p.cause ?? "-"),
          ms(p.durationMs),
          ms(p.phases.dnsMs),
          ms(p.phases.connectMs),
          ms(p.phases.tlsMs),
          ms(p.phases.firstByteMs),
          ms(p.phases.transferMs),
          p.tls ? `${p.tls.earliestExpiry.slice(0, 10)} (${Math.floor(p.tls.daysToEarliestExpiry)} d)` : "-",
        ]),
      ),
    );
    const w = r.write;
    console.log(
      "skipped" in w
        ? "remote write: skipped (--no-write)"
        : w.ok
          ? `remote write: ok (HTTP ${w.status})`
          : `remote write FAILED: ${w.error}`,
    );
    // (the run's log says it too, on stderr, also with --json)
    const overload = describeOverload(r.overload);
    if (overload) console.log(overload);
  }
  // An inconclusive probe is the monitor's own overload, not a DOWN target; but a gate must not pass on a
  // probe nobody could judge either: its own exit code (4), below a real DOWN (1).
  if (o.failOnDown) {
    if (r.results.some((p) => !p.success && !p.inconclusive)) process.exitCode = EXIT.breach;
    else if (r.results.some((p) => p.inconclusive)) process.exitCode = EXIT.inconclusive;
  }
}
