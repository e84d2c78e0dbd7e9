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
 * `s3:ListBucket` and missing keys: S3 answers a GET of a missing key with 404 NoSuchKey only when the
 * caller may `s3:ListBucket` the bucket, else with 403 AccessDenied. The stores read keys that do not exist
 * yet (`state/probe-state.json` on the first run, `reports/index.json`, every new `notifications/...` marker)
 * and treat only 404 as "absent" (packages/core/src/store/s3.ts); a 403 is an error. S3 evaluates that
 * existence check as `s3:ListBucket` without an `s3:prefix` key, so a plain `StringLike` prefix condition
 * would turn every first read into a 403 (the probe could never write its first state, no marker could ever
 * be created). Hence `StringLikeIfExists`: a list request that names a prefix must name one the function
 * lists (probe: `state/`, report: `reports/`); a request without a prefix (the existence check, and also a
 * ListObjects without a prefix) is allowed. IAM cannot tell those two apart, so each function can list the
 * key names of the whole bucket; object contents stay limited to its own prefixes by the object statement.
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

/** `s3:ListBucket` for requests naming one of `prefixes`, or no prefix at all (see the comment on top). */
function listStatement(bucket: s3.IBucket, prefixes: readonly string[]) {
  return new iam.PolicyStatement({
    sid: "ListOwnPrefixes",
    effect: iam.Effect.ALLOW,
    actions: ["s3:ListBucket"],
    resources: [bucket.bucketArn],
    conditions: { StringLikeIfExists: { "s3:prefix": prefixes.map((p) => `${p}*`) } },
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
    listPrefixes: readonly string[];
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
  add(listStatement(props.bucket, own.listPrefixes));
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
 * Probe: s3:GetObject/PutObject on `state/*`, s3:ListBucket with prefix `state/` or none (the probe lists
 * nothing; the prefix-less existence check makes a missing state a 404), sns:Publish on the topic,
 * aps:RemoteWrite, SSM reads, the storage key via S3/SNS when there is one.
 */
export function grantProbe(fn: iam.IGrantable & IConstruct, props: ProbeGrantProps): void {
  const prefixes = props.prefixes ?? [PREFIX.state];
  grantFunction(fn, props, {
    objectsSid: "ProbeStateObjects",
    prefixes,
    listPrefixes: prefixes,
    apsSid: "RemoteWriteToAmp",
    apsAction: "aps:RemoteWrite",
  });
}

/**
 * Report: s3:PutObject/GetObject on `reports/*` and `notifications/*`, s3:ListBucket with prefix `reports/`
 * (the index rebuild lists it; `notifications/` is never listed) or none (existence checks), sns:Publish on
 * the topic, aps:QueryMetrics, SSM reads, the storage key via S3/SNS when there is one.
 */
export function grantReport(fn: iam.IGrantable & IConstruct, props: CommonGrantProps): void {
  grantFunction(fn, props, {
    objectsSid: "ReportObjects",
    prefixes: [PREFIX.reports, PREFIX.notifications],
    listPrefixes: [PREFIX.reports],
    apsSid: "QueryAmp",
    apsAction: "aps:QueryMetrics",
  });
}
