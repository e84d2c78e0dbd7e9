/**
 * Signed report links (pure: no I/O, no clock). A link is a path under the viewer's base URL:
 *
 *   <base>/s/<expires>/<signature>/<object key>      e.g. /s/1798761600/3q2-…/reports/monthly/2026-10/report.html
 *
 * `expires` is a Unix time in seconds; `signature` is HMAC-SHA256 (key: the stack's link secret) over a
 * versioned string naming the scope and the expiry, base64url without padding (43 characters). Two scopes:
 * - `key`: exactly one object (the report HTML, its JSON);
 * - `tree`: every object under `reports/` (the portal link: the portal lists every report, and its relative
 *   links, e.g. `monthly/2026-10/report.html`, resolve under the same `/s/<expires>/<signature>/` prefix).
 * The signature is in the path, not the query, so relative links keep working and the scrubber (which masks
 * `sig=` query parameters) leaves the links in notifications intact. Verification compares in constant time
 * (`crypto.timingSafeEqual`). Rotating the secret makes every link ever issued invalid.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** First path segment of a signed link. */
export const SIGNED_SEGMENT = "s";
/** The only objects the viewer serves, and the scope of a portal (tree) link. */
export const VIEWER_ROOT = "reports/";
/** The portal page, re-rendered whenever a report is stored. */
export const PORTAL_KEY = "reports/index.html";
export const DEFAULT_LINK_EXPIRY_DAYS = 90;
/** A link secret shorter than this is refused (HMAC-SHA256 keys should be at least the hash size). */
export const MIN_LINK_SECRET_BYTES = 32;
const SIGNATURE_BYTES = 32;
const SIGNATURE_RE = /^[A-Za-z0-9_-]{43}$/;
const EXPIRES_RE = /^[1-9][0-9]{0,11}$/;

export type LinkScope = "key" | "tree";

export class LinkSecretError extends Error {
  override readonly name = "LinkSecretError";
}

function checkSecret(secret: Uint8Array): void {
  if (secret.byteLength < MIN_LINK_SECRET_BYTES) {
    throw new LinkSecretError(
      `the link secret has ${secret.byteLength} bytes; at least ${MIN_LINK_SECRET_BYTES} are needed`,
    );
  }
}

/** The MAC of one scope: `key` names the object, `tree` the prefix `reports/`. */
function mac(secret: Uint8Array, scope: LinkScope, subject: string, expires: number): Buffer {
  return createHmac("sha256", secret)
    .update(`sla-monitor report link v1\n${scope}\n${subject}\n${expires}`, "utf8")
    .digest();
}

/** Unix seconds `days` after `now` (whole seconds). */
export function linkExpiry(now: Date, days: number): number {
  return Math.floor(now.getTime() / 1000) + Math.round(days * 86_400);
}

/**
 * The signed path (no leading slash) of `key` until `expires`: `s/<expires>/<signature>/<key>`. With scope
 * `tree` the signature opens every object under `reports/` (`key` is where the link lands, e.g. the portal).
 */
export function signedPath(
  secret: Uint8Array,
  key: string,
  expires: number,
  scope: LinkScope = "key",
): string {
  checkSecret(secret);
  if (!Number.isSafeInteger(expires) || expires <= 0) throw new RangeError(`bad link expiry ${expires}`);
  if (!key.startsWith(VIEWER_ROOT))
    throw new RangeError(`only keys under ${VIEWER_ROOT} can be linked: ${key}`);
  const sig = mac(secret, scope, scope === "key" ? key : VIEWER_ROOT, expires).toString("base64url");
  return `${SIGNED_SEGMENT}/${expires}/${sig}/${key}`;
}

/** A full URL: `base` (the viewer's URL, with or without a trailing slash) + the signed path. */
export function signedUrl(
  base: string,
  secret: Uint8Array,
  key: string,
  expires: number,
  scope: LinkScope = "key",
): string {
  return `${base.replace(/\/+$/, "")}/${signedPath(secret, key, expires, scope)}`;
}

export type LinkCheck =
  | { ok: true; scope: LinkScope }
  | { ok: false; reason: "expired" | "bad-signature" | "malformed" };

/**
 * Whether `signature` (base64url, as in the path) signs `key` until `expires` (the raw path segments), at
 * `nowSeconds`. The signature is checked against both scopes, each in constant time, before the expiry.
 */
export function verifyLink(
  secret: Uint8Array,
  key: string,
  expires: string,
  signature: string,
  nowSeconds: number,
): LinkCheck {
  checkSecret(secret);
  if (!EXPIRES_RE.test(expires) || !SIGNATURE_RE.test(signature) || !key.startsWith(VIEWER_ROOT)) {
    return { ok: false, reason: "malformed" };
  }
  const given = Buffer.from(signature, "base64url");
  // canonical spelling only: the 43rd character carries 2 unused bits, which decoding ignores, so four
  // spellings would decode alike; one link has exactly one valid path
  if (given.byteLength !== SIGNATURE_BYTES || given.toString("base64url") !== signature) {
    return { ok: false, reason: "malformed" };
  }
  const exp = Number(expires);
  // both compared every time: which scope matched is not told by the timing either
  const asKey = timingSafeEqual(given, mac(secret, "key", key, exp));
  const asTree = timingSafeEqual(given, mac(secret, "tree", VIEWER_ROOT, exp));
  if (!asKey && !asTree) return { ok: false, reason: "bad-signature" };
  if (exp <= nowSeconds) return { ok: false, reason: "expired" };
  return { ok: true, scope: asKey ? "key" : "tree" };
}
