import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { OVERLOAD_METRIC } from "../../packages/core/src/probe/overload.js";
import { durationAlarmThresholdMs } from "./sizing.js";

const PERIOD = Duration.minutes(5);

export interface FunctionAlarmsProps {
  fn: lambda.IFunction;
  /** The function's timeout in seconds; the duration alarm fires above 80 % of it. */
  timeoutSeconds: number;
  topic: sns.ITopic;
  /** Alarm names start with this, e.g. "prod-sla-monitor-probe". */
  namePrefix: string;
  /** Also alarm when the function ran less than once in 5 minutes (missing data counts as not run). */
  heartbeat?: boolean;
  /** Also alarm when probes were inconclusive because the monitor itself was overloaded (probe only). */
  overload?: boolean;
}

function notify(alarm: cloudwatch.Alarm, topic: sns.ITopic): cloudwatch.Alarm {
  const action = new actions.SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/**
 * Self-monitoring of one function: Errors, Throttles, p99 Duration above 80 % of the timeout, and
 * optionally "has not run". Every alarm notifies the topic on ALARM and on OK, so the monitor watches itself.
 */
export class FunctionAlarms extends Construct {
  readonly errors: cloudwatch.Alarm;
  readonly throttles: cloudwatch.Alarm;
  readonly duration: cloudwatch.Alarm;
  readonly notRunning?: cloudwatch.Alarm;
  readonly overloaded?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FunctionAlarmsProps) {
    super(scope, id);
    const { fn, topic, namePrefix } = props;
    this.errors = notify(
      new cloudwatch.Alarm(this, "Errors", {
        alarmName: `${namePrefix}-errors`,
        alarmDescription: "The function failed (uncaught error or timeout) at least once in 5 minutes.",
        metric: fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      topic,
    );
    this.throttles = notify(
      new cloudwatch.Alarm(this, "Throttles", {
        alarmName: `${namePrefix}-throttles`,
        alarmDescription: "Lambda throttled the function at least once in 5 minutes.",
        metric: fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      topic,
    );
    const thresholdMs = durationAlarmThresholdMs(props.timeoutSeconds);
    this.duration = notify(
      new cloudwatch.Alarm(this, "Duration", {
        alarmName: `${namePrefix}-duration-p99`,
        alarmDescription: `p99 duration above ${thresholdMs} ms (80 % of the ${props.timeoutSeconds} s timeout).`,
        metric: fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.percentile(99) }),
        threshold: thresholdMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      topic,
    );
    if (props.heartbeat) {
      this.notRunning = notify(
        new cloudwatch.Alarm(this, "NotRunning", {
          alarmName: `${namePrefix}-not-running`,
          alarmDescription:
            "The function was not invoked in the last 5 minutes (schedule broken or disabled).",
          metric: fn.metricInvocations({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
        topic,
      );
    }
    if (props.overload) {
      // An undersized deployment shows the day it happens: probes the monitor could not judge are
      // missing data in the reports, and this alarm says why.
      this.overloaded = notify(
        new cloudwatch.Alarm(this, "Overloaded", {
          alarmName: `${namePrefix}-overloaded`,
          alarmDescription:
            "Probes were inconclusive: the monitor itself was stalled (CPU starved) for over a quarter of their deadline. Give the probe function more memory (vCPU) or fewer targets per shard.",
          metric: new cloudwatch.Metric({
            namespace: OVERLOAD_METRIC.namespace,
            metricName: OVERLOAD_METRIC.name,
            dimensionsMap: { service: OVERLOAD_METRIC.service, function: fn.functionName },
            period: PERIOD,
            statistic: cloudwatch.Stats.SUM,
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        topic,
      );
    }
  }

  /** All alarms of this construct. */
  get all(): cloudwatch.Alarm[] {
    return [
      this.errors,
      this.throttles,
      this.duration,
      ...(this.notRunning ? [this.notRunning] : []),
      ...(this.overloaded ? [this.overloaded] : []),
    ];
  }
}

export interface QueueAlarmProps {
  queue: sqs.IQueue;
  topic: sns.ITopic;
  /** The alarm's name. */
  alarmName: string;
}

/** Alarm when the dead-letter queue holds any message (a failed async invocation or schedule delivery). */
export class DeadLetterAlarm extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueAlarmProps) {
    super(scope, id);
    this.alarm = notify(
      new cloudwatch.Alarm(this, "Alarm", {
        alarmName: props.alarmName,
        alarmDescription: "Failed invocations are waiting in the dead-letter queue.",
        metric: props.queue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      props.topic,
    );
  }
}
