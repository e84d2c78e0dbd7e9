/** Reads expiry facts from the certificate chain the peer presented. No I/O. */
import type { TlsInfo } from "./types.js";

const DAY_MS = 86_400_000;

/**
 * The fields of a certificate the expiry facts read (a structural subset of Node's `DetailedPeerCertificate`):
 * `connector.ts` hands over either the object Node built for a verified chain or a lighter chain of just these
 * fields (`peerChain`). `subject` and `issuer` are only read on the leaf.
 */
export interface ChainCertificate {
  /** notAfter as OpenSSL prints it, e.g. "Mar  1 12:00:00 2027 GMT". */
  valid_to: string;
  subject?: unknown;
  issuer?: unknown;
  issuerCertificate?: ChainCertificate;
  fingerprint256?: string;
}

/** Leaf first, then each issuer the peer (or the trust store) supplied, stopping at a self-reference. */
export function walkChain(leaf: ChainCertificate): ChainCertificate[] {
  const chain: ChainCertificate[] = [];
  let cert: ChainCertificate | undefined = leaf;
  // an empty object (`{}`) is Node's "no certificate"
  while (cert?.valid_to !== undefined && !chain.includes(cert) && chain.length < 20) {
    chain.push(cert);
    const next: ChainCertificate | undefined = cert.issuerCertificate;
    if (
      !next ||
      next === cert ||
      (next.fingerprint256 !== undefined && next.fingerprint256 === cert.fingerprint256)
    ) {
      break;
    }
    cert = next;
  }
  return chain;
}

function firstName(name: unknown): string | undefined {
  if (!name || typeof name !== "object") return undefined;
  const n = name as Record<string, string | string[] | undefined>;
  const v = n.CN ?? n.O;
  return Array.isArray(v) ? v[0] : v;
}

/** Undefined when the peer presented no certificate (or dates cannot be read). */
export function tlsInfoFromChain(leaf: ChainCertificate | undefined, now: Date): TlsInfo | undefined {
  if (!leaf?.valid_to) return undefined;
  const leafMs = Date.parse(leaf.valid_to);
  if (Number.isNaN(leafMs)) return undefined;
  // one pass over the chain: the earliest notAfter (unreadable dates are skipped)
  let earliestMs = leafMs;
  for (const c of walkChain(leaf)) {
    const ms = c === leaf ? leafMs : Date.parse(c.valid_to);
    if (ms < earliestMs) earliestMs = ms;
  }
  return {
    leafExpiry: new Date(leafMs).toISOString(),
    earliestExpiry: new Date(earliestMs).toISOString(),
    daysToEarliestExpiry: (earliestMs - now.getTime()) / DAY_MS,
    subject: firstName(leaf.subject),
    issuer: firstName(leaf.issuer),
  };
}
