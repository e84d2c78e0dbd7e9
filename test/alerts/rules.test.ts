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
    // 5 SLOs x (5 recording rules + 3 alerts)
    expect(stdout).toMatch(/SUCCESS: 40 rules found/);
  });

  it("page within minutes of a full outage, warn later, stay silent while healthy (promtool test rules)", async () => {
    const config = await parseConfig(
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
            at("110m", "SLOErrorBudgetBurnTicket", []),
          ],
        },
      ],
    };
    await writeFile(join(dir, "tests.yml"), stringify(tests));
    const r = await run(promtool, ["test", "rules", "tests.yml"], { cwd: dir }).catch((e) => e);
    expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS/);
  });

  it("open a ticket for a slow leak that never pages (promtool test rules)", async () => {
    const config = await parseConfig(
      JSON.stringify({
        slos: [
          {
            name: "checkout",
            service: "shop",
            objective: 99.9,
            sli: {
              type: "ratio",
              good: { metric: "http_requests_total", labels: { code: "200" } },
              total: { metric: "http_requests_total" },
            },
          },
        ],
      }),
      { format: "json" },
    );
    const rulesText = renderAlertRules(config);
    await writeFile(join(dir, "ticket-rules.yml"), rulesText);
    const ticket = (
      parse(rulesText).groups[0].rules as { alert?: string; labels: object; annotations: object }[]
    )
      .filter((x) => x.alert === "SLOErrorBudgetBurnTicket")
      .map((x) => ({ exp_labels: x.labels, exp_annotations: x.annotations }));
    expect(ticket).toHaveLength(1);
    const at = (eval_time: string, alertname: string, exp_alerts: object[]) => ({
      eval_time,
      alertname,
      exp_alerts,
    });
    // 1 000 requests a minute, 2 of them failing: an error ratio of 0.2 %, twice the 0.1 % budget. That is
    // far below the paging tiers (14.4x, 6x) but a month's budget would be gone in 15 days.
    const series = (code: string, perMinute: number) => ({
      series: `http_requests_total{code="${code}"}`,
      values: `0+${perMinute}x600`,
    });
    const tests = {
      rule_files: ["ticket-rules.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [series("200", 998), series("500", 2)],
          alert_rule_test: [
            at("30m", "SLOErrorBudgetBurnTicket", []), // held for an hour first
            at("90m", "SLOErrorBudgetBurnTicket", ticket),
            at("90m", "SLOErrorBudgetBurnFast", []),
            at("90m", "SLOErrorBudgetBurnSlow", []),
          ],
        },
      ],
    };
    await writeFile(join(dir, "ticket-tests.yml"), stringify(tests));
    const r = await run(promtool, ["test", "rules", "ticket-tests.yml"], { cwd: dir }).catch((e) => e);
    expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS/);
  });
});
