/**
 * The S3 server unreachable for one object, then back: the real S3ObjectStore (@aws-sdk/client-s3) talks to
 * fauxqs through an HTTP forwarder that drops the connection (a network failure, no HTTP answer) for every
 * request to one key while "down". The failing run names bucket and key; over all runs every notification is
 * published exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { breachItem } from "../../packages/core/src/report/notifications.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { ObjectStoreError, S3ObjectStore } from "../../packages/core/src/store/index.js";
import { type Fauxqs, startFauxqsServer } from "../helpers/fauxqs.js";
import {
  CountingNotifier,
  expectedMessages,
  expectedSends,
  type Forwarder,
  markerKeys,
  NOW,
  reportInput,
  since,
  startForwarder,
} from "./helpers.js";

const BUCKET = "sla-reports";
let fx: Fauxqs;
let fwd: Forwarder;
beforeAll(async () => {
  fx = await startFauxqsServer({ buckets: [BUCKET] });
  fwd = await startForwarder(fx.endpoint);
});
afterAll(async () => {
  await fwd?.close();
  await fx?.stop();
});

/** Drops every request whose path is `/<bucket>/<prefix>/<key>` and that `when` accepts. */
function dropKey(prefix: string, key: string, when: (nthForKey: number) => boolean = () => true) {
  const path = `/${BUCKET}/${prefix}/${key}`;
  let n = 0;
  const dropped: string[] = [];
  fwd.mode = (req) => {
    const p = (req.url ?? "").split("?")[0];
    if (req.method !== "PUT" || p !== path) return { kind: "pass" };
    n += 1;
    if (!when(n)) return { kind: "pass" };
    dropped.push(`${req.method} ${p}`);
    return { kind: "drop" };
  };
  return { dropped, restore: () => (fwd.mode = () => ({ kind: "pass" })) };
}

function setup(prefix: string) {
  const store = new S3ObjectStore({
    bucket: BUCKET,
    prefix,
    client: fx.s3({ endpoint: fwd.url, maxAttempts: 3 }),
  });
  const notifier = new CountingNotifier();
  return { store, notifier, input: reportInput(store, notifier) };
}

describe("S3 down for one object, then back", () => {
  it("a report file that cannot be written fails the run naming bucket and key; the retry publishes once", async () => {
    const prefix = "fault-report-file";
    const { store, notifier, input } = setup(prefix);
    const key = "reports/monthly/2026-10/report.html";
    const outage = dropKey(prefix, key);
    const t0 = performance.now();
    const err = await runReport(input).catch((e: unknown) => e);
    console.log(`[faults] S3 outage on ${key}: run failed after ${since(t0)} ms`);
    outage.restore();
    expect(err).toBeInstanceOf(ObjectStoreError);
    expect((err as Error).message).toMatch(
      new RegExp(`^S3 PutObject s3://${BUCKET}/${prefix}/${key.replaceAll(".", "\\.")} failed: `),
    );
    // the SDK tried 3 times (maxAttempts), every attempt hit the dead connection
    expect(outage.dropped).toHaveLength(3);
    expect(notifier.sent).toEqual([]);
    expect(await markerKeys(store)).toEqual([]);
    expect(await store.get(key)).toBeNull();

    const r2 = await runReport(input);
    expect(r2.error).toBeUndefined();
    expect([...r2.published].sort()).toEqual(expectedMessages(r2.report));
    expect(r2.report.breaches.length).toBeGreaterThan(0);
    expect(await store.get(key)).not.toBeNull();
    const r3 = await runReport(input);
    expect(r3.published).toEqual([]);
    expect([...r3.alreadySent].sort()).toEqual(expectedMessages(r2.report));
    // exactly once over the three runs
    expect(notifier.sent).toHaveLength(expectedSends(r2.report)); // the summary and one breach digest
    expect(new Set(notifier.subjects()).size).toBe(notifier.sent.length);
  });

  it("a notification claim that cannot be written is reported naming the key, and published by the retry", async () => {
    const prefix = "fault-claim";
    const { store, notifier, input } = setup(prefix);
    const key = "notifications/monthly/2026-10/summary.json";
    const outage = dropKey(prefix, key);
    const r1 = await runReport(input);
    outage.restore();
    expect(r1.error).toMatch(
      new RegExp(
        `^publishing failed \\(will be retried\\): summary: S3 PutObject s3://${BUCKET}/${prefix}/${key}`,
      ),
    );
    expect(r1.published).not.toContain("summary");
    expect(await store.get(key)).toBeNull(); // no claim recorded, so nothing blocks the retry
    expect(notifier.sent.filter((m) => m.kind === "report")).toEqual([]);
    // the breaches (one digest) were not held back by the summary's failure
    expect(notifier.sent.filter((m) => m.kind === "breach")).toHaveLength(1);
    expect(r1.published).toEqual(r1.report.breaches.map(breachItem));

    const r2 = await runReport(input);
    expect(r2.error).toBeUndefined();
    expect(r2.published).toEqual(["summary"]);
    expect(notifier.sent).toHaveLength(expectedSends(r2.report)); // the summary and one breach digest
    expect(new Set(notifier.subjects()).size).toBe(notifier.sent.length);
  });

  // After a successful publish the "sent" record is retried with backoff: a transient outage of the store
  // costs nothing, and a later run does not publish again.
  it("a 'sent' marker whose first writes fail is retried, and a later run does not publish again", async () => {
    const prefix = "fault-sent-marker";
    const { notifier, input } = setup(prefix);
    const key = "notifications/monthly/2026-10/summary.json";
    // the claim (PUT 1) goes through; the first "sent" write and its SDK retries (PUTs 2-4) are dropped
    const outage = dropKey(prefix, key, (n) => n >= 2 && n <= 4);
    const r1 = await runReport(input);
    outage.restore();
    expect(outage.dropped).toHaveLength(3);
    expect(r1.error).toBeUndefined();
    expect(r1.published).toContain("summary");
    await runReport({ ...input, now: new Date(NOW.getTime() + 24 * 3600_000) });
    expect(notifier.sent.filter((m) => m.kind === "report")).toHaveLength(1);
  });

  // When the record cannot be written at all, the run says so, naming the key. Whether the message went out
  // cannot be told from the store afterwards, so a run after the claim's 15-minute lease publishes it again:
  // at-least-once is chosen over losing a message (README, "Notifications").
  it("a 'sent' marker that cannot be written at all is reported with its key", async () => {
    const prefix = "fault-sent-marker-persistent";
    const { notifier, input } = setup(prefix);
    const key = "notifications/monthly/2026-10/summary.json";
    const outage = dropKey(prefix, key, (n) => n > 1);
    const r1 = await runReport(input);
    outage.restore();
    expect(notifier.sent.filter((m) => m.kind === "report")).toHaveLength(1);
    expect(r1.error).toMatch(/summary: published, but the record .*summary\.json could not be written/);
    // a retry inside the lease does not publish again
    await runReport({ ...input, now: new Date(NOW.getTime() + 60_000) });
    expect(notifier.sent.filter((m) => m.kind === "report")).toHaveLength(1);
  });
});
