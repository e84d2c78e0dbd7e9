/**
 * Report viewer Lambda, behind a Lambda Function URL with auth NONE: the signature in the path is the auth
 * (packages/core/src/viewer). Serves objects under `reports/` of the bucket (SLA_BUCKET) to requests that
 * carry a valid signed link; the HMAC secret is the stack's generated Secrets Manager secret
 * (SLA_LINK_SECRET_ARN), cached for 5 minutes. Thin and small on purpose: it loads no config and no
 * Prometheus client, only the S3 store and the verifier (the bundle is measured in the bench).
 * Log lines name the key and the outcome, never the signature or the secret.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { S3ObjectStore, s3ClientFor } from "@sla-monitor/core/store";
import { handleViewerRequest, secretsManagerLinkSecret } from "@sla-monitor/core/viewer";

/** The parts of a Function URL (payload format 2.0) event the viewer reads. */
export interface FunctionUrlEvent {
  rawPath?: string;
  headers?: Record<string, string | undefined>;
  requestContext?: { http?: { method?: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

const logger = new Logger({ serviceName: "sla-monitor-viewer" });

/** A Function URL response is at most 6 MB, the base64 body included (browsers ask for gzip: ~15x less). */
export const MAX_RESPONSE_BODY_BASE64 = 5_900_000;

let deps: { store: S3ObjectStore; secret: () => Promise<Uint8Array> } | undefined;

function dependencies(env: NodeJS.ProcessEnv = process.env) {
  if (!deps) {
    if (!env.SLA_BUCKET || !env.SLA_LINK_SECRET_ARN) {
      throw new Error("SLA_BUCKET and SLA_LINK_SECRET_ARN must be set");
    }
    deps = {
      store: new S3ObjectStore({ bucket: env.SLA_BUCKET, client: s3ClientFor(env) }),
      secret: secretsManagerLinkSecret(env.SLA_LINK_SECRET_ARN),
    };
  }
  return deps;
}

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const { store, secret } = dependencies();
  const r = await handleViewerRequest(
    {
      method: event.requestContext?.http?.method ?? "GET",
      path: event.rawPath ?? "/",
      acceptEncoding: event.headers?.["accept-encoding"],
    },
    { store, secret, log: (level, message, data) => logger[level](message, data ?? {}) },
  );
  const body = Buffer.from(r.body).toString("base64");
  if (body.length > MAX_RESPONSE_BODY_BASE64) {
    logger.error("response too large", {
      path: event.rawPath?.replace(/^\/s\/[^/]+\/[^/]+\//, "/s/…/"),
      bytes: r.body.byteLength,
    });
    const msg = Buffer.from(
      "This file is too large for the viewer without compression; open it with a browser that accepts gzip.\n",
    );
    const { "content-encoding": _, ...headers } = r.headers;
    return {
      statusCode: 502,
      headers: {
        ...headers,
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
        "content-length": String(msg.byteLength),
      },
      body: msg.toString("base64"),
      isBase64Encoded: true,
    };
  }
  return { statusCode: r.status, headers: r.headers, body, isBase64Encoded: true };
}
