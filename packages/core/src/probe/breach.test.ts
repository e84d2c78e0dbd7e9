import { describe, expect, it } from "vitest";
import {
  applyOutcomes,
  type BreachState,
  claimStale,
  type ProbeOutcome,
  parseBreachState,
  settle,
} from "./breach.js";

const policy = { downAfter: 3, recoverAfter: 2, tlsWarnDays: 14 };
const ok = (target = "api", extra: Partial<ProbeOutcome> = {}): ProbeOutcome => ({
  target,
  success: true,
  degraded: "ok",
  cause: null,
  durationMs: 50,
  status: 200,
  ...extra,
});
const fail = (target = "api"): ProbeOutcome => ({
  ...ok(target),
  success: false,
  cause: "timeout:headers",
  status: null,
});

/** Runs a sequence of per-minute outcomes and collects every event type. */
function run(seq: ProbeOutcome[][], start = Date.parse("2026-11-01T00:00:00Z")) {
  let state: BreachState | null = null;
  const types: string[] = [];
  seq.forEach((outs, i) => {
    const r = applyOutcomes(state, outs, policy, {
      now: new Date(start + i * 60_000),
      runId: `r${i}`,
      leaseMs: 60_000,
    });
    state = settle(
      r.state,
      r.events.map((e) => e.id),
      [],
    );
    types.push(...r.events.map((e) => e.type));
  });
  return { state: state!, types };
}

describe("breach state machine", () => {
  it("goes DOWN after N consecutive failures, once, and RECOVERED after M successes, once", () => {
    const { types, state } = run([
      [ok()],
      [fail()],
      [fail()],
      [fail()],
      [fail()],
      [fail()],
      [ok()],
      [ok()],
      [ok()],
    ]);
    expect(types).toEqual(["down", "recovered"]);
    expect(state.targets.api!.health).toBe("up");
    expect(state.pending).toEqual([]);
  });

  it("does not alert on failures interrupted by a success (flapping below the threshold)", () => {
    const seq = Array.from({ length: 30 }, (_, i) => [i % 3 === 2 ? ok() : fail()]);
    expect(run(seq).types).toEqual([]);
  });

  it("reports how long the outage lasted on recovery", () => {
    const r1 = applyOutcomes(null, [fail()], policy, {
      now: new Date("2026-11-01T00:00:00Z"),
      runId: "a",
      leaseMs: 1,
    });
    const r2 = applyOutcomes(r1.state, [fail()], policy, {
      now: new Date("2026-11-01T00:01:00Z"),
      runId: "a",
      leaseMs: 1,
    });
    const r3 = applyOutcomes(r2.state, [fail()], policy, {
      now: new Date("2026-11-01T00:02:00Z"),
      runId: "a",
      leaseMs: 1,
    });
    expect(r3.events.map((e) => e.type)).toEqual(["down"]);
    const r4 = applyOutcomes(r3.state, [ok()], policy, {
      now: new Date("2026-11-01T00:30:00Z"),
      runId: "a",
      leaseMs: 1,
    });
    const r5 = applyOutcomes(r4.state, [ok()], policy, {
      now: new Date("2026-11-01T00:31:00Z"),
      runId: "a",
      leaseMs: 1,
    });
    expect(r5.events[0]!.durationMinutes).toBe(29);
  });

  it("treats slow but correct answers as degraded, not down", () => {
    const slow = ok("api", { degraded: "crit", durationMs: 4000 });
    const { types, state } = run([[slow], [slow], [slow], [slow], [ok()], [ok()]]);
    expect(types).toEqual(["degraded", "latency-normal"]);
    expect(state.targets.api!.health).toBe("up");
  });

  it("warns once about an expiring certificate, again only after renewal", () => {
    const tls = (days: number) =>
      ok("api", { tls: { daysToEarliestExpiry: days, earliestExpiry: "2026-11-03T00:00:00Z" } });
    expect(run([[tls(2)], [tls(2)], [tls(1)], [tls(90)], [tls(5)]]).types).toEqual([
      "tls-expiring",
      "tls-expiring",
    ]);
  });

  it("keeps unpublished events pending and lets a later run claim them only after the lease", () => {
    const now = new Date("2026-11-01T00:00:00Z");
    let s = applyOutcomes(
      null,
      [fail(), fail("web")],
      { ...policy, downAfter: 1 },
      { now, runId: "a", leaseMs: 60_000 },
    ).state;
    expect(s.pending).toHaveLength(2);
    // another run within the lease claims nothing
    expect(
      claimStale(s, { now: new Date(now.getTime() + 30_000), runId: "b", leaseMs: 60_000 }).claimed,
    ).toEqual([]);
    // run "a" died: after the lease, run "c" claims both
    const c = claimStale(s, { now: new Date(now.getTime() + 61_000), runId: "c", leaseMs: 60_000 });
    expect(c.claimed.map((e) => e.target).sort()).toEqual(["api", "web"]);
    s = settle(c.state, [c.claimed[0]!.id], [c.claimed[1]!.id]);
    expect(s.pending).toHaveLength(1);
    // a failed publish releases the claim at once
    expect(
      claimStale(s, { now: new Date(now.getTime() + 62_000), runId: "d", leaseMs: 60_000 }).claimed,
    ).toHaveLength(1);
  });
});

describe("inconclusive outcomes (the monitor's own overload)", () => {
  const unsure = (target = "api"): ProbeOutcome => ({
    ...fail(target),
    cause: "monitor-overload",
    inconclusive: true,
  });

  it("neither breaks nor extends a run of failures: DOWN comes after downAfter real failures", () => {
    // downAfter 3: fail, ?, fail, ?, ? would be five failures if inconclusive counted, one DOWN at the 3rd
    const { types, state } = run([[fail()], [unsure()], [fail()], [unsure()], [unsure()]]);
    expect(types).toEqual([]);
    expect(state.targets.api).toMatchObject({ health: "unknown", failures: 2, successes: 0 });
    expect(run([[fail()], [unsure()], [fail()], [unsure()], [fail()]]).types).toEqual(["down"]);
  });

  it("never counts toward DOWN, however many in a row", () => {
    const { types, state } = run(Array.from({ length: 10 }, () => [unsure()]));
    expect(types).toEqual([]);
    expect(state.targets.api).toMatchObject({ health: "unknown", failures: 0, successes: 0 });
  });

  it("keeps a DOWN target down and does not count toward RECOVERED", () => {
    // recoverAfter 2: ok, ?, ok recovers at the second ok, not at the "?"
    const { types, state } = run([[fail()], [fail()], [fail()], [ok()], [unsure()], [unsure()]]);
    expect(types).toEqual(["down"]);
    expect(state.targets.api).toMatchObject({ health: "down", successes: 1, failures: 0 });
    expect(run([[fail()], [fail()], [fail()], [ok()], [unsure()], [ok()]]).types).toEqual([
      "down",
      "recovered",
    ]);
  });

  it("leaves counters, health, lastCause and latency state exactly as they were", () => {
    const ctx = { now: new Date("2026-11-01T00:00:00Z"), runId: "a", leaseMs: 60_000 };
    const slow = ok("api", { degraded: "warn", durationMs: 900 });
    const before = applyOutcomes(null, [fail("web"), slow], policy, ctx).state;
    const after = applyOutcomes(before, [unsure("web"), unsure("api")], policy, {
      ...ctx,
      now: new Date("2026-11-01T00:01:00Z"),
    });
    expect(after.events).toEqual([]);
    expect(after.state.targets.web).toEqual(before.targets.web);
    expect(after.state.targets.api).toEqual(before.targets.api);
  });
});

describe("stored state: shape and prototype-free maps", () => {
  const ctx = { now: new Date("2026-11-01T00:00:00Z"), runId: "a", leaseMs: 60_000 };

  it("keeps targets named like object internals as own entries, without touching Object.prototype", () => {
    const names = ["__proto__", "constructor", "toString", "hasOwnProperty"];
    const first = applyOutcomes(null, names.map(fail), { ...policy, downAfter: 1 }, ctx);
    expect(first.events.map((e) => `${e.type} ${e.target}`)).toEqual(names.map((n) => `down ${n}`));
    expect(Object.getPrototypeOf(first.state.targets)).toBeNull();
    const text = JSON.stringify(first.state);
    const back = parseBreachState(text);
    expect(Object.keys(back.targets).sort()).toEqual([...names].sort());
    expect(Object.getOwnPropertyDescriptor(back.targets, "__proto__")?.value).toMatchObject({
      health: "down",
      failures: 1,
    });
    // a second failure counts on the stored entries: no new DOWN, no prototype pollution
    const second = applyOutcomes(back, names.map(fail), { ...policy, downAfter: 1 }, ctx);
    expect(second.events).toEqual([]);
    expect(second.state.targets.constructor).toMatchObject({ failures: 2 });
    expect(Object.getPrototypeOf(second.state.targets)).toBeNull();
    expect(Object.prototype).not.toHaveProperty("failures");
    expect(claimStale(second.state, ctx).state.targets.toString).toMatchObject({ failures: 2 });
  });

  it("refuses JSON of another shape, naming paths but no values", () => {
    expect(() => parseBreachState("")).toThrow(SyntaxError);
    expect(() => parseBreachState('{"version":1,"targ')).toThrow(SyntaxError);
    expect(() => parseBreachState("[]")).toThrow(/^\(top level\): /);
    expect(() => parseBreachState('{"version":1}')).toThrow(/updatedAt: .*; targets: .*; pending: /);
    const bad = JSON.stringify({
      version: 1,
      updatedAt: "x",
      targets: { api: { health: "sideways", since: "x" } },
      pending: [],
    });
    expect(() => parseBreachState(bad)).toThrow(/^targets\.api\.health: /);
    expect(() => parseBreachState(bad)).not.toThrow(/sideways/);
    const good = applyOutcomes(null, [fail()], policy, ctx).state;
    expect(parseBreachState(JSON.stringify(good))).toEqual(good);
  });
});
