/**
 * One HTTP exchange with a TOTAL deadline (headers and body), on Node's built-in `fetch` (undici inside Node,
 * nothing bundled: the Lambdas carry undici only for the probe's `Client`, issue 16). Idle timers would not
 * do (a server trickling one byte a second never trips them), so the deadline is our own timer aborting the
 * request. Redirects are not followed (`redirect: "manual"`: a 3xx is an answer like any other, and no
 * credential goes anywhere else). Internal to the prometheus module.
 */

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
    const res = await fetch(opts.url, {
      method: opts.method,
      headers: opts.headers,
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      signal: ac.signal,
      redirect: "manual",
    });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, body };
  } catch (e) {
    if (timedOut) {
      throw new HttpFailure("timeout", `no complete response within ${opts.timeoutMs} ms`, { cause: e });
    }
    throw new HttpFailure("network", networkDetail(e), { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What went wrong on the network, as the system said it: `fetch` wraps it ("fetch failed", the socket's
 * error as `cause`, several for a host with several addresses).
 */
function networkDetail(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 4; depth++) {
    const err = cur as { code?: string; message?: string; cause?: unknown; errors?: unknown[] };
    const line = [err.code, err.message].filter(Boolean).join(": ");
    if (line && line !== "fetch failed") parts.push(line);
    cur = err.cause ?? err.errors?.[0];
  }
  return parts.join("; ") || String(e);
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
