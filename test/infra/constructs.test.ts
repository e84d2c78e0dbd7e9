/**
 * The plain aws-cdk-lib constructs of infra/aws, built in a cdk.App around tiny inline Lambdas and asserted
 * on the synthesized CloudFormation (offline).
 */
import { App, Aspects, Duration, Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DeadLetterAlarm,
  EveryMinute,
  FailureQueue,
  FunctionAlarms,
  FunctionLogGroups,
  grantProbe,
  grantReport,
  MONTHLY_CRON,
  NotificationTopic,
  PREFIX,
  QUARTERLY_CRON,
  ReportsBucket,
  reportSchedules,
  routeAsyncFailures,
  StorageKey,
  WEEKLY_CRON,
  YEARLY_CRON,
  ZonedSchedule,
} from "../../infra/aws/index.js";
import { OVERLOAD_METRIC } from "../../packages/core/src/probe/overload.js";
import { resolveWindow } from "../../packages/core/src/slo/windows.js";
import {
  actionsOf,
  allPolicyStatements,
  functionLogProblems,
  iamPolicyStatements,
  leastPrivilegeViolations,
  managedPolicyAttachments,
  onlyId,
  refersTo,
  resourcesOf,
  roleStatements,
  type Statement,
  targetId,
} from "./helpers.js";

const ENV = { account: "123456789012", region: "eu-central-1" };
const PROBE_TIMEOUT = 30;
const REPORT_TIMEOUT = 300;

function inlineFn(stack: Stack, id: string, timeout: number): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: "index.handler",
    code: lambda.Code.fromInline("exports.handler = async () => ({ ok: true });"),
    timeout: Duration.seconds(timeout),
  });
}

interface Built {
  template: Template;
  stack: Stack;
  ids: {
    bucket: string;
    topic: string;
    probe: string;
    report: string;
    probeQueue: string;
    reportQueue: string;
    /** The KMS key (created variant) or undefined. */
    key?: string;
    /** The schedule group, when the schedules have one. */
    group?: string;
  };
}

const KEY_ARN = "arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555";

interface BuildOptions {
  retain: boolean;
  aps: boolean;
  /** "create": a StorageKey; "import": an existing key by ARN; default none. */
  kms?: "create" | "import";
  /** Put the schedules into their own schedule group (default: the account's default group). */
  scheduleGroup?: boolean;
}

function build(opts: BuildOptions): Built {
  const app = new App();
  const stack = new Stack(app, "InfraTest", { env: ENV });
  const key =
    opts.kms === "create"
      ? new StorageKey(stack, "Storage", { retain: opts.retain }).key
      : opts.kms === "import"
        ? kms.Key.fromKeyArn(stack, "Imported", KEY_ARN)
        : undefined;
  const encryption = key ? { encryptionKey: key } : {};
  const { bucket } = new ReportsBucket(stack, "Reports", { retain: opts.retain, ...encryption });
  const { topic } = new NotificationTopic(stack, "Notifications", key ? { masterKey: key } : {});
  const probe = inlineFn(stack, "Probe", PROBE_TIMEOUT);
  const report = inlineFn(stack, "Report", REPORT_TIMEOUT);
  const { queue: probeQueue } = new FailureQueue(stack, "ProbeFailures");
  const { queue: reportQueue } = new FailureQueue(stack, "ReportFailures");
  const aps = opts.aps ? { apsWorkspace: { region: "eu-central-1", workspaceId: "ws-1234" } } : {};
  grantProbe(probe, { bucket, topic, ...aps, ...encryption, ssmParameters: ["/sla-monitor/search-api-key"] });
  grantReport(report, { bucket, topic, ...aps, ...encryption });
  routeAsyncFailures(probe, probeQueue, { retryAttempts: 0, maxEventAge: Duration.minutes(1) });
  routeAsyncFailures(report, reportQueue, { retryAttempts: 2, maxEventAge: Duration.hours(6) });
  new EveryMinute(stack, "EveryMinute", { target: probe, deadLetterQueue: probeQueue });
  const group = opts.scheduleGroup
    ? new scheduler.CfnScheduleGroup(stack, "Schedules", { name: "t-reports" })
    : undefined;
  new ZonedSchedule(stack, "Weekly", {
    ...(group ? { group } : {}),
    target: report,
    scheduleExpression: WEEKLY_CRON,
    timeZone: "Europe/Berlin",
    input: { schedule: "weekly" },
    deadLetterQueue: reportQueue,
  });
  new ZonedSchedule(stack, "Monthly", {
    ...(group ? { group } : {}),
    target: report,
    scheduleExpression: MONTHLY_CRON,
    timeZone: "Europe/Berlin",
    input: { schedule: "monthly" },
    deadLetterQueue: reportQueue,
  });
  new FunctionAlarms(stack, "ProbeAlarms", {
    fn: probe,
    timeoutSeconds: PROBE_TIMEOUT,
    topic,
    namePrefix: "t-probe",
    heartbeat: true,
    overload: true,
  });
  new FunctionAlarms(stack, "ReportAlarms", {
    fn: report,
    timeoutSeconds: REPORT_TIMEOUT,
    topic,
    namePrefix: "t-report",
  });
  new DeadLetterAlarm(stack, "ProbeDlqAlarm", { queue: probeQueue, topic, alarmName: "t-probe-dlq" });
  new DeadLetterAlarm(stack, "ReportDlqAlarm", { queue: reportQueue, topic, alarmName: "t-report-dlq" });
  // As in sst.config.ts: every function gets its own log group with a retention and a scoped log grant.
  Aspects.of(stack).add(new FunctionLogGroups());
  const id = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as import("aws-cdk-lib").CfnElement);
  return {
    template: Template.fromStack(stack),
    stack,
    ids: {
      bucket: id(bucket),
      topic: id(topic),
      probe: id(probe),
      report: id(report),
      probeQueue: id(probeQueue),
      reportQueue: id(reportQueue),
      ...(key instanceof kms.Key ? { key: id(key) } : {}),
      ...(group ? { group: stack.getLogicalId(group) } : {}),
    },
  };
}

let dev: Built;
let prod: Built;
let withKey: Built;
let importedKey: Built;
beforeAll(() => {
  const t0 = performance.now();
  dev = build({ retain: false, aps: false });
  prod = build({ retain: true, aps: true, scheduleGroup: true });
  withKey = build({ retain: true, aps: false, kms: "create" });
  importedKey = build({ retain: false, aps: false, kms: "import" });
  console.log(`[infra] synthesized 4 test stacks in ${Math.round(performance.now() - t0)} ms`);
});

describe("reports bucket", () => {
  it("blocks public access, encrypts with SSE-S3, versions, has no CORS", () => {
    const props = dev.template.findResources("AWS::S3::Bucket")[dev.ids.bucket]?.Properties;
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
    ]);
    expect(props.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(props.OwnershipControls.Rules).toEqual([{ ObjectOwnership: "BucketOwnerEnforced" }]);
    expect(props.CorsConfiguration).toBeUndefined();
  });

  it("expires old versions and markers and moves reports to Standard-IA", () => {
    const rules = dev.template.findResources("AWS::S3::Bucket")[dev.ids.bucket]?.Properties
      .LifecycleConfiguration.Rules as Record<string, unknown>[];
    const byId = Object.fromEntries(rules.map((r) => [r.Id, r]));
    expect(byId["noncurrent-versions"]).toMatchObject({
      Status: "Enabled",
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
    expect(byId.state).toMatchObject({ Prefix: "state/", ExpirationInDays: 400 });
    expect(byId["notification-markers"]).toMatchObject({ Prefix: "notifications/", ExpirationInDays: 400 });
    expect(byId.reports).toMatchObject({
      Prefix: "reports/",
      Transitions: [{ StorageClass: "STANDARD_IA", TransitionInDays: 90 }],
    });
    expect(byId.reports?.ExpirationInDays).toBeUndefined();
  });

  it("denies requests without TLS or below TLS 1.2", () => {
    dev.template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Principal: { AWS: "*" },
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
          Match.objectLike({
            Effect: "Deny",
            Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
          }),
        ]),
      },
    });
  });

  it("is retained on prod and auto-emptied and deleted elsewhere", () => {
    const devBucket = dev.template.findResources("AWS::S3::Bucket")[dev.ids.bucket];
    const prodBucket = prod.template.findResources("AWS::S3::Bucket")[prod.ids.bucket];
    expect(devBucket?.DeletionPolicy).toBe("Delete");
    expect(prodBucket?.DeletionPolicy).toBe("Retain");
    expect(prodBucket?.UpdateReplacePolicy).toBe("Retain");
    expect(Object.keys(dev.template.findResources("Custom::S3AutoDeleteObjects"))).toHaveLength(1);
    expect(Object.keys(prod.template.findResources("Custom::S3AutoDeleteObjects"))).toHaveLength(0);
  });
});

describe("notification topic", () => {
  it("denies sns:Publish without TLS and lets this account's CloudWatch alarms publish", () => {
    const policies = Object.values(dev.template.findResources("AWS::SNS::TopicPolicy"));
    expect(policies).toHaveLength(1);
    const props = policies[0]?.Properties;
    expect(refersTo(props.Topics, dev.ids.topic)).toBe(true);
    const statements = props.PolicyDocument.Statement as Record<string, unknown>[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Action: "sns:Publish",
        Principal: "*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
    const cw = statements.find((s) => s.Sid === "AllowCloudWatchAlarmsOfThisAccount");
    expect(cw).toMatchObject({
      Effect: "Allow",
      Action: "sns:Publish",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    // Only the deny is open to every principal; nothing else is granted to "*".
    const open = statements.filter((s) => ['"*"', '{"AWS":"*"}'].includes(JSON.stringify(s.Principal)));
    expect(open).toHaveLength(1);
    expect(open.every((s) => s.Effect === "Deny")).toBe(true);
  });
});

describe("IAM", () => {
  const variants = () => ({ dev, prod, withKey, importedKey });
  for (const variant of ["dev", "prod", "withKey", "importedKey"] as const) {
    it(`has no wildcard actions, no Resource * and no managed policies, inline or managed (${variant})`, () => {
      const built = variants()[variant];
      expect(iamPolicyStatements(built.template).length).toBeGreaterThan(5);
      expect(leastPrivilegeViolations(built.template)).toEqual([]);
    });
  }

  it("detects violations (the check itself can fail)", () => {
    const app = new App();
    const stack = new Stack(app, "Bad", { env: ENV });
    const fn = inlineFn(stack, "Fn", 10);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["s3:*"], resources: ["*"] }));
    // a customer managed policy with logs:* on *, attached to a role, and a role-inline Resource "*"
    const role = new iam.Role(stack, "Other", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      inlinePolicies: {
        Describe: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ["ec2:DescribeRegions"], resources: ["*"] })],
        }),
      },
    });
    new iam.ManagedPolicy(stack, "Logs", {
      roles: [role],
      statements: [new iam.PolicyStatement({ actions: ["logs:*"], resources: ["*"] })],
    });
    const template = Template.fromStack(stack);
    const problems = leastPrivilegeViolations(template);
    expect(problems.some((p) => p.includes("wildcard action s3:*"))).toBe(true);
    expect(problems.some((p) => p.includes('s3 statement with Resource "*"'))).toBe(true);
    expect(problems.some((p) => p.startsWith("Logs") && p.includes("wildcard action logs:*"))).toBe(true);
    expect(problems.some((p) => p.includes('.Policies.Describe: Resource "*" for ec2:DescribeRegions'))).toBe(
      true,
    );
    // without the FunctionLogGroups aspect CDK attaches AWSLambdaBasicExecutionRole (logs:* on *)
    const attached = managedPolicyAttachments(template);
    expect(attached).toHaveLength(1);
    expect(attached[0]).toContain("AWSLambdaBasicExecutionRole");
    expect(problems).toContain(attached[0]);
  });

  function statementsOf(built: Built, fnId: string): Statement[] {
    const fn = built.template.findResources("AWS::Lambda::Function")[fnId];
    return roleStatements(built.template, targetId(fn!.Properties.Role)!);
  }

  it("probe: state/* objects only, publish to the topic, remote write to the AMP workspace, SSM by name", () => {
    const statements = statementsOf(prod, prod.ids.probe);
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("s3:")));
    expect(s3.flatMap(actionsOf).sort()).toEqual(["s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
    const objects = s3.find((s) => actionsOf(s).includes("s3:GetObject"))!;
    expect(actionsOf(objects).sort()).toEqual(["s3:GetObject", "s3:PutObject"]);
    expect(JSON.stringify(resourcesOf(objects))).toContain('"/state/*"');
    expect(JSON.stringify(resourcesOf(objects))).not.toContain("reports/");
    const list = s3.find((s) => actionsOf(s).includes("s3:ListBucket"));
    expect(list?.Condition).toEqual({ StringLike: { "s3:prefix": ["state/*"] } });
    expect(refersTo(list?.Resource, prod.ids.bucket)).toBe(true);
    expect(JSON.stringify(list?.Resource)).not.toContain("/*");
    const sns = statements.find((s) => actionsOf(s).includes("sns:Publish"));
    expect(refersTo(sns?.Resource, prod.ids.topic)).toBe(true);
    const aps = statements.find((s) => actionsOf(s).includes("aps:RemoteWrite"));
    expect(JSON.stringify(aps?.Resource)).toContain(":aps:eu-central-1:123456789012:workspace/ws-1234");
    const ssm = statements.find((s) => actionsOf(s).includes("ssm:GetParameter"));
    expect(JSON.stringify(ssm?.Resource)).toContain(
      ":ssm:eu-central-1:123456789012:parameter/sla-monitor/search-api-key",
    );
    expect(statements.some((s) => actionsOf(s).includes("aps:QueryMetrics"))).toBe(false);
  });

  it("report: reports/* and notifications/* objects, ListBucket limited by prefix, publish, query AMP", () => {
    const statements = statementsOf(prod, prod.ids.report);
    const objects = statements.find((s) => actionsOf(s).includes("s3:PutObject"));
    expect(actionsOf(objects!).sort()).toEqual(["s3:GetObject", "s3:PutObject"]);
    const resources = JSON.stringify(resourcesOf(objects!));
    expect(resources).toContain('"/reports/*"');
    expect(resources).toContain('"/notifications/*"');
    expect(resources).not.toContain("state/");
    const list = statements.find((s) => actionsOf(s).includes("s3:ListBucket"));
    // Its own prefixes only, and a prefix required: the index rebuild lists reports/; a 403 for a missing
    // index or marker is confirmed by listing that key (packages/core/src/store/s3.ts).
    expect(list?.Condition).toEqual({ StringLike: { "s3:prefix": ["reports/*", "notifications/*"] } });
    expect(statements.some((s) => actionsOf(s).includes("sns:Publish"))).toBe(true);
    const aps = statements.find((s) => actionsOf(s).includes("aps:QueryMetrics"));
    expect(JSON.stringify(aps?.Resource)).toContain("workspace/ws-1234");
    expect(statements.some((s) => actionsOf(s).includes("aps:RemoteWrite"))).toBe(false);
  });

  it("s3:ListBucket: only with a prefix, inside the function's own prefixes; no listing without one", () => {
    // The function's object prefixes: it lists reports/ (the index rebuild) and confirms a missing key by
    // listing that key (a GET of a missing key is 403 without a prefix-less ListBucket).
    const lists = { probe: [PREFIX.state], report: [PREFIX.reports, PREFIX.notifications] };
    for (const built of [dev, prod, withKey]) {
      const all = allPolicyStatements(built.template).map((x) => x.statement);
      const listing = all.filter((s) => actionsOf(s).includes("s3:ListBucket"));
      expect(listing).toHaveLength(2); // one per function, nowhere else
      for (const [fn, prefixes] of Object.entries(lists)) {
        const own = statementsOf(built, built.ids[fn as "probe" | "report"]).filter((s) =>
          actionsOf(s).includes("s3:ListBucket"),
        );
        expect(own).toHaveLength(1);
        const st = own[0]!;
        expect(actionsOf(st)).toEqual(["s3:ListBucket"]);
        expect(resourcesOf(st)).toHaveLength(1);
        expect(refersTo(st.Resource, built.ids.bucket)).toBe(true);
        // Exactly one operator and one key. StringLike, not StringLikeIfExists: a request without a prefix
        // (a listing of the whole bucket) is denied; one that names a prefix must name one of the function's.
        expect(Object.keys(st.Condition ?? {})).toEqual(["StringLike"]);
        const cond = st.Condition?.StringLike as Record<string, string[]>;
        expect(Object.keys(cond)).toEqual(["s3:prefix"]);
        expect(cond["s3:prefix"]).toEqual(prefixes.map((p) => `${p}*`));
        for (const pattern of cond["s3:prefix"]!) expect(pattern).toMatch(/^[a-z]+\/\*$/);
      }
    }
  });

  it("grants no aps actions when Prometheus is not AMP", () => {
    const all = iamPolicyStatements(dev.template).flatMap(({ statement }) => actionsOf(statement));
    expect(all.filter((a) => a.startsWith("aps:"))).toEqual([]);
  });
});

describe("function logs", () => {
  it("every function (the auto-delete provider too) logs into its own log group with a retention", () => {
    for (const built of [dev, prod, withKey, importedKey]) {
      const { problems, functions } = functionLogProblems(built.template);
      expect(problems).toEqual([]);
      // probe + report (+ the auto-delete provider on non-retained variants)
      expect(functions).toBe(built === dev || built === importedKey ? 3 : 2);
    }
    const groups = Object.values(dev.template.findResources("AWS::Logs::LogGroup"));
    expect(groups.map((g) => g.Properties.RetentionInDays)).toEqual([30, 30, 30]);
  });

  it("no role keeps AWSLambdaBasicExecutionRole or any other managed policy", () => {
    for (const built of [dev, prod, withKey, importedKey]) {
      expect(managedPolicyAttachments(built.template)).toEqual([]);
      expect(JSON.stringify(built.template.toJSON())).not.toContain("AWSLambdaBasicExecutionRole");
    }
  });

  it("grants logs:CreateLogStream and logs:PutLogEvents on the function's own group only, never CreateLogGroup", () => {
    const all = allPolicyStatements(dev.template).map((x) => x.statement);
    const logs = all.filter((s) => actionsOf(s).some((a) => a.startsWith("logs:")));
    expect(logs).toHaveLength(3);
    for (const st of logs) {
      expect(st.Sid).toBe("WriteOwnLogs");
      expect(actionsOf(st).sort()).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
      expect(JSON.stringify(st.Resource)).toMatch(/:logs:eu-central-1:123456789012:log-group:.*:\*"/);
    }
    expect(all.flatMap(actionsOf)).not.toContain("logs:CreateLogGroup");
    // the provider's handler logs into the group the aspect created for it
    const [providerId, provider] = Object.entries(dev.template.findResources("AWS::Lambda::Function")).find(
      ([id]) => id.startsWith("CustomS3AutoDeleteObjects"),
    )!;
    expect(providerId).toBeTruthy();
    expect(targetId(provider.Properties.LoggingConfig.LogGroup)).toMatch(/^CustomS3AutoDeleteObjects.*Logs/);
  });

  it("the check fails for a function without the aspect", () => {
    const app = new App();
    const stack = new Stack(app, "NoAspect", { env: ENV });
    inlineFn(stack, "Fn", 10);
    const { problems } = functionLogProblems(Template.fromStack(stack));
    expect(problems).toEqual([expect.stringContaining("no LoggingConfig.LogGroup")]);
  });
});

describe("KMS (optional customer-managed key)", () => {
  it("is off by default: SSE-S3 bucket, topic without KMS, no key, no kms grants", () => {
    for (const built of [dev, prod]) {
      expect(Object.keys(built.template.findResources("AWS::KMS::Key"))).toHaveLength(0);
      const topic = built.template.findResources("AWS::SNS::Topic")[built.ids.topic];
      expect(topic?.Properties.KmsMasterKeyId).toBeUndefined();
      const all = allPolicyStatements(built.template).flatMap((x) => actionsOf(x.statement));
      expect(all.filter((a) => a.startsWith("kms:"))).toEqual([]);
    }
  });

  it("encrypts the bucket (SSE-KMS, bucket key) and the topic with the created, rotated key", () => {
    const { template, ids } = withKey;
    const key = template.findResources("AWS::KMS::Key")[ids.key!];
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(key?.DeletionPolicy).toBe("Retain"); // retained with the retained bucket
    const bucket = template.findResources("AWS::S3::Bucket")[ids.bucket]?.Properties;
    const [rule] = bucket.BucketEncryption.ServerSideEncryptionConfiguration;
    expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe("aws:kms");
    expect(refersTo(rule.ServerSideEncryptionByDefault.KMSMasterKeyID, ids.key!)).toBe(true);
    expect(rule.BucketKeyEnabled).toBe(true);
    const topic = template.findResources("AWS::SNS::Topic")[ids.topic]?.Properties;
    expect(refersTo(topic.KmsMasterKeyId, ids.key!)).toBe(true);
  });

  it("key policy: delegates to the account's IAM (the functions' grants) and lets this account's alarms publish", () => {
    const { template, ids } = withKey;
    const statements = template.findResources("AWS::KMS::Key")[ids.key!]?.Properties.KeyPolicy
      .Statement as Statement[];
    expect(statements).toHaveLength(2);
    const root = statements.find((s) => JSON.stringify(s.Principal).includes(":iam::123456789012:root"));
    expect(root).toMatchObject({ Effect: "Allow", Action: "kms:*", Resource: "*" });
    expect(root?.Condition).toBeUndefined();
    const cw = statements.find((s) => s.Sid === "AllowCloudWatchAlarmsOfThisAccountToPublish");
    expect(cw).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    expect(JSON.stringify(cw?.Condition)).toContain(":cloudwatch:eu-central-1:123456789012:alarm:*");
    // nothing else is open: no "*" principal
    expect(statements.some((s) => JSON.stringify(s.Principal).includes('"*"'))).toBe(false);
  });

  it("publishers and readers: both functions may use the key for S3 and SNS only", () => {
    for (const built of [withKey, importedKey]) {
      for (const fn of [built.ids.probe, built.ids.report]) {
        const fnRes = built.template.findResources("AWS::Lambda::Function")[fn];
        const keyStatements = roleStatements(built.template, targetId(fnRes!.Properties.Role)!).filter((s) =>
          actionsOf(s).some((a) => a.startsWith("kms:")),
        );
        expect(keyStatements).toHaveLength(1);
        const st = keyStatements[0]!;
        expect(actionsOf(st).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
        if (built === withKey) expect(refersTo(st.Resource, built.ids.key!)).toBe(true);
        else expect(st.Resource).toBe(KEY_ARN);
        expect(st.Condition).toEqual({
          StringEquals: {
            "kms:ViaService": ["s3.eu-central-1.amazonaws.com", "sns.eu-central-1.amazonaws.com"],
          },
        });
      }
    }
  });

  it("an imported key: used by bucket and topic, its key policy left alone, with a warning for CloudWatch", () => {
    const { template, stack, ids } = importedKey;
    expect(Object.keys(template.findResources("AWS::KMS::Key"))).toHaveLength(0);
    const topic = template.findResources("AWS::SNS::Topic")[ids.topic]?.Properties;
    expect(topic.KmsMasterKeyId).toBe(KEY_ARN);
    Annotations.fromStack(stack).hasWarning(
      "/InfraTest/Notifications",
      Match.stringLikeRegexp("key policy must let cloudwatch.amazonaws.com"),
    );
  });
});

describe("dead-letter queues", () => {
  it("receive failed async invocations (on-failure destination) with the configured retries", () => {
    const configs = Object.values(dev.template.findResources("AWS::Lambda::EventInvokeConfig"));
    expect(configs).toHaveLength(2);
    const probe = configs.find((c) => refersTo(c.Properties.FunctionName, dev.ids.probe))?.Properties;
    const report = configs.find((c) => refersTo(c.Properties.FunctionName, dev.ids.report))?.Properties;
    expect(probe).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    expect(report).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 });
    expect(refersTo(probe?.DestinationConfig.OnFailure.Destination, dev.ids.probeQueue)).toBe(true);
    expect(refersTo(report?.DestinationConfig.OnFailure.Destination, dev.ids.reportQueue)).toBe(true);
  });

  it("are encrypted, TLS-only and keep messages 14 days", () => {
    const queues = Object.values(dev.template.findResources("AWS::SQS::Queue"));
    expect(queues).toHaveLength(2);
    for (const q of queues) {
      expect(q.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    }
    const policies = Object.values(dev.template.findResources("AWS::SQS::QueuePolicy"));
    expect(policies.length).toBeGreaterThanOrEqual(2);
    for (const p of policies) {
      expect(JSON.stringify(p.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it("also catch schedule deliveries that failed (rule and Scheduler DLQs)", () => {
    const rule = Object.values(dev.template.findResources("AWS::Events::Rule"))[0]?.Properties;
    expect(rule.ScheduleExpression).toBe("rate(1 minute)");
    expect(rule.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    expect(refersTo(rule.Targets[0].DeadLetterConfig, dev.ids.probeQueue)).toBe(true);
    for (const s of Object.values(dev.template.findResources("AWS::Scheduler::Schedule"))) {
      expect(refersTo(s.Properties.Target.DeadLetterConfig, dev.ids.reportQueue)).toBe(true);
    }
  });
});

describe("schedules", () => {
  it("run the weekly and monthly reports in the configured time zone", () => {
    const schedules = Object.values(dev.template.findResources("AWS::Scheduler::Schedule")).map(
      (s) => s.Properties,
    );
    expect(schedules.map((s) => s.ScheduleExpression).sort()).toEqual(
      ["cron(0 6 ? * MON *)", "cron(0 6 1 * ? *)"].sort(),
    );
    for (const s of schedules) {
      expect(s.ScheduleExpressionTimezone).toBe("Europe/Berlin");
      expect(s.FlexibleTimeWindow).toEqual({ Mode: "OFF" });
      expect(refersTo(s.Target.Arn, dev.ids.report)).toBe(true);
      const input = JSON.parse(s.Target.Input);
      expect(input).toEqual({ schedule: s.ScheduleExpression.includes("MON") ? "weekly" : "monthly" });
    }
  });

  it("add the quarterly and yearly runs only when an SLO lists those windows", () => {
    const runs = (...windows: (string[] | undefined)[]) =>
      reportSchedules({ slos: windows.map((w) => (w ? { windows: w } : {})) }).map((r) => [
        r.id,
        r.kind,
        r.cron,
      ]);
    const base = [
      ["Weekly", "weekly", "cron(0 6 ? * MON *)"],
      ["Monthly", "monthly", "cron(0 6 1 * ? *)"],
    ];
    expect(runs(undefined, ["weekly"], ["monthly"])).toEqual(base);
    expect(runs()).toEqual(base);
    expect(runs(["monthly"], ["quarterly"])).toEqual([
      ...base,
      ["Quarterly", "quarterly", "cron(10 6 1 1,4,7,10 ? *)"],
    ]);
    expect(runs(["yearly"], undefined)).toEqual([...base, ["Yearly", "yearly", "cron(20 6 1 1 ? *)"]]);
    expect(runs(["quarterly", "yearly"])).toHaveLength(4);
    expect(QUARTERLY_CRON).toBe("cron(10 6 1 1,4,7,10 ? *)");
    expect(YEARLY_CRON).toBe("cron(20 6 1 1 ? *)");
    const [quarterly] = reportSchedules({ slos: [{ windows: ["quarterly"] }] }).filter(
      (r) => r.kind === "quarterly",
    );
    expect(quarterly!.description("Europe/Berlin")).toBe(
      "Quarterly SLA report, 1 Jan/Apr/Jul/Oct 06:10 Europe/Berlin, for the previous quarter",
    );
  });

  it("quarterly and yearly runs report the previous complete quarter / year at their local run time", () => {
    // the crons' run times in Europe/Berlin (CET/CEST), as Scheduler evaluates them with the zone
    const tz = "Europe/Berlin";
    const at = (iso: string) => new Date(iso);
    for (const [run, quarter] of [
      ["2027-01-01T06:10:00+01:00", "2026-Q4"],
      ["2027-04-01T06:10:00+02:00", "2027-Q1"],
      ["2027-07-01T06:10:00+02:00", "2027-Q2"],
      ["2027-10-01T06:10:00+02:00", "2027-Q3"],
    ] as const) {
      expect(resolveWindow({ previous: "quarterly" }, tz, at(run)).period).toBe(quarter);
    }
    expect(resolveWindow({ previous: "yearly" }, tz, at("2027-01-01T06:20:00+01:00")).period).toBe("2026");
    // a retry hours later reports the same window
    expect(resolveWindow({ previous: "yearly" }, tz, at("2027-01-01T11:59:00+01:00")).period).toBe("2026");
  });

  it("are assumable by Scheduler only for this account and the schedules' group (aws:SourceArn)", () => {
    const trusts = (b: Built) =>
      Object.entries(b.template.findResources("AWS::IAM::Role"))
        .map(([, r]) => r.Properties.AssumeRolePolicyDocument.Statement as Statement[])
        .filter((st) => JSON.stringify(st).includes("scheduler.amazonaws.com"));
    for (const b of [dev, prod]) {
      expect(trusts(b)).toHaveLength(2);
      for (const statements of trusts(b)) {
        expect(statements).toHaveLength(1);
        expect(statements[0]).toMatchObject({
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Principal: { Service: "scheduler.amazonaws.com" },
        });
        const equals = statements[0]!.Condition?.StringEquals as Record<string, unknown>;
        expect(Object.keys(equals).sort()).toEqual(["aws:SourceAccount", "aws:SourceArn"]);
        expect(equals["aws:SourceAccount"]).toBe("123456789012");
        if (b === prod) expect(equals["aws:SourceArn"]).toEqual({ "Fn::GetAtt": [prod.ids.group, "Arn"] });
        else
          expect(JSON.stringify(equals["aws:SourceArn"])).toContain(
            ":scheduler:eu-central-1:123456789012:schedule-group/default",
          );
      }
    }
    // the schedules live in that group
    for (const s of Object.values(prod.template.findResources("AWS::Scheduler::Schedule"))) {
      expect(s.Properties.GroupName).toBe("t-reports");
      expect(s.DependsOn).toContain(prod.ids.group);
    }
    for (const s of Object.values(dev.template.findResources("AWS::Scheduler::Schedule"))) {
      expect(s.Properties.GroupName).toBeUndefined();
    }
  });

  it("may invoke only the report function", () => {
    const invoke = iamPolicyStatements(dev.template)
      .map((x) => x.statement)
      .filter((s) => actionsOf(s).includes("lambda:InvokeFunction"));
    expect(invoke).toHaveLength(2);
    for (const s of invoke) expect(refersTo(s.Resource, dev.ids.report)).toBe(true);
  });
});

describe("alarms", () => {
  // biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON, asserted field by field
  type Alarm = Record<string, any>;
  const alarms = (b: Built): Alarm[] =>
    Object.values(b.template.findResources("AWS::CloudWatch::Alarm")).map((a) => a.Properties as Alarm);

  it("cover errors, throttles, p99 duration, not-running and dead letters", () => {
    const all = alarms(dev);
    expect(all).toHaveLength(10); // probe 5 + report 3 + 2 DLQs
    const byName = Object.fromEntries(all.map((a) => [a.AlarmName, a]));
    expect(Object.keys(byName).sort()).toEqual(
      [
        "t-probe-errors",
        "t-probe-throttles",
        "t-probe-duration-p99",
        "t-probe-not-running",
        "t-probe-overloaded",
        "t-report-errors",
        "t-report-throttles",
        "t-report-duration-p99",
        "t-probe-dlq",
        "t-report-dlq",
      ].sort(),
    );
    expect(byName["t-probe-errors"]).toMatchObject({ MetricName: "Errors", Namespace: "AWS/Lambda" });
    expect(byName["t-report-throttles"]).toMatchObject({ MetricName: "Throttles" });
    expect(byName["t-probe-duration-p99"]).toMatchObject({
      MetricName: "Duration",
      ExtendedStatistic: "p99",
      Threshold: PROBE_TIMEOUT * 1000 * 0.8,
      ComparisonOperator: "GreaterThanThreshold",
    });
    expect(byName["t-report-duration-p99"]?.Threshold).toBe(REPORT_TIMEOUT * 1000 * 0.8);
    expect(byName["t-probe-not-running"]).toMatchObject({
      MetricName: "Invocations",
      Statistic: "Sum",
      Period: 300,
      Threshold: 1,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "breaching",
    });
    expect(refersTo(byName["t-probe-not-running"]?.Dimensions, dev.ids.probe)).toBe(true);
    // the metric the probe handler writes in embedded metric format, per function
    expect(byName["t-probe-overloaded"]).toMatchObject({
      Namespace: OVERLOAD_METRIC.namespace,
      MetricName: OVERLOAD_METRIC.name,
      Statistic: "Sum",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "notBreaching",
    });
    const dims = byName["t-probe-overloaded"]?.Dimensions as { Name: string; Value: unknown }[];
    expect(dims.map((d) => d.Name).sort()).toEqual(["function", "service"]);
    expect(dims.find((d) => d.Name === "service")?.Value).toBe(OVERLOAD_METRIC.service);
    expect(refersTo(dims.find((d) => d.Name === "function")?.Value, dev.ids.probe)).toBe(true);
    expect(byName["t-probe-dlq"]).toMatchObject({
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
    });
  });

  it("notify the topic on ALARM and OK", () => {
    for (const a of alarms(dev)) {
      expect(a.AlarmActions).toHaveLength(1);
      expect(refersTo(a.AlarmActions, dev.ids.topic)).toBe(true);
      expect(refersTo(a.OKActions, dev.ids.topic)).toBe(true);
    }
  });
});

describe("functions", () => {
  it("keep the runtime, architecture and timeouts they were given", () => {
    const fn = dev.template.findResources("AWS::Lambda::Function")[dev.ids.probe]?.Properties;
    expect(fn).toMatchObject({ Runtime: "nodejs22.x", Architectures: ["arm64"], Timeout: PROBE_TIMEOUT });
    expect(onlyId(dev.template, "AWS::Events::Rule")).toBeTruthy();
  });
});

describe("probe fan-out", () => {
  it("gives each shard its own invocation with its target list, five targets per rule", () => {
    const app = new App();
    const stack = new Stack(app, "Shards");
    const fn = new lambda.Function(stack, "P", {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromInline("exports.handler = async () => ({})"),
    });
    const shards = Array.from({ length: 7 }, (_, i) => [`t${2 * i}`, `t${2 * i + 1}`]);
    new EveryMinute(stack, "EveryMinute", { target: fn, shards });
    const rules = Object.values(Template.fromStack(stack).findResources("AWS::Events::Rule"));
    expect(rules).toHaveLength(2);
    const inputs = rules.flatMap((r) =>
      r.Properties.Targets.map((t: { Input: string }) => JSON.parse(t.Input)),
    );
    expect(inputs).toEqual(shards.map((targets) => ({ targets })));
    for (const r of rules) expect(r.Properties.ScheduleExpression).toBe("rate(1 minute)");
  });

  it("keeps one plain invocation when one shard holds every target", () => {
    const app = new App();
    const stack = new Stack(app, "OneShard");
    const fn = new lambda.Function(stack, "P", {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromInline("exports.handler = async () => ({})"),
    });
    new EveryMinute(stack, "EveryMinute", { target: fn, shards: [["a", "b"]] });
    const rules = Object.values(Template.fromStack(stack).findResources("AWS::Events::Rule"));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.Targets[0].Input).toBeUndefined();
  });
});
