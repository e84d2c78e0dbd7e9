/** Shared assertions over synthesized CloudFormation (used by test/infra and test/stacks). */
import type { Template } from "aws-cdk-lib/assertions";

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, unknown>;
  Principal?: unknown;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export const actionsOf = (s: Statement): string[] => list(s.Action);
export const resourcesOf = (s: Statement): unknown[] => list(s.Resource as unknown);

/** Every statement of every `AWS::IAM::Policy` document, with the policy's logical id. */
export function iamPolicyStatements(template: Template): { policy: string; statement: Statement }[] {
  const out: { policy: string; statement: Statement }[] = [];
  for (const [id, res] of Object.entries(template.findResources("AWS::IAM::Policy"))) {
    const doc = (res as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
      .PolicyDocument;
    for (const statement of doc.Statement) out.push({ policy: id, statement });
  }
  return out;
}

/** Problems that make a policy statement not least-privilege: wildcard actions, `Resource: *` on s3. */
export function leastPrivilegeViolations(template: Template, allowStarResourceFor: string[] = []): string[] {
  const problems: string[] = [];
  for (const { policy, statement } of iamPolicyStatements(template)) {
    const actions = actionsOf(statement);
    for (const action of actions) {
      if (action.includes("*")) problems.push(`${policy}: wildcard action ${action}`);
    }
    const starResource = resourcesOf(statement).some((r) => r === "*");
    if (starResource && actions.some((a) => a.startsWith("s3:"))) {
      problems.push(`${policy}: s3 statement with Resource "*" (${actions.join(", ")})`);
    }
    if (starResource && !actions.every((a) => allowStarResourceFor.includes(a))) {
      problems.push(`${policy}: Resource "*" for ${actions.join(", ")}`);
    }
  }
  return problems;
}

/** A CloudFormation value that is (or joins to) a reference to the given logical id. */
export function refersTo(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value).includes(`"${logicalId}"`);
}

/** The single logical id of a resource type (fails when there is not exactly one). */
export function onlyId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}: ${ids.join(", ")}`);
  return ids[0]!;
}
