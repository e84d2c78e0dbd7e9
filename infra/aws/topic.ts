import { Annotations, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";

export interface NotificationTopicProps {
  displayName?: string;
  /** Optional fixed name; by default CloudFormation generates one. */
  topicName?: string;
  /**
   * Customer-managed KMS key for encryption at rest. Default: none (SNS's default, no KMS). A key created in
   * this app gets the key-policy statement CloudWatch alarms need to publish; an imported key's policy is
   * its owner's (see docs/DEPLOY.md, "Security"). Publishers (the functions) get kms:GenerateDataKey and
   * kms:Decrypt through their IAM policies (grants.ts), which the key policy must delegate to IAM.
   */
  masterKey?: kms.IKey;
}

/**
 * The SNS topic for reports, breach/recovery alerts and the monitor's own CloudWatch alarms.
 * Its policy denies `sns:Publish` without TLS (`aws:SecureTransport` false) and lets CloudWatch alarms of
 * this account publish (a topic policy replaces SNS's default policy, so alarms need their own grant).
 * Encryption at rest: SNS default (no KMS), or the given customer-managed key.
 */
export class NotificationTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: NotificationTopicProps = {}) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Topic", {
      displayName: props.displayName ?? "SLA monitor",
      ...(props.topicName !== undefined ? { topicName: props.topicName } : {}),
      enforceSSL: true,
      ...(props.masterKey ? { masterKey: props.masterKey } : {}),
    });
    const stack = Stack.of(this);
    const alarmsOfThisAccount = {
      StringEquals: { "aws:SourceAccount": stack.account },
      ArnLike: {
        "aws:SourceArn": `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
      },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsOfThisAccount",
        effect: iam.Effect.ALLOW,
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: alarmsOfThisAccount,
      }),
    );
    if (props.masterKey) {
      // An alarm action publishes with CloudWatch's own credentials, so IAM policies cannot grant it the key:
      // only the key policy can. `Resource: *` in a key policy means this key.
      const { statementAdded } = props.masterKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: "AllowCloudWatchAlarmsOfThisAccountToPublish",
          effect: iam.Effect.ALLOW,
          principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          resources: ["*"],
          conditions: alarmsOfThisAccount,
        }),
      );
      if (!statementAdded) {
        Annotations.of(this).addWarningV2(
          "sla-monitor:imported-key",
          "The topic's KMS key is imported: its key policy must let cloudwatch.amazonaws.com use " +
            "kms:Decrypt and kms:GenerateDataKey, or the self-monitoring alarms cannot publish (docs/DEPLOY.md).",
        );
      }
    }
  }
}
