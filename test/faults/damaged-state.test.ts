/**
 * Damaged state heals and says so (DESIGN §9): a probe state object that is truncated, empty or of another
 * shape is copied aside with its bytes unchanged, replaced by a fresh state and alerted once, and the same
 * run still alerts its DOWN targets; a damaged report index is copied aside and rebuilt from the stored
 * reports, and the run's notifications still go out. Real parts only: LocalObjectStore on temp dirs, real
 * HTTP peers on 127.0.0.1, the real Prometheus for the report runs.
 */
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../packages/core/src/config/index.js";
import type { SlaConfig } from "../../packages/core/src/config/schema.js";
import { corruptMarkerKey, markerResetNote } from "../../packages/core/src/notify/index.js";
import { parseBreachState } from "../../packages/core/src/probe/breach.js";
import {
  corruptStateKey,
  PROBE_STATE_KEY,
  type ProbeCycleResult,
  runProbeCycle,
} from "../../packages/core/src/probe/cycle.js";
import { indexSlos } from "../../packages/core/src/report/history.js";
import { INDEX_KEY, notificationKey, reportKeys } from "../../packages/core/src/report/keys.js";
import { breachItem } from "../../packages/core/src/report/notifications.js";
import { corruptIndexKey, type IndexEntry, runReport } from "../../packages/core/src/report/run.js";
import { monthWindow } from "../../packages/core/src/slo/index.js";
import { LocalObjectStore, type ObjectStore } from "../../packages/core/src/store/index.js";
import { type HostileServer, refusedPort, startHostileHttp } from "../helpers/hostile-servers.js";
import {
  CountingNotifier,
  expectedMessages,
  expectedSends,
  NOW,
  OCTOBER,
  reportInput,
  TempDirs,
} from "./helpers.js";

const dirs = new TempDirs();
let fast: HostileServer;
let config: SlaConfig;
beforeAll(async () => {
  fast = await startHostileHttp();
  const refused = await refusedPort();
  config = await parseConfig(
    JSON.stringify({
      targets: [
        { name: "ok", url: `${fast.url}/ok`, timeoutMs: 30_000 },
        // a peer's own answer (503): never put down to the monitor's load, unlike a timeout
        { name: "failing", url: `${fast.url}/status/503`, timeoutMs: 30_000 },
        { name: "refused", url: `http://127.0.0.1:${refused}/health`, timeoutMs: 30_000 },
      ],
      notify: { downAfter: 1, recoverAfter: 1 },
    }),
    { format: "json", source: "damaged-state" },
  );
});
afterAll(async () => {
  await fast?.close();
  await dirs.cleanup();
});

const T0 = new Date("2026-11-01T05:00:00.000Z");
const RESET = "sla-monitor reset its probe state";
const DOWNS = ["DOWN: failing", "DOWN: refused"];

/** A state as a run writes it, cut off in the middle (a writer that died, a partial upload). */
const TRUNCATED =
  '{\n  "version": 1,\n  "updatedAt": "2026-11-01T04:59:00.000Z",\n  "targets": {\n    "ok": {\n      "health": "up",\n      "since": "2026-10-';

const DAMAGED: [label: string, body: string, reason: RegExp][] = [
  ["truncated JSON", TRUNCATED, /^it is not valid JSON \(/],
  ["an empty object", "", /^it is empty \(0 bytes\)$/],
  ["a JSON list", "[]", /^it has the wrong shape \(\(top level\): /],
  ['{"version":1}', '{"version":1}', /^it has the wrong shape \(updatedAt: .*targets: /],
  [
    "valid JSON of someone else",
    '{"name":"left-pad","version":"1.3.0","private":true,"targets":{"ok":"fine"}}',
    /^it has the wrong shape \(version: /,
  ],
];

async function damagedStore(body: string): Promise<{ dir: string; store: LocalObjectStore }> {
  const dir = await dirs.make("sla-damaged-");
  const store = new LocalObjectStore({ dir });
  await store.put(PROBE_STATE_KEY, body);
  return { dir, store };
}

async function stateAfter(dir: string) {
  return parseBreachState(await readFile(join(dir, PROBE_STATE_KEY), "utf8"));
}

describe("a damaged probe state object", () => {
  it.each(DAMAGED)(
    "%s: copied aside, replaced, alerted once; the run still alerts DOWN",
    async (_, body, reason) => {
      const { dir, store } = await damagedStore(body);
      const notifier = new CountingNotifier();
      const logs: string[] = [];
      const log = (level: string, msg: string) => logs.push(`${level}: ${msg}`);
      const r1 = await runProbeCycle({ config, writer: null, store, notifier, now: () => T0, log });

      // probing went on: the failing and the refused target failed, and both were alerted per the rules
      expect(Object.fromEntries(r1.results.map((x) => [x.target, x.success]))).toEqual({
        ok: true,
        failing: false,
        refused: false,
      });
      expect(notifier.subjects()).toEqual([RESET, ...DOWNS]); // the reset first, then this run's DOWNs
      expect(r1.publishErrors).toEqual([]);

      // the damaged bytes are kept, unchanged, under a name of their own
      const copy = corruptStateKey(T0);
      expect(copy).toBe("state/corrupt-2026-11-01T05-00-00-000Z.json");
      expect(r1.stateReset).toMatchObject({
        key: PROBE_STATE_KEY,
        copiedTo: copy,
        bytes: Buffer.byteLength(body),
      });
      expect(r1.stateReset!.reason).toMatch(reason);
      expect((await readFile(join(dir, copy))).equals(Buffer.from(body))).toBe(true);
      expect(await store.list("state/")).toEqual([copy, PROBE_STATE_KEY]);

      // the self-alert says what happened, why, and where the copy is; no content of the damaged object
      const reset = notifier.sent[0]!;
      expect(reset).toMatchObject({ kind: "alert", severity: "warning" });
      expect(reset.attributes).toEqual({ target: "__probe_state__", event: "state-reset" });
      expect(reset.text).toContain("probe state was reset: 3 targets start from unknown");
      expect(reset.text).toContain(`${PROBE_STATE_KEY} was unreadable: ${r1.stateReset!.reason}`);
      expect(reset.text).toContain(`copied to ${copy}`);
      expect(reset.text).not.toContain("left-pad");
      expect(logs).toContain("error: probe state was unreadable and was reset");

      // the state file is valid again and holds this run's outcomes
      const state = await stateAfter(dir);
      expect(state.pending).toEqual([]);
      expect(Object.fromEntries(Object.entries(state.targets).map(([n, t]) => [n, t.health]))).toEqual({
        ok: "up",
        failing: "down",
        refused: "down",
      });

      // the next run finds a healthy state: nothing new is sent, nothing else is copied
      const r2 = await runProbeCycle({
        config,
        writer: null,
        store,
        notifier,
        now: () => new Date(T0.getTime() + 60_000),
      });
      expect(r2.stateReset).toBeUndefined();
      expect(r2.events).toEqual([]);
      expect(notifier.sent).toHaveLength(3);
      expect(await store.list("state/")).toEqual([copy, PROBE_STATE_KEY]);
      expect((await stateAfter(dir)).targets.failing).toMatchObject({ health: "down", failures: 2 });
    },
  );

  // Two shards read the damaged object before either writes: both copy it aside, one wins the conditional
  // replace and alerts the reset; the other re-reads the healed state and applies its own outcomes to it.
  it("two runs healing at once: one reset alert, and neither run's DOWN is lost", async () => {
    const body = TRUNCATED;
    const { dir, store } = await damagedStore(body);
    const met = meetAtRead(store, PROBE_STATE_KEY, 2);
    const [a, b] = [new CountingNotifier(), new CountingNotifier()];
    const runs: ProbeCycleResult[] = await Promise.all([
      runProbeCycle({
        config,
        writer: null,
        store: met.store,
        notifier: a,
        now: () => T0,
        targets: ["ok", "failing"],
      }),
      runProbeCycle({
        config,
        writer: null,
        store: met.store,
        notifier: b,
        now: () => new Date(T0.getTime() + 1),
        targets: ["refused"],
      }),
    ]);
    expect(met.damagedReads()).toBe(2); // both really saw the damaged object
    const subjects = [...a.subjects(), ...b.subjects()];
    expect(subjects.filter((s) => s === RESET)).toHaveLength(1);
    expect(subjects.filter((s) => s !== RESET).sort()).toEqual(DOWNS);
    expect(runs.filter((r) => r.stateReset)).toHaveLength(1);
    // each run kept its own copy; both hold the original bytes
    const copies = (await store.list("state/")).filter((k) => k.startsWith("state/corrupt-"));
    expect(copies).toEqual([corruptStateKey(T0), corruptStateKey(new Date(T0.getTime() + 1))]);
    for (const k of copies) expect((await readFile(join(dir, k), "utf8")) === body).toBe(true);
    const state = await stateAfter(dir);
    expect(Object.keys(state.targets).sort()).toEqual(["failing", "ok", "refused"]);
    expect(state.pending).toEqual([]);
  });
});

/**
 * The real store, except that the first `parties` reads of `key` each wait until all of them have read:
 * so that every run holds the same (damaged) version before any of them writes.
 */
function meetAtRead(inner: ObjectStore, key: string, parties: number) {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => {
    release = r;
  });
  const store: ObjectStore = {
    put: (k, body, opts) => inner.put(k, body, opts),
    list: (prefix) => inner.list(prefix),
    describe: () => inner.describe(),
    async get(k) {
      const obj = await inner.get(k);
      if (k === key && arrived < parties) {
        arrived += 1;
        if (arrived === parties) release();
        await all;
      }
      return obj;
    },
  };
  return { store, damagedReads: () => arrived };
}

describe("a damaged report index", () => {
  const SEPTEMBER = monthWindow("2026-09", "Europe/Berlin");
  let seeded: string;
  const input = reportInput;

  // Two stored reports (September, October) with an intact index, written once and copied per case.
  beforeAll(async () => {
    seeded = await dirs.make("sla-damaged-index-");
    const store = new LocalObjectStore({ dir: seeded });
    const quiet = new CountingNotifier();
    await runReport({ ...input(store, quiet), window: SEPTEMBER, notify: false });
    await runReport({ ...input(store, quiet), notify: false });
    expect(quiet.sent).toEqual([]);
  });

  const cases: [label: string, body: string, reason: RegExp, breakSeptember?: boolean][] = [
    ["truncated JSON", '[\n  {\n    "id": "monthly/2026-09",\n    "kind": "mon', /^it is not valid JSON \(/],
    ["an empty object", "", /^it is empty \(0 bytes\)$/],
    ['{"version":1}', '{"version":1}', /^it has the wrong shape \(\(top level\): /],
    ["entries of another shape", '[{"id":5},"x"]', /^it has the wrong shape \(0\.id: /],
    ["a damaged index and an unreadable stored report", "{", /^it is not valid JSON \(/, true],
  ];

  it.each(cases)(
    "%s: rebuilt from the stored reports, notifications still go out",
    async (_, body, reason, breakSeptember) => {
      const dir = await dirs.make("sla-damaged-index-");
      await cp(seeded, dir, { recursive: true });
      await writeFile(join(dir, INDEX_KEY), body);
      const septemberJson = join(dir, reportKeys(SEPTEMBER).json);
      if (breakSeptember) await writeFile(septemberJson, '{"schemaVersion":1,"kind":');
      const store = new LocalObjectStore({ dir });
      const notifier = new CountingNotifier();

      const r1 = await runReport(input(store, notifier));
      expect(r1.error).toBeUndefined();
      expect([...r1.published].sort()).toEqual(expectedMessages(r1.report));
      expect(r1.report.breaches.length).toBeGreaterThan(0);
      expect(notifier.sent).toHaveLength(expectedSends(r1.report)); // the summary and one breach digest

      const copy = corruptIndexKey(NOW);
      expect(r1.indexRebuilt).toMatchObject({
        key: INDEX_KEY,
        copiedTo: copy,
        bytes: Buffer.byteLength(body),
        entries: breakSeptember ? 1 : 2,
        skipped: breakSeptember ? [reportKeys(SEPTEMBER).json] : [],
      });
      expect(r1.indexRebuilt!.reason).toMatch(reason);
      expect((await readFile(join(dir, copy))).equals(Buffer.from(body))).toBe(true);
      const summary = notifier.sent.find((m) => m.kind === "report")!;
      expect(summary.text).toContain(
        `Note: the report index ${INDEX_KEY} was unreadable (${r1.indexRebuilt!.reason})`,
      );
      expect(summary.text).toContain(`the damaged copy is ${copy}`);

      // the index again lists the stored reports, with their own figures and keys
      const index = JSON.parse(await readFile(join(dir, INDEX_KEY), "utf8")) as IndexEntry[];
      const months = breakSeptember ? [OCTOBER] : [SEPTEMBER, OCTOBER];
      expect(index.map((e) => e.id)).toEqual(months.map((w) => `monthly/${w.period}`));
      for (const [i, w] of months.entries()) {
        const doc = JSON.parse(await readFile(join(dir, reportKeys(w).json), "utf8"));
        expect(index[i]).toEqual({
          id: `monthly/${w.period}`,
          kind: "monthly",
          period: w.period,
          window: doc.window,
          generatedAt: doc.generatedAt,
          summary: doc.summary,
          keys: reportKeys(w),
          // the portal's history: each SLO's figures, as the stored document has them
          partial: doc.partial,
          slos: indexSlos(doc),
        });
      }

      // a retry finds the index healthy: nothing copied again, nothing published again
      const r2 = await runReport(input(store, notifier));
      expect(r2.indexRebuilt).toBeUndefined();
      expect(r2.published).toEqual([]);
      expect(notifier.sent).toHaveLength(expectedSends(r1.report)); // the summary and one breach digest
      expect((await store.list("reports/")).filter((k) => k.startsWith("reports/corrupt-"))).toEqual([copy]);
    },
  );
});

describe("a damaged publish-once marker", () => {
  // What a run leaves when it dies mid-write, what an editor saves by mistake, and JSON of another shape.
  const markers: [label: string, body: string, reason: RegExp][] = [
    ["truncated JSON", '{\n  "state": "sent",\n  "kind": "rep', /^it is not valid JSON \(/],
    ["an empty object", "", /^it is empty \(0 bytes\)$/],
    ["a JSON list", "[]", /^it has the wrong shape \(\(top level\): /],
    ['{"state":"done"}', '{"state":"done"}', /^it has the wrong shape \(state: Invalid option/],
  ];

  it.each(markers)(
    "%s under the summary and a breach: both messages go out, say so, and are recorded; the retry sends nothing",
    async (_, body, reason) => {
      const dir = await dirs.make("sla-damaged-marker-");
      const store = new LocalObjectStore({ dir });
      const notifier = new CountingNotifier();
      // the first breach of October: what a report run publishes about it (the fixture has several)
      const dry = await runReport(reportInput(store, new CountingNotifier(), { notify: false }));
      const breach = breachItem(dry.report.breaches[0]!);
      const damaged = ["summary", breach].map((n) => notificationKey(OCTOBER, undefined, n));
      for (const k of damaged) await store.put(k, body);

      const r1 = await runReport(reportInput(store, notifier));
      expect(r1.error).toBeUndefined();
      // nothing was silenced: the summary and one digest with every breach, each marker now "sent"
      expect([...r1.published].sort()).toEqual(expectedMessages(r1.report));
      expect(notifier.sent.map((m) => m.kind)).toEqual(["report", "breach"]);
      for (const k of damaged) {
        const marker = JSON.parse(await readFile(join(dir, k), "utf8"));
        expect(marker).toMatchObject({ state: "sent", attempt: 1 });
      }
      // the damaged bytes are kept, unchanged, next to each marker
      expect(r1.markersReset?.map((d) => d.key)).toEqual(damaged);
      for (const [i, k] of damaged.entries()) {
        const d = r1.markersReset![i]!;
        expect(d.copiedTo).toBe(corruptMarkerKey(k, NOW));
        expect(d.reason).toMatch(reason);
        expect(d.bytes).toBe(Buffer.byteLength(body));
        expect((await readFile(join(dir, d.copiedTo))).equals(Buffer.from(body))).toBe(true);
        // the message that went out over it says it may repeat an earlier one, and where the copy is
        const msg = notifier.sent[i]!;
        expect(msg.text).toContain(markerResetNote([d]));
        expect(msg.text).toContain(d.copiedTo);
      }

      // the retry finds valid markers: nothing sent, nothing copied, nothing reported again
      const r2 = await runReport(reportInput(store, notifier));
      expect(r2.published).toEqual([]);
      expect(r2.markersReset).toBeUndefined();
      expect(notifier.sent).toHaveLength(2);
      const copies = (await store.list("notifications/")).filter((k) => k.includes(".corrupt-"));
      expect(copies.sort()).toEqual(r1.markersReset!.map((d) => d.copiedTo).sort());
    },
  );

  it("a breach's record damaged after it was sent: the breach goes out again, the summary does not", async () => {
    const dir = await dirs.make("sla-damaged-marker-");
    const store = new LocalObjectStore({ dir });
    const notifier = new CountingNotifier();
    const r1 = await runReport(reportInput(store, notifier));
    expect(notifier.sent.map((m) => m.kind)).toEqual(["report", "breach"]);
    // the breach's record is damaged afterwards (a partial upload over it)
    const lost = breachItem(r1.report.breaches[0]!);
    const key = notificationKey(OCTOBER, undefined, lost);
    await store.put(key, '{"state":"se');

    const r2 = await runReport(reportInput(store, notifier));
    expect(r2.error).toBeUndefined();
    expect(r2.published).toEqual([lost]);
    expect(r2.alreadySent).toEqual(["summary"]);
    expect(r2.markersReset).toEqual([expect.objectContaining({ key, copiedTo: corruptMarkerKey(key, NOW) })]);
    expect(notifier.sent.map((m) => m.kind)).toEqual(["report", "breach", "breach"]);
    expect(notifier.sent[2]!.text).toContain(markerResetNote(r2.markersReset!));
    expect((await runReport(reportInput(store, notifier))).published).toEqual([]);
  });
});

describe("names that collide with object internals", () => {
  it("a target called __proto__ is refused at config load, naming the path and the value", async () => {
    const text = JSON.stringify({ targets: [{ name: "__proto__", url: `${fast.url}/ok` }] });
    let err: unknown;
    try {
      await parseConfig(text, { format: "json", source: "damaged-state.json" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([
      expect.objectContaining({ path: "targets[0].name", value: '"__proto__"' }),
    ]);
    expect((err as Error).message).toContain('targets[0].name: is reserved: names starting with "__"');
    expect(Object.prototype).not.toHaveProperty("failures");
  });
});
