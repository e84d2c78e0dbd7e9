/** Reads expiry facts from the certificate chain the peer presented. No I/O. */
import type { DetailedPeerCertificate } from "node:tls";
import type { TlsInfo } from "./types.js";

const DAY_MS = 86_400_000;

/** Leaf first, then each issuer the peer (or the trust store) supplied, stopping at a self-reference. */
export function walkChain(leaf: DetailedPeerCertificate): DetailedPeerCertificate[] {
  const chain: DetailedPeerCertificate[] = [];
  let cert: DetailedPeerCertificate | undefined = leaf;
  while (cert && Object.keys(cert).length > 0 && !chain.includes(cert) && chain.length < 20) {
    chain.push(cert);
    const next: DetailedPeerCertificate | undefined = cert.issuerCertificate;
    if (!next || next === cert || next.fingerprint256 === cert.fingerprint256) break;
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
export function tlsInfoFromChain(leaf: DetailedPeerCertificate | undefined, now: Date): TlsInfo | undefined {
  if (!leaf?.valid_to) return undefined;
  const chain = walkChain(leaf);
  const expiries = chain.map((c) => new Date(c.valid_to)).filter((d) => !Number.isNaN(d.getTime()));
  const leafExpiry = new Date(leaf.valid_to);
  if (Number.isNaN(leafExpiry.getTime()) || expiries.length === 0) return undefined;
  const earliest = new Date(Math.min(...expiries.map((d) => d.getTime())));
  return {
    leafExpiry: leafExpiry.toISOString(),
    earliestExpiry: earliest.toISOString(),
    daysToEarliestExpiry: (earliest.getTime() - now.getTime()) / DAY_MS,
    subject: firstName(leaf.subject),
    issuer: firstName(leaf.issuer),
  };
}
