/**
 * `fetchPlan` with an in-memory QueryApi whose answers the test releases by hand: bounds, order, failures as
 * data, skipped queries. No timers, no network.
 */
import { describe, expect, it } from "vitest";
import { fetchPlan, type QueryApi } from "./fetch.js";
import type { PlannedQuery } from "./plan.js";

/** A QueryApi whose calls wait until the test settles them; `started` lists the PromQL in call order. */
function gatedApi() {
  const started: string[] = [];
  const pending = new Map<string, { ok: (v: number) => void; fail: (e: Error) => void }>();
  let inFlight = 0;
  let maxInFlight = 0;
  const call = (promql: string) => {
    started.push(promql);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<number>((ok, fail) => pending.set(promql, { ok, fail })).finally(() => inFlight--);
  };
  const api: QueryApi = {
    instant: async (q) => ({ result: [{ metric: {}, value: await call(q) }], warnings: [] }),
    range: async (q) => ({ result: [{ metric: {}, values: [[0, await call(q)]] }], warnings: [] }),
  };
  const tick = () => new Promise((r) => setImmediate(r));
  return {
    api,
    started,
    maxInFlight: () => maxInFlight,
    /** settles every pending call (successes unless named in `failing`) and lets the scheduler run */
    async settleAll(failing: Record<string, Error> = {}) {
      for (const [q, p] of [...pending]) {
        pending.delete(q);
        if (failing[q]) p.fail(failing[q]);
        else p.ok(1);
      }
      await tick();
      await tick();
    },
  };
}

const instant = (id: string, extra: Partial<PlannedQuery> = {}): PlannedQuery =>
  ({ id, promql: id, group: id.split("/")[0]!, kind: "instant", ...extra }) as PlannedQuery;

describe("fetchPlan", () => {
  it("keeps at most `concurrency` groups in progress, in plan order, and finishes a group first", async () => {
    const g = gatedApi();
    const plan = ["a", "b", "c"].flatMap((s) => [
      instant(`${s}/1`),
      instant(`${s}/2`),
      instant(`${s}/3`, { after: [`${s}/1`, `${s}/2`] }),
    ]);
    const done = fetchPlan(plan, g.api, { concurrency: 2 });
    expect(g.started).toEqual(["a/1", "a/2", "b/1", "b/2"]);
    await g.settleAll();
    // a/3 and b/3 come before c: the open groups finish first
    expect(g.started.slice(4)).toEqual(["a/3", "b/3"]);
    await g.settleAll();
    await g.settleAll();
    await g.settleAll();
    const r = await done;
    expect(g.started.slice(6)).toEqual(["c/1", "c/2", "c/3"]);
    expect([...r.values()].every((x) => x.status === "ok")).toBe(true);
  });

  it("never has more than maxInFlight queries out", async () => {
    const g = gatedApi();
    const plan = Array.from({ length: 10 }, (_, i) => instant(`a/${i}`));
    const done = fetchPlan(plan, g.api, { maxInFlight: 3 });
    for (let i = 0; i < 6; i++) await g.settleAll();
    await done;
    expect(g.started).toHaveLength(10);
    expect(g.maxInFlight()).toBe(3);
  });

  it("a failure is a value: rejected when Prometheus refused the query; what waits for it is skipped", async () => {
    const g = gatedApi();
    const refused = Object.assign(new Error("bad_data: parse error"), { kind: "bad_data", status: 400 });
    const down = Object.assign(new Error("connection refused"), { kind: "network" });
    const plan = [
      instant("a/1"),
      instant("a/2", { after: ["a/1"] }),
      instant("b/1"),
      instant("b/2", { after: ["b/1"] }),
    ];
    const done = fetchPlan(plan, g.api);
    await g.settleAll({ "a/1": refused, "b/1": down });
    const r = await done;
    expect(r.get("a/1")).toEqual({ status: "failed", error: "bad_data: parse error", rejected: true });
    expect(r.get("b/1")).toEqual({ status: "failed", error: "connection refused", rejected: false });
    expect(r.get("a/2")).toEqual({ status: "skipped" });
    expect(r.get("b/2")).toEqual({ status: "skipped" });
    expect(g.started).toEqual(["a/1", "b/1"]);
  });

  it("onlyIf: a query runs only when the answer it looks at has more series than the bound", async () => {
    const g = gatedApi();
    const plan = [
      instant("a/1"),
      instant("a/2", { onlyIf: { in: "a/1", seriesMoreThan: 1 } }),
      instant("a/3", { onlyIf: { in: "a/1", seriesMoreThan: 0 } }),
    ];
    const done = fetchPlan(plan, g.api);
    await g.settleAll();
    await g.settleAll();
    await g.settleAll();
    const r = await done;
    expect(r.get("a/2")).toEqual({ status: "skipped" }); // one series
    expect(r.get("a/3")?.status).toBe("ok");
  });

  it("refuses a plan whose query waits for one not planned before it", async () => {
    const g = gatedApi();
    await expect(fetchPlan([instant("a/1", { after: ["a/2"] }), instant("a/2")], g.api)).rejects.toThrow(
      /a\/1 waits for a\/2/,
    );
  });
});
