import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as logs from "aws-cdk-lib/aws-logs";
import { Function as SstFunction, type StackContext, use } from "sst/constructs";
import {
  DeadLetterAlarm,
  EveryMinute,
  FailureQueue,
  FunctionAlarms,
  grantProbe,
  probeShards,
  routeAsyncFailures,
} from "../infra/aws/index.js";
import { functionEnvironment, grantProps } from "./env.js";
import { HANDLERS, settingsOf } from "./settings.js";
import { Storage } from "./storage.js";

/** The probe function, its every-minute schedule, its dead-letter queue and its self-monitoring alarms. */
export function Probes({ stack, app }: StackContext) {
  const settings = settingsOf(app);
  const storage = use(Storage);
  const { timeoutSeconds, memoryMb } = settings.probe;

  const probe = new SstFunction(stack, "Probe", {
    handler: HANDLERS.probe,
    description: `sla-monitor probes (${settings.config.targets.length} targets), every minute`,
    // Largest probe deadline + 20 s margin (see infra/aws/sizing.ts), capped at 15 min.
    timeout: timeoutSeconds,
    memorySize: memoryMb,
    logGroup: new logs.LogGroup(stack, "ProbeLogs", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
    copyFiles: [settings.deployedConfig],
    environment: functionEnvironment(settings, storage),
    bind: storage.bindings,
  });

  const { queue } = new FailureQueue(stack, "ProbeFailures");
  // A probe retried minutes later measures the wrong minute: no Lambda retries, failures go to the DLQ.
  routeAsyncFailures(probe, queue, { retryAttempts: 0, maxEventAge: Duration.minutes(1) });
  grantProbe(probe, grantProps(settings, storage, settings.probe.ssmParameters));
  // Past what one invocation's CPU can probe within the smallest deadline (infra/aws/sizing.ts, at most
  // MAX_CONCURRENCY), fan out one invocation per shard.
  const names = settings.config.targets.map((t) => t.name);
  const shards = probeShards(settings.config, names);
  new EveryMinute(stack, "EveryMinute", { target: probe, deadLetterQueue: queue, shards });

  new FunctionAlarms(stack, "ProbeAlarms", {
    fn: probe,
    timeoutSeconds,
    topic: storage.topic,
    namePrefix: app.logicalPrefixedName("probe"),
    heartbeat: true,
    overload: true,
  });
  new DeadLetterAlarm(stack, "ProbeFailuresAlarm", {
    queue,
    topic: storage.topic,
    alarmName: app.logicalPrefixedName("probe-dead-letters"),
  });

  stack.addOutputs({ ProbeFunctionName: probe.functionName, ProbeDeadLetterQueueUrl: queue.queueUrl });
  return { probe };
}
