/**
 * Shared pieces of the fault tests: temp dirs, the fixture SLOs cloned to many, a counting notifier,
 * a QueryApi wrapper that counts (and can act on the n-th query), and an HTTP forwarder whose behaviour the
 * test switches per request (delay, fail, pass through). Everything listens on 127.0.0.1 and is closed by
 * the test that started it.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { loadConfig } from "../../packages/core/src/config/index.js";
import type { Slo } from "../../packages/core/src/config/schema.js";
import type { Notifier } from "../../packages/core/src/notify/index.js";
import { createPrometheusClient } from "../../packages/core/src/prometheus/index.js";
import type { QueryApi } from "../../packages/core/src/report/engine.js";
import type { ReportDocument } from "../../packages/core/src/report/model.js";
import { breachItem } from "../../packages/core/src/report/notifications.js";
import type { RunReportInput } from "../../packages/core/src/report/run.js";
import { monthWindow } from "../../packages/core/src/slo/index.js";
import type { ObjectStore } from "../../packages/core/src/store/index.js";

export const fixtureConfig = await loadConfig(join(import.meta.dirname, "../report/fixture.config.yaml"));
export const OCTOBER = monthWindow("2026-10", "Europe/Berlin");
/** The cron run for October: 1 November 06:00 Berlin. */
export const NOW = new Date("2026-11-01T06:00:00+01:00");

/**
 * The cron's report run for October over the fixture SLOs, against the real Prometheus of the global setup,
 * publishing; `overrides` replace any part (another window, `notify: false`, a wrapped query API).
 */
export function reportInput(
  store: ObjectStore,
  notifier: Notifier,
  overrides: Partial<RunReportInput> = {},
): RunReportInput {
  const url = inject("prometheusUrl");
  return {
    slos: fixtureConfig.slos,
    notifyConfig: fixtureConfig.notify,
    window: OCTOBER,
    now: NOW,
    api: createPrometheusClient({ url }),
    store,
    notifier,
    notify: true,
    sourceLabel: url,
    ...overrides,
  };
}

/** `n` SLOs cycling the fixture's kinds (probe x3, ratio, latency), each with its own name. */
export function manySlos(n: number): Slo[] {
  const base = fixtureConfig.slos;
  return Array.from({ length: n }, (_, i) => {
    const s = base[i % base.length]!;
    return { ...s, name: `${s.name}-${String(i).padStart(2, "0")}` };
  });
}

export class TempDirs {
  private readonly dirs: string[] = [];
  async make(prefix = "sla-fault-"): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }
  async cleanup(): Promise<void> {
    for (const d of this.dirs.splice(0)) await rm(d, { recursive: true, force: true });
  }
}

/** A notifier that records every message it accepted (the "wire" of an in-process destination). */
export { CountingNotifier } from "../helpers/notifiers.js";

/** Counts queries; `before(n)` runs before the n-th query (1-based) is forwarded. */
export function countingApi(
  inner: QueryApi,
  before?: (n: number) => Promise<void> | void,
): QueryApi & { count: () => number } {
  let n = 0;
  return {
    count: () => n,
    async instant(query, time) {
      const i = ++n;
      await before?.(i);
      return inner.instant(query, time);
    },
    async range(query, start, end, step) {
      const i = ++n;
      await before?.(i);
      return inner.range(query, start, end, step);
    },
  };
}

/**
 * What a report should publish, by name (`published` / `alreadySent`, and its publish-once marker): the
 * monthly summary and each breach (`breach-<slo>-<kind>`), the breaches delivered together in one digest.
 */
export function expectedMessages(doc: ReportDocument): string[] {
  return ["summary", ...doc.breaches.map(breachItem)].sort();
}

/** SNS messages a complete first run sends: the summary, and one digest when there are breaches. */
export function expectedSends(doc: ReportDocument): number {
  return 1 + (doc.breaches.length > 0 ? 1 : 0);
}

/** Keys of the "already sent" markers under the store. */
export async function markerKeys(store: ObjectStore): Promise<string[]> {
  return store.list("notifications/");
}

export type ForwardMode =
  | { kind: "pass" }
  | { kind: "delay"; ms: number }
  | { kind: "status"; status: number; body: string; contentType?: string }
  /** destroy the connection without an answer (a network failure, as seen by the client) */
  | { kind: "drop" };

export interface Forwarder {
  url: string;
  /** `METHOD path` of every request received, in order */
  requests: string[];
  /** the body of each of those requests (a POSTed query), same order */
  bodies: string[];
  /** decides per request; default: pass through */
  mode: (req: IncomingMessage, n: number) => ForwardMode;
  close(): Promise<void>;
}

/**
 * An HTTP forwarder to `upstream` (any HTTP server) that can delay, answer by itself or drop each request.
 * Bodies are buffered, so the upstream sees ordinary requests.
 */
export async function startForwarder(upstream: string): Promise<Forwarder> {
  const up = new URL(upstream);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const f: Forwarder = {
    url: "",
    requests: [],
    bodies: [],
    mode: () => ({ kind: "pass" }),
    close: async () => {},
  };
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const headers = { ...req.headers, host: up.host };
    const out = request(
      { host: up.hostname, port: up.port, method: req.method, path: req.url, headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    out.end(body);
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    f.requests.push(`${req.method} ${req.url}`);
    f.bodies.push(body.toString("utf8"));
    const m = f.mode(req, f.requests.length);
    switch (m.kind) {
      case "pass":
        return forward(req, body, res);
      case "delay": {
        const t = setTimeout(() => {
          timers.delete(t);
          if (!res.destroyed) forward(req, body, res);
        }, m.ms);
        timers.add(t);
        return;
      }
      case "status":
        res.writeHead(m.status, {
          "content-type": m.contentType ?? "application/json",
          "content-length": Buffer.byteLength(m.body),
        });
        return res.end(m.body);
      case "drop":
        return req.socket.destroy();
    }
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("error", () => {});
    s.once("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  f.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  f.close = async () => {
    for (const t of timers) clearTimeout(t);
    for (const s of sockets) s.destroy();
    const closed = once(server, "close");
    server.close();
    await closed;
  };
  return f;
}

/** ms since `t0`, rounded. */
export const since = (t0: number) => Math.round(performance.now() - t0);
