import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface FailureQueueProps {
  /** Optional fixed name; by default CloudFormation generates one. */
  queueName?: string;
}

/**
 * The dead-letter queue for everything asynchronous: Lambda async invocations that failed after their
 * retries (on-failure destination, with the request and the error), and schedule deliveries that could not
 * invoke the function (EventBridge rule / Scheduler DLQ). SSE-SQS, TLS only, messages kept 14 days.
 */
export class FailureQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: FailureQueueProps = {}) {
    super(scope, id);
    this.queue = new sqs.Queue(this, "Queue", {
      ...(props.queueName !== undefined ? { queueName: props.queueName } : {}),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

export interface AsyncFailureOptions {
  /** Lambda's own retries of a failed async invocation (0..2). */
  retryAttempts: number;
  /** Events older than this are not retried but sent to the queue (60 s .. 6 h). */
  maxEventAge: Duration;
}

/** Sends failed async invocations of `fn` to the queue (on-failure destination) with the given retries. */
export function routeAsyncFailures(
  fn: lambda.Function,
  queue: sqs.IQueue,
  options: AsyncFailureOptions,
): void {
  fn.configureAsyncInvoke({
    onFailure: new destinations.SqsDestination(queue),
    retryAttempts: options.retryAttempts,
    maxEventAge: options.maxEventAge,
  });
}
