/** A tiny HTTP server on 127.0.0.1 (port 0) that records every request and answers with a handler. */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CaptureServer {
  url: string;
  requests: Captured[];
  close(): Promise<void>;
}

export async function startCaptureServer(
  handler: (req: Captured, res: ServerResponse, n: number) => void,
): Promise<CaptureServer> {
  const requests: Captured[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r: Captured = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(r);
    try {
      handler(r, res, requests.length);
    } catch (e) {
      res.destroy(e as Error);
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

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
