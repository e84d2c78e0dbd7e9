import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";

export interface NotificationTopicProps {
  displayName?: string;
  /** Optional fixed name; by default CloudFormation generates one. */
  topicName?: string;
}

/**
 * The SNS topic for reports, breach/recovery alerts and the monitor's own CloudWatch alarms.
 * Its policy denies `sns:Publish` without TLS (`aws:SecureTransport` false) and lets CloudWatch alarms of
 * this account publish (a topic policy replaces SNS's default policy, so alarms need their own grant).
 * Encryption at rest: SNS default (no KMS); a KMS key would also need a key policy for CloudWatch.
 */
export class NotificationTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: NotificationTopicProps = {}) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Topic", {
      displayName: props.displayName ?? "SLA monitor",
      ...(props.topicName !== undefined ? { topicName: props.topicName } : {}),
      enforceSSL: true,
    });
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsOfThisAccount",
        effect: iam.Effect.ALLOW,
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: {
            "aws:SourceArn": `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
          },
        },
      }),
    );
  }
}
