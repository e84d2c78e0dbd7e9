/**
 * The report Lambda handler as deployed: config file from SLA_CONFIG, reports to an S3 bucket, messages to
 * an SNS topic, both served by an S3/SNS emulator (fauxqs) speaking the real protocols to the real SDK.
 */

import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FAUXQS_CREDENTIALS, FAUXQS_REGION, type Fauxqs, startFauxqsServer } from "../helpers/fauxqs.js";

let fx: Fauxqs;
let handler: typeof import("../../packages/functions/src/report.js")["handler"];
let handleReport: typeof import("../../packages/functions/src/report.js")["handleReport"];
let reportQueue: string;
const BUCKET = "sla-reports";

beforeAll(async () => {
  fx = await startFauxqsServer({ buckets: [BUCKET] });
  const topicArn = await fx.createTopic("sla-monitor");
  const q = await fx.createQueue("email-reports");
  reportQueue = "email-reports";
  // what an email subscription with a filter policy on kind=report would receive
  await fx.subscribeQueue(topicArn, q.arn, { FilterPolicy: JSON.stringify({ kind: ["report"] }) });
  Object.assign(process.env, {
    SLA_CONFIG: join(import.meta.dirname, "../report/fixture.config.yaml"),
    SLA_PROMETHEUS_URL: inject("prometheusUrl"),
    SLA_BUCKET: BUCKET,
    SLA_TOPIC_ARN: topicArn,
    AWS_ENDPOINT_URL: fx.endpoint,
    AWS_REGION: FAUXQS_REGION,
    AWS_ACCESS_KEY_ID: FAUXQS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAUXQS_CREDENTIALS.secretAccessKey,
  });
  ({ handler, handleReport } = await import("../../packages/functions/src/report.js"));
});
afterAll(async () => {
  for (const k of ["SLA_CONFIG", "SLA_PROMETHEUS_URL", "SLA_BUCKET", "SLA_TOPIC_ARN", "AWS_ENDPOINT_URL"])
    delete process.env[k];
  await fx.stop();
});

const keys = async () =>
  ((await fx.s3().send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? [])
    .map((o) => o.Key!)
    .sort();

describe("report Lambda handler", () => {
  it("rejects bad payloads with a clear error and writes nothing", async () => {
    for (const [payload, msg] of [
      [{ period: "2026-13" }, /2026-13/],
      [{ period: "2026-10", from: "2026-10-01", to: "2026-10-02" }, /either "period" or "from" and "to"/],
      [{ from: "2026-10-01" }, /go together|either/],
      [{ period: "2026-10", slos: ["no-such-slo"] }, /unknown SLO name\(s\): "no-such-slo" \(known: "/],
      [{ period: "2026-10", notfiy: true }, /notfiy/],
      [{ period: "2099-01" }, /period "2099-01" is in the future/],
      [{ period: "1999-12" }, /period "1999-12" starts before 2000-01-01/],
      [{ from: "2026-10-05", to: "2026-10-05" }, /must be before its end/],
      [{ period: "2099-Q1" }, /^period "2099-Q1" is in the future/],
      [{ period: "2099" }, /^period "2099" is in the future/],
      [{ period: 2099 }, /^period "2099" is in the future/],
      [{ period: "1999-Q4" }, /^period "1999-Q4" starts before 2000-01-01/],
      [{ period: "2026-Q5" }, /^invalid quarter "2026-Q5": quarter must be Q1\.\.Q4$/],
      [
        { period: "2026-q4" },
        /^invalid period "2026-q4": expected .* a quarter "YYYY-Qn" .* or a year "YYYY"/,
      ],
      [{ period: 2026.5 }, /invalid payload: period/],
      // the fixture config's SLOs keep the default windows (weeks and months)
      [
        { period: "2026-Q3" },
        /^period "2026-Q3": no SLO lists the quarterly window; add "quarterly" to slos\[\]\.windows/,
      ],
      [{ schedule: "hourly" }, /invalid payload/],
      ["hello", /invalid payload/],
    ] as const) {
      const r = await handler(payload);
      expect(r.ok, JSON.stringify(payload)).toBe(false);
      if (!r.ok) expect(r.error).toMatch(msg);
    }
    expect(await keys()).toEqual([]);
  });

  it("serves an on-demand period: files in S3 with content types, no notification by default", async () => {
    const r = await handler({ period: "2026-10" });
    expect(r.ok).toBe(true);
    if (!r.ok || !("location" in r)) return;
    expect(r.location).toBe(`s3://${BUCKET}`);
    expect(r.summary).toEqual({ total: 5, met: 3, missed: 1, unknown: 1 });
    expect(r.published).toEqual([]);
    expect(await keys()).toEqual([
      "reports/index.html",
      "reports/index.json",
      "reports/monthly/2026-10/report.csv",
      "reports/monthly/2026-10/report.html",
      "reports/monthly/2026-10/report.json",
      "reports/monthly/2026-10/report.md",
      "reports/monthly/2026-10/report.txt",
    ]);
    const html = await fx
      .s3()
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: "reports/monthly/2026-10/report.html" }));
    expect(html.ContentType).toMatch(/^text\/html/);
    expect(await fx.queueMessages(reportQueue)).toEqual([]);
  });

  it("serves the monthly schedule: previous complete month, summary published once across retries", async () => {
    const runAt = new Date("2026-11-01T06:00:00+01:00");
    const first = await handleReport({ schedule: "monthly" }, runAt);
    expect(first.ok && first.period).toBe("2026-10");
    if (!first.ok) return;
    expect(first.published).toEqual(
      expect.arrayContaining(["summary", "breach-flaky-availability-missed-critical"]),
    );
    const retry = await handleReport({ schedule: "monthly" }, runAt);
    expect(retry.ok && retry.published).toEqual([]);
    // only the report summary passes the kind=report filter policy, and only once
    const msgs = await fx.queueMessages(reportQueue);
    expect(msgs).toHaveLength(1);
    expect(JSON.stringify(msgs[0])).toContain("October 2026");
  });

  it("serves the quarterly and yearly schedules: the previous complete quarter / year, refused when no SLO lists it", async () => {
    // 1 January 2027 06:10 / 06:20 in Berlin: Q4 2026 and 2026 are complete; the fixture config's SLOs
    // list weeks and months only, so nothing is written and the answer says why
    const before = await keys();
    const quarter = await handleReport({ schedule: "quarterly" }, new Date("2027-01-01T06:10:00+01:00"));
    expect(quarter).toEqual({
      ok: false,
      error:
        'period "2026-Q4": no SLO lists the quarterly window; add "quarterly" to slos[].windows of the SLOs to report per quarter',
    });
    const year = await handleReport({ schedule: "yearly" }, new Date("2027-01-01T06:20:00+01:00"));
    expect(year.ok).toBe(false);
    if (!year.ok) expect(year.error).toMatch(/^period "2026": no SLO lists the yearly window/);
    expect(await keys()).toEqual(before);
  });

  it("serves the hourly budget check: the running month, breaches once, no summary", async () => {
    const runAt = new Date("2026-10-26T09:30:00Z");
    const before = (await fx.queueMessages(reportQueue)).length;
    const first = await handleReport({ schedule: "current" }, runAt);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.period).toBe("2026-10");
    // flaky has burnt 25 x 3 min of a 44.7-min budget: exhausted while the month still runs
    expect(first.breaches).toContainEqual({
      slo: "flaky-availability",
      kind: "budget-exhausted",
      severity: "critical",
    });
    expect(first.published).toContain("breach-flaky-availability-budget-exhausted-critical");
    expect(first.published).not.toContain("summary");
    const next = await handleReport({ schedule: "current" }, new Date(runAt.getTime() + 3600_000));
    expect(next.ok && next.published).toEqual([]);
    expect(await fx.queueMessages(reportQueue)).toHaveLength(before);
  });
});
