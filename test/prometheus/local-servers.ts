/**
 * Small HTTP servers on 127.0.0.1 (port 0) that misbehave on purpose, for the Prometheus client and
 * remote-writer tests. Each records the requests it received; `close()` also drops hanging connections.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { PrometheusError } from "../../packages/core/src/prometheus/index.js";

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
  at: number;
}

export interface LocalServer {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

export type Handler = (req: Received, res: ServerResponse, n: number) => void | Promise<void>;

export async function startServer(handler: Handler): Promise<LocalServer> {
  const requests: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r: Received = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks),
      at: performance.now(),
    };
    requests.push(r);
    try {
      await handler(r, res, requests.length);
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

/** A port that was free a moment ago and has nothing listening on it now. */
export async function closedPort(): Promise<number> {
  const s = await startServer(() => {});
  const port = Number(new URL(s.url).port);
  await s.close();
  return port;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export const vectorBody = (value = "1") => ({
  status: "success",
  data: { resultType: "vector", result: [{ metric: { job: "x" }, value: [1727740799.999, value] }] },
});

/** The PrometheusError a call fails with (the test fails if it succeeds or throws anything else). */
export async function failure(p: Promise<unknown>): Promise<PrometheusError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PrometheusError);
    return e as PrometheusError;
  }
  throw new Error("expected the call to fail");
}
