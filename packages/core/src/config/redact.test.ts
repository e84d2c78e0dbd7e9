import { describe, expect, it } from "vitest";
import { renderAll } from "../report/render/index.js";
import { LINKS, sampleReport } from "../report/render/test-helpers.js";
import {
  basicAuthSecret,
  quoteUntrusted,
  REDACTED,
  redactHeaders,
  redactText,
  redactUrl,
  Scrubber,
  scrubThenCut,
  UNTRUSTED_MAX_CHARS,
} from "./redact.js";

describe("redactHeaders", () => {
  it("keeps the names and hides every value", () => {
    expect(redactHeaders({ Authorization: "Bearer x", Accept: "text/html", "X-Key": { env: "K" } })).toEqual({
      Authorization: REDACTED,
      Accept: REDACTED,
      "X-Key": REDACTED,
    });
    expect(redactHeaders(undefined)).toEqual({});
  });
});

describe("redactUrl", () => {
  it.each([
    ["https://user:pa55@example.com/path?x=1", "https://example.com/path?x=1"],
    ["https://token@example.com/", "https://example.com/"],
    ["https://example.com/?access_token=abc&page=2", `https://example.com/?access_token=${REDACTED}&page=2`],
    [
      "https://example.com/?api_key=abc&apiKey=def",
      `https://example.com/?api_key=${REDACTED}&apiKey=${REDACTED}`,
    ],
    [
      "https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA%2F1&X-Amz-Date=20260101",
      `https://b.s3.amazonaws.com/k?X-Amz-Signature=${REDACTED}&X-Amz-Credential=${REDACTED}&X-Amz-Date=20260101`,
    ],
    [
      "https://example.com/?password=p&secret=s&sig=z",
      `https://example.com/?password=${REDACTED}&secret=${REDACTED}&sig=${REDACTED}`,
    ],
    [
      "https://example.com/cb#access_token=abc&state=1",
      `https://example.com/cb#access_token=${REDACTED}&state=1`,
    ],
    ["https://example.com/health", "https://example.com/health"],
    ["not a url ?token=abc", `not a url ?token=${REDACTED}`],
    ["//user:pw@host/x", "//host/x"],
  ])("%s", (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

describe("redactText", () => {
  it("replaces every occurrence of each secret, longest first", () => {
    const text = "sent Bearer abc123XYZ to host; token abc123XYZ; also abc";
    expect(redactText(text, ["abc123XYZ", "Bearer abc123XYZ", "", undefined, null])).toBe(
      `sent ${REDACTED} to host; token ${REDACTED}; also abc`,
    );
  });

  it("also replaces the URL-encoded spelling", () => {
    expect(redactText("GET /x?k=a%2Fb%3Dcd", ["a/b=cd"])).toBe(`GET /x?k=${REDACTED}`);
  });

  it("returns the text unchanged without secrets", () => {
    expect(redactText("nothing here", [])).toBe("nothing here");
  });
});

describe("Scrubber", () => {
  it("removes every spelling of a known secret: raw, URL-encoded at any depth, JSON, HTML, form", () => {
    const secret = 's3cr3t/&"<x> y';
    const s = new Scrubber([secret]);
    const once = encodeURIComponent(secret);
    const twice = encodeURIComponent(once);
    const text = [
      secret,
      once,
      twice,
      encodeURIComponent(twice),
      once.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
      JSON.stringify(secret),
      "s3cr3t/&amp;&quot;&lt;x&gt; y",
      once.replace(/%20/g, "+"),
    ].join(" | ");
    const out = s.scrub(text);
    expect(out).not.toContain("s3cr3t");
    expect(out.split(REDACTED).length - 1).toBe(8);
  });

  it("knows the credential after a scheme word on its own, and a Basic header's user:password and password", () => {
    const basic = basicAuthSecret("admin", "PROMPASS123");
    const s = new Scrubber(["Bearer SUPERSECRET123", basic]);
    expect(s.scrub("/denied?presented=SUPERSECRET123")).toBe(`/denied?presented=${REDACTED}`);
    expect(s.scrub("echo: Bearer SUPERSECRET123")).toBe(`echo: ${REDACTED}`);
    expect(s.scrub(`got ${basic.slice(6)} and admin:PROMPASS123 and PROMPASS123`)).toBe(
      `got ${REDACTED} and ${REDACTED} and ${REDACTED}`,
    );
    expect(s.size).toBe(6); // Bearer x, x; Basic y, y, admin:PROMPASS123, PROMPASS123
    // values too short to be secrets are ignored rather than erased from every text
    expect(new Scrubber(["abc", "", null, undefined]).size).toBe(0);
  });

  it("masks token-like query parameters at any URL-encoding depth, values it has never seen", () => {
    const s = new Scrubber();
    expect(s.scrub("302 to /login?next=%2Fnext%3Ftoken%3DQUERYSECRET%26x%3D1")).toBe(
      `302 to /login?next=%2Fnext%3Ftoken%3D${REDACTED}%26x%3D1`,
    );
    expect(s.scrub("/login?next=%252Fcb%253Fcode%253DQUERYSECRET%2526state%253D1")).toBe(
      `/login?next=%252Fcb%253Fcode%253D${REDACTED}%2526state%253D1`,
    );
    expect(s.scrub("a?access_token=QUERYSECRET&api_key=K3Y1&sig=S1GN&page=2")).toBe(
      `a?access_token=${REDACTED}&api_key=${REDACTED}&sig=${REDACTED}&page=2`,
    );
    expect(redactUrl("https://x/login?next=%2Fcb%3Fsession%3DQUERYSECRET")).toBe(
      `https://x/login?next=%2Fcb%3Fsession%3D${REDACTED}`,
    );
  });

  it("masks URL userinfo (also URL-encoded) and Bearer/Basic credentials it has never seen", () => {
    const s = new Scrubber();
    expect(s.scrub("GET https://admin:PROMPASS123@prom.example/api failed")).toBe(
      `GET https://${REDACTED}@prom.example/api failed`,
    );
    expect(s.scrub("next=https%3A%2F%2Fadmin%3APROMPASS123%40prom.example%2F")).toBe(
      `next=https%3A%2F%2F${REDACTED}%40prom.example%2F`,
    );
    expect(s.scrub('{"authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"}')).toBe(
      `{"authorization":"Bearer ${REDACTED}"}`,
    );
  });

  it("leaves PromQL, report text and a rendered report alone when they hold no secret", () => {
    const s = new Scrubber(["not-in-any-report-1234"]);
    const promql =
      'sum(rate(http_requests_total{code=~"5..",job="api"}[5m])) / sum(rate(x{code!="200"}[5m]))';
    expect(s.scrub(promql)).toBe(promql);
    const files = renderAll(sampleReport(), { links: LINKS });
    for (const [name, body] of Object.entries(files)) expect(s.scrub(body), name).toBe(body);
  });

  it("scrubs deep values (keeping keys and null prototypes) and errors in place (keeping their class)", () => {
    const s = new Scrubber(["PROMTOKEN1"]);
    const targets = Object.create(null) as Record<string, unknown>;
    targets.api = { detail: "x PROMTOKEN1" };
    const out = s.scrubDeep({ a: ["PROMTOKEN1", 1, null], targets });
    expect(out).toEqual({ a: [REDACTED, 1, null], targets: expect.anything() });
    expect(Object.getPrototypeOf(out.targets)).toBeNull();
    expect((out.targets.api as { detail: string }).detail).toBe(`x ${REDACTED}`);
    class MyError extends Error {}
    const e = new MyError("failed with PROMTOKEN1", { cause: new Error("inner PROMTOKEN1") });
    expect(s.scrubError(e)).toBe(e);
    expect(e).toBeInstanceOf(MyError);
    expect(e.message).toBe(`failed with ${REDACTED}`);
    expect(e.stack).not.toContain("PROMTOKEN1");
    expect((e.cause as Error).message).toBe(`inner ${REDACTED}`);
  });
});

describe("quoteUntrusted", () => {
  it("quotes, folds control characters and bidi overrides, and cuts at 300 characters", () => {
    expect(quoteUntrusted("line1\r\nline2\u202e evil")).toBe("“line1 line2  evil”");
    expect(quoteUntrusted("close “early” quote")).toBe('“close "early" quote”');
    const long = quoteUntrusted("x".repeat(1000));
    expect(long).toBe(`“${"x".repeat(UNTRUSTED_MAX_CHARS)}…”`);
    expect(quoteUntrusted("😀".repeat(400)).length).toBeLessThanOrEqual(UNTRUSTED_MAX_CHARS + 3);
  });
});

describe("scrub before cutting", () => {
  const SECRET = "SUPERSECRET123";
  /** every run of 6 characters of the secret (a prefix the cut could leave is one of them) */
  const fragments = (secret: string) =>
    Array.from({ length: secret.length - 5 }, (_, i) => secret.slice(i, i + 6));
  const leaked = (out: string, secret: string) => fragments(secret).filter((f) => out.includes(f));

  // the cut at 300 falls after the 7th character of the secret: "SUPERSE" would be left without scrubbing first
  const straddling = (secret: string, before = 7) =>
    `${"p".repeat(UNTRUSTED_MAX_CHARS - before - 1)} ${secret} and more text after it`;

  it("a known secret the cut falls into leaves no prefix (quoteUntrusted with the caller's scrubber)", () => {
    const text = `/denied?presented=${SECRET}`;
    const padded = `${"p".repeat(UNTRUSTED_MAX_CHARS - 7 - text.indexOf(SECRET))}${text}`;
    expect(padded.indexOf(SECRET) + 7).toBe(UNTRUSTED_MAX_CHARS); // the planted cut point
    const out = quoteUntrusted(padded, { scrubber: new Scrubber([`Bearer ${SECRET}`]) });
    expect(out.endsWith("…”")).toBe(true);
    expect(leaked(out, SECRET)).toEqual([]);
    // what cutting first would have sent: a prefix no scrubber knows any more
    const cutFirst = new Scrubber([`Bearer ${SECRET}`]).scrub(padded.slice(0, UNTRUSTED_MAX_CHARS));
    expect(leaked(cutFirst, SECRET)).toEqual(["SUPERS", "UPERSE"]);
  });

  it.each([
    ["a Bearer credential", "Bearer abcdefghijklmnop", "abcdefghijklmnop"],
    ["a token parameter", "?access_token=abcdefghijklmnop", "abcdefghijklmnop"],
    ["URL userinfo", "https://admin:abcdefghijklmnop@prom.internal/", "abcdefghijklmnop"],
  ])("%s the cut falls into leaves no prefix, with no scrubber given (patterns)", (_, text, secret) => {
    for (let before = 1; before < text.length; before++) {
      const out = quoteUntrusted(straddling(text, before));
      expect(leaked(out, secret), `cut ${before} characters into ${JSON.stringify(text)}`).toEqual([]);
    }
  });

  it("scrubThenCut: scrubbed, then cut with a marker; short text unchanged but scrubbed", () => {
    const s = new Scrubber([SECRET]);
    expect(scrubThenCut(`${"x".repeat(10)}${SECRET}`, 14, s)).toBe(`xxxxxxxxxx${REDACTED.slice(0, 4)}…`);
    expect(scrubThenCut(`key ${SECRET}`, 100, s)).toBe(`key ${REDACTED}`);
    expect(leaked(scrubThenCut(straddling(SECRET), UNTRUSTED_MAX_CHARS, s), SECRET)).toEqual([]);
  });
});
