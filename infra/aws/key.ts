import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";

export interface StorageKeyProps {
  /** Keep the key when the stack is removed (objects encrypted with it stay readable). Use with a retained bucket. */
  retain: boolean;
  /** Optional alias, e.g. `alias/prod-sla-monitor`. */
  aliasName?: string;
}

/**
 * Optional customer-managed KMS key for the reports bucket and the notification topic: symmetric, yearly
 * rotation. Its key policy is CDK's default (the account's IAM policies decide, so the functions' IAM grants
 * take effect) plus what `NotificationTopic` adds for CloudWatch alarms; nothing else is granted in it.
 */
export class StorageKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: StorageKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, "Key", {
      description: "sla-monitor: reports bucket (SSE-KMS) and notification topic",
      enableKeyRotation: true,
      ...(props.aliasName !== undefined ? { alias: props.aliasName } : {}),
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(props.retain ? 30 : 7),
    });
  }
}
