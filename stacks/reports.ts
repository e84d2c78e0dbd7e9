import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as logs from "aws-cdk-lib/aws-logs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { Function as SstFunction, type StackContext, use } from "sst/constructs";
import {
  CURRENT_CRON,
  DeadLetterAlarm,
  FailureQueue,
  FunctionAlarms,
  grantLinkSecret,
  grantReport,
  grantSesSend,
  reportSchedules,
  routeAsyncFailures,
  ZonedSchedule,
} from "../infra/aws/index.js";
import { functionEnvironment, grantProps } from "./env.js";
import { HANDLERS, settingsOf } from "./settings.js";
import { Storage } from "./storage.js";
import { Viewer } from "./viewer.js";

/** Example payload shown in the `ReportInvokeExample` output. */
export const INVOKE_EXAMPLE_PAYLOAD = '{"period":"2026-10"}';
/** Payload that makes the report function answer with a fresh signed portal link. */
export const PORTAL_LINK_PAYLOAD = '{"portalLink":true}';

/**
 * The report function (scheduled weekly and monthly, quarterly and yearly when an SLO lists those windows,
 * and on demand), its schedules, dead-letter queue and alarms.
 *
 * Schedules: EventBridge Scheduler (`CfnSchedule` with `ScheduleExpressionTimezone` = the config's
 * `calendar.timeZone`), chosen over a UTC EventBridge rule so that "Monday 06:00" and "1st of the month
 * 06:00" are local times all year round (a UTC cron is an hour off for half the year in Europe/Berlin). The
 * handler (payload `{"schedule":"weekly"|"monthly"|"quarterly"|"yearly"}`) still derives the previous complete window from the
 * run time, so a retry hours later reports the same period; the time zone makes the report arrive at the
 * expected local hour and run only after the local week/month/quarter/year has ended.
 */
export function Reports({ stack, app }: StackContext) {
  const settings = settingsOf(app);
  const storage = use(Storage);
  const viewer = use(Viewer);
  const { timeoutSeconds, memoryMb } = settings.report;
  const timeZone = settings.config.calendar.timeZone;

  const report = new SstFunction(stack, "Report", {
    handler: HANDLERS.report,
    description: "sla-monitor reports: scheduled by calendar window and on demand",
    timeout: timeoutSeconds,
    memorySize: memoryMb,
    // Reports are rare: a runaway retry loop or invoke storm must not eat the account's concurrency
    // (deployOptions.reportReservedConcurrency; false where the account's quota leaves nothing to reserve).
    ...(settings.reportReservedConcurrency !== undefined
      ? { reservedConcurrentExecutions: settings.reportReservedConcurrency }
      : {}),
    logGroup: new logs.LogGroup(stack, "ReportLogs", {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
    copyFiles: [settings.deployedConfig],
    // the viewer's URL and link secret: notifications carry signed links to the report and the portal
    environment: {
      ...functionEnvironment(settings, storage),
      SLA_VIEWER_URL: viewer.url.url,
      SLA_LINK_SECRET_ARN: viewer.secret.secretArn,
    },
    bind: storage.bindings,
  });
  grantLinkSecret(report, viewer.secret);
  // notify.email.ses: the report email, from that address only
  const ses = settings.config.notify.email?.ses;
  if (ses) grantSesSend(report, ses);

  const { queue } = new FailureQueue(stack, "ReportFailures");
  // Reports are idempotent (deterministic keys, sent-markers), so Lambda may retry twice.
  routeAsyncFailures(report, queue, { retryAttempts: 2, maxEventAge: Duration.hours(6) });
  grantReport(report, grantProps(settings, storage, settings.report.ssmParameters));

  // The schedules' own group: their roles trust Scheduler only on behalf of this group (aws:SourceArn).
  const group = new scheduler.CfnScheduleGroup(stack, "Schedules", {
    name: app.logicalPrefixedName("reports"),
  });
  // weekly and monthly always; quarterly and yearly only when some SLO lists those windows
  for (const r of reportSchedules(settings.config)) {
    new ZonedSchedule(stack, r.id, {
      group,
      target: report,
      scheduleExpression: r.cron,
      timeZone,
      input: { schedule: r.kind },
      description: r.description(timeZone),
      deadLetterQueue: queue,
    });
  }
  new ZonedSchedule(stack, "BudgetCheck", {
    group,
    target: report,
    scheduleExpression: CURRENT_CRON,
    timeZone,
    input: { schedule: "current" },
    description: "Hourly check of the running month: budget exhausted or burning fast (alerted once a month)",
    deadLetterQueue: queue,
  });

  new FunctionAlarms(stack, "ReportAlarms", {
    fn: report,
    timeoutSeconds,
    topic: storage.topic,
    namePrefix: app.logicalPrefixedName("report"),
  });
  new DeadLetterAlarm(stack, "ReportFailuresAlarm", {
    queue,
    topic: storage.topic,
    alarmName: app.logicalPrefixedName("report-dead-letters"),
  });

  stack.addOutputs({
    ReportFunctionName: report.functionName,
    ReportInvokeExample: `aws lambda invoke --function-name ${report.functionName} --payload '${INVOKE_EXAMPLE_PAYLOAD}' --cli-binary-format raw-in-base64-out out.json`,
    ReportDeadLetterQueueUrl: queue.queueUrl,
    // a signed link cannot be a static output (it expires, and outputs are readable by every stack reader):
    // the report function signs a fresh one on demand
    PortalLinkCommand: `aws lambda invoke --function-name ${report.functionName} --payload '${PORTAL_LINK_PAYLOAD}' --cli-binary-format raw-in-base64-out portal.json && cat portal.json`,
  });
  return { report };
}
