/** The SES grant of the report function (`notify.email.ses`), synthesized offline around a tiny inline Lambda. */
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import { grantSesSend } from "../../infra/aws/index.js";
import { actionsOf, iamPolicyStatements, leastPrivilegeViolations } from "./helpers.js";

function synth(props: Parameters<typeof grantSesSend>[1]) {
  const stack = new Stack(new App(), "T", { env: { account: "123456789012", region: "eu-central-1" } });
  const fn = new lambda.Function(stack, "Fn", {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: "index.handler",
    code: lambda.Code.fromInline("exports.handler = async () => {};"),
  });
  grantSesSend(fn, props);
  return Template.fromStack(stack);
}

describe("grantSesSend", () => {
  it("may send only from the configured address, through its identities and configuration set", () => {
    const t = synth({ from: "sla@reports.example.com", configurationSet: "sla-reports" });
    const st = iamPolicyStatements(t)
      .map((x) => x.statement)
      .filter((s) => s.Sid === "SendReportEmail");
    expect(st).toHaveLength(1);
    expect(actionsOf(st[0]!)).toEqual(["ses:SendEmail", "ses:SendRawEmail"]);
    const resources = JSON.stringify(st[0]!.Resource);
    expect(resources).toContain(":ses:eu-central-1:123456789012:identity/reports.example.com");
    expect(resources).toContain(":ses:eu-central-1:123456789012:identity/sla@reports.example.com");
    expect(resources).toContain(":ses:eu-central-1:123456789012:configuration-set/sla-reports");
    expect(st[0]!.Condition).toEqual({ StringEquals: { "ses:FromAddress": "sla@reports.example.com" } });
    expect(leastPrivilegeViolations(t).filter((v) => !v.includes("managed policy"))).toEqual([]);
  });

  it("uses the SES region when it is not the stack's; no configuration set, no such resource", () => {
    const t = synth({ from: "sla@example.com", region: "us-east-1" });
    const st = iamPolicyStatements(t)
      .map((x) => x.statement)
      .find((s) => s.Sid === "SendReportEmail")!;
    expect(JSON.stringify(st.Resource)).toContain(":ses:us-east-1:123456789012:identity/example.com");
    expect(JSON.stringify(st.Resource)).not.toContain("configuration-set");
  });
});
