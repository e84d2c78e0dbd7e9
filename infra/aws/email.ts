import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { IConstruct } from "constructs";

export interface SesSendProps {
  /** the sender address (an SES identity: the address itself or its verified domain) */
  from: string;
  configurationSet?: string | undefined;
  /** SES region, when it is not the stack's */
  region?: string | undefined;
}

/**
 * `ses:SendEmail` / `ses:SendRawEmail` (SES v2 `SendEmail` with raw content is authorised as either, depending
 * on the API version behind it) on the sender's identities only (its domain and the address) and the
 * configuration set, and only with that From address (`ses:FromAddress`). The report function sends the
 * report email (`notify.email.ses`); no other function may send mail.
 */
export function grantSesSend(fn: iam.IGrantable & IConstruct, props: SesSendProps): void {
  const stack = Stack.of(fn);
  const region = props.region ?? stack.region;
  const arn = (resource: string) => `arn:${stack.partition}:ses:${region}:${stack.account}:${resource}`;
  const domain = props.from.slice(props.from.lastIndexOf("@") + 1);
  fn.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "SendReportEmail",
      effect: iam.Effect.ALLOW,
      actions: ["ses:SendEmail", "ses:SendRawEmail"],
      resources: [
        arn(`identity/${domain}`),
        arn(`identity/${props.from}`),
        ...(props.configurationSet ? [arn(`configuration-set/${props.configurationSet}`)] : []),
      ],
      conditions: { StringEquals: { "ses:FromAddress": props.from } },
    }),
  );
}
