/**
 * A whole report run against the real Prometheus: files under the deterministic keys in a local store,
 * the index, and notifications published exactly once across retries.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../packages/core/src/config/index.js";
import { OutboxNotifier } from "../../packages/core/src/notify/index.js";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import { runReport, selectSlos } from "../../packages/core/src/report/run.js";
import { monthWindow } from "../../packages/core/src/slo/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { CountingNotifier } from "../helpers/notifiers.js";

const url = inject("prometheusUrl");
const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), "sla-run-"));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const config = await loadConfig(join(import.meta.dirname, "fixture.config.yaml"));
const window = monthWindow("2026-10", "Europe/Berlin");
const NOW = new Date("2026-11-01T06:00:00+01:00");

describe("runReport", () => {
  it("stores every format under the deterministic keys, updates the index and notifies once", async () => {
    const dir = await tmp();
    const store = new LocalObjectStore({ dir });
    const notifier = new OutboxNotifier({ dir: join(dir, "outbox") });
    const api = createPrometheusClient({ url });
    const input = {
      slos: config.slos,
      notifyConfig: config.notify,
      window,
      api,
      store,
      notifier,
      notify: true,
      sourceLabel: url,
      now: NOW,
    };
    const first = await runReport(input);
    expect(first.error).toBeUndefined();
    expect(first.keys).toEqual({
      json: "reports/monthly/2026-10/report.json",
      html: "reports/monthly/2026-10/report.html",
      md: "reports/monthly/2026-10/report.md",
      txt: "reports/monthly/2026-10/report.txt",
      csv: "reports/monthly/2026-10/report.csv",
    });
    const json = JSON.parse(await readFile(join(dir, first.keys.json), "utf8"));
    expect(json.schemaVersion).toBe(1);
    expect(json.period).toBe("2026-10");
    expect(json.slos.find((s: { name: string }) => s.name === "flaky-availability").status).toBe("missed");
    const html = await readFile(join(dir, first.keys.html), "utf8");
    expect(html).toContain('id="slo-table"');
    const index = JSON.parse(await readFile(join(dir, "reports/index.json"), "utf8"));
    expect(index.map((e: { id: string }) => e.id)).toEqual(["monthly/2026-10"]);
    expect(first.published).toContain("summary");
    expect(first.published).toContain("breach-flaky-availability-missed-critical");
    const sent = (await readdir(join(dir, "outbox"))).filter((f) => f.endsWith(".json"));
    // the summary, and the breaches together in one digest
    expect(sent).toHaveLength(1 + (first.report.breaches.length > 0 ? 1 : 0));

    // a retried invocation for the same period publishes nothing again, and rewrites the same keys
    const second = await runReport(input);
    expect(second.published).toEqual([]);
    expect(second.alreadySent.sort()).toEqual([...first.published].sort());
    expect((await readdir(join(dir, "outbox"))).filter((f) => f.endsWith(".json"))).toHaveLength(sent.length);
    expect(JSON.parse(await readFile(join(dir, "reports/index.json"), "utf8"))).toHaveLength(1);
  });

  it("withholds notifications when Prometheus is down, and publishes on the retry once it is back", async () => {
    const dir = await tmp();
    const store = new LocalObjectStore({ dir });
    const notifier = new CountingNotifier();
    const published = notifier.sent;
    const base = {
      slos: config.slos,
      notifyConfig: config.notify,
      window,
      store,
      notifier,
      notify: true,
      now: NOW,
    };
    const down = await runReport({
      ...base,
      api: createPrometheusClient({ url: "http://127.0.0.1:1", retries: 0, timeoutMs: 300 }),
      sourceLabel: "down",
    });
    expect(down.error).toMatch(/Prometheus queries failed/);
    expect(down.report.summary.met).toBe(0);
    expect(published).toEqual([]);
    const up = await runReport({ ...base, api: createPrometheusClient({ url }), sourceLabel: url });
    expect(up.error).toBeUndefined();
    expect(published.map((m) => m.kind)).toContain("report");
    const summary = published.find((m) => m.kind === "report")!;
    expect(summary.text).toContain("MISSED");
    // 80 columns, except a link too long to break
    for (const line of summary.text.split("\n"))
      if (!line.includes("://")) expect(line.length).toBeLessThanOrEqual(80);
  });

  it("a publish failure is reported and retried by the next run, never lost", async () => {
    const dir = await tmp();
    const store = new LocalObjectStore({ dir });
    const notifier = new CountingNotifier();
    notifier.failWith = new Error("SNS says no (InternalError)");
    const base = {
      slos: config.slos,
      notifyConfig: config.notify,
      window,
      store,
      notifier,
      notify: true,
      now: NOW,
      api: createPrometheusClient({ url }),
      sourceLabel: url,
    };
    const r1 = await runReport(base);
    expect(r1.error).toMatch(/publishing failed.*SNS says no/);
    notifier.failWith = undefined;
    const r2 = await runReport(base);
    expect(r2.error).toBeUndefined();
    expect(r2.published.length).toBeGreaterThan(0);
    expect(notifier.sent).toHaveLength(1 + (r2.report.breaches.length > 0 ? 1 : 0));
  });

  // The hourly budget check of a running month sees a burn escalate: checkout-success burns its budget at about
  // 1.03x on 26 October (planted in the fixture). The thresholds decide the severity of that one figure:
  // fast 100x -> warning, fast 1x -> critical.
  it("a critical fast burn goes out after a warning of the same SLO and month; a warning after it does not", async () => {
    const dir = await tmp();
    const store = new LocalObjectStore({ dir });
    const notifier = new CountingNotifier();
    const run = (fast: number) =>
      runReport({
        slos: config.slos,
        sloFilter: ["checkout-success"],
        notifyConfig: { ...config.notify, burnRate: { ...config.notify.burnRate, slow: 0.5, fast } },
        window,
        now: new Date("2026-10-26T09:30:00Z"),
        api: createPrometheusClient({ url }),
        store,
        notifier,
        notify: true,
        sourceLabel: url,
      });
    const warning = await run(100);
    expect(warning.report.partial).toBe(true);
    expect(warning.report.breaches).toEqual([
      expect.objectContaining({ slo: "checkout-success", kind: "fast-burn", severity: "warning" }),
    ]);
    expect(warning.published).toEqual(["breach-checkout-success-fast-burn-warning"]);

    const critical = await run(1);
    expect(critical.report.breaches).toEqual([expect.objectContaining({ severity: "critical" })]);
    expect(critical.published).toEqual(["breach-checkout-success-fast-burn-critical"]);
    expect(notifier.sent.map((m) => [m.kind, m.severity])).toEqual([
      ["breach", "warning"],
      ["breach", "critical"],
    ]);

    // back below the fast threshold: the warning says nothing the critical message did not
    const again = await run(100);
    expect(again.published).toEqual([]);
    expect(again.alreadySent).toEqual(["breach-checkout-success-fast-burn-warning"]);
    expect((await run(1)).published).toEqual([]);
    expect(notifier.sent).toHaveLength(2);
  });

  it("rejects an unknown SLO name before writing anything", async () => {
    const dir = await tmp();
    await expect(
      runReport({
        slos: config.slos,
        notifyConfig: config.notify,
        window,
        api: createPrometheusClient({ url }),
        store: new LocalObjectStore({ dir }),
        notifier: new OutboxNotifier({ dir: join(dir, "outbox") }),
        notify: false,
        sloFilter: ["nope"],
        sourceLabel: url,
      }),
    ).rejects.toThrow(/unknown SLO name\(s\): "nope" \(known: "/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("an unknown SLO among 10 000 names at most 10 of the known ones (the error stays short)", () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ ...config.slos[0]!, name: `slo-${i}` }));
    let message = "";
    try {
      selectSlos(many, ["nope", "slo-1"]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /^unknown SLO name\(s\): "nope" \(known: "slo-0", "slo-1", .*"slo-9", \.\.\. \(10000 in all\)\)$/,
    );
    expect(message.length).toBeLessThan(200);
  });
});
