/**
 * One probe attempt against one target, with a TOTAL deadline enforced by our own timer: when it fires the
 * probe settles at once with `timeout:<phase>` and its sockets are destroyed (undici's idle timers are off:
 * they never fire for a trickling peer and fire late). No retries, no redirects followed (a 3xx is judged
 * by the status assertion, so a redirect loop ends after one response). With `dnsServers`, names are
 * resolved by a resolver of the probe's own, cancelled when the probe settles.
 */
import type { Resolver } from "node:dns";
import { Client } from "undici";
import { redactUrl } from "../config/redact.js";
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
import type { FailureCause, PhaseTimings, ProbeOptions, ProbeResult, ProbeSpec } from "./types.js";

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

/** Probes `spec` once. Never rejects for a failing target (the failure is in the result); rejects only when `signal` aborts. */
export function probeTarget(spec: ProbeSpec, options: ProbeOptions = {}): Promise<ProbeResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const startedAt = options.now?.() ?? new Date();
  const t0 = performance.now();

  return new Promise<ProbeResult>((resolve, reject) => {
    let settled = false;
    let client: Client | undefined;
    let resolver: Resolver | undefined;
    let status: number | null = null;
    let headersAt: number | undefined;
    let endAt: number | undefined;
    let bodyBytes = 0;
    const trace: ConnectTrace = { phase: "dns", sockets: [], fail: (cause, detail) => settle(cause, detail) };

    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      for (const socket of [...trace.sockets].reverse()) socket.destroy(); // TLS first, then TCP
      resolver?.cancel(); // no DNS query outlives the probe (the lookup's late callback finds the socket gone)
      // sockets are gone already; close() settles without building a ClientDestroyedError per probe
      client?.close().catch(() => {});
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
        startedAt: startedAt.toISOString(),
      };
      if (detail !== undefined) result.causeDetail = detail;
      const tls = tlsInfoFromChain(trace.peerCertificate, startedAt);
      if (tls) {
        result.tls = tls;
        const min = spec.tls?.minDaysToExpiry;
        result.tlsExpiring = min !== undefined && tls.daysToEarliestExpiry < min;
      }
      resolve(redactResult(result, specSecrets(spec)));
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
      let bodyRegex: RegExp | undefined;
      if (spec.expect.bodyMatches !== undefined) {
        try {
          bodyRegex = new RegExp(spec.expect.bodyMatches);
        } catch (e) {
          return settle("body", `invalid bodyMatches pattern: ${(e as Error).message}`);
        }
      }
      trace.phase = initialPhase(url.hostname);
      if (trace.phase === "dns" && options.dnsServers && options.dnsServers.length > 0) {
        try {
          resolver = probeResolver(options.dnsServers, spec.timeoutMs);
        } catch (e) {
          return settle(
            "dns",
            `invalid dnsServers ${JSON.stringify(options.dnsServers)}: ${describeError(e)}`,
          );
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
      const res = await client.request({
        path: `${url.pathname}${url.search}`,
        method: spec.method,
        headers: requestHeaders(spec, url),
        body: spec.method === "POST" ? spec.body : undefined,
      });
      res.body.on("error", () => {}); // destroyed by cleanup(); the outcome is already decided then
      if (settled) return;
      headersAt = performance.now();
      status = res.statusCode;
      trace.phase = "body";

      const max = spec.expect.maxBodyBytes;
      if (!statusAccepted(status, spec.expect.status)) {
        const expected = describeRanges(spec.expect.status);
        if (status >= 300 && status < 400) {
          const location = res.headers.location;
          const to = typeof location === "string" ? ` to ${redactUrl(location)}` : "";
          return settle("redirect", `${status} redirect${to} not followed; expected status ${expected}`);
        }
        return settle("status", `status ${status} not in expected ${expected}`);
      }
      if (spec.method === "HEAD") return settle(null);

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
