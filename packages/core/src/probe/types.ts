/**
 * Probe engine types. `ProbeSpec` is what the engine needs to probe one target (the config module maps its
 * parsed `Target` onto it, with header secrets already resolved); `ProbeResult` is what one attempt produced,
 * safe to log and to turn into blackbox_exporter-style metrics (no secrets, no URL userinfo).
 */

export type HttpMethod = "GET" | "HEAD" | "POST";

/** Inclusive status range, e.g. `{ min: 200, max: 299 }`. */
export interface StatusRange {
  min: number;
  max: number;
}

export interface ProbeSpec {
  name: string;
  url: string;
  method: HttpMethod;
  /** Already-resolved values; they may be secrets and never appear in results. */
  headers: Record<string, string>;
  /**
   * Names of headers whose values are secrets (from `{ env }` / `{ ssm }`): like Authorization and Cookie,
   * never sent to another origin when a redirect is followed.
   */
  secretHeaders?: string[];
  body?: string;
  expect: {
    /**
     * Accepted status ranges of the final response; an empty list means 200-299. A 3xx outside them (not
     * followed, or not followable) fails with cause "redirect".
     */
    status: StatusRange[];
    /** RE2 regular expression (linear time, re2js) searched in the body decoded as UTF-8. */
    bodyMatches?: string;
    /** Read at most this many bytes; a longer body fails with cause "too-large". */
    maxBodyBytes: number;
    /**
     * Follow 301/302/303/307/308 with a Location, within the one total deadline (default true). False: a 3xx
     * is judged by `status` like any other answer.
     */
    followRedirects?: boolean;
    /** More redirects than this fails with cause "redirect" (default 10). */
    maxRedirects?: number;
    /** Follow a redirect from https to http (default false: cause "redirect"). */
    allowInsecureRedirects?: boolean;
  };
  /** TOTAL deadline in ms: DNS + connect + TLS + headers + body. */
  timeoutMs: number;
  latency?: { warnMs: number; critMs: number };
  tls?: {
    /** Below this many days to the earliest expiry in the chain, the result gets `tlsExpiring: true`. */
    minDaysToExpiry?: number;
    /** Accept untrusted/expired/mismatched certificates (expiry is still reported). */
    insecureSkipVerify?: boolean;
  };
  labels: Record<string, string>;
}

export type Phase = "dns" | "connect" | "tls" | "headers" | "body";

export type FailureCause =
  | "timeout:dns"
  | "timeout:connect"
  | "timeout:tls"
  | "timeout:headers"
  | "timeout:body"
  | "dns"
  | "refused"
  | "reset"
  | "tls"
  | "status"
  | "body"
  | "too-large"
  | "redirect"
  | "network"
  /**
   * Not the target's failure: the probe failed (a timeout, or a reset) while the monitor's own event loop
   * was stalled for more than a quarter of its deadline (see `overload.ts`). Such a result is `inconclusive`.
   */
  | "monitor-overload";

export type LatencyLevel = "ok" | "warn" | "crit";

/**
 * Durations in ms. `dnsMs` is absent for IP literals (no lookup happens); a phase never reached is absent.
 * After redirects these are the last hop's phases (its own connection), not sums over hops.
 */
export interface PhaseTimings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  /** Request written → response headers received. */
  firstByteMs?: number;
  /** Response headers → body fully read (absent for HEAD and when the body was not read). */
  transferMs?: number;
}

export interface TlsInfo {
  /** ISO-8601 (UTC). */
  leafExpiry: string;
  /** Earliest `notAfter` over the chain the peer presented (leaf, intermediates, root if sent). */
  earliestExpiry: string;
  /** Fractional days from the probe start to `earliestExpiry` (negative once expired). */
  daysToEarliestExpiry: number;
  subject?: string;
  issuer?: string;
  /** Protocol the handshake settled on, as Node names it (`TLSv1.3`, `TLSv1.2`, ...). */
  protocol?: string;
  /**
   * The chain was verified against the trust store (Node's `authorized`); false when it was rejected or only
   * accepted by `insecureSkipVerify`. blackbox_exporter's last-chain expiry exists only for a verified chain.
   */
  trusted?: boolean;
}

export interface ProbeResult {
  target: string;
  /** Redacted: no userinfo, sensitive query parameters masked. */
  url: string;
  success: boolean;
  /** Latency level of the attempt by `durationMs` (independent of success; "ok" without thresholds). */
  degraded: LatencyLevel;
  status: number | null;
  cause: FailureCause | null;
  causeDetail?: string;
  durationMs: number;
  phases: PhaseTimings;
  tls?: TlsInfo;
  /** Present with `tls`: true when the earliest expiry is closer than `spec.tls.minDaysToExpiry` days. */
  tlsExpiring?: boolean;
  /** Body bytes read (for "too-large", the bytes read before stopping, i.e. more than the limit). */
  bodyBytes: number;
  /**
   * Redirects followed (0 when none). `status`, `phases`, `bodyBytes` and `tls` describe the last hop;
   * `durationMs` covers all hops.
   */
  redirects: number;
  /** HTTP version of the last response's status line (1.1, 1.0); absent without a response. */
  httpVersion?: number;
  /**
   * The last response's body length as declared, with Go's `Response.ContentLength` semantics (what
   * blackbox_exporter writes): the Content-Length header, 0 for 204/304, -1 when unknown (chunked or
   * close-delimited); for HEAD the header or -1. Absent without a response.
   */
  contentLength?: number;
  /**
   * The target's own address, from the FIRST hop (as blackbox_exporter reports the target's resolved address,
   * whatever the redirects): the address connected to, else the one resolved; `lookupMs` is that DNS lookup
   * (absent for an IP literal). Absent when the name did not resolve.
   */
  address?: { ip: string; family: 4 | 6; lookupMs?: number };
  /** ISO-8601. */
  startedAt: string;
  /**
   * How long the monitor's own event loop was stalled during this probe (ms, see `watch.ts`): time the
   * probe's `durationMs` includes but the target did not spend. Set by `runProbes`, absent for a lone
   * `probeTarget`.
   */
  monitorStallMs?: number;
  /**
   * Set when the failure is explained by the monitor's own stall (cause "monitor-overload", `success`
   * false): no `probe_success` sample is written and the breach state machine ignores it.
   */
  inconclusive?: true;
  /** With `inconclusive`: the failure the engine observed (e.g. "timeout:headers"). */
  observedCause?: FailureCause;
}

export interface ProbeOptions {
  /** Clock for `startedAt` and certificate days-to-expiry (default `new Date()`). */
  now?: () => Date;
  /** Aborting cancels the probe: its promise rejects with the signal's reason (an aborted probe is no sample). */
  signal?: AbortSignal;
  /**
   * DNS servers to resolve target names with instead of the system resolver ("10.0.0.2", "10.0.0.2:5353",
   * "[fd00::2]:53"): A and AAAA queries, retried within the probe's deadline. Unset or empty: the system's
   * `dns.lookup`.
   */
  dnsServers?: readonly string[];
}

export interface RunOptions extends ProbeOptions {
  /** Probes in flight at once (default 50). */
  concurrency?: number;
  /**
   * Probe starts allowed per 10 ms tick (default `STARTS_PER_TICK`, 10); starts also wait while the event
   * loop lags (see `run.ts`). `Infinity` turns the per-tick cap off (benchmarks comparing with unpaced runs).
   */
  startsPerTick?: number;
  /**
   * Share of one CPU this process has (default 1): starts are paced to `PACE_UTILIZATION` of it (see
   * `run.ts`). The probe cycle passes `processCpuShare()` (Lambda memory, cgroup quota).
   */
  cpuShare?: number;
}
