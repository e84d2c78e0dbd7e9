/** The recording HTTP server of the Prometheus tests, under the names the SNS/S3 tests use, plus an XML reply helper. */
import type { ServerResponse } from "node:http";
import {
  type Received as Captured,
  type LocalServer as CaptureServer,
  startServer as startCaptureServer,
} from "../prometheus/local-servers.js";

export { type Captured, type CaptureServer, startCaptureServer };

export function xml(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "text/xml",
    "content-length": Buffer.byteLength(body),
    "x-amz-request-id": "CAPTURE0000000001",
    ...headers,
  });
  res.end(body);
}
