import { RemovalPolicy } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Function as SstFunction, type StackContext, use } from "sst/constructs";
import { FunctionAlarms, grantViewer, LinkSecret, VIEWER_RESERVED_CONCURRENCY } from "../infra/aws/index.js";
import { HANDLERS } from "./settings.js";
import { Storage } from "./storage.js";

/** Seconds the viewer may take for one request (one S3 GET, a secret read at cold start). */
export const VIEWER_TIMEOUT_SECONDS = 10;

/**
 * The report viewer: a small function behind a Lambda Function URL (auth NONE: the signature in the path is
 * the auth) that serves `reports/*` for valid signed links, and the link secret it verifies them with (the
 * report function signs with the same secret). No config, no Prometheus: see packages/functions/src/viewer.ts.
 */
export function Viewer({ stack, app }: StackContext) {
  const storage = use(Storage);
  const { secret } = new LinkSecret(stack, "Links", {
    description: `sla-monitor (${app.stage}): HMAC secret of the signed report links; a new value revokes every link`,
  });

  const viewer = new SstFunction(stack, "Viewer", {
    handler: HANDLERS.viewer,
    description: "sla-monitor report viewer: serves reports/* for signed links (Function URL)",
    timeout: VIEWER_TIMEOUT_SECONDS,
    memorySize: 256,
    reservedConcurrentExecutions: VIEWER_RESERVED_CONCURRENCY,
    logGroup: new logs.LogGroup(stack, "ViewerLogs", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
    environment: { SLA_BUCKET: storage.bucket.bucketName, SLA_LINK_SECRET_ARN: secret.secretArn },
  });
  grantViewer(viewer, {
    bucket: storage.bucket,
    secret,
    ...(storage.key ? { encryptionKey: storage.key } : {}),
  });
  const url = viewer.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

  new FunctionAlarms(stack, "ViewerAlarms", {
    fn: viewer,
    timeoutSeconds: VIEWER_TIMEOUT_SECONDS,
    topic: storage.topic,
    namePrefix: app.logicalPrefixedName("viewer"),
  });

  stack.addOutputs({
    ViewerUrl: url.url,
    ViewerFunctionName: viewer.functionName,
    LinkSecretArn: secret.secretArn,
  });
  return { viewer, url, secret };
}
