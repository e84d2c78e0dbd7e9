/**
 * The SST app synthesized inside vitest from sla.config.example.yaml (no sla.config.yaml in the repo):
 * first for a non-production stage ("test"): functions, schedules, configuration binding, outputs,
 * self-monitoring; then for "prod" (the example's `stages.prod` overrides: AMP with SigV4; bucket retained).
 * Both stages synthesize in this one file, one after the other: SST regenerates .sst/types on every App, so
 * two files synthesizing in parallel workers could race on it.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Template } from "aws-cdk-lib/assertions";
import { useProject } from "sst/project.js";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPORT_RESERVED_CONCURRENCY, VIEWER_RESERVED_CONCURRENCY } from "../../infra/aws/index.js";
import { loadConfig } from "../../packages/core/src/config/index.js";
import { kmsSettingFor, reportReservedConcurrencyFor } from "../../stacks/settings.js";
import {
  actionsOf,
  allPolicyStatements,
  functionLogProblems,
  iamPolicyStatements,
  leastPrivilegeViolations,
  managedPolicyAttachments,
  roleStatements,
  type Statement,
  targetId,
} from "../infra/helpers.js";
import { ACCOUNT, REGION, resourceList, type Synthesized, synthesize } from "./synth.js";

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON, asserted field by field
type Res = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const resources = (t: Template, type: string): [string, Res][] =>
  Object.entries(t.findResources(type) as Record<string, Res>);
/** The product's function (not SST's per-stack CustomResourceHandler). */
function productFunction(t: Template, handler: string): Res {
  const found = resources(t, "AWS::Lambda::Function").filter(([, r]) => r.Properties.Handler === handler);
  expect(found).toHaveLength(1);
  return found[0]![1];
}
const PROBE_HANDLER = "packages/functions/src/probe.handler";
const REPORT_HANDLER = "packages/functions/src/report.handler";
/** Every statement of the role of the product function with this handler. */
function functionStatements(t: Template, handler: string): Statement[] {
  return roleStatements(t, targetId(productFunction(t, handler).Properties.Role)!);
}

/** Least-privilege checks every synthesized variant must pass (default stages and the KMS variant). */
function expectLeastPrivilege(app: Synthesized) {
  for (const [name, t] of Object.entries(app.templates)) {
    expect(leastPrivilegeViolations(t), name).toEqual([]);
    // logs: no role keeps AWSLambdaBasicExecutionRole (logs:* on *) or any other managed policy
    expect(managedPolicyAttachments(t), name).toEqual([]);
    expect(JSON.stringify(t.toJSON()), name).not.toContain("AWSLambdaBasicExecutionRole");
    // every function, SST's CustomResourceHandler and CDK's auto-delete provider included
    const { problems, functions } = functionLogProblems(t);
    expect(problems, name).toEqual([]);
    expect(functions, name).toBeGreaterThanOrEqual(1);
  }
}

let s: Synthesized;
beforeAll(async () => {
  s = await synthesize("test");
  console.log(`[sst] ${resourceList(s).length} resources:\n  ${resourceList(s).join("\n  ")}`);
}, 300_000);

describe("app", () => {
  it("has the storage, probes, viewer and reports stacks, named after the stage", () => {
    expect(Object.keys(s.stacks).sort()).toEqual(["Probes", "Reports", "Storage", "Viewer"]);
    for (const stack of Object.values(s.stacks)) expect(stack.stackName).toMatch(/^test-sla-monitor-/);
  });

  it("grants no wildcard actions, no Resource * and no managed policies (inline, role-inline, managed)", () => {
    expectLeastPrivilege(s);
    // what the checks above covered: inline policies, the auto-delete provider's role-inline policy
    expect(allPolicyStatements(s.templates.Storage!).length).toBeGreaterThan(
      iamPolicyStatements(s.templates.Storage!).length,
    );
  });

  it("gives every Lambda function a log group with a retention and a log grant on it only", () => {
    const count = (name: string) => resources(s.templates[name]!, "AWS::Lambda::Function").length;
    // SST's CustomResourceHandler in every stack, CDK's auto-delete provider in Storage (non-prod)
    expect([count("Storage"), count("Probes"), count("Reports"), count("Viewer")]).toEqual([2, 2, 2, 2]);
    for (const t of Object.values(s.templates)) expect(functionLogProblems(t).problems).toEqual([]);
    const retention = (name: string) =>
      resources(s.templates[name]!, "AWS::Logs::LogGroup")
        .map(([, r]) => r.Properties.RetentionInDays as number)
        .sort((a, b) => a - b);
    expect(retention("Storage")).toEqual([30, 30]);
    expect(retention("Probes")).toEqual([30, 30]); // probe 1 month, CustomResourceHandler 1 month
    expect(retention("Reports")).toEqual([30, 90]); // report 3 months
    expect(retention("Viewer")).toEqual([30, 30]); // viewer 1 month
  });
});

describe("storage", () => {
  it("has one hardened bucket, destroyed with its objects on non-prod stages", () => {
    const buckets = resources(s.templates.Storage!, "AWS::S3::Bucket");
    expect(buckets).toHaveLength(1);
    const [, bucket] = buckets[0]!;
    expect(bucket.DeletionPolicy).toBe("Delete");
    expect(bucket.Properties.CorsConfiguration).toBeUndefined();
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(bucket.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
    expect(resources(s.templates.Storage!, "Custom::S3AutoDeleteObjects")).toHaveLength(1);
  });

  it("stores the non-secret configuration as SST parameters", () => {
    const params = Object.fromEntries(
      resources(s.templates.Storage!, "AWS::SSM::Parameter").map(([, r]) => [
        r.Properties.Name,
        r.Properties.Value,
      ]),
    );
    expect(params).toMatchObject({
      "/sst/sla-monitor/test/Parameter/PROMETHEUS_URL/value": "https://prometheus.example.com",
      "/sst/sla-monitor/test/Parameter/TIME_ZONE/value": "Europe/Berlin",
      "/sst/sla-monitor/test/Parameter/SLA_CONFIG_FILE/value": "sla.config.example.yaml",
    });
    // The secret is set with `sst secrets set`, never synthesized.
    expect(JSON.stringify(params)).not.toContain("PROMETHEUS_TOKEN");
  });
});

describe("functions", () => {
  const fns = () => ({
    probe: productFunction(s.templates.Probes!, "packages/functions/src/probe.handler"),
    report: productFunction(s.templates.Reports!, "packages/functions/src/report.handler"),
  });

  it("run on nodejs22.x, arm64, without X-Ray", () => {
    for (const fn of Object.values(fns())) {
      expect(fn.Properties.Runtime).toBe("nodejs22.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.TracingConfig).toBeUndefined();
    }
  });

  it("derive timeouts and memory from the config", () => {
    const { probe, report } = fns();
    // largest target deadline in the example: 10 000 ms (the default) → the start window (a few ms for
    // the example's targets) + 10 s + 20 s margin, rounded up; memory: the latency floor, half a vCPU
    expect(probe.Properties.Timeout).toBe(31);
    expect(probe.Properties.MemorySize).toBe(885);
    expect(report.Properties.Timeout).toBe(300);
    expect(report.Properties.MemorySize).toBe(512);
  });

  it("get the config file path, bucket and topic as plain env, and the token only as an SSM reference", () => {
    for (const fn of Object.values(fns())) {
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(env.SLA_CONFIG).toBe(".sst/sla-monitor/sla.config.json");
      expect(env.SLA_STAGE).toBe("test");
      expect(JSON.stringify(env.SLA_BUCKET)).toContain("ReportsBucket");
      expect(JSON.stringify(env.SLA_TOPIC_ARN)).toContain("NotificationsTopic");
      expect(env.SST_Parameter_value_PROMETHEUS_URL).toBe("https://prometheus.example.com");
      expect(env.SST_Parameter_value_TIME_ZONE).toBe("Europe/Berlin");
      expect(env.SST_Secret_value_PROMETHEUS_TOKEN).toBe("__FETCH_FROM_SSM__");
    }
  });

  it("may read the bound secret from SSM by its path only", () => {
    const policy = resources(s.templates.Probes!, "AWS::IAM::Policy").map(
      ([, r]) => r.Properties.PolicyDocument,
    );
    const text = JSON.stringify(policy);
    expect(text).toContain(
      `:ssm:${REGION}:${ACCOUNT}:parameter/sst/sla-monitor/test/Secret/PROMETHEUS_TOKEN/value`,
    );
  });

  it("are bundled with the config as JSON (copyFiles), the YAML's every stage, no YAML parser needed", async () => {
    const example = await readFile(join(import.meta.dirname, "../../sla.config.example.yaml"), "utf8");
    const raw = parse(example) as unknown;
    const { paths } = useProject();
    const fnIds = [s.stacks.Probes!, s.stacks.Reports!].flatMap((stack) =>
      stack.node.findAll().filter((c) => c.node.id === "Probe" || c.node.id === "Report"),
    );
    expect(fnIds).toHaveLength(2);
    for (const c of fnIds) {
      const out = join(paths.artifacts, c.node.addr);
      expect(existsSync(join(out, "sla.config.example.yaml"))).toBe(false);
      // Lambda runs the code as a user that does not own the files: the config must be world-readable
      expect(statSync(join(out, ".sst/sla-monitor/sla.config.json")).mode & 0o004).toBe(0o004);
      const bundled = JSON.parse(
        await readFile(join(out, ".sst/sla-monitor/sla.config.json"), "utf8"),
      ) as unknown;
      expect(bundled).toEqual(raw);
      for (const stage of ["test", "prod"]) {
        expect(await loadConfig(join(out, ".sst/sla-monitor/sla.config.json"), { stage })).toEqual(
          await loadConfig(join(import.meta.dirname, "../../sla.config.example.yaml"), { stage }),
        );
      }
      const name = c.node.id === "Probe" ? "probe.mjs" : "report.mjs";
      expect(existsSync(join(out, "packages/functions/src", name))).toBe(true);
    }
  });

  it("send failed async invocations to their stack's dead-letter queue", () => {
    for (const name of ["Probes", "Reports"]) {
      const t = s.templates[name]!;
      const configs = resources(t, "AWS::Lambda::EventInvokeConfig");
      expect(configs).toHaveLength(1);
      const [queueId] = resources(t, "AWS::SQS::Queue")[0]!;
      expect(JSON.stringify(configs[0]![1].Properties.DestinationConfig.OnFailure)).toContain(queueId);
    }
  });
});

describe("least privilege", () => {
  it("s3:ListBucket: only with a prefix, inside the function's own (probe state/, report reports/ and notifications/)", () => {
    const expected = { [PROBE_HANDLER]: ["state/*"], [REPORT_HANDLER]: ["reports/*", "notifications/*"] };
    for (const [handler, prefixes] of Object.entries(expected)) {
      const t = handler === PROBE_HANDLER ? s.templates.Probes! : s.templates.Reports!;
      const list = functionStatements(t, handler).filter((st) => actionsOf(st).includes("s3:ListBucket"));
      expect(list).toHaveLength(1);
      // StringLike (see infra/aws/grants.ts): a request without a prefix is denied, so nobody lists the whole
      // bucket; the store confirms a missing key's 403 by listing that key, inside these prefixes.
      expect(list[0]!.Condition).toEqual({ StringLike: { "s3:prefix": prefixes } });
    }
    // no other ListBucket anywhere, and none that allows a request without a prefix
    const all = Object.values(s.templates).flatMap((t) => allPolicyStatements(t).map((x) => x.statement));
    const listing = all.filter((st) => actionsOf(st).includes("s3:ListBucket"));
    expect(listing).toHaveLength(2);
    for (const st of listing) expect(Object.keys(st.Condition ?? {})).toEqual(["StringLike"]);
  });

  it("caps the report function's concurrency by default; the probe keeps the account's", () => {
    const report = productFunction(s.templates.Reports!, REPORT_HANDLER);
    expect(report.Properties.ReservedConcurrentExecutions).toBe(REPORT_RESERVED_CONCURRENCY);
    expect(REPORT_RESERVED_CONCURRENCY).toBe(2);
    const probe = productFunction(s.templates.Probes!, PROBE_HANDLER);
    expect(probe.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it("reportReservedConcurrency: a number, false (none), per stage; anything else is refused by name", () => {
    const f = reportReservedConcurrencyFor;
    expect(f({}, "prod")).toBe(REPORT_RESERVED_CONCURRENCY);
    expect(f({ reportReservedConcurrency: 5 }, "prod")).toBe(5);
    expect(f({ reportReservedConcurrency: false }, "prod")).toBeUndefined();
    const perStage = { reportReservedConcurrency: { dev: false, prod: 3 } } as const;
    expect(f(perStage, "dev")).toBeUndefined();
    expect(f(perStage, "prod")).toBe(3);
    expect(f(perStage, "staging")).toBe(REPORT_RESERVED_CONCURRENCY);
    expect(() => f({ reportReservedConcurrency: 0 }, "prod")).toThrow(
      "reportReservedConcurrency must be a whole number from 1 to 1000, or false for none (got 0)",
    );
    expect(() => f({ reportReservedConcurrency: { prod: 1.5 } }, "prod")).toThrow(
      /^reportReservedConcurrency\.prod must be a whole number/,
    );
  });

  it("lets Scheduler assume the schedule roles only for this account and the stack's schedule group", () => {
    const t = s.templates.Reports!;
    const groups = resources(t, "AWS::Scheduler::ScheduleGroup");
    expect(groups).toHaveLength(1);
    const [groupId, group] = groups[0]!;
    expect(group.Properties.Name).toBe("test-sla-monitor-reports");
    for (const [, schedule] of resources(t, "AWS::Scheduler::Schedule")) {
      expect(schedule.Properties.GroupName).toBe("test-sla-monitor-reports");
    }
    const trusts = resources(t, "AWS::IAM::Role")
      .map(([, r]) => r.Properties.AssumeRolePolicyDocument.Statement as Statement[])
      .filter((st) => JSON.stringify(st).includes("scheduler.amazonaws.com"));
    expect(trusts).toHaveLength(5);
    for (const [statement] of trusts) {
      expect(statement?.Condition).toEqual({
        StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": { "Fn::GetAtt": [groupId, "Arn"] } },
      });
    }
  });

  it("uses no customer-managed KMS key unless configured (SSE-S3 bucket, topic without KMS)", () => {
    for (const t of Object.values(s.templates)) expect(resources(t, "AWS::KMS::Key")).toHaveLength(0);
    const [, bucket] = resources(s.templates.Storage!, "AWS::S3::Bucket")[0]!;
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
    ]);
    const [, topic] = resources(s.templates.Storage!, "AWS::SNS::Topic")[0]!;
    expect(topic.Properties.KmsMasterKeyId).toBeUndefined();
  });

  it("accepts only KMS key ARNs (not aliases) for an existing key", () => {
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
    expect(kmsSettingFor({ kms: { prod: { keyArn } } }, "prod")).toEqual({ keyArn });
    expect(kmsSettingFor({ kms: { prod: { keyArn } } }, "dev")).toBeUndefined();
    expect(() =>
      kmsSettingFor({ kms: { prod: { keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/sla` } } }, "prod"),
    ).toThrow(/KMS key ARN/);
  });
});

describe("schedules", () => {
  it("probe every minute", () => {
    const rules = resources(s.templates.Probes!, "AWS::Events::Rule");
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties.ScheduleExpression).toBe("rate(1 minute)");
  });

  it("run the weekly and monthly reports at 06:00, the quarterly and yearly ones the example asks for, and the budget check hourly, in the configured time zone", () => {
    const schedules = resources(s.templates.Reports!, "AWS::Scheduler::Schedule").map(
      ([, r]) => r.Properties,
    );
    // sla.config.example.yaml: payments-errors lists [monthly, quarterly, yearly]
    expect(schedules).toHaveLength(5);
    const byCron = Object.fromEntries(schedules.map((p) => [p.ScheduleExpression, p]));
    expect(Object.keys(byCron).sort()).toEqual([
      "cron(0 6 1 * ? *)",
      "cron(0 6 ? * MON *)",
      "cron(10 6 1 1,4,7,10 ? *)",
      "cron(20 6 1 1 ? *)",
      "cron(30 * * * ? *)",
    ]);
    expect(JSON.parse(byCron["cron(30 * * * ? *)"]!.Target.Input)).toEqual({ schedule: "current" });
    for (const p of schedules) expect(p.ScheduleExpressionTimezone).toBe("Europe/Berlin");
    expect(JSON.parse(byCron["cron(0 6 ? * MON *)"]!.Target.Input)).toEqual({ schedule: "weekly" });
    expect(JSON.parse(byCron["cron(0 6 1 * ? *)"]!.Target.Input)).toEqual({ schedule: "monthly" });
    expect(JSON.parse(byCron["cron(10 6 1 1,4,7,10 ? *)"]!.Target.Input)).toEqual({ schedule: "quarterly" });
    expect(JSON.parse(byCron["cron(20 6 1 1 ? *)"]!.Target.Input)).toEqual({ schedule: "yearly" });
    expect(byCron["cron(10 6 1 1,4,7,10 ? *)"]!.Description).toBe(
      "Quarterly SLA report, 1 Jan/Apr/Jul/Oct 06:10 Europe/Berlin, for the previous quarter",
    );
  });
});

describe("self-monitoring", () => {
  it("alarms on errors, throttles, p99 duration, not running, monitor overload and dead letters, to the topic", () => {
    const names = (t: Template) =>
      resources(t, "AWS::CloudWatch::Alarm")
        .map(([, r]) => r.Properties.AlarmName as string)
        .sort();
    expect(names(s.templates.Probes!)).toEqual([
      "test-sla-monitor-probe-dead-letters",
      "test-sla-monitor-probe-duration-p99",
      "test-sla-monitor-probe-errors",
      "test-sla-monitor-probe-not-running",
      "test-sla-monitor-probe-overloaded",
      "test-sla-monitor-probe-throttles",
    ]);
    expect(names(s.templates.Reports!)).toEqual([
      "test-sla-monitor-report-dead-letters",
      "test-sla-monitor-report-duration-p99",
      "test-sla-monitor-report-errors",
      "test-sla-monitor-report-throttles",
    ]);
    expect(names(s.templates.Viewer!)).toEqual([
      "test-sla-monitor-viewer-duration-p99",
      "test-sla-monitor-viewer-errors",
      "test-sla-monitor-viewer-throttles",
    ]);
    for (const name of ["Probes", "Reports", "Viewer"]) {
      for (const [, a] of resources(s.templates[name]!, "AWS::CloudWatch::Alarm")) {
        expect(JSON.stringify(a.Properties.AlarmActions)).toContain("NotificationsTopic");
      }
    }
    const duration = resources(s.templates.Probes!, "AWS::CloudWatch::Alarm").find(
      ([, r]) => r.Properties.MetricName === "Duration",
    )?.[1];
    expect(duration?.Properties.Threshold).toBe(24_800); // 80 % of the probe timeout, 31 s
  });
});

describe("outputs", () => {
  it("name the on-demand report function and show how to invoke it", () => {
    const outputs = s.templates.Reports!.toJSON().Outputs as Record<string, { Value: unknown }>;
    const [reportId] = resources(s.templates.Reports!, "AWS::Lambda::Function").find(
      ([, r]) => r.Properties.Handler === "packages/functions/src/report.handler",
    )!;
    expect(outputs.ReportFunctionName?.Value).toEqual({ Ref: reportId });
    const example = JSON.stringify(outputs.ReportInvokeExample?.Value);
    expect(example).toContain("aws lambda invoke --function-name ");
    expect(example).toContain(`{"Ref":"${reportId}"}`);
    expect(example).toContain(
      `--payload '{\\"period\\":\\"2026-10\\"}' --cli-binary-format raw-in-base64-out out.json`,
    );
    const storage = s.templates.Storage!.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(storage)).toEqual(expect.arrayContaining(["BucketName", "TopicArn"]));
  });
});

describe("report viewer", () => {
  const VIEWER_HANDLER = "packages/functions/src/viewer.handler";
  const t = () => s.templates.Viewer!;
  const viewerId = () =>
    resources(t(), "AWS::Lambda::Function").find(([, r]) => r.Properties.Handler === VIEWER_HANDLER)![0];

  it("runs on nodejs22.x, arm64, small, with its concurrency capped, bundled without the config", () => {
    const fn = productFunction(t(), VIEWER_HANDLER);
    expect(fn.Properties.Runtime).toBe("nodejs22.x");
    expect(fn.Properties.Architectures).toEqual(["arm64"]);
    expect(fn.Properties.MemorySize).toBe(256);
    expect(fn.Properties.Timeout).toBe(10);
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(VIEWER_RESERVED_CONCURRENCY);
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    // no config, no Prometheus, no bound SST secrets: the bucket and the link secret's ARN (and SST's own)
    expect(
      Object.keys(env)
        .filter((k) => !/^(SST_(APP|STAGE|SSM_PREFIX)|AWS_NODEJS_CONNECTION_REUSE_ENABLED)$/.test(k))
        .sort(),
    ).toEqual(["SLA_BUCKET", "SLA_LINK_SECRET_ARN"]);
    expect(JSON.stringify(env.SLA_BUCKET)).toContain("ReportsBucket");
    const [secretId] = resources(t(), "AWS::SecretsManager::Secret")[0]!;
    expect(env.SLA_LINK_SECRET_ARN).toEqual({ Ref: secretId });
  });

  it("is public through its Function URL only: auth NONE (the signature is the auth), no CORS", () => {
    const urls = resources(t(), "AWS::Lambda::Url");
    expect(urls).toHaveLength(1);
    const [, url] = urls[0]!;
    expect(url.Properties.AuthType).toBe("NONE");
    expect(url.Properties.Cors).toBeUndefined();
    expect(url.Properties.TargetFunctionArn).toEqual({ "Fn::GetAtt": [viewerId(), "Arn"] });
    const perms = resources(t(), "AWS::Lambda::Permission").map(([, r]) => r.Properties);
    expect(perms).toHaveLength(2);
    expect(perms).toContainEqual(
      expect.objectContaining({
        Action: "lambda:InvokeFunctionUrl",
        Principal: "*",
        FunctionUrlAuthType: "NONE",
      }),
    );
    // a plain Invoke by anyone only through the URL, never directly
    expect(perms).toContainEqual(
      expect.objectContaining({
        Action: "lambda:InvokeFunction",
        Principal: "*",
        InvokedViaFunctionUrl: true,
      }),
    );
  });

  it("keeps a generated link secret out of the template", () => {
    const secrets = resources(t(), "AWS::SecretsManager::Secret");
    expect(secrets).toHaveLength(1);
    const [, secret] = secrets[0]!;
    expect(secret.Properties.GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      IncludeSpace: false,
      PasswordLength: 64,
    });
    expect(secret.Properties.SecretString).toBeUndefined();
  });

  it("may read reports/* and the link secret, nothing else: no list, no write, no other prefix", () => {
    const st = functionStatements(t(), VIEWER_HANDLER).filter((x) => x.Sid !== "WriteOwnLogs");
    expect(st.map((x) => [x.Sid, actionsOf(x)])).toEqual([
      ["ReadReports", ["s3:GetObject"]],
      ["ReadLinkSecret", ["secretsmanager:GetSecretValue"]],
    ]);
    expect(JSON.stringify(st[0]!.Resource)).toContain('"/reports/*"');
    const [secretId] = resources(t(), "AWS::SecretsManager::Secret")[0]!;
    expect(st[1]!.Resource).toEqual({ Ref: secretId });
  });

  it("the report function links to it: the viewer URL and the secret in its env, GetSecretValue on that secret only", () => {
    const report = productFunction(s.templates.Reports!, REPORT_HANDLER);
    const env = report.Properties.Environment.Variables as Record<string, unknown>;
    expect(JSON.stringify(env.SLA_VIEWER_URL)).toMatch(
      /test-sla-monitor-Viewer:ExportsOutputFnGetAttViewerFunctionUrl.*FunctionUrl/,
    );
    expect(JSON.stringify(env.SLA_LINK_SECRET_ARN)).toMatch(
      /test-sla-monitor-Viewer:ExportsOutputRefLinksSecret/,
    );
    const read = functionStatements(s.templates.Reports!, REPORT_HANDLER).filter((x) =>
      actionsOf(x).some((a) => a.startsWith("secretsmanager:")),
    );
    expect(read.map((x) => actionsOf(x))).toEqual([["secretsmanager:GetSecretValue"]]);
    expect(JSON.stringify(read[0]!.Resource)).toContain("ExportsOutputRefLinksSecret");
  });

  it("outputs the viewer URL, the secret (to rotate it) and the command that issues a portal link", () => {
    const out = t().toJSON().Outputs as Record<string, { Value: unknown }>;
    const [urlId] = resources(t(), "AWS::Lambda::Url")[0]!;
    expect(out.ViewerUrl?.Value).toEqual({ "Fn::GetAtt": [urlId, "FunctionUrl"] });
    expect(out.LinkSecretArn?.Value).toEqual({ Ref: resources(t(), "AWS::SecretsManager::Secret")[0]![0] });
    const reports = s.templates.Reports!.toJSON().Outputs as Record<string, { Value: unknown }>;
    const cmd = JSON.stringify(reports.PortalLinkCommand?.Value);
    expect(cmd).toContain("aws lambda invoke --function-name ");
    expect(cmd).toContain(`--payload '{\\"portalLink\\":true}'`);
  });
});

describe("stage prod", () => {
  const WORKSPACE = "ws-00000000-0000-0000-0000-000000000000";
  let prod: Synthesized;
  beforeAll(async () => {
    prod = await synthesize("prod");
  }, 300_000);

  const statements = (t: Template) => iamPolicyStatements(t).map((x) => x.statement);

  it("retains the bucket and does not auto-delete its objects", () => {
    const buckets = Object.values(prod.templates.Storage!.findResources("AWS::S3::Bucket"));
    expect(buckets).toHaveLength(1);
    expect(buckets[0]?.DeletionPolicy).toBe("Retain");
    expect(Object.keys(prod.templates.Storage!.findResources("Custom::S3AutoDeleteObjects"))).toHaveLength(0);
    for (const stack of Object.values(prod.stacks)) expect(stack.stackName).toMatch(/^prod-sla-monitor-/);
  });

  it("uses the stage's Prometheus (AMP) and scopes aps actions to its workspace", () => {
    const param = Object.values(prod.templates.Storage!.findResources("AWS::SSM::Parameter")).find(
      (r) => r.Properties.Name === "/sst/sla-monitor/prod/Parameter/PROMETHEUS_URL/value",
    );
    expect(param?.Properties.Value).toBe(
      `https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/${WORKSPACE}`,
    );
    const write = statements(prod.templates.Probes!).filter((x) => actionsOf(x).includes("aps:RemoteWrite"));
    const query = statements(prod.templates.Reports!).filter((x) =>
      actionsOf(x).includes("aps:QueryMetrics"),
    );
    for (const st of [...write, ...query]) {
      expect(JSON.stringify(st.Resource)).toContain(`:aps:eu-central-1:${ACCOUNT}:workspace/${WORKSPACE}`);
    }
    expect(write).toHaveLength(1);
    expect(query).toHaveLength(1);
  });

  it("lets the probe read the SSM parameter its config references, by name", () => {
    const ssm = statements(prod.templates.Probes!).find((x) => actionsOf(x).includes("ssm:GetParameter"));
    expect(JSON.stringify(ssm?.Resource)).toContain(`parameter/sla-monitor/search-api-key`);
    const reportSsm = statements(prod.templates.Reports!).find((x) =>
      actionsOf(x).includes("ssm:GetParameter"),
    );
    expect(reportSsm).toBeUndefined(); // the report resolves no target headers
  });

  it("stays least-privilege with AMP grants", () => {
    expectLeastPrivilege(prod);
    expect(resources(prod.templates.Storage!, "AWS::Lambda::Function")).toHaveLength(1); // no auto-delete
  });
});

describe("stage with a customer-managed KMS key (deployOptions.kms: { create: true })", () => {
  let k: Synthesized;
  beforeAll(async () => {
    // the same variant synthesis also covers an account that cannot reserve concurrency (a low quota)
    k = await synthesize("kms", {
      kms: { kms: { create: true } },
      reportReservedConcurrency: { kms: false },
    });
  }, 300_000);

  it("reserves no concurrency for the report function when the stage says false", () => {
    const report = productFunction(k.templates.Reports!, REPORT_HANDLER);
    expect(report.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it("creates one rotated key and encrypts the bucket (SSE-KMS, bucket key) and the topic with it", () => {
    const storage = k.templates.Storage!;
    const keys = resources(storage, "AWS::KMS::Key");
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0]!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe("Delete"); // non-retained stage
    const [, bucket] = resources(storage, "AWS::S3::Bucket")[0]!;
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      {
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: {
          SSEAlgorithm: "aws:kms",
          KMSMasterKeyID: { "Fn::GetAtt": [keyId, "Arn"] },
        },
      },
    ]);
    const [, topic] = resources(storage, "AWS::SNS::Topic")[0]!;
    expect(topic.Properties.KmsMasterKeyId).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
    const outputs = storage.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.StorageKeyArn?.Value).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
    expect(resources(storage, "AWS::KMS::Alias")[0]![1].Properties.AliasName).toBe(
      "alias/kms-sla-monitor-storage",
    );
  });

  it("key policy allows the publishers: the functions via IAM delegation, CloudWatch alarms of this account", () => {
    const [, key] = resources(k.templates.Storage!, "AWS::KMS::Key")[0]!;
    const statements = key.Properties.KeyPolicy.Statement as Statement[];
    expect(statements).toHaveLength(2);
    // the account's IAM policies decide for principals of the account: the functions' grants below count
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Allow",
        Action: "kms:*",
        Principal: {
          AWS: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, `:iam::${ACCOUNT}:root`]] },
        },
      }),
    );
    const cw = statements.find((st) => JSON.stringify(st.Principal).includes("cloudwatch.amazonaws.com"));
    expect(cw).toMatchObject({
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });
    expect(JSON.stringify(cw?.Condition?.ArnLike)).toContain(`:cloudwatch:${REGION}:${ACCOUNT}:alarm:*`);
    // the alarms that publish live in the Probes and Reports stacks, on the encrypted topic
    for (const name of ["Probes", "Reports"]) {
      expect(resources(k.templates[name]!, "AWS::CloudWatch::Alarm").length).toBeGreaterThan(3);
    }
  });

  it("lets both functions use the key through S3 and SNS only", () => {
    for (const [name, handler] of [
      ["Probes", PROBE_HANDLER],
      ["Reports", REPORT_HANDLER],
    ] as const) {
      const kmsStatements = functionStatements(k.templates[name]!, handler).filter((st) =>
        actionsOf(st).some((a) => a.startsWith("kms:")),
      );
      expect(kmsStatements).toHaveLength(1);
      const st = kmsStatements[0]!;
      expect(actionsOf(st).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
      expect(JSON.stringify(st.Resource)).toContain(
        "kms-sla-monitor-Storage:ExportsOutputFnGetAttStorageKey",
      );
      expect(st.Condition).toEqual({
        StringEquals: { "kms:ViaService": [`s3.${REGION}.amazonaws.com`, `sns.${REGION}.amazonaws.com`] },
      });
    }
  });

  it("lets the viewer decrypt reports through S3 only", () => {
    const kmsStatements = functionStatements(
      k.templates.Viewer!,
      "packages/functions/src/viewer.handler",
    ).filter((st) => actionsOf(st).some((a) => a.startsWith("kms:")));
    expect(kmsStatements).toHaveLength(1);
    expect(actionsOf(kmsStatements[0]!)).toEqual(["kms:Decrypt"]);
    expect(kmsStatements[0]!.Condition).toEqual({
      StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` },
    });
  });

  it("stays least-privilege, every function with its retained log group", () => {
    expectLeastPrivilege(k);
  });
});
