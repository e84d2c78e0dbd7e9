/**
 * The undici `connect` function of one probe: opens the TCP socket (and TLS on top) itself so it can time
 * DNS (`lookup`), TCP connect and the TLS handshake, keep the current phase for timeout causes, capture the
 * peer certificate chain, and fail fast with the real cause instead of letting undici reconnect.
 * With configured DNS servers the lookup goes through the probe's own `dns.Resolver` (`resolverLookup`)
 * instead of the system's `dns.lookup`.
 */
import { type LookupAddress, Resolver } from "node:dns";
import { isIP, type LookupFunction, connect as netConnect, type Socket } from "node:net";
import {
  checkServerIdentity,
  createSecureContext,
  type DetailedPeerCertificate,
  type SecureContext,
  type TLSSocket,
  connect as tlsConnect,
} from "node:tls";
import type { buildConnector } from "undici";
import { classifyError, describeError, errorCode } from "./assertions.js";
import type { ChainCertificate } from "./tls-info.js";
import type { FailureCause, Phase } from "./types.js";

/** Mutable record of one probe's connection, shared between the connector and the probe. Times are `performance.now()`. */
export interface ConnectTrace {
  phase: Phase;
  socketAt?: number;
  lookupAt?: number;
  connectAt?: number;
  secureAt?: number;
  /** The peer's certificate chain, leaf first (`peerChain`). */
  peerCertificate?: ChainCertificate;
  /** `getProtocol()` of the TLS socket and whether its chain verified (`authorized`), once the handshake is done. */
  tlsProtocol?: string;
  authorized?: boolean;
  /** The peer's IP: the literal, else the resolved address, replaced by the one connected to. */
  remoteAddress?: string;
  /** From the status line of the first response bytes (undici does not expose it): 1.1, 1.0. */
  httpVersion?: number;
  /** Every socket opened (raw and TLS), so the probe can destroy them at its deadline. */
  sockets: Socket[];
  /** Ends the probe with a failure (ignored once the probe has settled). */
  fail: (cause: FailureCause, detail: string) => void;
}

class ProbeConnectError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "ProbeConnectError";
  }
}

export function initialPhase(hostname: string): Phase {
  return isIP(hostname.replace(/^\[|\]$/g, "")) ? "connect" : "dns";
}

/**
 * Records the HTTP version of the status line undici is about to parse. undici reads the socket in paused
 * mode (`readable` + `read()`), and `read()` emits `data` as well, so this listener observes the bytes
 * without changing the flow; it leaves after the first 8 bytes.
 */
function tapHttpVersion(socket: Socket, trace: ConnectTrace): void {
  let head = "";
  const onData = (chunk: Buffer) => {
    head += chunk.subarray(0, 8).toString("latin1");
    if (head.length < 8) return;
    socket.removeListener("data", onData);
    const m = /^HTTP\/(\d)\.(\d)/.exec(head);
    if (m) trace.httpVersion = Number(m[1]) + Number(m[2]) / 10;
  };
  socket.on("data", onData);
}

let probeSecureContext: SecureContext | undefined;
/**
 * One TLS context for every probe of the process. `tls.connect` without one builds a new context (an
 * OpenSSL SSL_CTX with its cipher lists) per connection: measured here at about a quarter of a ms of CPU
 * per probe, ~13 % of a bare handshake (bench/https-cpu.ts). Probes pass no `ca`, `cert` or cipher options,
 * so this context is the very one `tls.connect` would build each time. It does not resume sessions: Node's
 * client keeps no session cache (resumption needs the `session` option, which probes never pass), so every
 * probe still makes a full handshake and verifies the chain.
 */
function secureContext(): SecureContext {
  probeSecureContext ??= createSecureContext({});
  return probeSecureContext;
}

/**
 * The peer's chain for the expiry facts (`tls-info.ts`), built at most once per connection.
 * - A chain that verified: `verified`, the object Node itself built with `getPeerCertificate(true)` to check
 *   the server's identity (leaf, intermediates, and the trust-store root that completed the chain). Calling
 *   `getPeerCertificate(true)` again (as the connector did) built all of it a second time, every field of
 *   every certificate (fingerprints, public keys, raw DER): ~0.3-0.4 ms of CPU per probe.
 * - A chain that did not verify (Node built nothing): the leaf's abbreviated object (`getPeerCertificate()`:
 *   exactly the subject, issuer and notAfter it had before, without the chain), then the certificates the
 *   peer presented through `getPeerX509Certificate()`, `X509Certificate`s whose fields are read on demand:
 *   only notAfter is. Both together measured ~0.2 ms per probe against ~0.44 ms for `getPeerCertificate(true)`
 *   (bench/https-cpu.ts). In Node 20 that call consumes the socket's record of the presented chain (a second
 *   call returns undefined, a later `getPeerCertificate(true)` sees a truncated chain), so it is the socket's
 *   last read of its chain. The earliest expiry is then taken over what the peer presented, in the order
 *   presented (blackbox_exporter's `probe_ssl_earliest_cert_expiry` reads the same certificates); the
 *   last-chain expiry of an unverified chain is Go's zero time whatever the chain (`metrics.ts`).
 */
export function peerChain(
  secure: TLSSocket,
  verified: DetailedPeerCertificate | undefined,
): ChainCertificate | undefined {
  if (verified) return verified;
  const leaf = secure.getPeerCertificate();
  if (!leaf?.valid_to) return undefined;
  const presented = secure.getPeerX509Certificate();
  const head: ChainCertificate = { valid_to: leaf.valid_to, subject: leaf.subject, issuer: leaf.issuer };
  let tail = head;
  // the leaf came first; its issuers follow as the peer sent them (at most 20, as walkChain reads)
  for (let x = presented?.issuerCertificate, i = 1; x && i < 20; x = x.issuerCertificate, i++) {
    const next: ChainCertificate = { valid_to: x.validTo };
    tail.issuerCertificate = next;
    tail = next;
  }
  return head;
}

/** Errors produced by a probe's own resolver: DNS failures whatever their code (see `classifyProbeError`). */
const resolverErrors = new WeakSet<object>();

/**
 * `classifyError`, except for failures of the probe's own resolver: those are "dns" whatever their code
 * (ENOTFOUND, ENODATA, ESERVFAIL, and ECONNREFUSED from the DNS server, which is no refused TCP connection),
 * and "timeout:dns" for the resolver's own ETIMEOUT (normally the probe's deadline fires first).
 */
export function classifyProbeError(err: unknown): FailureCause {
  if (typeof err === "object" && err !== null && resolverErrors.has(err)) {
    return errorCode(err) === "ETIMEOUT" ? "timeout:dns" : "dns";
  }
  return classifyError(err);
}

/**
 * A resolver for one probe that asks only `servers` ("10.0.0.2", "10.0.0.2:53", "[fd00::2]:53"). DNS is
 * UDP: a query lost in a burst of hundreds is asked again after a quarter of the probe's deadline (c-ares
 * doubles the wait at each try), so one dropped packet does not become a `timeout:dns`; the probe's own
 * deadline still ends it all. Throws for an invalid server entry. The probe cancels it when it settles, so no
 * query outlives the probe.
 */
export function probeResolver(servers: readonly string[], timeoutMs: number): Resolver {
  const resolver = new Resolver({ timeout: Math.max(100, Math.ceil(timeoutMs / 4)), tries: 3 });
  resolver.setServers([...servers]);
  return resolver;
}

type FamilyAnswer = { family: 4 | 6; addresses: string[] } | { family: 4 | 6; error: NodeJS.ErrnoException };

function resolveFamily(resolver: Resolver, hostname: string, family: 4 | 6): Promise<FamilyAnswer> {
  return new Promise((resolve) => {
    const done = (error: NodeJS.ErrnoException | null, addresses: string[]) =>
      resolve(error ? { family, error } : { family, addresses });
    if (family === 4) resolver.resolve4(hostname, done);
    else resolver.resolve6(hostname, done);
  });
}

/**
 * A `net.connect` `lookup` backed by `resolver`: A and AAAA queries (only one of them for `family` 4 or 6),
 * IPv4 addresses first. Answers both the `all: true` form (Node 20's autoSelectFamily) and the single-address
 * form. Succeeds when either family has addresses (a name without AAAA records answers ENODATA for it);
 * otherwise fails with the first error that is not ENODATA (e.g. ENOTFOUND for NXDOMAIN), else the first one.
 * Like getaddrinfo, it waits for both answers.
 */
export function resolverLookup(resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    const f = options.family;
    const family = f === "IPv4" ? 4 : f === "IPv6" ? 6 : f;
    const families: (4 | 6)[] = family === 4 ? [4] : family === 6 ? [6] : [4, 6];
    void Promise.all(families.map((fam) => resolveFamily(resolver, hostname, fam))).then((answers) => {
      const found: LookupAddress[] = answers.flatMap((a) =>
        "addresses" in a ? a.addresses.map((address) => ({ address, family: a.family })) : [],
      );
      const first = found[0];
      if (!first) {
        const errors = answers.flatMap((a) => ("error" in a ? [a.error] : []));
        const error =
          errors.find((e) => e.code !== "ENODATA") ??
          errors[0] ??
          Object.assign(new Error(`no A or AAAA records for ${hostname}`), { code: "ENODATA", hostname });
        resolverErrors.add(error);
        callback(error, options.all ? [] : "");
      } else if (options.all) {
        callback(null, found);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

export function probeConnector(
  trace: ConnectTrace,
  opts: {
    insecureSkipVerify: boolean;
    /** The probe's own resolver (configured DNS servers); without it the system's `dns.lookup` is used. */
    resolver?: Resolver;
  },
): buildConnector.connector {
  const lookup = opts.resolver ? resolverLookup(opts.resolver) : undefined;
  let attempts = 0;
  return (options, callback) => {
    attempts += 1;
    if (attempts > 1) {
      // undici reconnects after a socket closed before the request ran; a probe never retries.
      const message = "connection closed before the response (probes do not retry)";
      trace.fail("reset", message);
      callback(new ProbeConnectError(message, "PROBE_NO_RETRY"), null);
      return;
    }
    let called = false;
    const done: buildConnector.Callback = (...args) => {
      if (called) return;
      called = true;
      callback(...args);
    };
    const https = options.protocol === "https:";
    const host = options.hostname;
    const port = Number(options.port) || (https ? 443 : 80);

    // Socket errors and closes are judged one turn later, so a response undici has already parsed (its
    // promise resolving) wins over the close undici itself causes after it (e.g. after every HEAD).
    const failSoon = (cause: FailureCause, detail: string) => setImmediate(() => trace.fail(cause, detail));
    const onError = (err: Error) => {
      done(err, null);
      if (errorCode(err) === "UND_ERR_INFO") return; // undici closing the socket on purpose, not a failure
      failSoon(classifyProbeError(err), describeError(err));
    };

    trace.phase = initialPhase(host);
    if (trace.phase === "connect") trace.remoteAddress = host.replace(/^\[|\]$/g, "");
    trace.socketAt = performance.now();
    const raw = netConnect(lookup ? { host, port, lookup } : { host, port });
    trace.sockets.push(raw);
    raw.on("error", onError);
    raw.on("lookup", (err, address) => {
      if (err || trace.lookupAt !== undefined) return;
      trace.lookupAt = performance.now();
      if (typeof address === "string") trace.remoteAddress = address;
      trace.phase = "connect";
    });
    raw.once("close", () => {
      const message = "connection closed by the peer before the response headers";
      if (!called) done(new ProbeConnectError(message, "ECONNRESET"), null); // no error object on the hot path
      // Before headers this is a failure; during the body undici decides (a close-delimited body ends here).
      setImmediate(() => {
        if (trace.phase !== "body") trace.fail("reset", message);
      });
    });
    raw.once("connect", () => {
      trace.connectAt = performance.now();
      if (raw.remoteAddress) trace.remoteAddress = raw.remoteAddress;
      if (!https) {
        trace.phase = "headers";
        tapHttpVersion(raw, trace);
        done(null, raw);
        return;
      }
      trace.phase = "tls";
      // Verification is done below from `authorized`, so the chain is captured even for a rejected certificate.
      // Node calls `checkServerIdentity` with the chain object it built, only for a chain that verified.
      let verified: DetailedPeerCertificate | undefined;
      const secure = tlsConnect({
        socket: raw,
        host,
        servername: isIP(host) ? undefined : options.servername || host,
        rejectUnauthorized: false,
        ALPNProtocols: ["http/1.1"],
        secureContext: secureContext(),
        checkServerIdentity: (hostname, cert) => {
          verified = cert as DetailedPeerCertificate; // getPeerCertificate(true), see peerChain
          return checkServerIdentity(hostname, cert);
        },
      });
      trace.sockets.push(secure);
      secure.on("error", onError);
      secure.once("secureConnect", () => {
        trace.secureAt = performance.now();
        trace.peerCertificate = peerChain(secure, verified);
        trace.tlsProtocol = secure.getProtocol() ?? undefined;
        trace.authorized = secure.authorized;
        if (!secure.authorized && !opts.insecureSkipVerify) {
          const code = String(secure.authorizationError ?? "CERT_UNTRUSTED");
          const message = `certificate rejected: ${code}`;
          secure.destroy();
          done(new ProbeConnectError(message, code), null);
          // Deferred: tearing down the raw socket and the client from inside the TLS callback crashed
          // Node 20 (SIGSEGV) in tests.
          setImmediate(() => trace.fail("tls", message));
          return;
        }
        trace.phase = "headers";
        tapHttpVersion(secure, trace);
        done(null, secure);
      });
    });
  };
}
