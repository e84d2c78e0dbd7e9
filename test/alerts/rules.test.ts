/**
 * The generated burn-rate rules, checked and exercised by the real promtool: `check rules` for every SLI
 * type, and `test rules` proving the fast-burn page fires a few minutes into a full outage (and the slow
 * one later), and nothing fires while the service is healthy.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ensurePrometheus } from "../../infra/local/index.js";
import { renderAlertRules } from "../../packages/core/src/alerts/rules.js";
import { loadConfig, parseConfig } from "../../packages/core/src/config/index.js";

const run = promisify(execFile);
let dir: string;
let promtool: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sla-rules-"));
  promtool = (await ensurePrometheus()).promtool;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("burn-rate alert rules", () => {
  it("pass promtool check rules for probe, ratio and latency SLIs", async () => {
    const config = await loadConfig(join(import.meta.dirname, "../report/fixture.config.yaml"));
    const file = join(dir, "fixture-rules.yml");
    await writeFile(file, renderAlertRules(config));
    const { stdout } = await run(promtool, ["check", "rules", file]);
    // 5 SLOs x (4 recording rules + 2 alerts)
    expect(stdout).toMatch(/SUCCESS: 30 rules found/);
  });

  it("page within minutes of a full outage, warn later, stay silent while healthy (promtool test rules)", async () => {
    const config = parseConfig(
      JSON.stringify({
        slos: [
          {
            name: "api-availability",
            service: "api",
            objective: 99.9,
            sli: { type: "probe", target: "api", selector: { job: "sla-monitor" } },
          },
        ],
      }),
      { format: "json" },
    );
    const rulesText = renderAlertRules(config);
    await writeFile(join(dir, "rules.yml"), rulesText);
    const alerts = Object.fromEntries(
      (parse(rulesText).groups[0].rules as { alert?: string; labels: object; annotations: object }[])
        .filter((r) => r.alert)
        .map((r) => [r.alert, { exp_labels: r.labels, exp_annotations: r.annotations }]),
    );
    const at = (eval_time: string, alertname: string, firing: string[]) => ({
      eval_time,
      alertname,
      exp_alerts: firing.includes(alertname) ? [alerts[alertname]] : [],
    });
    const tests = {
      rule_files: ["rules.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          // healthy for 2 hours, then down for 2 hours
          input_series: [{ series: 'probe_success{target="api",job="sla-monitor"}', values: "1x119 0x120" }],
          alert_rule_test: [
            at("110m", "SLOErrorBudgetBurnFast", []),
            at("110m", "SLOErrorBudgetBurnSlow", []),
            // 5 minutes into the outage: the 1 h and 5 m windows are over 14.4x, held for 2 m
            at("125m", "SLOErrorBudgetBurnFast", ["SLOErrorBudgetBurnFast"]),
            at("125m", "SLOErrorBudgetBurnSlow", []),
            // after the 15 m hold the slow burn warns too
            at("140m", "SLOErrorBudgetBurnSlow", ["SLOErrorBudgetBurnSlow"]),
          ],
        },
      ],
    };
    await writeFile(join(dir, "tests.yml"), stringify(tests));
    const r = await run(promtool, ["test", "rules", "tests.yml"], { cwd: dir }).catch((e) => e);
    expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS/);
  });
});
