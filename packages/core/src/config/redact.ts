/**
 * Redaction helpers and THE scrubber (DESIGN §9 "One boundary for secrets"). Secrets (header values, tokens,
 * passwords, signed URL parameters) never appear in logs, errors, notifications, state or reports: every
 * byte that leaves the process passes a `Scrubber` (wired once, at the boundaries, by `runtime.ts` and the
 * CLI / Lambda entry points); `redactText` / `redactUrl` use the same rules for one-off calls.
 * Text from peers and servers is untrusted: `quoteUntrusted` cuts and quotes it where it enters a message.
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

/** Whether a query parameter (or form field) of this name carries a credential. */
export const isSensitiveParam = (name: string): boolean => SENSITIVE_PARAM.test(name);

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
  // maskParams: the top level; maskNestedParams: token-like parameters inside (URL-encoded) values, any depth
  if (query !== undefined) out += `?${maskNestedParams(maskParams(query))}`;
  if (fragment !== undefined)
    out += `#${fragment.includes("=") ? maskNestedParams(maskParams(fragment)) : fragment}`;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The scrubber: known secrets (every spelling) and credential-shaped text (URL userinfo, `Bearer x`,
// token-like query parameters at any URL-encoding depth).

/**
 * Known secret values shorter than this are ignored: replacing "abc", "1234" or "false" everywhere would
 * wreck every text (and, before JSON bodies were scrubbed value by value, corrupted stored state). A
 * credential that short is no protection anyway; credential-shaped text is still masked by pattern.
 */
export const MIN_SECRET_CHARS = 6;

/** Authorization schemes whose credential (the part after the word) is a secret on its own too. */
const AUTH_SCHEME =
  /^(Bearer|Basic|Token|Digest|Negotiate|NTLM|ApiKey|Api-Key|Key|SSWS|OAuth|JWT|DPoP|MAC|AWS4-HMAC-SHA256)\s+(\S.*)$/i;

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * The values to remove for one configured secret: the value, the credential after a scheme word
 * (`Bearer x` → `x`), and for `Basic x` the decoded `user:password` and the password.
 */
export function secretForms(value: string | null | undefined): string[] {
  if (typeof value !== "string" || value.trim().length < MIN_SECRET_CHARS) return [];
  const out = [value];
  const m = AUTH_SCHEME.exec(value.trim());
  if (m) {
    const [, scheme, credential] = m as unknown as [string, string, string];
    if (credential.length >= MIN_SECRET_CHARS) out.push(credential);
    if (scheme.toLowerCase() === "basic" && /^[A-Za-z0-9+/]+=*$/.test(credential)) {
      const decoded = Buffer.from(credential, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0 && !/[\u0000-\u001f\ufffd]/.test(decoded)) {
        out.push(decoded);
        const password = decoded.slice(colon + 1);
        if (password.length >= MIN_SECRET_CHARS) out.push(password);
      }
    }
  }
  return out;
}

/** The forms an `Authorization: Basic` header gives a user/password pair (all of them secret). */
export const basicAuthSecret = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;

/** How a secret may be spelled in text: raw, URL-encoded (repeatedly, either hex case), form, JSON, HTML, CSV. */
function spellings(secret: string): string[] {
  const out = new Set<string>([secret]);
  let e = secret;
  for (let depth = 0; depth < 6; depth++) {
    const next = encodeURIComponent(e);
    if (next === e) break;
    out.add(next);
    out.add(next.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
    e = next;
  }
  out.add(encodeURIComponent(secret).replace(/%20/g, "+"));
  out.add(JSON.stringify(secret).slice(1, -1));
  out.add(secret.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!));
  out.add(secret.replace(/"/g, '""'));
  return [...out].filter((s) => s.length > 0);
}

/** `%` at any URL-encoding depth (`%`, `%25`, `%2525`, ...) followed by `hex`. */
const pct = (hex: string) => `%(?:25)*(?:${hex})`;
/** Ends a parameter value: `&`, `#`, space, quotes, `<`, `>`, URL-encoded at any depth. */
const VALUE_STOP = pct("26|23|20|22|27|3[cC]|3[eE]");
const VALUE_CHAR = `(?:(?!${VALUE_STOP})[^\\s&"'<>#\\\\;,)\\]}|])`;
/** not `~` or `=`: PromQL's `code=~"5.."` and `a==b` are no parameters */
const VALUE_FIRST = `(?:(?!${VALUE_STOP})[^\\s&"'<>#\\\\;,)\\]}|~=])`;
/** `name=value` anywhere: after a separator, or after a URL-encoded one (`%3Fcode%3Dx`, `%253Ftoken%253Dx`). */
const PARAM_RE = new RegExp(
  `(^|%(?:25)*[0-9A-Fa-f]{2}|[^A-Za-z0-9_.\\-])([A-Za-z0-9_.\\-]+)(=|${pct("3[dD]")})(${VALUE_FIRST}${VALUE_CHAR}*)`,
  "g",
);
/** `scheme://userinfo@` */
const USERINFO_RE = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#@"'<>\\]+)@/g;
/** `scheme%3A%2F%2Fuserinfo%40` at any (one) encoding depth */
const ENCODED_USERINFO_RE =
  /\b([A-Za-z][A-Za-z0-9+.-]*(%(?:25)*)3[aA]\2(?:2[fF])\2(?:2[fF]))((?:(?!\2(?:2[fF]|3[fF]|23|40|20))[^\s/?#@"'<>\\])+)\2(40)/g;
/** `Bearer <credential>` / `Basic <credential>` in free text (an echoed Authorization header) */
const AUTH_PHRASE_RE = /\b(Bearer|Basic)((?:\s|%(?:25)*20|\+)+)([A-Za-z0-9\-._~+/]{8,}=*)/gi;

/**
 * Masks the values of token-like parameters (token, access_token, key, api_key, password, secret, sig,
 * signature, code, session, ...) in any text, also inside URL-encoded values at any depth
 * (`next=%2Fcb%3Ftoken%3DX` and `%253Ftoken%253DX` lose `X`).
 */
export function maskNestedParams(text: string): string {
  if (!text.includes("=") && !/%(?:25)*3[dD]/.test(text)) return text;
  return text.replace(PARAM_RE, (whole, pre: string, name: string, eq: string, value: string) => {
    if (isSensitiveParam(name)) return `${pre}${name}${eq}${REDACTED}`;
    const inner = maskNestedParams(value);
    return inner === value ? whole : `${pre}${name}${eq}${inner}`;
  });
}

/** The credential-shaped parts of `text`, whatever their value: URL userinfo, `Bearer x`, token parameters. */
export function scrubPatterns(text: string): string {
  return maskNestedParams(
    text
      .replace(USERINFO_RE, `$1${REDACTED}@`)
      .replace(ENCODED_USERINFO_RE, (_m, prefix: string, p: string) => `${prefix}${REDACTED}${p}40`)
      .replace(AUTH_PHRASE_RE, (_m, word: string, sep: string) => `${word}${sep}${REDACTED}`),
  );
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * THE scrubber: knows every resolved secret of the config (add them as they are resolved) and removes each
 * one, in every spelling, plus anything credential-shaped (see `scrubPatterns`), from text. One instance per
 * process is wired at the boundaries: object store writes, notifications, remote write, CLI output, logs,
 * Lambda results and errors.
 */
export class Scrubber {
  private readonly secrets = new Set<string>();
  private sorted: string[] | undefined = [];

  constructor(secrets: Iterable<string | null | undefined> = []) {
    this.add(...secrets);
  }

  /** Learns secret values (and their derived forms, see `secretForms`); short and empty ones are ignored. */
  add(...values: (string | null | undefined)[]): this {
    for (const v of values) {
      for (const form of secretForms(v)) {
        if (this.secrets.has(form)) continue;
        this.secrets.add(form);
        this.sorted = undefined;
      }
    }
    return this;
  }

  /** How many secret values (not spellings) it knows. */
  get size(): number {
    return this.secrets.size;
  }

  private spellings(): string[] {
    if (!this.sorted) {
      const all = new Set<string>();
      for (const s of this.secrets) for (const v of spellings(s)) all.add(v);
      this.sorted = [...all].sort((a, b) => b.length - a.length);
    }
    return this.sorted;
  }

  /** `text` without any known secret (longest first) and without credential-shaped parts. */
  scrub(text: string): string {
    if (typeof text !== "string" || text === "") return text;
    let out = text;
    for (const v of this.spellings()) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return scrubPatterns(out);
  }

  /** A copy of `value` with every string (in arrays and plain objects, at any depth) scrubbed; keys are kept. */
  scrubDeep<T>(value: T): T {
    if (typeof value === "string") return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.scrubDeep(v)) as T;
    if (isPlainObject(value)) {
      const out = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
      for (const [k, v] of Object.entries(value)) out[k] = this.scrubDeep(v);
      return out as T;
    }
    return value;
  }

  /**
   * Scrubs an error's message and stack (and its causes') in place, keeping its class so that callers'
   * `instanceof` checks still work; returns it. Anything else thrown is returned scrubbed.
   */
  scrubError<E>(e: E): E {
    const seen = new Set<unknown>();
    let cur: unknown = e;
    while (cur instanceof Error && !seen.has(cur)) {
      seen.add(cur);
      const message = this.scrub(cur.message);
      if (message !== cur.message) cur.message = message;
      if (typeof cur.stack === "string") {
        const stack = this.scrub(cur.stack);
        if (stack !== cur.stack) cur.stack = stack;
      }
      cur = cur.cause;
    }
    return typeof e === "string" ? (this.scrub(e) as E) : e;
  }
}

/**
 * Replaces every occurrence of each known secret value in `text` by `<redacted>` (longest first, so a
 * secret that contains another is removed whole; URL-encoded and other spellings too), and masks
 * credential-shaped text (see `scrubPatterns`). Values shorter than `MIN_SECRET_CHARS` are ignored.
 */
export function redactText(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  return new Scrubber(secrets).scrub(text);
}

// ---------------------------------------------------------------------------------------------------------
// Untrusted text

/** Text from peers and servers (headers, bodies, error bodies) is cut to this many characters. */
export const UNTRUSTED_MAX_CHARS = 300;

/** Quoted untrusted text in a message: `“...”` (the text itself never contains these quotes). */
export const UNTRUSTED_SPAN_RE = /“[^“”]*”/g;

/** Knows no secret: masks credential-shaped text only (userinfo, `Bearer x`, token parameters). */
const PATTERNS_ONLY = new Scrubber();

/**
 * `text` scrubbed, THEN cut to `max` characters (`…` marks the cut; a surrogate pair is never split). The order
 * matters: a secret the cut falls into would leave a prefix of itself that no scrubber recognises any more.
 * `scrubber` removes the secrets it knows and everything credential-shaped; without one, only the latter.
 */
export function scrubThenCut(text: string, max: number, scrubber: Scrubber = PATTERNS_ONLY): string {
  const s = scrubber.scrub(text);
  if (s.length <= max) return s;
  const c = s.charCodeAt(max - 1);
  return `${s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max)}…`;
}

/**
 * Untrusted text as it may enter a message: control characters, line breaks and bidi overrides become
 * spaces and curly quotes straight ones; then it is scrubbed (`scrubber`: the secrets the caller knows the
 * peer could have been sent; credential-shaped text in any case) and only then cut to `max` characters (`…`
 * marks the cut, see `scrubThenCut`), and wrapped in `“` `”`, so that readers (and the chat renderer, which
 * neutralises markup inside) can tell it from the product's own words.
 */
export function quoteUntrusted(text: unknown, opts: { scrubber?: Scrubber; max?: number } = {}): string {
  const s = String(text ?? "")
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, " ")
    .replace(/[“”]/g, '"')
    .trim();
  return `“${scrubThenCut(s, opts.max ?? UNTRUSTED_MAX_CHARS, opts.scrubber)}”`;
}
