import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { IConstruct } from "constructs";
import { PREFIX } from "./bucket.js";
import { type ApsWorkspace, ssmParameterArn } from "./sizing.js";

/**
 * Least-privilege grants. Every statement names its actions one by one (no wildcard actions) and its
 * resources by ARN (no `Resource: *`).
 *
 * `s3:ListBucket` only with a prefix, and only the function's own: the condition `StringLike` on `s3:prefix`
 * (not `StringLikeIfExists`) denies every list request without a prefix, so no function can list the key
 * names of the whole bucket. S3 then answers a GET of a missing key with 403 AccessDenied instead of 404
 * (its existence check is a prefix-less ListBucket, which is denied); the store confirms such a 403 by
 * listing that exact key as a prefix, inside the function's prefixes (packages/core/src/store/s3.ts): no
 * such key is "absent", anything else a real access error. So every prefix a function reads keys from that
 * may not exist yet (the probe's `state/`, the report's `reports/` and `notifications/` markers) is a list
 * prefix too.
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
  /** Customer-managed KMS key of the bucket and the topic, when there is one (see storage settings). */
  encryptionKey?: kms.IKey;
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

/** `s3:ListBucket` for requests naming a prefix inside one of `prefixes`; none without (see the comment on top). */
function listStatement(bucket: s3.IBucket, prefixes: readonly string[]) {
  return new iam.PolicyStatement({
    sid: "ListOwnPrefixes",
    effect: iam.Effect.ALLOW,
    actions: ["s3:ListBucket"],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { "s3:prefix": prefixes.map((p) => `${p}*`) } },
  });
}

/**
 * The data-key operations S3 (SSE-KMS: PutObject generates, GetObject decrypts) and SNS (Publish to an
 * encrypted topic needs both) perform with the caller's credentials, only through those two services.
 */
function keyStatement(scope: IConstruct, key: kms.IKey) {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    sid: "UseStorageKeyViaS3AndSns",
    effect: iam.Effect.ALLOW,
    actions: ["kms:Decrypt", "kms:GenerateDataKey"],
    resources: [key.keyArn],
    conditions: {
      StringEquals: {
        "kms:ViaService": [`s3.${stack.region}.amazonaws.com`, `sns.${stack.region}.amazonaws.com`],
      },
    },
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
  own: {
    objectsSid: string;
    prefixes: readonly string[];
    apsSid: string;
    apsAction: string;
  },
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
  if (props.encryptionKey) add(keyStatement(fn, props.encryptionKey));
}

/**
 * Probe: s3:GetObject/PutObject on `state/*`, s3:ListBucket with a prefix inside `state/` (to tell a missing
 * state from a denied one), sns:Publish on the topic, aps:RemoteWrite, SSM reads, the storage key via S3/SNS
 * when there is one.
 */
export function grantProbe(fn: iam.IGrantable & IConstruct, props: ProbeGrantProps): void {
  const prefixes = props.prefixes ?? [PREFIX.state];
  grantFunction(fn, props, {
    objectsSid: "ProbeStateObjects",
    prefixes,
    apsSid: "RemoteWriteToAmp",
    apsAction: "aps:RemoteWrite",
  });
}

/**
 * Report: s3:PutObject/GetObject on `reports/*` and `notifications/*`, s3:ListBucket with a prefix inside
 * either (the index rebuild lists `reports/`; a missing marker or index is confirmed by listing its key),
 * sns:Publish on the topic, aps:QueryMetrics, SSM reads, the storage key via S3/SNS when there is one.
 */
export function grantReport(fn: iam.IGrantable & IConstruct, props: CommonGrantProps): void {
  grantFunction(fn, props, {
    objectsSid: "ReportObjects",
    prefixes: [PREFIX.reports, PREFIX.notifications],
    apsSid: "QueryAmp",
    apsAction: "aps:QueryMetrics",
  });
}
