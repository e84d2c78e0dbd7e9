import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { Settings } from "./settings.js";

/**
 * Non-secret environment shared by the handlers. `SLA_CONFIG` is the bundled config (the JSON form the
 * synth wrote, see `DEPLOYED_CONFIG`), relative to the bundle root (the Lambda working directory,
 * `LAMBDA_TASK_ROOT`); secrets never go here.
 */
export function functionEnvironment(
  settings: Settings,
  storage: { bucket: s3.IBucket; topic: sns.ITopic },
): Record<string, string> {
  return {
    SLA_CONFIG: settings.deployedConfig.to,
    SLA_STAGE: settings.stage,
    SLA_BUCKET: storage.bucket.bucketName,
    SLA_TOPIC_ARN: storage.topic.topicArn,
  };
}

/**
 * What the grants need from the settings: the bucket, topic, their KMS key (if any), AMP workspace and the
 * SSM parameters read.
 */
export function grantProps(
  settings: Settings,
  storage: { bucket: s3.IBucket; topic: sns.ITopic; key?: kms.IKey | undefined },
  ssmParameters: string[],
) {
  return {
    bucket: storage.bucket,
    topic: storage.topic,
    ...(storage.key ? { encryptionKey: storage.key } : {}),
    ...(settings.apsWorkspace ? { apsWorkspace: settings.apsWorkspace } : {}),
    apsAnyWorkspace: settings.apsAnyWorkspace,
    ssmParameters,
  };
}
