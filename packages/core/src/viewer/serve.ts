/**
 * The report viewer: one request in, one response out, reading objects through the `ObjectStore`. The Lambda
 * Function URL handler (packages/functions/src/viewer.ts) and `sla serve` (a node:http server on 127.0.0.1)
 * are thin adapters around `handleViewerRequest`.
 *
 * - Only objects under `reports/` are served, and (unless `unsigned`, the local default) only through a valid
 *   signed link (`sign.ts`): no signature, a wrong one or an expired one is 403, before the store is asked,
 *   so nothing tells an unsigned caller whether a report exists. There is no listing: the portal page is an
 *   object like the others.
 * - Paths are checked on the raw request path against a strict alphabet (`A-Z a-z 0-9 . _ - /`): percent
 *   encoding (`%2e%2e`, `%2f`), backslashes, empty segments (`//`) and `.`/`..` segments are refused (404)
 *   before anything else, so no decoding or normalisation can turn a path into another key.
 * - Content types come from the key's extension, never from stored metadata; every response is
 *   `Cache-Control: private` (errors `no-store`), `nosniff`, `no-referrer` (a signed URL never leaks in a
 *   Referer), and carries the report's strict CSP as a header, plus `frame-ancestors 'none'`.
 */
import { gzipSync } from "node:zlib";
import { REPORT_CSP } from "../report/render/format.js";
import { contentTypeFor } from "../store/content-type.js";
import { type ObjectStore, ObjectStoreError, validateKey } from "../store/types.js";
import { PORTAL_KEY, SIGNED_SEGMENT, VIEWER_ROOT, verifyLink } from "./sign.js";

export interface ViewerRequest {
  method: string;
  /** the raw request path, as sent (not decoded), without the query string */
  path: string;
  /** the Accept-Encoding header, if any */
  acceptEncoding?: string | undefined;
}

export interface ViewerResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface ViewerOptions {
  store: ObjectStore;
  /** the link secret (loaded once and cached by the caller's source); without it no signed link verifies */
  secret?: () => Promise<Uint8Array>;
  /** serve `/reports/...` without a signature too (`sla serve` on 127.0.0.1 without `--signed`) */
  unsigned?: boolean;
  now?: () => Date;
  log?: (level: "info" | "warn" | "error", message: string, data?: Record<string, unknown>) => void;
}

/** The CSP header: the report's own policy, and no framing, no <base>, no forms. */
export const VIEWER_CSP = `${REPORT_CSP}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": VIEWER_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
};

export type ViewerPath =
  | { kind: "root" }
  | { kind: "plain"; key: string }
  | { kind: "signed"; expires: string; signature: string; key: string }
  | { kind: "bad"; reason: string };

const PATH_RE = /^\/[A-Za-z0-9._/-]*$/;

/**
 * The raw request path, checked and split: `/` (root), `/reports/...` (plain) or `/s/<expires>/<sig>/reports/...`
 * (signed). Anything outside the alphabet, with an empty or dot segment, or not under `reports/` is `bad`.
 */
export function parseViewerPath(raw: string): ViewerPath {
  if (raw === "/" || raw === "") return { kind: "root" };
  if (!PATH_RE.test(raw)) {
    return { kind: "bad", reason: "characters outside A-Z a-z 0-9 . _ - / (encoded or escaped)" };
  }
  const segments = raw.slice(1).split("/");
  if (segments.some((s) => s === "")) return { kind: "bad", reason: "empty path segment" };
  if (segments.some((s) => s === "." || s === "..")) return { kind: "bad", reason: "dot segment" };
  const signed = segments[0] === SIGNED_SEGMENT;
  if (signed && segments.length < 5) return { kind: "bad", reason: "incomplete signed path" };
  const key = (signed ? segments.slice(3) : segments).join("/");
  if (!key.startsWith(VIEWER_ROOT)) return { kind: "bad", reason: `not under ${VIEWER_ROOT}` };
  try {
    validateKey(key);
  } catch {
    return { kind: "bad", reason: "not a valid object key" };
  }
  return signed
    ? { kind: "signed", expires: segments[1]!, signature: segments[2]!, key }
    : { kind: "plain", key };
}

const text = (status: number, message: string, extra: Record<string, string> = {}): ViewerResponse => ({
  status,
  headers: {
    ...SECURITY_HEADERS,
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
    ...extra,
  },
  body: new TextEncoder().encode(`${message}\n`),
});

const COMPRESSIBLE = /^(text\/|application\/json)/;

/** One request. Never throws: a store failure is a 502 (logged). */
export async function handleViewerRequest(req: ViewerRequest, opts: ViewerOptions): Promise<ViewerResponse> {
  const method = req.method.toUpperCase();
  const head = method === "HEAD";
  const res = await respond(req, method, opts);
  return head ? { ...res, body: new Uint8Array() } : res;
}

async function respond(req: ViewerRequest, method: string, opts: ViewerOptions): Promise<ViewerResponse> {
  if (method !== "GET" && method !== "HEAD") {
    return text(405, "Only GET and HEAD are allowed.", { allow: "GET, HEAD" });
  }
  const path = parseViewerPath(req.path);
  if (path.kind === "bad") return text(404, "Not found.");
  if (path.kind === "root") {
    return opts.unsigned
      ? text(302, `See /${PORTAL_KEY}`, { location: `/${PORTAL_KEY}` })
      : text(403, "This address needs a signed link.");
  }
  if (path.kind === "plain" && !opts.unsigned) return text(403, "This address needs a signed link.");
  if (path.kind === "signed") {
    if (!opts.secret) return text(403, "Signed links cannot be checked here.");
    const secret = await opts.secret().catch((e: unknown) => {
      opts.log?.("error", "link secret unavailable", { error: e instanceof Error ? e.message : String(e) });
      return undefined;
    });
    if (!secret) return text(503, "The viewer cannot check links right now; try again later.");
    const now = Math.floor((opts.now?.() ?? new Date()).getTime() / 1000);
    const check = verifyLink(secret, path.key, path.expires, path.signature, now);
    if (!check.ok) {
      opts.log?.("info", "link refused", { key: path.key, reason: check.reason });
      return check.reason === "expired"
        ? text(
            403,
            `This link expired on ${new Date(Number(path.expires) * 1000).toISOString()}. Ask for a new one.`,
          )
        : text(403, "This link is not valid.");
    }
  }
  const key = path.key;
  let obj: Awaited<ReturnType<ObjectStore["get"]>>;
  try {
    obj = await opts.store.get(key);
  } catch (e) {
    // S3 answers a missing key with 403 to a reader without s3:ListBucket (the viewer has none): not found
    if (e instanceof ObjectStoreError && (e.status === 403 || e.code === "AccessDenied")) obj = null;
    else {
      opts.log?.("error", "store read failed", { key, error: e instanceof Error ? e.message : String(e) });
      return text(502, "The report store is unavailable; try again later.");
    }
  }
  if (!obj) return text(404, "Not found.");
  const contentType = contentTypeFor(key);
  let body = obj.body;
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    "content-type": contentType,
    "cache-control": "private, max-age=300",
    vary: "Accept-Encoding",
  };
  if (
    body.byteLength > 1024 &&
    COMPRESSIBLE.test(contentType) &&
    /\bgzip\b/i.test(req.acceptEncoding ?? "")
  ) {
    body = gzipSync(body);
    headers["content-encoding"] = "gzip";
  }
  headers["content-length"] = String(body.byteLength);
  return { status: 200, headers, body };
}
