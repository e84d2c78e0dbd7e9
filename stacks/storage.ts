import { Config, type StackContext } from "sst/constructs";
import { NotificationTopic, ReportsBucket } from "../infra/aws/index.js";
import { settingsOf } from "./settings.js";

/** Reports bucket (also holds probe state and notification markers), SNS topic, shared configuration. */
export function Storage({ stack, app }: StackContext) {
  const settings = settingsOf(app);
  const { bucket } = new ReportsBucket(stack, "Reports", { retain: settings.retain });
  const { topic } = new NotificationTopic(stack, "Notifications", {
    displayName: `SLA monitor (${app.stage})`,
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
  });
  return { bucket, topic, config, bindings: Object.values(config) };
}
