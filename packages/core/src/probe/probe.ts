/**
 * One probe attempt against one target, with a TOTAL deadline enforced by our own timer: when it fires the
 * probe settles at once with `timeout:<phase>` and its sockets are destroyed (undici's idle timers are off:
 * they never fire for a trickling peer and fire late). No retries. Redirects (301/302/303/307/308 with a
 * Location) are followed by default, each hop on a new connection, all inside the same deadline; a loop,
 * more than `maxRedirects` or https→http fails with cause "redirect". Credentials never go to another origin.
 * With `dnsServers`, names are resolved by a resolver of the probe's own, cancelled when the probe settles.
 */
import type { Resolver } from "node:dns";
import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import type { Dispatcher, Client as UndiciClient } from "undici";
import type { Re2 } from "../config/re2.js";
import { quoteUntrusted, redactUrl, Scrubber } from "../config/redact.js";
import { describeError, describeRanges, latencyLevel, statusAccepted } from "./assertions.js";
import {
  type ConnectTrace,
  classifyProbeError,
  initialPhase,
  probeConnector,
  probeResolver,
} from "./connector.js";
import { redactResult, specSecrets } from "./redact.js";
import { tlsInfoFromChain } from "./tls-info.js";
import type {
  FailureCause,
  HttpMethod,
  Phase,
  PhaseTimings,
  ProbeOptions,
  ProbeResult,
  ProbeSpec,
} from "./types.js";
import { Client, request as clientRequest } from "./undici.js";

let re2Module: Promise<typeof import("../config/re2.js")> | undefined;
/**
 * re2js, imported once on first use (a probe cycle without `bodyMatches` never loads it). `runProbes`
 * awaits it before any probe's deadline starts, so the import is never charged to a target; a failed import
 * fails that run (the monitor's fault, not a target's) and the next run tries again.
 */
export const loadRe2 = () =>
  (re2Module ??= import("../config/re2.js").catch((err: unknown) => {
    re2Module = undefined;
    throw err;
  }));

export const USER_AGENT = "sla-monitor-probe/0.1";

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

/** Spec headers plus a default user-agent and, for `https://user:pass@host`, basic auth (unless set). */
function requestHeaders(spec: ProbeSpec, url: URL): Record<string, string> {
  const headers = { ...spec.headers };
  if (!hasHeader(headers, "user-agent")) headers["user-agent"] = USER_AGENT;
  if (url.username && !hasHeader(headers, "authorization")) {
    const basic = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString("base64")}`;
  }
  return headers;
}

/** Redirect statuses that are followed (as Go's http.Client, i.e. blackbox_exporter, does). */
const FOLLOWED = new Set([301, 302, 303, 307, 308]);
/** As the config's default (and Go's http.Client). */
const DEFAULT_MAX_REDIRECTS = 10;
/** Never sent to another origin than the target's, whatever their value (besides `spec.secretHeaders`). */
const WITHHELD_CROSS_ORIGIN = new Set(["authorization", "proxy-authorization", "cookie", "cookie2", "host"]);
/** Header names that look like they carry a credential (x-api-key, x-auth-token, ...): withheld as well. */
const CREDENTIAL_NAME = /auth|token|secret|passw|api-?key|session|credential|signature/i;
const BODY_HEADERS = new Set(["content-type", "content-length", "transfer-encoding"]);

/** The headers of a redirected request: without credentials for another origin, without body headers once the body is dropped. */
function redirectHeaders(
  headers: Record<string, string>,
  spec: ProbeSpec,
  crossOrigin: boolean,
  bodyDropped: boolean,
): Record<string, string> {
  const secret = new Set((spec.secretHeaders ?? []).map((h) => h.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const n = name.toLowerCase();
    if (crossOrigin && (WITHHELD_CROSS_ORIGIN.has(n) || secret.has(n) || CREDENTIAL_NAME.test(n))) continue;
    if (bodyDropped && BODY_HEADERS.has(n)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The declared body length of a response as Go's `http.Response.ContentLength` reads it (blackbox_exporter's
 * probe_http_content_length): for HEAD the Content-Length header or -1; 0 for 1xx/204/304; -1 for a chunked
 * or close-delimited body; else the header.
 */
export function declaredContentLength(
  method: HttpMethod,
  status: number,
  headers: IncomingHttpHeaders,
): number {
  const header = headers["content-length"];
  const value = typeof header === "string" && /^\s*\d+\s*$/.test(header) ? Number(header) : -1;
  if (method === "HEAD") return value;
  if (status < 200 || status === 204 || status === 304) return 0;
  if (/chunked/i.test(String(headers["transfer-encoding"] ?? ""))) return -1;
  return value;
}

/** What a request is, for loop detection (we keep no cookies, so the same request gets the same answer). */
const requestKey = (method: HttpMethod, url: URL) => `${method} ${url.href.replace(/#.*$/s, "")}`;

/** Probes `spec` once. Never rejects for a failing target (the failure is in the result); rejects only when `signal` aborts. */
export function probeTarget(spec: ProbeSpec, options: ProbeOptions = {}): Promise<ProbeResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const startedAt = options.now?.() ?? new Date();
  const t0 = performance.now();

  return new Promise<ProbeResult>((resolve, reject) => {
    let settled = false;
    let client: UndiciClient | undefined;
    let resolver: Resolver | undefined;
    let status: number | null = null;
    let httpVersion: number | undefined;
    let contentLength: number | undefined;
    let headersAt: number | undefined;
    let endAt: number | undefined;
    let bodyBytes = 0;
    let redirects = 0;
    // A peer's text (a Location) quoted in the result: the secrets this probe sends are scrubbed from it
    // before it is cut, so a secret the cut would fall into cannot leave as a prefix of itself.
    const secrets = specSecrets(spec);
    const own = new Scrubber(secrets);
    const quote = (url: string) => quoteUntrusted(redactUrl(url), { scrubber: own });
    /** One trace per hop; a hop's late events (its socket closing after we moved on) are ignored. */
    const newTrace = (phase: Phase): ConnectTrace => {
      const t: ConnectTrace = {
        phase,
        sockets: [],
        fail: (cause, detail) => {
          if (trace === t) settle(cause, detail);
        },
      };
      return t;
    };
    let trace = newTrace("dns");
    /** The first hop's trace: the target's own address (blackbox_exporter's probe_ip_* describe it). */
    let first: ConnectTrace | undefined;

    /** Closes the current hop's connection. */
    const closeHop = () => {
      for (const socket of [...trace.sockets].reverse()) socket.destroy(); // TLS first, then TCP
      // sockets are gone already; close() settles without building a ClientDestroyedError per probe
      client?.close().catch(() => {});
    };

    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      closeHop();
      resolver?.cancel(); // no DNS query outlives the probe (the lookup's late callback finds the socket gone)
    };

    const phases = (): PhaseTimings => {
      const p: PhaseTimings = {};
      const { socketAt, lookupAt, connectAt, secureAt } = trace;
      if (socketAt !== undefined && lookupAt !== undefined) p.dnsMs = round(lookupAt - socketAt);
      if (connectAt !== undefined) p.connectMs = round(connectAt - (lookupAt ?? socketAt ?? t0));
      if (connectAt !== undefined && secureAt !== undefined) p.tlsMs = round(secureAt - connectAt);
      if (headersAt !== undefined) p.firstByteMs = round(headersAt - (secureAt ?? connectAt ?? t0));
      if (headersAt !== undefined && endAt !== undefined) p.transferMs = round(endAt - headersAt);
      return p;
    };

    function settle(cause: FailureCause | null, detail?: string): void {
      if (settled) return;
      settled = true;
      const durationMs = round(performance.now() - t0);
      cleanup();
      const result: ProbeResult = {
        target: spec.name,
        url: spec.url,
        success: cause === null,
        degraded: latencyLevel(durationMs, spec.latency),
        status,
        cause,
        durationMs,
        phases: phases(),
        bodyBytes,
        redirects,
        startedAt: startedAt.toISOString(),
      };
      if (detail !== undefined) result.causeDetail = detail;
      if (status !== null) {
        if (httpVersion !== undefined) result.httpVersion = httpVersion;
        if (contentLength !== undefined) result.contentLength = contentLength;
      }
      const ip = first?.remoteAddress;
      if (first && ip && isIP(ip) !== 0) {
        const address: NonNullable<ProbeResult["address"]> = { ip, family: isIP(ip) === 6 ? 6 : 4 };
        const { socketAt, lookupAt } = first;
        if (socketAt !== undefined && lookupAt !== undefined) address.lookupMs = round(lookupAt - socketAt);
        result.address = address;
      }
      const tls = tlsInfoFromChain(trace.peerCertificate, startedAt);
      if (tls) {
        if (trace.tlsProtocol !== undefined) tls.protocol = trace.tlsProtocol;
        if (trace.authorized !== undefined) tls.trusted = trace.authorized;
        result.tls = tls;
        const min = spec.tls?.minDaysToExpiry;
        result.tlsExpiring = min !== undefined && tls.daysToEarliestExpiry < min;
      }
      resolve(redactResult(result, secrets));
    }

    function onAbort(): void {
      if (settled) return;
      settled = true;
      cleanup();
      reject(signal?.reason);
    }

    const timer = setTimeout(
      () =>
        settle(
          `timeout:${trace.phase}`,
          `${trace.phase} phase still running at the total deadline of ${spec.timeoutMs} ms`,
        ),
      spec.timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });

    run().catch((err: unknown) => settle(classifyProbeError(err), describeError(err)));

    /**
     * One hop: closes the previous hop's connection, opens a new one to `url`'s origin and sends one request.
     * Resolves at the response headers (undefined when the probe settled meanwhile). Status, phases, TLS
     * facts and body bytes describe this hop from now on.
     */
    async function request(
      url: URL,
      method: HttpMethod,
      headers: Record<string, string>,
      body: string | undefined,
    ): Promise<Dispatcher.ResponseData | undefined> {
      closeHop();
      trace = newTrace(initialPhase(url.hostname));
      first ??= trace;
      status = null;
      httpVersion = undefined;
      contentLength = undefined;
      headersAt = undefined;
      endAt = undefined;
      bodyBytes = 0;
      if (trace.phase === "dns" && !resolver && options.dnsServers && options.dnsServers.length > 0) {
        try {
          resolver = probeResolver(options.dnsServers, spec.timeoutMs);
        } catch (e) {
          settle("dns", `invalid dnsServers ${JSON.stringify(options.dnsServers)}: ${describeError(e)}`);
          return undefined;
        }
      }
      client = new Client(url.origin, {
        connect: probeConnector(trace, {
          insecureSkipVerify: spec.tls?.insecureSkipVerify === true,
          ...(resolver ? { resolver } : {}),
        }),
        headersTimeout: 0, // 0 = off: the probe's own deadline covers every phase
        bodyTimeout: 0,
        pipelining: 1,
      });
      const res = await clientRequest(client, {
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        body,
      });
      res.body.on("error", () => {}); // destroyed by closeHop(); the outcome is already decided then
      if (settled) return undefined;
      headersAt = performance.now();
      status = res.statusCode;
      httpVersion = trace.httpVersion;
      contentLength = declaredContentLength(method, res.statusCode, res.headers);
      trace.phase = "body";
      return res;
    }

    async function run(): Promise<void> {
      let url: URL;
      try {
        url = new URL(spec.url);
      } catch {
        return settle("network", "invalid URL");
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return settle("network", `unsupported protocol ${url.protocol}`);
      }
      let bodyRegex: Re2 | undefined;
      if (spec.expect.bodyMatches !== undefined) {
        try {
          bodyRegex = (await loadRe2()).compileRe2(spec.expect.bodyMatches);
        } catch (e) {
          return settle("body", `invalid bodyMatches pattern (RE2): ${(e as Error).message}`);
        }
      }
      const follow = spec.expect.followRedirects ?? true;
      const maxRedirects = spec.expect.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
      const origin = url.origin;
      const headers = requestHeaders(spec, url);
      let method: HttpMethod = spec.method;
      let body = spec.method === "POST" ? spec.body : undefined;
      const requested = new Set<string>();
      let res: Dispatcher.ResponseData;
      for (;;) {
        requested.add(requestKey(method, url));
        const sent =
          redirects === 0
            ? headers
            : redirectHeaders(headers, spec, url.origin !== origin, body === undefined);
        const answer = await request(url, method, sent, body);
        if (!answer) return; // settled meanwhile
        res = answer;
        const code = res.statusCode;
        const location = res.headers.location;
        if (!follow || !FOLLOWED.has(code) || typeof location !== "string") break;
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          return settle("redirect", `${code} redirect to an invalid Location ${quote(location)}`);
        }
        // the Location is the peer's text: quoted and cut (and redacted) wherever it is quoted
        const to = quote(next.href);
        const from = quote(url.href);
        if (next.protocol !== "http:" && next.protocol !== "https:") {
          return settle("redirect", `${code} redirect to ${to}: unsupported protocol ${next.protocol}`);
        }
        if (
          url.protocol === "https:" &&
          next.protocol === "http:" &&
          spec.expect.allowInsecureRedirects !== true
        ) {
          return settle(
            "redirect",
            `${code} redirect from https to ${to} refused (set expect.allowInsecureRedirects to follow it)`,
          );
        }
        if ((code === 301 || code === 302 || code === 303) && method === "POST") {
          method = "GET"; // as browsers and Go do; 307/308 keep the method and the body
          body = undefined;
        }
        if (requested.has(requestKey(method, next))) {
          return settle(
            "redirect",
            `redirect loop: ${code} from ${from} back to ${to}, already requested by this probe (${redirects} redirect(s) followed)`,
          );
        }
        if (redirects >= maxRedirects) {
          return settle(
            "redirect",
            `more than maxRedirects (${maxRedirects}) redirects: ${code} from ${from} to ${to}`,
          );
        }
        redirects += 1;
        url = next;
      }
      const code = res.statusCode;

      const max = spec.expect.maxBodyBytes;
      if (!statusAccepted(code, spec.expect.status)) {
        const expected = describeRanges(spec.expect.status);
        if (code >= 300 && code < 400) {
          const location = res.headers.location;
          const hasLocation = typeof location === "string";
          const to = hasLocation ? ` to ${quote(location)}` : "";
          const why = !follow
            ? "not followed (followRedirects is false)"
            : !hasLocation
              ? "without a Location header"
              : `not followed (only ${[...FOLLOWED].join(", ")} are)`;
          return settle("redirect", `${code} redirect${to} ${why}; expected status ${expected}`);
        }
        return settle("status", `status ${code} not in expected ${expected}`);
      }
      if (method === "HEAD") return settle(null);

      const declared = Number(res.headers["content-length"]);
      if (Number.isFinite(declared) && declared > max) {
        return settle("too-large", `content-length ${declared} exceeds maxBodyBytes ${max}`);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) {
        if (settled) return;
        const buf = chunk as Buffer;
        bodyBytes += buf.length;
        if (bodyBytes > max) {
          return settle("too-large", `body exceeds maxBodyBytes ${max} (stopped after ${bodyBytes} bytes)`);
        }
        if (bodyRegex) chunks.push(buf);
      }
      if (settled) return;
      endAt = performance.now();
      if (bodyRegex && !bodyRegex.test(Buffer.concat(chunks).toString("utf8"))) {
        return settle("body", `body (${bodyBytes} bytes) does not match /${spec.expect.bodyMatches}/`);
      }
      settle(null);
    }
  });
}
