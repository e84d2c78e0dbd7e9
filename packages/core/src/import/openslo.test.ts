import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../config/loader.js";
import { formatImportIssue, parseSourceDocuments } from "./common.js";
import { importOpenSlo } from "./openslo.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../../../test/fixtures/import/${name}`, import.meta.url), "utf8");

function run(text: string, source = "openslo.yaml") {
  const parsed = parseSourceDocuments(text, source);
  const r = importOpenSlo(parsed.documents);
  return {
    ...r,
    syntax: parsed.errors,
    warnings: r.warnings.map(formatImportIssue),
    errors: r.errors.map(formatImportIssue),
    slos: r.config.slos as Record<string, unknown>[],
  };
}

describe("sla import openslo", () => {
  const r = run(fixture("openslo.yaml"));

  it("maps SLOs, inline and referenced SLIs, the data source, the zone and the burn rates; the result validates", async () => {
    expect(r.errors).toEqual([]);
    expect(r.config.calendar).toEqual({ timeZone: "Europe/Berlin" });
    expect(r.config.prometheus).toEqual({ url: "http://127.0.0.1:9090" });
    expect(r.config.notify).toEqual({ burnRate: { fast: 14.4, slow: 6, ticket: 1 } });
    expect(r.slos.map((s) => [s.name, s.service, s.objective, s.windows])).toEqual([
      ["checkout-availability", "checkout", 99.9, ["monthly"]],
      ["checkout-latency-fast", "checkout", 99, ["weekly"]],
      ["checkout-latency-acceptable", "checkout", 95, ["weekly"]],
      ["search-success", "search", 99, ["monthly"]],
      ["search-p99", "search", 99, undefined],
    ]);
    // plain counter selectors (with or without sum()) become config selectors
    expect(r.slos[0]).toMatchObject({
      description: "Checkout requests that do not fail on our side.",
      labels: { team: "payments,web" },
      sli: {
        type: "ratio",
        bad: { metric: "http_requests_total", labels: { service: "checkout" }, labelsRegex: { code: "5.." } },
        total: { metric: "http_requests_total", labels: { service: "checkout" } },
      },
    });
    // {{.window}} queries stay raw PromQL, rate over the window becomes increase
    expect(r.slos[1]!.sli).toEqual({
      type: "ratio",
      good: {
        promql:
          'sum(increase(http_request_duration_seconds_bucket{service="checkout",le="0.3"}[{{.window}}]))',
      },
      total: {
        promql: 'sum(increase(http_request_duration_seconds_count{service="checkout"}[{{.window}}]))',
      },
    });
    // raw + rawType success: a stored ratio metric, averaged over the window
    expect(r.slos[3]!.sli).toEqual({
      type: "ratio",
      goodRatio: { promql: 'avg(avg_over_time(search:success:ratio{cluster!="canary"}[{{.window}}]))' },
    });
    // thresholdMetric over histogram_quantile: a quantile figure judged against value
    expect(r.slos[4]!.sli).toEqual({
      type: "quantile",
      metric: "search_duration_seconds",
      labels: { route: "/q" },
      quantiles: [0.99],
      targetSeconds: { "0.99": 0.4 },
    });
    const c = await validateConfig(r.config);
    expect(c.slos).toHaveLength(5);
    expect(c.calendar.timeZone).toBe("Europe/Berlin");
    expect(c.notify.burnRate).toEqual({ fast: 14.4, slow: 6, ticket: 1 });
  });

  it("reports what it does not map by document and path, secrets' values never", () => {
    const expected = [
      "(document 1) metadata.displayName: not mapped",
      "(document 1) spec.description: not mapped",
      "(document 1) spec.connectionDetails.bearerTokenFile: not mapped: only the URL is imported",
      '(document 2) spec.connectionDetails: not mapped: only Prometheus data sources are read (type "CloudWatch")',
      "(document 3) metadata.labels: not mapped",
      "(document 3) metadata.annotations: not mapped",
      "(document 3) spec.description: not mapped",
      "(document 4) spec.description: not mapped",
      '(document 5) metadata.labels["app.kubernetes.io/part-of"]: not mapped',
      "(document 5) metadata.labels.team: a list of values",
      "(document 5) spec.objectives[0].displayName: not mapped",
      "(document 6) spec.timeWindow[0].calendar.startTime: not mapped: weekly windows start at the calendar boundary",
      "(document 7) spec.indicator.spec.ratioMetric.raw.metricSource.spec: the stored ratio is averaged",
      "(document 7) spec.alertPolicies[0].spec.alertWhenResolved: not mapped",
      "(document 7) spec.alertPolicies[0].spec.alertWhenNoData: not mapped",
      "(document 7) spec.alertPolicies[0].spec.notificationTargets[0].spec.target: not mapped",
      "(document 7) spec.alertPolicies[0].spec.conditions[0].spec.condition.alertAfter: not mapped",
      "(document 8) spec.budgetingMethod: not mapped",
      "(document 8) spec.objectives[0].timeSliceWindow: not mapped",
      "(document 8) spec.objectives[0]: a thresholdMetric becomes a report-only quantile figure",
      "(document 9) spec.notificationTargets[0].targetRef: not mapped",
      "(document 10) spec.severity: not mapped",
      "(document 12) spec.target: not mapped",
    ];
    for (const e of expected)
      expect(
        r.warnings.some((w) => w.startsWith(`openslo.yaml ${e}`)),
        e,
      ).toBe(true);
    expect(r.warnings.join("\n")).not.toContain("/var/run/secrets");
  });

  it("refuses rolling windows, time slices, composite objectives, gauges, other sources and old versions, by path", () => {
    const x = run(fixture("openslo-refused.yaml"), "refused.yaml");
    expect(x.errors).toEqual([
      "refused.yaml (document 1) spec.timeWindow[0].isRolling: rolling windows are refused: sla-monitor reports calendar windows (1w, 1M, 1Q, 1Y in a time zone), whose figures differ from a rolling window's",
      'refused.yaml (document 2) spec.timeWindow[0].duration: calendar window "30d" has no counterpart: use 1w, 1M, 1Q or 1Y',
      "refused.yaml (document 2) spec.budgetingMethod: Timeslices is refused: sla-monitor's request SLIs count events over the whole window (Occurrences); a time-slice SLO of an endpoint is a probe SLI (sli.type: probe)",
      "refused.yaml (document 2) spec.objectives[1].indicatorRef: composite SLOs are refused: give each objective its own SLO with its own indicator",
      "refused.yaml (document 2) spec.objectives[1].compositeWeight: composite SLOs are refused: give each objective its own SLO with its own indicator",
      "refused.yaml (document 3) spec.ratioMetric.counter: counter: false (a gauge) cannot be counted over a calendar window: give counters, or PromQL with [{{.window}}]",
      "refused.yaml (document 3) spec.ratioMetric.total.metricSource.spec: a query must be a plain counter selector (metric{labels}, optionally in sum()) or PromQL with [{{.window}}] where the calendar window goes",
      'refused.yaml (document 4) spec.indicator.spec.ratioMetric.good.metricSource.type: only Prometheus metric sources can be read (type "Datadog")',
      'refused.yaml (document 4) spec.indicator.spec.ratioMetric.total.metricSource.type: only Prometheus metric sources can be read (type "Datadog")',
      'refused.yaml (document 5) apiVersion: unsupported "openslo/v1alpha": only openslo/v1 is read (convert v1alpha/v2alpha documents first)',
    ]);
  });

  it("maps calendar 1Q and 1Y to quarterly and yearly windows; the result validates", async () => {
    const text = fixture("openslo.yaml")
      .replace("duration: 1M\n      isRolling: false", "duration: 1Q\n      isRolling: false")
      .replace("duration: 1M\n      calendar:", "duration: 1Y\n      calendar:");
    const x = run(text);
    expect(x.errors).toEqual([]);
    expect(x.slos.map((s) => [s.name, s.windows])).toEqual([
      ["checkout-availability", ["quarterly"]],
      ["checkout-latency-fast", ["weekly"]],
      ["checkout-latency-acceptable", ["weekly"]],
      ["search-success", ["yearly"]],
      ["search-p99", undefined],
    ]);
    // 2026-01-01 00:00 starts a quarter: no warning about the start time
    expect(x.warnings.join("\n")).not.toContain("quarterly windows start");
    expect((await validateConfig(x.config)).slos.map((s) => s.windows)).toContainEqual(["quarterly"]);
  });

  it("says which calendar boundary a quarter or year starts at when startTime is elsewhere", () => {
    const text = fixture("openslo.yaml")
      .replace("duration: 1M\n      isRolling: false", "duration: 1Q\n      isRolling: false")
      .replace("startTime: 2026-01-01 00:00:00", "startTime: 2026-02-01 00:00:00");
    const x = run(text);
    expect(x.errors).toEqual([]);
    expect(x.warnings).toContainEqual(
      "openslo.yaml (document 5) spec.timeWindow[0].calendar.startTime: not mapped: quarterly windows start at the calendar boundary (1 Jan/Apr/Jul/Oct 00:00 in the time zone), not at 2026-02-01 00:00:00",
    );
  });

  it("refuses two time zones, two Prometheus URLs, dangling references and credentials in a URL", () => {
    const text = fixture("openslo.yaml")
      .replace(
        "startTime: 2026-01-07 12:00:00\n        timeZone: Europe/Berlin",
        "timeZone: America/New_York",
      )
      .replace("indicatorRef: checkout-errors", "indicatorRef: checkout-errorz")
      .replace(
        "name: logs\nspec:\n  type: CloudWatch\n  connectionDetails:\n    region: eu-central-1",
        "name: logs\nspec:\n  type: Prometheus\n  connectionDetails:\n    url: http://user:pw@127.0.0.2:9090",
      );
    const x = run(text);
    expect(x.errors).toEqual([
      "openslo.yaml (document 2) spec.connectionDetails.url: must not carry credentials (user:password@): use prometheus.auth with { env } or { ssm } references",
      'openslo.yaml (document 5) spec.indicatorRef: no SLI named "checkout-errorz"',
      "openslo.yaml (document 6) spec.timeWindow[0].calendar.timeZone: America/New_York differs from Europe/Berlin (openslo.yaml (document 5) spec.timeWindow[0]): one sla.config.yaml has one calendar time zone",
    ]);
    expect(x.errors.join("\n")).not.toContain("pw@");
    const y = run(
      fixture("openslo.yaml")
        .replace("region: eu-central-1", "url: http://127.0.0.2:9090")
        .replace("type: CloudWatch", "type: prometheus"),
    );
    expect(y.errors).toEqual([
      expect.stringMatching(
        /^openslo\.yaml \(document 2\) spec\.connectionDetails\.url: a second Prometheus URL/,
      ),
    ]);
  });

  it("reads a YAML list of documents and reports a field outside the spec", () => {
    const x = run(`- apiVersion: openslo/v1
  kind: Service
  metadata: { name: a }
  spec: { description: x, owner: me }
`);
    expect(x.warnings).toEqual([
      "openslo.yaml spec.description: not mapped: a service is only a name on its SLOs in sla.config.yaml",
      "openslo.yaml spec.owner: not mapped: not part of the spec, or no counterpart in sla.config.yaml",
    ]);
    const syntax = run("apiVersion: openslo/v1\nkind: [\n");
    expect(syntax.syntax[0]!.message).toMatch(/^YAML syntax error at line \d+, column \d+/);
  });
});
