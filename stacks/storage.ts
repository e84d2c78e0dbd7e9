import { Arn, ArnFormat, Token } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import { Config, type StackContext } from "sst/constructs";
import { NotificationTopic, ReportsBucket, StorageKey } from "../infra/aws/index.js";
import { type KmsSetting, settingsOf } from "./settings.js";

/** The customer-managed key of the stage, when one is configured (sst.config.ts `deployOptions.kms`). */
function storageKey(
  ctx: StackContext,
  setting: KmsSetting | undefined,
  retain: boolean,
): kms.IKey | undefined {
  const { stack, app } = ctx;
  if (!setting) return undefined;
  if ("keyArn" in setting) {
    const region = Arn.split(setting.keyArn, ArnFormat.SLASH_RESOURCE_NAME).region;
    if (!Token.isUnresolved(stack.region) && region !== stack.region) {
      throw new Error(
        `kms keyArn is in ${region}, the stage deploys to ${stack.region}: use a key of that region`,
      );
    }
    return kms.Key.fromKeyArn(stack, "StorageKey", setting.keyArn);
  }
  return new StorageKey(stack, "Storage", {
    retain,
    aliasName: `alias/${app.logicalPrefixedName("storage")}`,
  }).key;
}

/** Reports bucket (also holds probe state and notification markers), SNS topic, shared configuration. */
export function Storage(ctx: StackContext) {
  const { stack, app } = ctx;
  const settings = settingsOf(app);
  const key = storageKey(ctx, settings.kms, settings.retain);
  const { bucket } = new ReportsBucket(stack, "Reports", {
    retain: settings.retain,
    ...(key ? { encryptionKey: key } : {}),
  });
  const { topic } = new NotificationTopic(stack, "Notifications", {
    displayName: `SLA monitor (${app.stage})`,
    ...(key ? { masterKey: key } : {}),
  });

  // Configuration bound to the functions: Parameters are plain values (also stored in SSM); the Secret is
  // set with `npx sst secrets set PROMETHEUS_TOKEN ...` and only ever read from SSM at run time.
  const config = {
    PROMETHEUS_URL: new Config.Parameter(stack, "PROMETHEUS_URL", { value: settings.config.prometheus.url }),
    TIME_ZONE: new Config.Parameter(stack, "TIME_ZONE", { value: settings.config.calendar.timeZone }),
    SLA_CONFIG_FILE: new Config.Parameter(stack, "SLA_CONFIG_FILE", { value: settings.configFile }),
    PROMETHEUS_TOKEN: new Config.Secret(stack, "PROMETHEUS_TOKEN"),
  };

  stack.addOutputs({
    BucketName: bucket.bucketName,
    TopicArn: topic.topicArn,
    ...(key ? { StorageKeyArn: key.keyArn } : {}),
  });
  return { bucket, topic, key, config, bindings: Object.values(config) };
}
