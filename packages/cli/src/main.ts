import { ConfigError, loadConfig, renderAlertRules } from "@sla-monitor/core";
/**
 * `sla`: the same engines as the Lambdas, from a terminal.
 * Exit codes: 0 ok; 1 an SLO missed (with --fail-on-breach) or a probe failed (probe --fail-on-down);
 * 2 usage or config error; 3 data source (Prometheus) unavailable; 4 probe --fail-on-down with no DOWN but
 * some probe inconclusive (the monitor itself overloaded).
 */
import { Argument, Command, CommanderError, Option } from "commander";
import { dashboardsCommand } from "./dashboards.js";
import { demoCommand } from "./demo.js";
import { EXIT, ExitError } from "./exit.js";
import { guardOutput } from "./output.js";
import { probeCommand } from "./probe.js";
import { reportCommand } from "./report.js";
import { serveCommand } from "./serve.js";
import { importCommand, validateCommand } from "./sources.js";

// every byte the CLI prints passes the scrubber (DESIGN §9)
guardOutput();

const program = new Command()
  .name("sla")
  .description("sla-monitor: probe endpoints, compute calendar SLOs from Prometheus, write SLA reports")
  .exitOverride()
  .showHelpAfterError();

const configOption = () =>
  new Option("-c, --config <file>", "config file (YAML or JSON)")
    .default("sla.config.yaml")
    .env("SLA_CONFIG");
const stageOption = () => new Option("--stage <stage>", "apply this stage's overrides").env("SLA_STAGE");

program
  .command("validate")
  .description(
    "validate a config file (or Sloth / OpenSLO files, detected by apiVersion / version) and print what it defines",
  )
  .argument("[files...]", "files to validate (default: --config)")
  .addOption(configOption())
  .addOption(stageOption())
  .option("--prometheus <url>", "also let this Prometheus parse every raw PromQL expression")
  .action(validateCommand);

program
  .command("import")
  .description("write sla.config.yaml from Sloth or OpenSLO spec files; fields not mapped are listed by path")
  .addArgument(new Argument("<spec>", "the spec the files are written in").choices(["openslo", "sloth"]))
  .argument("<files...>", "spec files (YAML, several documents per file allowed)")
  .option("-o, --out <file>", "write the config to this file instead of printing it")
  .option("--force", "replace --out if it exists")
  .action(importCommand);

program
  .command("probe")
  .description("probe every target once and print the results")
  .addOption(configOption())
  .addOption(stageOption())
  .option("--prometheus <url>", "Prometheus base URL for remote write (default: from config)")
  .option("--json", "one JSON object per target, for scripts")
  .option("--no-write", "do not remote-write the results")
  .option("--fail-on-down", "exit 1 when a probe fails")
  .option("-o, --out <dir>", "folder for breach state and the outbox", "out")
  .action(probeCommand);

program
  .command("report")
  .description("compute an SLA report for a period and write it to a folder (same layout as S3)")
  .addOption(configOption())
  .addOption(stageOption())
  .option("--prometheus <url>", "Prometheus base URL (default: from config)")
  .option(
    "--period <period>",
    'calendar period: "2026-10" (month), "2026-W43" (ISO week), "2026-Q4" (quarter) or "2026" (year)',
  )
  .option("--from <time>", "custom window start (ISO date/time; local time in the config's zone)")
  .option("--to <time>", "custom window end, exclusive")
  .addOption(
    new Option("--previous <kind>", "the previous complete week, month, quarter or year").choices([
      "weekly",
      "monthly",
      "quarterly",
      "yearly",
    ]),
  )
  .option("--slo <name...>", "only these SLOs")
  .option("-o, --out <dir>", "output folder", "out")
  .addOption(
    new Option("--format <format>", "what to print")
      .choices(["table", "json", "md", "txt", "csv"])
      .default("table"),
  )
  .option("--notify", "publish the summary/breaches to the outbox (or SNS with SLA_TOPIC_ARN)")
  .addOption(
    new Option(
      "--viewer-url <url>",
      "report viewer (e.g. `sla serve`): notifications carry signed links to it",
    ).env("SLA_VIEWER_URL"),
  )
  .option("--fail-on-breach", "exit 1 when an SLO is missed")
  .action(reportCommand);

program
  .command("rules")
  .description("print Prometheus recording and alerting rules for multi-window burn-rate SLO alerts")
  .addOption(configOption())
  .addOption(stageOption())
  .action(async (o: { config: string; stage?: string }) => {
    const c = await loadConfig(o.config, o.stage ? { stage: o.stage } : {});
    process.stdout.write(renderAlertRules(c));
  });

program
  .command("dashboards")
  .description(
    "write Grafana dashboards (an overview and one per SLO) and the provisioning file that loads them",
  )
  .addOption(configOption())
  .addOption(stageOption())
  .option("-o, --out <dir>", "output folder", "dashboards")
  .option(
    "--grafana-path <dir>",
    "where Grafana reads the JSON files, written into dashboards.yaml (default: the --out folder)",
  )
  .action(dashboardsCommand);

program
  .command("serve")
  .description("serve a report folder's portal and reports on 127.0.0.1 (the viewer the stack deploys)")
  .option("-o, --out <dir>", "the folder `sla report` / `sla demo` wrote", "out")
  .option("--port <n>", "port (0: a free one)", "0")
  .option("--signed", "only signed links open (as deployed); prints a signed portal link")
  .option("--days <n>", "with --signed: the portal link's lifetime in days", "90")
  .action(serveCommand);

program
  .command("demo")
  .description("the whole product on this machine: local Prometheus, demo endpoints, probes, reports")
  .option("-o, --out <dir>", "output folder", "demo-out")
  .option("--quiet", "print only the result")
  .option("--json", "machine-readable output (one JSON document at the end)")
  .option("--probe-seconds <n>", "how long to probe the demo endpoints", "30")
  .option("--fail-on-breach", "exit 1 when an SLO is missed")
  .option("--serve", "then serve the portal and reports on 127.0.0.1 until Ctrl-C (notifications link to it)")
  .action(demoCommand);

export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof ConfigError) {
      console.error(e.message);
      return EXIT.usage;
    }
    if (e instanceof ExitError) {
      console.error(e.message);
      return e.code;
    }
    // not the user's input and not Prometheus: the store, the outbox, a bug; its own code, so a script can
    // tell "fix the config" (2) and "Prometheus is down" (3) from "the run itself failed"
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    return EXIT.failed;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
