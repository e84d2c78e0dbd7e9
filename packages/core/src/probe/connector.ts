/**
 * The undici `connect` function of one probe: opens the TCP socket (and TLS on top) itself so it can time
 * DNS (`lookup`), TCP connect and the TLS handshake, keep the current phase for timeout causes, capture the
 * peer certificate chain, and fail fast with the real cause instead of letting undici reconnect.
 */
import { isIP, connect as netConnect, type Socket } from "node:net";
import { type DetailedPeerCertificate, connect as tlsConnect } from "node:tls";
import type { buildConnector } from "undici";
import { classifyError, describeError, errorCode } from "./assertions.js";
import type { FailureCause, Phase } from "./types.js";

/** Mutable record of one probe's connection, shared between the connector and the probe. Times are `performance.now()`. */
export interface ConnectTrace {
  phase: Phase;
  socketAt?: number;
  lookupAt?: number;
  connectAt?: number;
  secureAt?: number;
  peerCertificate?: DetailedPeerCertificate;
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

export function probeConnector(
  trace: ConnectTrace,
  opts: { insecureSkipVerify: boolean },
): buildConnector.connector {
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
      failSoon(classifyError(err), describeError(err));
    };

    trace.phase = initialPhase(host);
    trace.socketAt = performance.now();
    const raw = netConnect({ host, port });
    trace.sockets.push(raw);
    raw.on("error", onError);
    raw.on("lookup", (err) => {
      if (err || trace.lookupAt !== undefined) return;
      trace.lookupAt = performance.now();
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
      if (!https) {
        trace.phase = "headers";
        done(null, raw);
        return;
      }
      trace.phase = "tls";
      // Verification is done below from `authorized`, so the chain is captured even for a rejected certificate.
      const secure = tlsConnect({
        socket: raw,
        host,
        servername: isIP(host) ? undefined : options.servername || host,
        rejectUnauthorized: false,
        ALPNProtocols: ["http/1.1"],
      });
      trace.sockets.push(secure);
      secure.on("error", onError);
      secure.once("secureConnect", () => {
        trace.secureAt = performance.now();
        trace.peerCertificate = secure.getPeerCertificate(true);
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
        done(null, secure);
      });
    });
  };
}
