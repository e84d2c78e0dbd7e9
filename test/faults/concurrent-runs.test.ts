/**
 * The same report run invoked twice at once (a Lambda retry overlapping the original, or cron + on-demand)
 * on one LocalObjectStore: each notification is published exactly once, by exactly one of the runs, and the
 * index holds one entry.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Notification } from "../../packages/core/src/notify/index.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { CountingNotifier, expectedMessages, expectedSends, reportInput, TempDirs } from "./helpers.js";

const dirs = new TempDirs();
afterAll(async () => {
  await dirs.cleanup();
});

/** A notifier that takes `ms` to publish, so that the two runs' claims overlap. */
class SlowNotifier extends CountingNotifier {
  constructor(private readonly ms: number) {
    super();
  }
  override async publish(msg: Notification): Promise<{ id: string }> {
    await new Promise((r) => setTimeout(r, this.ms));
    return super.publish(msg);
  }
}

describe("two runs of the same period at once", () => {
  for (const publishMs of [0, 200]) {
    it(`each message is published exactly once (publish takes ${publishMs} ms)`, async () => {
      const dir = await dirs.make();
      const notifier = new SlowNotifier(publishMs);
      const run = () =>
        // two store instances on one folder, as two processes would have
        runReport(reportInput(new LocalObjectStore({ dir }), notifier));
      const [a, b] = await Promise.all([run(), run()]);
      const names = expectedMessages(a.report);
      expect(names.length).toBeGreaterThan(1);
      expect(a.error).toBeUndefined();
      expect(b.error).toBeUndefined();
      // every message went out once, from one run or the other (the breaches together, in one digest)
      expect([...a.published, ...b.published].sort()).toEqual(names);
      // One digest for the breaches, unless the two runs interleave their claims: then each sends a digest
      // of the breaches it claimed (never one twice: the union above is exact), at most one per breach.
      expect(notifier.sent.length).toBeGreaterThanOrEqual(expectedSends(a.report));
      expect(notifier.sent.length).toBeLessThanOrEqual(names.length);
      // what a run did not publish, it saw as sent (or being sent) by the other
      expect([...a.published, ...a.alreadySent].sort()).toEqual(names);
      expect([...b.published, ...b.alreadySent].sort()).toEqual(names);
      const index = JSON.parse(await readFile(join(dir, "reports/index.json"), "utf8")) as { id: string }[];
      expect(index.map((e) => e.id)).toEqual(["monthly/2026-10"]);

      // and a later retry sends nothing
      const c = await runReport(reportInput(new LocalObjectStore({ dir }), notifier));
      expect(c.published).toEqual([]);
      expect(notifier.sent).toHaveLength(expectedSends(a.report));
    });
  }
});
