import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../config/loader.js";
import { formatImportIssue, type ImportResult, parseSourceDocuments, sourceKindOf } from "./common.js";
import { importSloth } from "./sloth.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../../../test/fixtures/import/${name}`, import.meta.url), "utf8");

function run(...files: string[]): ImportResult & { lines: { warnings: string[]; errors: string[] } } {
  const docs = files.flatMap((f) => parseSourceDocuments(fixture(f), f).documents);
  const r = importSloth(docs);
  return {
    ...r,
    lines: { warnings: r.warnings.map(formatImportIssue), errors: r.errors.map(formatImportIssue) },
  };
}

describe("sla import sloth: prometheus/v1", () => {
  const r = run("sloth-plain.yaml");

  it("maps every SLO to a raw ratio SLO named <service>-<name>, labels merged, and the result validates", async () => {
    expect(r.errors).toEqual([]);
    const slos = r.config.slos as Record<string, unknown>[];
    expect(slos.map((s) => s.name)).toEqual([
      "payments-charge-availability",
      "payments-refund-latency",
      "payments-ledger-freshness",
    ]);
    expect(slos[0]).toEqual({
      name: "payments-charge-availability",
      service: "payments",
      description: "Card charges that do not fail on our side.",
      objective: 99.95,
      sli: {
        type: "ratio",
        bad: { promql: 'sum(increase(payments_charges_total{outcome=~"error|timeout"}[{{.window}}]))' },
        total: { promql: "sum(increase(payments_charges_total[{{.window}}]))" },
      },
      labels: { owner: "team-payments", tier: "1", category: "availability" },
    });
    expect((slos[1]!.sli as { bad: { promql: string } }).bad.promql).toContain(
      'sum(increase(payments_refund_duration_seconds_bucket{le="0.5"}[{{.window}}]))',
    );
    expect(slos[2]!.sli).toEqual({
      type: "ratio",
      badRatio: { promql: "1 - avg(avg_over_time(payments_ledger_fresh[{{.window}}]))" },
    });
    const config = await validateConfig(r.config);
    expect(config.slos).toHaveLength(3);
  });

  it("reports every field it does not map, by path", () => {
    for (const path of [
      "slo_plugins",
      "slos[0].alerting.name",
      "slos[0].alerting.labels",
      "slos[0].alerting.annotations",
      "slos[0].alerting.page_alert.labels",
      "slos[0].alerting.page_alert.annotations",
      "slos[0].alerting.ticket_alert.disable",
      "slos[1].plugins",
      "slos[1].alerting.page_alert.disable",
      "slos[2].alerting.name",
    ]) {
      expect(r.lines.warnings).toContainEqual(
        expect.stringMatching(
          new RegExp(`^sloth-plain\\.yaml ${path.replace(/[.[\]]/g, "\\$&")}: not mapped: `),
        ),
      );
    }
    expect(r.lines.warnings).toContainEqual(
      "sloth-plain.yaml slos[1].sli.events.error_query: rate(...[{{.window}}]) written as increase(...[{{.window}}]) (2x): the same ratio, and the error budget counts requests",
    );
    expect(r.lines.warnings).toContainEqual(
      expect.stringMatching(/^sloth-plain\.yaml slos: Sloth's SLO period is a rolling window/),
    );
  });

  it("reports a field that is not in the spec (a typo) instead of dropping it", () => {
    const text = `${fixture("sloth-plain.yaml")}\nextra_setting: 1\n`.replace(
      "objective: 99.5",
      "objective: 99.5\n    objetive: 99",
    );
    const out = importSloth(parseSourceDocuments(text, "s.yaml").documents);
    const lines = out.warnings.map(formatImportIssue);
    expect(lines).toContainEqual(
      "s.yaml extra_setting: not mapped: not part of the spec, or no counterpart in sla.config.yaml",
    );
    expect(lines).toContainEqual(
      "s.yaml slos[2].objetive: not mapped: not part of the spec, or no counterpart in sla.config.yaml",
    );
  });
});

describe("sla import sloth: Kubernetes PrometheusServiceLevel", () => {
  it("reads camelCase fields under spec, several resources per file", async () => {
    const r = run("sloth-k8s.yaml");
    expect(r.errors).toEqual([]);
    const slos = r.config.slos as Record<string, unknown>[];
    expect(slos.map((s) => [s.name, s.service, s.objective])).toEqual([
      ["search-query-errors", "search", 99.9],
      ["indexer-index-lag", "indexer", 95],
    ]);
    expect(slos[0]!.labels).toEqual({ owner: "team-search", category: "availability" });
    expect((slos[1]!.sli as { badRatio: { promql: string } }).badRatio.promql).toContain(
      "(indexer_lag_seconds > 60)[{{.window}}:1m]",
    );
    for (const w of [
      "sloth-k8s.yaml (document 1) metadata: not mapped",
      "sloth-k8s.yaml (document 1) spec.sloPlugins: not mapped",
      "sloth-k8s.yaml (document 1) spec.slos[0].plugins: not mapped",
      "sloth-k8s.yaml (document 1) spec.slos[0].alerting.ticketAlert.annotations: not mapped",
      "sloth-k8s.yaml (document 2) status: not mapped",
      "sloth-k8s.yaml (document 2) spec.slos[0].alerting.pageAlert.disable: not mapped",
    ]) {
      expect(r.lines.warnings.some((l) => l.startsWith(w))).toBe(true);
    }
    expect((await validateConfig(r.config)).slos).toHaveLength(2);
  });

  it("refuses plugins SLIs, an objective of 100 and a query without {{.window}}, by path", () => {
    const r = run("sloth-refused.yaml");
    expect(r.lines.errors).toEqual([
      "sloth-refused.yaml slos[0].sli.plugin: SLI plugins are Go code run by Sloth and cannot be mapped; write the SLI as events or raw",
      "sloth-refused.yaml slos[1].objective: 100 leaves no error budget: sla-monitor needs an objective below 100",
      "sloth-refused.yaml slos[2].sli.events.error_query: must contain the {{.window}} placeholder as a range, e.g. sum(increase(http_requests_total[{{.window}}])): the report fills in the calendar window",
    ]);
    expect(r.lines.warnings).toContainEqual(
      'sloth-refused.yaml labels.job: not mapped: the label name "job" is set by the monitor itself',
    );
  });

  it("two files defining the same SLO are an error", () => {
    const r = run("sloth-plain.yaml", "sloth-plain.yaml");
    expect(r.lines.errors[0]).toMatch(
      /^sloth-plain\.yaml slos\[0\]\.name: SLO "payments-charge-availability" is defined twice/,
    );
  });

  it("detects the spec by its version / apiVersion", () => {
    expect(sourceKindOf({ version: "prometheus/v1" })).toBe("sloth");
    expect(sourceKindOf({ apiVersion: "sloth.slok.dev/v1", kind: "PrometheusServiceLevel" })).toBe("sloth");
    expect(sourceKindOf({ apiVersion: "openslo/v1", kind: "SLO" })).toBe("openslo");
    expect(sourceKindOf({ slos: [] })).toBeUndefined();
  });
});
