/** OutboxNotifier writes what SNS would get into a folder; publishOnce publishes each key at most once. */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildSnsPublishInput,
  type Notification,
  type Notifier,
  NotifyError,
  OUTBOX_TOPIC_ARN,
  type OutboxEntry,
  OutboxNotifier,
  type PublishMarker,
  publishOnce,
} from "../../packages/core/src/notify/index.js";
import { LocalObjectStore, StateStore } from "../../packages/core/src/store/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sla-outbox-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const msg = (over: Partial<Notification> = {}): Notification => ({
  kind: "report",
  severity: "info",
  subject: "SLA report 2026-10: 3 met, 0 missed",
  text: "SLA report October 2026\n\ncheckout-availability 99.95 % met\n",
  chat: { title: "SLA report 2026-10", description: "✅ checkout-availability 99.950 %" },
  attributes: { period: "2026-10", reportKind: "monthly" },
  ...over,
});

const files = async (d: string) => (await readdir(d)).filter((f) => f.endsWith(".json")).sort();

describe("OutboxNotifier", () => {
  it("writes one JSON file per message with exactly the publish input and decoded bodies", async () => {
    const lines: string[] = [];
    const outbox = new OutboxNotifier({
      dir: join(dir, "outbox"),
      console: true,
      print: (l) => lines.push(l),
      now: () => new Date("2026-11-01T05:00:00.123Z"),
    });
    const a = await outbox.publish(msg());
    const b = await outbox.publish(msg({ kind: "breach", severity: "critical", subject: "SLO missed: api" }));
    expect(a.id).toBe("20261101T050000123Z-report-0001");
    expect(b.id).toBe("20261101T050000123Z-breach-0002");
    expect(await files(join(dir, "outbox"))).toEqual([`${b.id}.json`, `${a.id}.json`].sort());
    expect(await readdir(join(dir, "outbox"))).toHaveLength(2); // no temp files left

    const entry = JSON.parse(await readFile(join(dir, "outbox", `${a.id}.json`), "utf8")) as OutboxEntry;
    expect(entry.id).toBe(a.id);
    expect(entry.writtenAt).toBe("2026-11-01T05:00:00.123Z");
    expect(entry.publishInput).toEqual(buildSnsPublishInput(msg(), OUTBOX_TOPIC_ARN));
    expect(entry.publishInput.MessageStructure).toBe("json");
    expect(entry.message.email).toBe(msg().text);
    expect(entry.message.default.content.description).toBe("✅ checkout-availability 99.950 %");
    expect(entry.message.default.metadata.additionalContext).toEqual({
      kind: "report",
      severity: "info",
      period: "2026-10",
      reportKind: "monthly",
    });
    expect(Object.keys(entry.message).sort()).toEqual(["default", "email"]);
    expect(lines).toEqual([
      `[outbox] INFO report: SLA report 2026-10: 3 met, 0 missed -> ${a.id}.json`,
      `[outbox] CRITICAL breach: SLO missed: api -> ${b.id}.json`,
    ]);
  });

  it("never overwrites: two outboxes on one folder at the same instant get distinct files", async () => {
    const now = () => new Date("2026-11-01T05:00:00.000Z");
    const o1 = new OutboxNotifier({ dir, now });
    const o2 = new OutboxNotifier({ dir, now });
    const ids = await Promise.all([o1, o2, o1, o2].map((o, i) => o.publish(msg({ subject: `m${i}` }))));
    expect(new Set(ids.map((r) => r.id)).size).toBe(4);
    const subjects = await Promise.all(
      (await files(dir)).map(
        async (f) => (JSON.parse(await readFile(join(dir, f), "utf8")) as OutboxEntry).publishInput.Subject,
      ),
    );
    expect(subjects.sort()).toEqual(["m0", "m1", "m2", "m3"]);
  });

  it("fails clearly when the folder cannot be written", async () => {
    const blocker = join(dir, "file");
    await new LocalObjectStore({ dir }).put("file", "not a folder");
    const err = await new OutboxNotifier({ dir: join(blocker, "outbox") }).publish(msg()).catch((e) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect(err.message).toContain(`outbox write to ${blocker}/outbox failed`);
  });
});

/** A notifier that fails its first `failures` publishes, then delegates to the outbox. */
class Flaky implements Notifier {
  calls = 0;
  constructor(
    private readonly inner: Notifier,
    private failures: number,
  ) {}
  async publish(m: Notification) {
    this.calls++;
    if (this.failures-- > 0)
      throw new NotifyError(
        "SNS Publish to arn:x failed: InternalError (HTTP 500)",
        "arn:x",
        "InternalError",
        500,
      );
    return this.inner.publish(m);
  }
}

describe("publishOnce", () => {
  const key = "notifications/monthly/2026-10/summary.json";
  const now = new Date("2026-11-01T05:00:00Z");

  it("publishes once; a retry sees the marker and does not publish again", async () => {
    const store = new LocalObjectStore({ dir: join(dir, "store") });
    const outbox = new OutboxNotifier({ dir: join(dir, "outbox") });
    const first = await publishOnce(store, outbox, key, msg(), now);
    expect(first.published).toBe(true);
    expect(first.state).toBe("published");
    const again = await publishOnce(store, outbox, key, msg(), now);
    expect(again).toEqual({ published: false, state: "already-sent", id: first.id });
    expect(await files(join(dir, "outbox"))).toHaveLength(1);
    const marker = (await new StateStore<PublishMarker>(store).get(key))!.value;
    expect(marker).toMatchObject({ state: "sent", id: first.id, kind: "report", attempt: 1 });
  });

  it("20 overlapping runs publish exactly one message", async () => {
    const store = new LocalObjectStore({ dir: join(dir, "store") });
    const outbox = new OutboxNotifier({ dir: join(dir, "outbox") });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => publishOnce(store, outbox, key, msg(), now)),
    );
    expect(results.filter((r) => r.published)).toHaveLength(1);
    expect(
      results
        .filter((r) => !r.published)
        .every((r) => r.state === "in-progress" || r.state === "already-sent"),
    ).toBe(true);
    expect(await files(join(dir, "outbox"))).toHaveLength(1);
  });

  it("a failed publish is recorded and the next run publishes", async () => {
    const store = new LocalObjectStore({ dir: join(dir, "store") });
    const flaky = new Flaky(new OutboxNotifier({ dir: join(dir, "outbox") }), 1);
    await expect(publishOnce(store, flaky, key, msg(), now)).rejects.toThrow(/InternalError/);
    const failed = (await new StateStore<PublishMarker>(store).get(key))!.value;
    expect(failed).toMatchObject({ state: "failed", attempt: 1 });
    expect(failed.error).toMatch(/InternalError/);

    const retry = await publishOnce(store, flaky, key, msg(), now);
    expect(retry.published).toBe(true);
    expect(flaky.calls).toBe(2);
    expect((await new StateStore<PublishMarker>(store).get(key))!.value).toMatchObject({
      state: "sent",
      attempt: 2,
    });
    expect(await files(join(dir, "outbox"))).toHaveLength(1);
  });

  it("a fresh 'sending' claim blocks; one older than the lease is taken over", async () => {
    const store = new LocalObjectStore({ dir: join(dir, "store") });
    const outbox = new OutboxNotifier({ dir: join(dir, "outbox") });
    const claim: PublishMarker = {
      state: "sending",
      kind: "report",
      subject: "s",
      claimedAt: now.toISOString(),
      attempt: 1,
    };
    await store.put(key, JSON.stringify(claim));
    const during = await publishOnce(store, outbox, key, msg(), new Date(now.getTime() + 60_000), {
      leaseMs: 15 * 60_000,
    });
    expect(during).toEqual({ published: false, state: "in-progress" });
    const after = await publishOnce(store, outbox, key, msg(), new Date(now.getTime() + 16 * 60_000), {
      leaseMs: 15 * 60_000,
    });
    expect(after.published).toBe(true);
    expect(await files(join(dir, "outbox"))).toHaveLength(1);
  });
});
