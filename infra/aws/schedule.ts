import { Duration, Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** Hour of day (in the calendar's time zone) at which scheduled reports run. */
export const REPORT_HOUR = 6;
/** Weekly report: Mondays at 06:00 (ISO weeks start on Monday), for the previous complete week. */
export const WEEKLY_CRON = `cron(0 ${REPORT_HOUR} ? * MON *)`;
/** Monthly report: the 1st of each month at 06:00, for the previous complete month. */
export const MONTHLY_CRON = `cron(0 ${REPORT_HOUR} 1 * ? *)`;
/**
 * Quarterly report: 1 January, April, July and October at 06:10, for the previous complete quarter. Ten
 * minutes after the monthly run of the same morning, so the two (and the yearly run on 1 January) do not
 * compete for the report function's small reserved concurrency or for Prometheus.
 */
export const QUARTERLY_CRON = `cron(10 ${REPORT_HOUR} 1 1,4,7,10 ? *)`;
/** Yearly report: 1 January at 06:20, for the previous calendar year. */
export const YEARLY_CRON = `cron(20 ${REPORT_HOUR} 1 1 ? *)`;

/** A scheduled report run: the previous complete window of `kind`, at `cron` in the calendar's zone. */
export interface ReportSchedule {
  /** construct id */
  id: "Weekly" | "Monthly" | "Quarterly" | "Yearly";
  kind: "weekly" | "monthly" | "quarterly" | "yearly";
  cron: string;
  description: (timeZone: string) => string;
}

const REPORT_SCHEDULES: readonly ReportSchedule[] = [
  {
    id: "Weekly",
    kind: "weekly",
    cron: WEEKLY_CRON,
    description: (tz) => `Weekly SLA report, Mondays 06:00 ${tz}, for the previous ISO week`,
  },
  {
    id: "Monthly",
    kind: "monthly",
    cron: MONTHLY_CRON,
    description: (tz) => `Monthly SLA report, 1st of the month 06:00 ${tz}, for the previous month`,
  },
  {
    id: "Quarterly",
    kind: "quarterly",
    cron: QUARTERLY_CRON,
    description: (tz) => `Quarterly SLA report, 1 Jan/Apr/Jul/Oct 06:10 ${tz}, for the previous quarter`,
  },
  {
    id: "Yearly",
    kind: "yearly",
    cron: YEARLY_CRON,
    description: (tz) => `Yearly SLA report, 1 January 06:20 ${tz}, for the previous year`,
  },
];

/**
 * The report runs a config needs: weekly and monthly always (the monthly run also feeds the hourly budget
 * check's history), quarterly and yearly only when some SLO lists that window (an SLO without `windows`
 * has the default, weeks and months). Pure, for the stacks and the tests.
 */
export function reportSchedules(config: {
  slos: readonly { windows?: readonly string[] | undefined }[];
}): ReportSchedule[] {
  const asked = new Set(config.slos.flatMap((s) => s.windows ?? []));
  return REPORT_SCHEDULES.filter((r) => r.kind === "weekly" || r.kind === "monthly" || asked.has(r.kind));
}

/**
 * Budget check: every hour at :30, the running month is evaluated; an SLO whose whole monthly budget is
 * already spent, or that burns it faster than `notify.burnRate.slow`, is published once per month.
 */
export const CURRENT_CRON = "cron(30 * * * ? *)";

export interface ZonedScheduleProps {
  target: lambda.IFunction;
  /** `cron(...)`, `rate(...)` or `at(...)` in EventBridge Scheduler syntax. */
  scheduleExpression: string;
  /** IANA time zone the cron expression is evaluated in (DST-correct). */
  timeZone: string;
  /** JSON payload (Scheduler context attributes such as `<aws.scheduler.scheduled-time>` are substituted). */
  input: Record<string, unknown>;
  description?: string;
  /** Where deliveries go that failed after the retries. */
  deadLetterQueue?: sqs.IQueue;
  /** Delivery retries by the Scheduler (not Lambda's own async retries). Default 2. */
  maximumRetryAttempts?: number;
  /** Give up delivering after this long. Default 1 hour. */
  maximumEventAge?: Duration;
  /**
   * The schedule group the schedule belongs to. The role trusts only schedules of this group
   * (`aws:SourceArn`). Default: the account's `default` group.
   */
  group?: scheduler.CfnScheduleGroup;
}

/**
 * An EventBridge Scheduler schedule (L1 `CfnSchedule`) with `ScheduleExpressionTimezone`.
 *
 * Why Scheduler and not an EventBridge rule: rules evaluate cron in UTC, so "1st of the month 06:00
 * Europe/Berlin" would be 04:00 or 05:00 UTC depending on DST and a UTC cron would drift by an hour twice a
 * year. Scheduler evaluates the cron in the configured zone. The report handler also derives the previous
 * complete window from its run time, so a late or retried delivery still reports the right period.
 *
 * The role's trust policy names the Scheduler service and, against the confused deputy, this account
 * (`aws:SourceAccount`) and the schedule group (`aws:SourceArn`). Scheduler sets `aws:SourceArn` to the
 * schedule *group* ARN (its documentation says not to scope to a schedule or a name prefix), so give the
 * schedules of a stack their own group to have the role trusted by exactly those schedules.
 */
export class ZonedSchedule extends Construct {
  readonly schedule: scheduler.CfnSchedule;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ZonedScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupArn =
      props.group?.attrArn ??
      `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule-group/default`;
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": stack.account, "aws:SourceArn": groupArn } },
      }),
      description: "EventBridge Scheduler: invoke the report function",
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.ALLOW,
        actions: ["lambda:InvokeFunction"],
        resources: [props.target.functionArn],
      }),
    );
    if (props.deadLetterQueue) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          effect: iam.Effect.ALLOW,
          actions: ["sqs:SendMessage"],
          resources: [props.deadLetterQueue.queueArn],
        }),
      );
    }
    this.schedule = new scheduler.CfnSchedule(this, "Schedule", {
      scheduleExpression: props.scheduleExpression,
      scheduleExpressionTimezone: props.timeZone,
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      ...(props.group ? { groupName: props.group.name ?? props.group.ref } : {}),
      ...(props.description !== undefined ? { description: props.description } : {}),
      target: {
        arn: props.target.functionArn,
        roleArn: this.role.roleArn,
        input: JSON.stringify(props.input),
        retryPolicy: {
          maximumRetryAttempts: props.maximumRetryAttempts ?? 2,
          maximumEventAgeInSeconds: (props.maximumEventAge ?? Duration.hours(1)).toSeconds(),
        },
        ...(props.deadLetterQueue ? { deadLetterConfig: { arn: props.deadLetterQueue.queueArn } } : {}),
      },
    });
    // The role's policy must exist before the Scheduler first tries to invoke.
    const policy = this.role.node.tryFindChild("DefaultPolicy");
    if (policy) this.schedule.node.addDependency(policy);
    if (props.group) this.schedule.addDependency(props.group);
  }
}

export interface EveryMinuteProps {
  target: lambda.IFunction;
  deadLetterQueue?: sqs.IQueue;
  description?: string;
  /**
   * Target names split into shards: one invocation per shard per minute, each with `{"targets": [...]}`, so
   * probing scales with Lambda concurrency. Omitted or one shard: one invocation probes every target.
   */
  shards?: string[][];
}

/** EventBridge allows five targets per rule. */
const TARGETS_PER_RULE = 5;

/**
 * The probe's clock: an EventBridge rule `rate(1 minute)` (time zones do not matter for a rate). The
 * event's `time` field is the scheduled minute. Delivery is not retried: a probe a minute late is replaced
 * by the next one; failed deliveries go to the dead-letter queue.
 */
export class EveryMinute extends Construct {
  readonly rules: events.Rule[] = [];

  constructor(scope: Construct, id: string, props: EveryMinuteProps) {
    super(scope, id);
    const target = (shard?: string[]) =>
      new targets.LambdaFunction(props.target, {
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
        ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
        ...(shard ? { event: events.RuleTargetInput.fromObject({ targets: shard }) } : {}),
      });
    const all = props.shards && props.shards.length > 1 ? props.shards.map((s) => target(s)) : [target()];
    for (let i = 0; i < all.length; i += TARGETS_PER_RULE) {
      this.rules.push(
        new events.Rule(this, i === 0 ? "Rule" : `Rule${i / TARGETS_PER_RULE}`, {
          schedule: events.Schedule.rate(Duration.minutes(1)),
          description: props.description ?? "Run the probes every minute",
          targets: all.slice(i, i + TARGETS_PER_RULE),
        }),
      );
    }
  }
}
