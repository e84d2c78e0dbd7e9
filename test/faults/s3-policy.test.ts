/**
 * The probe and the report on S3 under their deployed IAM policies, from an empty bucket. The policies are
 * read from the CloudFormation that infra/aws/grants.ts synthesizes (objects under the function's prefixes;
 * s3:ListBucket only with a prefix inside them, `StringLike`), and enforced by an S3 endpoint that answers
 * as S3 does for such a caller (test/helpers/s3-policy-proxy.ts) in front of fauxqs: a GET of a key that does
 * not exist yet is 403, not 404. Every first read (probe state, report index, publish-once markers) must
 * still read as "absent", and every run must complete and publish exactly once.
 */
import { App, Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantProbe, grantReport, NotificationTopic, PREFIX, ReportsBucket } from "../../infra/aws/index.js";
import { parseConfig } from "../../packages/core/src/config/index.js";
import { PROBE_STATE_KEY, runProbeCycle } from "../../packages/core/src/probe/cycle.js";
import { INDEX_KEY } from "../../packages/core/src/report/keys.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { S3ObjectStore } from "../../packages/core/src/store/index.js";
import { type Fauxqs, startFauxqsServer } from "../helpers/fauxqs.js";
import { type HostileServer, refusedPort, startHostileHttp } from "../helpers/hostile-servers.js";
import { type FunctionPolicy, type S3PolicyProxy, startS3PolicyProxy } from "../helpers/s3-policy-proxy.js";
import { roleStatements, s3PolicyOf, targetId } from "../infra/helpers.js";
import { CountingNotifier, expectedMessages, expectedSends, reportInput } from "./helpers.js";

const BUCKET = "sla-policy-runs";

/** The S3 policies grantProbe / grantReport synthesize, per function. */
function deployedPolicies(): { probe: FunctionPolicy; report: FunctionPolicy } {
  const stack = new Stack(new App(), "Policies", {
    env: { account: "123456789012", region: "eu-central-1" },
  });
  const { bucket } = new ReportsBucket(stack, "Reports", { retain: true });
  const { topic } = new NotificationTopic(stack, "Notifications", {});
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromInline("exports.handler = async () => ({});"),
      timeout: Duration.seconds(30),
    });
  const probe = fn("Probe");
  const report = fn("Report");
  grantProbe(probe, { bucket, topic });
  grantReport(report, { bucket, topic });
  const template = Template.fromStack(stack);
  const of = (id: string) => {
    const [logicalId] = Object.entries(template.findResources("AWS::Lambda::Function")).find(([k]) =>
      k.startsWith(id),
    )!;
    const role = targetId(template.findResources("AWS::Lambda::Function")[logicalId]!.Properties.Role)!;
    return s3PolicyOf(roleStatements(template, role));
  };
  return { probe: of("Probe"), report: of("Report") };
}

let fx: Fauxqs;
let probeS3: S3PolicyProxy;
let reportS3: S3PolicyProxy;
let peer: HostileServer;
beforeAll(async () => {
  const policies = deployedPolicies();
  // what the infra grants (asserted on the templates in test/infra and test/stacks), enforced below
  expect(policies.probe).toEqual({ objects: [PREFIX.state], list: [PREFIX.state], listWithoutPrefix: false });
  expect(policies.report).toEqual({
    objects: [PREFIX.reports, PREFIX.notifications],
    list: [PREFIX.reports, PREFIX.notifications],
    listWithoutPrefix: false,
  });
  fx = await startFauxqsServer({ buckets: [BUCKET] });
  probeS3 = await startS3PolicyProxy(fx.endpoint, BUCKET, policies.probe);
  reportS3 = await startS3PolicyProxy(fx.endpoint, BUCKET, policies.report);
  peer = await startHostileHttp();
}, 120_000);
afterAll(async () => {
  await probeS3?.close();
  await reportS3?.close();
  await peer?.close();
  await fx?.stop();
});

const storeVia = (proxy: S3PolicyProxy) =>
  new S3ObjectStore({ bucket: BUCKET, client: fx.s3({ endpoint: proxy.url, maxAttempts: 1 }) });

describe("under the deployed S3 policies (no ListBucket without a prefix)", () => {
  it("the probe: its first state is created (the missing object's 403 confirmed absent), DOWN alerted once", async () => {
    const refused = await refusedPort();
    const config = await parseConfig(
      JSON.stringify({
        targets: [
          { name: "ok", url: `${peer.url}/ok`, timeoutMs: 30_000 },
          { name: "refused", url: `http://127.0.0.1:${refused}/health`, timeoutMs: 30_000 },
        ],
        notify: { downAfter: 1, recoverAfter: 1 },
      }),
      { format: "json", source: "s3-policy" },
    );
    const store = storeVia(probeS3);
    const notifier = new CountingNotifier();
    const t0 = new Date("2026-11-01T05:00:00.000Z");
    const run = (at: Date) => runProbeCycle({ config, writer: null, store, notifier, now: () => at });
    const r1 = await run(t0);
    expect(r1.publishErrors).toEqual([]);
    expect(notifier.subjects()).toEqual(["DOWN: refused"]);
    expect(probeS3.log.slice(0, 2)).toEqual([
      `GET ${PROBE_STATE_KEY} (missing) -> 403`,
      `GET ?prefix=${PROBE_STATE_KEY} -> 200`,
    ]);
    const r2 = await run(new Date(t0.getTime() + 60_000));
    expect(r2.publishErrors).toEqual([]);
    expect(notifier.sent).toHaveLength(1);
    expect(probeS3.log.filter((l) => l.endsWith("-> 403"))).toHaveLength(1); // only the very first read
  });

  it("the report: stored, indexed, published once; a retry sends nothing; a damaged index is rebuilt", async () => {
    const store = storeVia(reportS3);
    const notifier = new CountingNotifier();
    const r1 = await runReport(reportInput(store, notifier));
    expect(r1.error).toBeUndefined();
    expect([...r1.published].sort()).toEqual(expectedMessages(r1.report));
    expect(notifier.sent).toHaveLength(expectedSends(r1.report));
    // every first read was a 403 confirmed absent by listing that key: the index and each marker
    const missing = reportS3.log.filter((l) => l.endsWith("(missing) -> 403"));
    expect(missing.map((l) => l.split(" ")[1])).toEqual(
      expect.arrayContaining([INDEX_KEY, expect.stringMatching(/^notifications\/.*\/summary\.json$/)]),
    );
    expect(reportS3.log.filter((l) => l.includes("?prefix=") && !l.endsWith("-> 200"))).toEqual([]);

    const r2 = await runReport(reportInput(store, notifier));
    expect(r2.error).toBeUndefined();
    expect(r2.published).toEqual([]);
    expect(notifier.sent).toHaveLength(expectedSends(r1.report));

    await store.put(INDEX_KEY, "{");
    const r3 = await runReport(reportInput(store, notifier));
    expect(r3.error).toBeUndefined();
    expect(r3.indexRebuilt).toMatchObject({ key: INDEX_KEY, entries: 1 });
    expect(reportS3.log).toContain("GET ?prefix=reports/ -> 200");
  });
});
