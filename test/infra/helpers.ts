/** Shared assertions over synthesized CloudFormation (used by test/infra and test/stacks). */
import type { Template } from "aws-cdk-lib/assertions";
import type { FunctionPolicy } from "../helpers/s3-policy-proxy.js";

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

type Doc = { Statement: Statement[] };
type Props = Record<string, unknown>;
const propsOf = (res: unknown): Props => ((res as { Properties?: Props }).Properties ?? {}) as Props;

/**
 * Every statement of every identity policy document in the template: `AWS::IAM::Policy`,
 * `AWS::IAM::ManagedPolicy` and the inline `Policies` of `AWS::IAM::Role` (CDK's custom-resource providers
 * put theirs there), each with a label naming where it came from.
 */
export function allPolicyStatements(template: Template): { policy: string; statement: Statement }[] {
  const out: { policy: string; statement: Statement }[] = [];
  for (const type of ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"]) {
    for (const [id, res] of Object.entries(template.findResources(type))) {
      const doc = propsOf(res).PolicyDocument as Doc;
      for (const statement of doc.Statement) out.push({ policy: id, statement });
    }
  }
  for (const [id, res] of Object.entries(template.findResources("AWS::IAM::Role"))) {
    for (const inline of (propsOf(res).Policies ?? []) as { PolicyName: string; PolicyDocument: Doc }[]) {
      for (const statement of inline.PolicyDocument.Statement) {
        out.push({ policy: `${id}.Policies.${inline.PolicyName}`, statement });
      }
    }
  }
  return out;
}

/**
 * Managed policies attached to roles that the template does not define itself (AWS managed policies such as
 * AWSLambdaBasicExecutionRole, or ARNs from elsewhere): their documents cannot be checked offline, so any
 * such attachment is a problem. A `Ref` to an `AWS::IAM::ManagedPolicy` of the template is fine (its
 * document is checked with the others).
 */
export function managedPolicyAttachments(template: Template): string[] {
  const own = new Set(Object.keys(template.findResources("AWS::IAM::ManagedPolicy")));
  const problems: string[] = [];
  for (const [id, res] of Object.entries(template.findResources("AWS::IAM::Role"))) {
    for (const arn of (propsOf(res).ManagedPolicyArns ?? []) as unknown[]) {
      const ref = (arn as { Ref?: unknown }).Ref;
      if (typeof ref === "string" && own.has(ref)) continue;
      problems.push(`${id}: managed policy attached (${JSON.stringify(arn)})`);
    }
  }
  return problems;
}

/**
 * Problems that make the template's IAM not least-privilege: wildcard actions, `Resource: *` (on s3 always;
 * otherwise unless every action is in `allowStarResourceFor`), in any identity policy document (inline,
 * role-inline, customer managed), and managed policies attached to roles whose documents are not in the
 * template (AWSLambdaBasicExecutionRole: logs:* on `*`).
 */
export function leastPrivilegeViolations(template: Template, allowStarResourceFor: string[] = []): string[] {
  const problems: string[] = [];
  for (const { policy, statement } of allPolicyStatements(template)) {
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
  problems.push(...managedPolicyAttachments(template));
  return problems;
}

/** The logical id a `{"Ref": id}` / `{"Fn::GetAtt": [id, attr]}` points at, else undefined. */
export function targetId(value: unknown): string | undefined {
  const v = value as { Ref?: unknown; "Fn::GetAtt"?: unknown[] } | undefined;
  if (typeof v?.Ref === "string") return v.Ref;
  const att = v?.["Fn::GetAtt"]?.[0];
  return typeof att === "string" ? att : undefined;
}

/** Every statement that applies to a role: its inline `Policies` and the `AWS::IAM::Policy`s attached to it. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const role = template.findResources("AWS::IAM::Role")[roleId];
  const inline = ((role ? propsOf(role).Policies : undefined) ?? []) as { PolicyDocument: Doc }[];
  const attached = Object.values(template.findResources("AWS::IAM::Policy"))
    .map(propsOf)
    .filter((p) => ((p.Roles ?? []) as unknown[]).some((r) => targetId(r) === roleId))
    .map((p) => p.PolicyDocument as Doc);
  return [...inline.map((p) => p.PolicyDocument), ...attached].flatMap((d) => d.Statement);
}

/**
 * Every `AWS::Lambda::Function` must log into an `AWS::Logs::LogGroup` of the same template that has a
 * `RetentionInDays`, and its role may use logs actions only as logs:CreateLogStream/PutLogEvents on that
 * group. Returns the problems (empty when all functions comply) and the number of functions checked.
 */
export function functionLogProblems(template: Template): { problems: string[]; functions: number } {
  const problems: string[] = [];
  const groups = template.findResources("AWS::Logs::LogGroup");
  const fns = Object.entries(template.findResources("AWS::Lambda::Function"));
  for (const [id, res] of fns) {
    const props = propsOf(res);
    const groupId = targetId((props.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup);
    const group = groupId ? groups[groupId] : undefined;
    if (!groupId || !group) {
      problems.push(`${id}: no LoggingConfig.LogGroup of this template`);
      continue;
    }
    if (typeof propsOf(group).RetentionInDays !== "number")
      problems.push(`${id}: ${groupId} has no retention`);
    const roleId = targetId(props.Role);
    if (!roleId) {
      problems.push(`${id}: role is not a role of this template`);
      continue;
    }
    const logs = roleStatements(template, roleId).filter((st) =>
      actionsOf(st).some((a) => a.startsWith("logs:")),
    );
    if (logs.length === 0) problems.push(`${id}: ${roleId} may not write its logs`);
    for (const st of logs) {
      const actions = actionsOf(st).sort();
      if (JSON.stringify(actions) !== JSON.stringify(["logs:CreateLogStream", "logs:PutLogEvents"])) {
        problems.push(`${id}: ${roleId} has logs actions ${actions.join(", ")}`);
      }
      if (!refersTo(st.Resource, groupId) || resourcesOf(st).length !== 1) {
        problems.push(
          `${id}: ${roleId} logs statement not limited to ${groupId}: ${JSON.stringify(st.Resource)}`,
        );
      }
    }
  }
  return { problems, functions: fns.length };
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

/**
 * What a role's statements allow on S3, in the terms the S3 policy proxy enforces
 * (test/helpers/s3-policy-proxy.ts): object prefixes of s3:GetObject, and the prefixes s3:ListBucket requests
 * may name, with or without a prefix-less request (`StringLikeIfExists`, or no condition at all).
 */
export function s3PolicyOf(statements: Statement[]): FunctionPolicy {
  const objects = statements
    .filter((s) => actionsOf(s).includes("s3:GetObject"))
    .flatMap((s) => [...JSON.stringify(resourcesOf(s)).matchAll(/"\/([^"*]*)\*"/g)].map((m) => m[1]!));
  const listed: string[] = [];
  let listWithoutPrefix = false;
  for (const s of statements.filter((x) => actionsOf(x).includes("s3:ListBucket"))) {
    const ops = Object.entries(s.Condition ?? {});
    if (ops.length === 0) listWithoutPrefix = true;
    for (const [op, cond] of ops) {
      if (op !== "StringLike" && op !== "StringLikeIfExists") throw new Error(`not modelled: ${op}`);
      if (op === "StringLikeIfExists") listWithoutPrefix = true;
      for (const pattern of list((cond as Record<string, string | string[]>)["s3:prefix"])) {
        if (!/^[^*?]*\*$/.test(pattern)) throw new Error(`not modelled: s3:prefix ${pattern}`);
        listed.push(pattern.slice(0, -1));
      }
    }
  }
  return { objects, list: listed, listWithoutPrefix };
}
