/**
 * `sla import openslo|sloth` and `sla validate` on spec files, as users run them (the bin `npm ci` links),
 * and `sla validate --prometheus` letting the real Prometheus of the integration setup parse raw PromQL.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { ensurePrometheus } from "../../infra/local/index.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SLA_BIN = join(ROOT, "node_modules/.bin/sla");
const FIXTURES = "test/fixtures/import";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sla-import-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sla(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(SLA_BIN, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

describe("sla import sloth", () => {
  it("writes a config that sla validate accepts, listing every field not mapped on stderr and in the file", async () => {
    const out = join(dir, "from-sloth.yaml");
    const r = await sla([
      "import",
      "sloth",
      `${FIXTURES}/sloth-plain.yaml`,
      `${FIXTURES}/sloth-k8s.yaml`,
      "--out",
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "warning: test/fixtures/import/sloth-plain.yaml slos[0].alerting.page_alert.labels: not mapped:",
    );
    expect(r.stderr).toContain(
      "warning: test/fixtures/import/sloth-k8s.yaml (document 2) status: not mapped:",
    );
    expect(r.stderr).toMatch(/from-sloth\.yaml: 5 SLOs from Sloth, 32 field\(s\) not mapped/);
    const text = await readFile(out, "utf8");
    expect(text).toMatch(/^# Imported from Sloth: test\/fixtures\/import\/sloth-plain\.yaml, /);
    expect(text).toContain("#   test/fixtures/import/sloth-plain.yaml slo_plugins: not mapped:");
    const config = parse(text) as { slos: { name: string; sli: Record<string, unknown> }[] };
    expect(config.slos.map((s) => s.name)).toEqual([
      "payments-charge-availability",
      "payments-refund-latency",
      "payments-ledger-freshness",
      "search-query-errors",
      "indexer-index-lag",
    ]);
    const v = await sla(["validate", out]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain("from-sloth.yaml: valid (0 targets, 5 SLOs, time zone UTC)");
    // the burn-rate rules of the imported (raw PromQL) SLOs pass the real promtool
    const rules = await sla(["rules", "-c", out]);
    expect(rules.code, rules.stderr).toBe(0);
    const rulesFile = join(dir, "rules.yml");
    await writeFile(rulesFile, rules.stdout);
    const { promtool } = await ensurePrometheus();
    const checked = await new Promise<string>((res, rej) =>
      execFile(promtool, ["check", "rules", rulesFile], (err, stdout) => (err ? rej(err) : res(stdout))),
    );
    expect(checked).toContain("SUCCESS: 40 rules found");
    expect(rules.stdout).toContain(
      'expr: (sum(increase(payments_charges_total{outcome=~"error|timeout"}[5m]))) / (sum(increase(payments_charges_total[5m])))',
    );
    // an existing file is not replaced without --force
    const again = await sla(["import", "sloth", `${FIXTURES}/sloth-plain.yaml`, "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("from-sloth.yaml exists; pass --force to replace it");
    expect(
      (await sla(["import", "sloth", `${FIXTURES}/sloth-plain.yaml`, "--out", out, "--force"])).code,
    ).toBe(0);
  });

  it("refuses what cannot be mapped: exit 2, each field by path, nothing printed or written", async () => {
    const out = join(dir, "refused.yaml");
    const r = await sla(["import", "sloth", `${FIXTURES}/sloth-refused.yaml`, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("test/fixtures/import/sloth-refused.yaml: 3 fields cannot be imported");
    expect(r.stderr).toContain(
      "test/fixtures/import/sloth-refused.yaml slos[0].sli.plugin: SLI plugins are Go code",
    );
    expect(r.stderr).toContain(
      "test/fixtures/import/sloth-refused.yaml slos[1].objective: 100 leaves no error budget",
    );
    expect(r.stdout).toBe("");
    await expect(readFile(out)).rejects.toThrow();
  });

  it("names the right command for a file of the other spec", async () => {
    const r = await sla(["import", "sloth", `${FIXTURES}/openslo.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("openslo.yaml: this is a OpenSLO v1 file; use sla import openslo");
  });
});

describe("sla import openslo", () => {
  it("prints the config: selectors, raw PromQL, zone, Prometheus URL and burn rates", async () => {
    const r = await sla(["import", "openslo", `${FIXTURES}/openslo.yaml`]);
    expect(r.code, r.stderr).toBe(0);
    const config = parse(r.stdout) as Record<string, unknown> & { slos: { name: string }[] };
    expect(config.calendar).toEqual({ timeZone: "Europe/Berlin" });
    expect(config.prometheus).toEqual({ url: "http://127.0.0.1:9090" });
    expect(config.notify).toEqual({ burnRate: { fast: 14.4, slow: 6, ticket: 1 } });
    expect(config.slos.map((s) => s.name)).toEqual([
      "checkout-availability",
      "checkout-latency-fast",
      "checkout-latency-acceptable",
      "search-success",
      "search-p99",
    ]);
    expect(r.stderr).toContain(
      "warning: test/fixtures/import/openslo.yaml (document 6) spec.timeWindow[0].calendar.startTime: not mapped:",
    );
    expect(r.stderr).not.toContain("/var/run/secrets");
  });
});

describe("sla validate on spec files", () => {
  it("accepts an OpenSLO file directly and says how much was not mapped", async () => {
    const r = await sla(["validate", `${FIXTURES}/openslo.yaml`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "test/fixtures/import/openslo.yaml: valid OpenSLO v1 (5 SLOs as sla.config.yaml, 39 field(s) not mapped)",
    );
    expect(r.stderr).toContain(
      "warning: test/fixtures/import/openslo.yaml (document 1) spec.connectionDetails.bearerTokenFile: not mapped",
    );
  });

  it("accepts Sloth files (through -c as well) and refuses refused fields with exit 2", async () => {
    const ok = await sla(["validate", "-c", `${FIXTURES}/sloth-k8s.yaml`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(
      "sloth-k8s.yaml: valid Sloth (2 SLOs as sla.config.yaml, 17 field(s) not mapped)",
    );
    const bad = await sla(["validate", `${FIXTURES}/openslo-refused.yaml`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "test/fixtures/import/openslo-refused.yaml (document 1) spec.timeWindow[0].isRolling: rolling windows are refused",
    );
  });
});

describe("sla validate --prometheus: Prometheus parses each raw expression", () => {
  const prometheus = inject("prometheusUrl");
  const config = (bad: string) => `slos:
  - name: checkout-errors
    service: checkout
    objective: 99.9
    sli:
      type: ratio
      bad: { promql: '${bad}' }
      total: { promql: 'sum(increase(http_requests_total{service="checkout"}[{{.window}}]))' }
  - name: ledger
    service: ledger
    objective: 99
    sli: { type: ratio, goodRatio: { promql: 'avg(avg_over_time(up[{{.window}}]))' } }
`;

  it("passes expressions Prometheus accepts", async () => {
    const file = join(dir, "raw-ok.yaml");
    await writeFile(
      file,
      config('sum(increase(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))'),
    );
    const r = await sla(["validate", file, "--prometheus", prometheus]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`raw-ok.yaml: Prometheus at ${prometheus} parsed every raw PromQL expression`);
  });

  it.each([
    ["an unknown function", "sum(increse(http_requests_total[{{.window}}]))", /unknown function/],
    ["a parse error", "sum(increase(http_requests_total[{{.window}}])) + * 2", /parse error/],
  ])("refuses %s: exit 2, the path named, Prometheus's message", async (_, bad, message) => {
    const file = join(dir, "raw-bad.yaml");
    await writeFile(file, config(bad));
    const offline = await sla(["validate", file]);
    expect(offline.code, offline.stderr).toBe(0); // the offline checks cannot see it
    const r = await sla(["validate", file, "--prometheus", prometheus]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /raw-bad\.yaml: 1 problem\n {2}slos\[0\]\.sli\.bad\.promql: Prometheus refused it: /,
    );
    expect(r.stderr).toMatch(message);
  });
});
