/**
 * Redaction helpers. Secrets (header values, tokens, passwords, signed URL parameters) never appear in
 * logs, errors or reports: run anything that may carry one through these first.
 */

export const REDACTED = "<redacted>";

/** Same keys, every value replaced by `<redacted>` (header names are kept: they are useful and not secret). */
export function redactHeaders(
  headers: Readonly<Record<string, unknown>> | undefined | null,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const key of Object.keys(headers)) out[key] = REDACTED;
  return out;
}

/**
 * Query parameter names whose values are masked by `redactUrl` (matched case-insensitively anywhere in the
 * name, so `access_token`, `X-Amz-Signature`, `api_key`, `client_secret` and `sig` are all caught).
 */
const SENSITIVE_PARAM = /token|key|secret|passw|pwd|signature|^sig$|credential|auth|session|^code$/i;

function maskParams(query: string): string {
  if (query === "") return query;
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0) return pair;
      const rawName = pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, " "));
      } catch {
        // keep the raw name
      }
      return SENSITIVE_PARAM.test(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join("&");
}

/**
 * Removes userinfo (`https://user:pass@host` → `https://host`) and masks the values of query (and
 * fragment) parameters named like token/key/secret/password/signature. Works on strings that are not
 * valid URLs too (best effort with the same rules), so it is safe to call on anything URL-shaped.
 */
export function redactUrl(url: string): string {
  // Split off fragment and query textually so the output keeps the caller's spelling (no re-encoding).
  let rest = url;
  let fragment: string | undefined;
  const hashAt = rest.indexOf("#");
  if (hashAt >= 0) {
    fragment = rest.slice(hashAt + 1);
    rest = rest.slice(0, hashAt);
  }
  let query: string | undefined;
  const qAt = rest.indexOf("?");
  if (qAt >= 0) {
    query = rest.slice(qAt + 1);
    rest = rest.slice(0, qAt);
  }
  // userinfo: scheme://userinfo@host...  (also without scheme: //user:pass@host)
  rest = rest.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:)?\/\/[^/?#]*@/, (_m, scheme: string | undefined) => {
    return `${scheme ?? ""}//`;
  });
  let out = rest;
  if (query !== undefined) out += `?${maskParams(query)}`;
  if (fragment !== undefined) out += `#${fragment.includes("=") ? maskParams(fragment) : fragment}`;
  return out;
}

/**
 * Replaces every occurrence of each known secret value in `text` by `<redacted>` (longest first, so a
 * secret that contains another is removed whole). URL-encoded spellings are replaced too. Empty and
 * missing values are ignored.
 */
export function redactText(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  const variants = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length === 0) continue;
    variants.add(s);
    const enc = encodeURIComponent(s);
    if (enc !== s) variants.add(enc);
  }
  let out = text;
  for (const v of [...variants].sort((a, b) => b.length - a.length)) {
    out = out.split(v).join(REDACTED);
  }
  return out;
}
