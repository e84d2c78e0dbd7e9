/**
 * SNS answering errors: the real SnsNotifier (@aws-sdk/client-sns, Query protocol) against a local endpoint
 * that answers 500 InternalError to the summary and 400 Throttling to the breach digest (one message for all
 * of the run's breaches) during the first run.
 * The run reports each publish error naming topic and code, the markers say "failed", the next run
 * publishes each message exactly once (counted on the wire), and a third run sends nothing.
 */
import { SNSClient } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublishMarker } from "../../packages/core/src/notify/index.js";
import { SnsNotifier } from "../../packages/core/src/notify/index.js";
import { notificationKey } from "../../packages/core/src/report/keys.js";
import { breachItem } from "../../packages/core/src/report/notifications.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { LocalObjectStore, StateStore } from "../../packages/core/src/store/index.js";
import { type CaptureServer, startCaptureServer, xml } from "../notify/capture-server.js";
import { expectedMessages, expectedSends, OCTOBER, reportInput, since, TempDirs } from "./helpers.js";

const TOPIC = "arn:aws:sns:eu-central-1:123456789012:sla-reports";
const MAX_ATTEMPTS = 2;

const publishOk = (id: string) =>
  `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>req-${id}</RequestId></ResponseMetadata></PublishResponse>`;
const snsError = (type: string, code: string, message: string) =>
  `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-err</RequestId></ErrorResponse>`;

const dirs = new TempDirs();
let srv: CaptureServer;
let failing = true;
beforeAll(async () => {
  srv = await startCaptureServer((req, res, n) => {
    const subject = new URLSearchParams(req.body.toString("utf8")).get("Subject") ?? "";
    if (!failing) return xml(res, 200, publishOk(`m-${n}`));
    if (subject.startsWith("SLA report"))
      return xml(res, 500, snsError("Receiver", "InternalError", "We encountered an internal error"));
    xml(res, 400, snsError("Sender", "Throttling", "Rate exceeded"));
  });
});
afterAll(async () => {
  await srv?.close();
  await dirs.cleanup();
});

const subjectsOnWire = (from: number) =>
  srv.requests.slice(from).map((r) => new URLSearchParams(r.body.toString("utf8")).get("Subject"));

describe("SNS answering 500 and throttling errors", () => {
  it("reports the publish errors, marks them failed, and publishes each message exactly once on the retry", async () => {
    const store = new LocalObjectStore({ dir: await dirs.make() });
    const notifier = new SnsNotifier({
      topicArn: TOPIC,
      client: new SNSClient({
        endpoint: srv.url,
        region: "eu-central-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" },
        maxAttempts: MAX_ATTEMPTS,
      }),
    });
    const input = reportInput(store, notifier);

    const t0 = performance.now();
    const r1 = await runReport(input);
    const elapsed = since(t0);
    // the summary and the breaches (one digest message for all of them, one marker per breach)
    const names = expectedMessages(r1.report);
    const messages = expectedSends(r1.report);
    console.log(`[faults] SNS errors: ${messages} messages failed in a run of ${elapsed} ms`);
    expect(r1.report.breaches.length).toBeGreaterThan(0);
    expect(messages).toBe(2);
    // each message: MAX_ATTEMPTS requests (the SDK's backoff in between), then given up; how long that takes
    // is printed above, the count is the behaviour
    expect(r1.published).toEqual([]);
    expect(srv.requests).toHaveLength(messages * MAX_ATTEMPTS);
    expect(r1.error).toMatch(/^publishing failed \(will be retried\): /);
    expect(r1.error).toContain(`summary: SNS Publish to ${TOPIC} failed: InternalError (HTTP 500)`);
    // the digest's error names every breach it carries
    const items = r1.report.breaches.map(breachItem).join(", ");
    expect(r1.error).toContain(
      `${items} (one digest): SNS Publish to ${TOPIC} failed: Throttling (HTTP 400)`,
    );
    expect(r1.error).not.toContain("not-a-real-secret");
    const markers = new StateStore<PublishMarker>(store);
    for (const name of names) {
      const m = await markers.get(notificationKey(OCTOBER, undefined, name));
      expect(m?.value).toMatchObject({ state: "failed", attempt: 1 });
      expect(m?.value.error).toMatch(/InternalError|Throttling/);
    }

    failing = false;
    const before = srv.requests.length;
    const r2 = await runReport(input);
    expect(r2.error).toBeUndefined();
    expect([...r2.published].sort()).toEqual(names);
    // exactly one Publish per message on the wire, each answered 200
    const wire = subjectsOnWire(before);
    expect(wire).toHaveLength(messages);
    expect(new Set(wire).size).toBe(messages);
    for (const name of names) {
      const m = await markers.get(notificationKey(OCTOBER, undefined, name));
      expect(m?.value).toMatchObject({ state: "sent", attempt: 2 });
      expect(m?.value.id).toMatch(/^m-\d+$/);
    }

    const r3 = await runReport(input);
    expect(r3.published).toEqual([]);
    expect([...r3.alreadySent].sort()).toEqual(names);
    expect(srv.requests).toHaveLength(before + messages);
  });
});
