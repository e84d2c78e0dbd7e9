/**
 * One HTTP exchange with a TOTAL deadline (headers and body), on undici `request`. undici's own
 * `headersTimeout`/`bodyTimeout` are idle timers (a server trickling one byte a second never trips them), so
 * the deadline is our own timer aborting the request. Internal to the prometheus module.
 */
import { type Dispatcher, request } from "undici";

export interface HttpExchange {
  status: number;
  body: Buffer;
}

export class HttpFailure extends Error {
  constructor(
    readonly kind: "timeout" | "network",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HttpFailure";
  }
}

export interface SendOptions {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs: number;
  dispatcher?: Dispatcher;
}

/** The URL without user info, query or fragment: safe for error messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "<invalid url>";
  }
}

/** Sends the request and reads the whole body within `timeoutMs`; throws `HttpFailure` otherwise. */
export async function send(opts: SendOptions): Promise<HttpExchange> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new Error(`deadline of ${opts.timeoutMs} ms exceeded`));
  }, opts.timeoutMs);
  try {
    const res = await request(opts.url, {
      method: opts.method,
      headers: opts.headers,
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      signal: ac.signal,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      headersTimeout: opts.timeoutMs + 1000,
      bodyTimeout: opts.timeoutMs + 1000,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, body };
  } catch (e) {
    if (timedOut) {
      throw new HttpFailure("timeout", `no complete response within ${opts.timeoutMs} ms`, { cause: e });
    }
    const err = e as { code?: string; message?: string };
    const detail = [err.code, err.message].filter(Boolean).join(": ") || String(e);
    throw new HttpFailure("network", detail, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Delay before retry number `n` (1-based): the n-th entry of `delays`, the last one repeated. */
export function backoff(delays: readonly number[], n: number): number {
  if (delays.length === 0) return 0;
  return delays[Math.min(n, delays.length) - 1]!;
}

export function truncate(s: string, max = 500): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more chars)`;
}
