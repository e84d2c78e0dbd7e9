import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { IConstruct } from "constructs";
import { PREFIX } from "./bucket.js";
import { type ApsWorkspace, ssmParameterArn } from "./sizing.js";

/**
 * Least-privilege grants. Every statement names its actions one by one (no wildcard actions) and its
 * resources by ARN (no `Resource: *`).
 *
 * `s3:ListBucket` and missing keys: S3 answers a GET of a missing key with 404 NoSuchKey only when the
 * caller may `s3:ListBucket` the bucket, else with 403 AccessDenied. The stores read keys that do not exist
 * yet (`state/probe-state.json` on the first run, `reports/index.json`, `notifications/...` markers) and
 * treat only 404 as "absent". That existence check carries no `s3:prefix`, so a plain `StringLike` prefix
 * condition would turn every first read into a 403. Hence `StringLikeIfExists`: listing is limited to the
 * function's prefixes, requests without a prefix (the existence check; also an unprefixed list) are allowed.
 */
export interface CommonGrantProps {
  bucket: s3.IBucket;
  topic: sns.ITopic;
  /** Amazon Managed Service for Prometheus workspace when the config uses SigV4 against it. */
  apsWorkspace?: ApsWorkspace;
  /**
   * SigV4 against Prometheus-compatible storage that is not an AMP workspace URL: grant the aps actions on
   * all workspaces of the account and region (still not `*`). Ignored when `apsWorkspace` is given.
   */
  apsAnyWorkspace?: boolean;
  /** SSM parameter names the function reads (`{ ssm: "/name" }` secret references in the config). */
  ssmParameters?: readonly string[];
}

function apsArn(scope: IConstruct, props: CommonGrantProps): string | undefined {
  const stack = Stack.of(scope);
  if (props.apsWorkspace) {
    const { region, workspaceId } = props.apsWorkspace;
    return `arn:${stack.partition}:aps:${region}:${stack.account}:workspace/${workspaceId}`;
  }
  if (props.apsAnyWorkspace) return `arn:${stack.partition}:aps:${stack.region}:${stack.account}:workspace/*`;
  return undefined;
}

function listStatement(bucket: s3.IBucket, prefixes: readonly string[]) {
  return new iam.PolicyStatement({
    sid: "ListOwnPrefixes",
    effect: iam.Effect.ALLOW,
    actions: ["s3:ListBucket"],
    resources: [bucket.bucketArn],
    conditions: { StringLikeIfExists: { "s3:prefix": prefixes.map((p) => `${p}*`) } },
  });
}

function ssmStatement(scope: IConstruct, names: readonly string[]) {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    sid: "ReadConfigSecretsFromSsm",
    effect: iam.Effect.ALLOW,
    actions: ["ssm:GetParameter", "ssm:GetParameters"],
    resources: names.map((n) => ssmParameterArn(stack.partition, stack.region, stack.account, n)),
  });
}

export interface ProbeGrantProps extends CommonGrantProps {
  /** Key prefixes the probe reads and writes. Default: `state/` only. */
  prefixes?: readonly string[];
}

/** The statements both functions get, differing only in prefixes, the AMP action and the sids. */
function grantFunction(
  fn: iam.IGrantable & IConstruct,
  props: CommonGrantProps,
  own: { objectsSid: string; prefixes: readonly string[]; apsSid: string; apsAction: string },
): void {
  const add = (s: iam.PolicyStatement) => fn.grantPrincipal.addToPrincipalPolicy(s);
  add(
    new iam.PolicyStatement({
      sid: own.objectsSid,
      effect: iam.Effect.ALLOW,
      actions: ["s3:GetObject", "s3:PutObject"],
      resources: own.prefixes.map((p) => props.bucket.arnForObjects(`${p}*`)),
    }),
  );
  add(listStatement(props.bucket, own.prefixes));
  add(
    new iam.PolicyStatement({
      sid: "PublishNotifications",
      effect: iam.Effect.ALLOW,
      actions: ["sns:Publish"],
      resources: [props.topic.topicArn],
    }),
  );
  const aps = apsArn(fn, props);
  if (aps) {
    add(
      new iam.PolicyStatement({
        sid: own.apsSid,
        effect: iam.Effect.ALLOW,
        actions: [own.apsAction],
        resources: [aps],
      }),
    );
  }
  if (props.ssmParameters && props.ssmParameters.length > 0) add(ssmStatement(fn, props.ssmParameters));
}

/**
 * Probe: s3:GetObject/PutObject on `state/*`, s3:ListBucket limited to `state/`, sns:Publish on the topic,
 * aps:RemoteWrite, SSM reads.
 */
export function grantProbe(fn: iam.IGrantable & IConstruct, props: ProbeGrantProps): void {
  grantFunction(fn, props, {
    objectsSid: "ProbeStateObjects",
    prefixes: props.prefixes ?? [PREFIX.state],
    apsSid: "RemoteWriteToAmp",
    apsAction: "aps:RemoteWrite",
  });
}

/**
 * Report: s3:PutObject/GetObject on `reports/*` and `notifications/*`, s3:ListBucket limited to those
 * prefixes, sns:Publish on the topic, aps:QueryMetrics, SSM reads.
 */
export function grantReport(fn: iam.IGrantable & IConstruct, props: CommonGrantProps): void {
  grantFunction(fn, props, {
    objectsSid: "ReportObjects",
    prefixes: [PREFIX.reports, PREFIX.notifications],
    apsSid: "QueryAmp",
    apsAction: "aps:QueryMetrics",
  });
}
