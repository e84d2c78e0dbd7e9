/**
 * Publishing under partial failure, against the real Prometheus with the October 2026 fixture (Europe/Berlin,
 * 745 h = 44 700 min): one SLO's query is one Prometheus rejects (a lookbehind in a label regex: RE2 has none,
 * 400 bad_data; the SLO object is built directly, since the config loader refuses such a regex), the others
 * are evaluated as usual.
 *
 * Hand-computed from the plan (infra/local/fixture.ts), October in Berlin:
 * - flaky-availability, 99.9 %: 3 min down every day x 31 = 93 min of 0.001 x 44 700 = 44.7 allowed: missed,
 *   1 - 93/44.7 = -1.0805 remaining (the worse breach: 208 % of its budget used);
 * - web-availability-strict, 99.99 % (a copy of web-availability): 7 min down outside the 60-minute
 *   maintenance, of 0.0001 x (44 700 - 60) = 4.464 allowed: missed, 1 - 7/4.464 = -0.568 remaining (157 %).
 * Both breaches go out once, in one digest, flaky first; the summary goes out saying it is partial; the
 * rejected query is one self-alert; the run does not fail (no retry loop), and a second run publishes nothing.
 */
import { afterAll, describe, expect, inject, it } from "vitest";
import type { Slo } from "../../packages/core/src/config/schema.js";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import type { QueryApi } from "../../packages/core/src/report/engine.js";
import { breachItem } from "../../packages/core/src/report/notifications.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { closedPort } from "../prometheus/local-servers.js";
import { CountingNotifier, fixtureConfig, markerKeys, NOW, OCTOBER, TempDirs } from "./helpers.js";

const promUrl = inject("prometheusUrl");
const dirs = new TempDirs();
afterAll(async () => {
  await dirs.cleanup();
});

const byName = (n: string) => fixtureConfig.slos.find((s) => s.name === n)!;
const checkout = byName("checkout-success");
const ratio = checkout.sli as Extract<Slo["sli"], { type: "ratio" }>;
/** Built directly: the config loader would refuse the lookbehind (labelsRegex is checked as RE2). */
const BAD: Slo = {
  ...checkout,
  name: "checkout-bad-regex",
  sli: { ...ratio, good: { ...ratio.good!, labelsRegex: { code: "(?<=x)2.." } } },
};
const STRICT: Slo = { ...byName("web-availability"), name: "web-availability-strict", objective: 0.9999 };
const SLOS = [...fixtureConfig.slos, STRICT, BAD];
const BREACHES = [
  "breach-flaky-availability-missed-critical",
  "breach-web-availability-strict-missed-critical",
];

function setup(store: LocalObjectStore, notifier: CountingNotifier, api: QueryApi) {
  return {
    slos: SLOS,
    notifyConfig: fixtureConfig.notify,
    window: OCTOBER,
    now: NOW,
    api,
    store,
    notifier,
    notify: true,
    sourceLabel: promUrl,
  };
}

describe("one SLO's queries rejected by Prometheus, others genuinely missed", () => {
  it("publishes the breaches once as one digest, a partial summary and one self-alert; the run does not fail", async () => {
    const store = new LocalObjectStore({ dir: await dirs.make() });
    const notifier = new CountingNotifier();
    const input = setup(store, notifier, createPrometheusClient({ url: promUrl }));
    const r1 = await runReport(input);

    // the figures: the rejected SLO unknown (its error marked rejected), the two misses as planted
    const slo = (n: string) => r1.report.slos.find((s) => s.name === n)!;
    expect(slo("checkout-bad-regex").status).toBe("unknown");
    expect(slo("checkout-bad-regex").reason).toMatch(
      /^query failed: .*\(bad_data, HTTP 400.*unsupported Perl syntax/,
    );
    expect(r1.report.errors).toEqual([
      expect.objectContaining({ slo: "checkout-bad-regex", part: "figures", rejected: true }),
    ]);
    expect(slo("flaky-availability")).toMatchObject({ status: "missed", downtimeMinutes: 93 });
    expect(slo("flaky-availability").errorBudget.allowed).toBeCloseTo(44.7, 9);
    expect(slo("flaky-availability").errorBudget.remaining).toBeCloseTo(1 - 93 / 44.7, 9);
    expect(slo("web-availability-strict")).toMatchObject({ status: "missed", downtimeMinutes: 7 });
    expect(slo("web-availability-strict").errorBudget.allowed).toBeCloseTo(4.464, 9);
    expect(slo("web-availability-strict").errorBudget.remaining).toBeCloseTo(1 - 7 / 4.464, 9);
    expect(r1.report.breaches.map(breachItem).sort()).toEqual(BREACHES);

    // a repeating failure: reported, not thrown (the Lambda fails only on r.error)
    expect(r1.error).toBeUndefined();
    expect(r1.configError).toMatch(
      /^Prometheus rejected the queries of 1 SLO\(s\) \(checkout-bad-regex\) \(configuration error, not retried\): /,
    );
    expect([...r1.published].sort()).toEqual([
      ...BREACHES,
      expect.stringMatching(/^config-error-[0-9a-f]{12}$/),
      "summary",
    ]);
    expect(notifier.sent.map((m) => m.kind)).toEqual(["report", "breach", "alert"]);
    const [summary, digest, alert] = notifier.sent as [
      (typeof notifier.sent)[number],
      (typeof notifier.sent)[number],
      (typeof notifier.sent)[number],
    ];

    // the summary says it is partial, and why
    expect(summary.subject).toMatch(/\(partial\)$/);
    const summaryText = summary.text.replace(/\s+/g, " ");
    expect(summaryText).toContain(
      "Partial: 1 SLO unknown because Prometheus rejected the queries of checkout-bad-regex (a configuration error that repeats on every run",
    );
    expect(summary.chat.description).toMatch(/^Partial: 1 SLO unknown because/);

    // one digest, worst first: flaky (208 % of its budget used) before web-availability-strict (157 %)
    expect(digest.subject).toBe("2 SLO breaches (2026-10), worst: flaky-availability missed");
    const order = [...digest.text.matchAll(/^ *\d+\. CRITICAL +(\S+) \(/gm)].map((m) => m[1]);
    expect(order).toEqual(["flaky-availability", "web-availability-strict"]);
    expect(digest.text).toContain("Error budget: 1 h 33 min used of 44.7 min allowed");
    expect(digest.text).toContain("Error budget: 7 min used of 4.5 min allowed");
    expect(digest.attributeLists?.slo).toEqual(["flaky-availability", "web-availability-strict"]);

    // the self-alert names the SLO and Prometheus's answer
    expect(alert.severity).toBe("critical");
    expect(alert.subject).toBe(
      "sla-monitor configuration error: Prometheus rejected the queries of 1 SLO (2026-10)",
    );
    expect(alert.text.replace(/\s+/g, " ")).toMatch(/checkout-bad-regex .*bad_data, HTTP 400/);
    expect(alert.attributes.slo).toBe("checkout-bad-regex");

    // the second run (a retry, or the next invocation for the period) publishes nothing new
    const r2 = await runReport(input);
    expect(r2.error).toBeUndefined();
    expect(r2.configError).toBe(r1.configError);
    expect(r2.published).toEqual([]);
    expect([...r2.alreadySent].sort()).toEqual([...r1.published].sort());
    expect(notifier.sent).toHaveLength(3);
    // summary, config-error-<hash>, one per breach
    expect(await markerKeys(store)).toHaveLength(4);
  });

  it("with a transient failure too: breaches and the self-alert at once, the summary on the retry, nothing twice", async () => {
    const store = new LocalObjectStore({ dir: await dirs.make() });
    const notifier = new CountingNotifier();
    const healthy = createPrometheusClient({ url: promUrl });
    // api-availability's queries find Prometheus unreachable in the first run (a network error: transient)
    const down = createPrometheusClient({ url: `http://127.0.0.1:${await closedPort()}`, retries: 0 });
    const isApi = (q: string) => q.includes('target="api"');
    const flaky: QueryApi = {
      instant: (q, t) => (isApi(q) ? down : healthy).instant(q, t),
      range: (q, s, e, step) => (isApi(q) ? down : healthy).range(q, s, e, step),
    };
    const r1 = await runReport(setup(store, notifier, flaky));
    expect(r1.report.errors.filter((e) => !e.rejected).map((e) => e.slo)).toContain("api-availability");
    // transient: the run fails so that the Lambda retries; the summary waits
    expect(r1.error).toMatch(
      /^Prometheus queries failed for 1 SLO\(s\) \(api-availability\): .*the summary was withheld so that a retry can publish a complete one$/,
    );
    expect(r1.configError).toBeDefined();
    expect(notifier.sent.map((m) => m.kind)).toEqual(["breach", "alert"]);
    expect(r1.published.filter((n) => n.startsWith("breach-")).sort()).toEqual(BREACHES);
    expect(r1.published).not.toContain("summary");

    // the retry, Prometheus reachable again: only the summary (still partial: the rejected SLO)
    const r2 = await runReport(setup(store, notifier, healthy));
    expect(r2.error).toBeUndefined();
    expect(r2.published).toEqual(["summary"]);
    expect([...r2.alreadySent].sort()).toEqual([...r1.published].sort());
    expect(notifier.sent.map((m) => m.kind)).toEqual(["breach", "alert", "report"]);
    expect(notifier.sent[2]!.text.replace(/\s+/g, " ")).toContain(
      "Partial: 1 SLO unknown because Prometheus rejected the queries of checkout-bad-regex",
    );
    expect(notifier.sent[2]!.text).not.toContain("did not answer");
  });
});
