import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseViewerPath } from "./serve.js";
import { LinkSecretError, linkExpiry, signedPath, signedUrl, verifyLink } from "./sign.js";

const SECRET = new TextEncoder().encode("a-test-secret-of-at-least-32-bytes-long!");
const OTHER = new TextEncoder().encode("another-secret-of-at-least-32-bytes-long");
const KEY = "reports/monthly/2026-10/report.html";
const NOW = 1_790_000_000;

/** `s/<exp>/<sig>/<key>` → its parts */
const parts = (p: string) => {
  const [, exp, sig, ...rest] = p.split("/");
  return { exp: exp!, sig: sig!, key: rest.join("/") };
};

describe("signed links", () => {
  it("a link verifies for its key until it expires, then never", () => {
    const { exp, sig, key } = parts(signedPath(SECRET, KEY, NOW + 60));
    expect(key).toBe(KEY);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyLink(SECRET, KEY, exp, sig, NOW)).toEqual({ ok: true, scope: "key" });
    expect(verifyLink(SECRET, KEY, exp, sig, NOW + 59)).toEqual({ ok: true, scope: "key" });
    expect(verifyLink(SECRET, KEY, exp, sig, NOW + 60)).toEqual({ ok: false, reason: "expired" });
  });

  it("is the documented HMAC-SHA256, base64url", () => {
    const expected = createHmac("sha256", SECRET)
      .update(`sla-monitor report link v1\nkey\n${KEY}\n${NOW}`)
      .digest("base64url");
    expect(signedPath(SECRET, KEY, NOW)).toBe(`s/${NOW}/${expected}/${KEY}`);
    expect(signedUrl("https://abc.lambda-url.eu-central-1.on.aws/", SECRET, KEY, NOW)).toBe(
      `https://abc.lambda-url.eu-central-1.on.aws/s/${NOW}/${expected}/${KEY}`,
    );
  });

  it("refuses another key, another expiry, another secret and every one-character change", () => {
    const { exp, sig } = parts(signedPath(SECRET, KEY, NOW + 3600));
    expect(verifyLink(SECRET, "reports/monthly/2026-09/report.html", exp, sig, NOW).ok).toBe(false);
    expect(verifyLink(SECRET, "reports/monthly/2026-10/report.json", exp, sig, NOW).ok).toBe(false);
    expect(verifyLink(SECRET, KEY, String(NOW + 3601), sig, NOW)).toEqual({
      ok: false,
      reason: "bad-signature",
    });
    expect(verifyLink(OTHER, KEY, exp, sig, NOW)).toEqual({ ok: false, reason: "bad-signature" });
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let i = 0; i < sig.length; i++) {
      const c = sig[i]!;
      const other = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length]!;
      const tampered = sig.slice(0, i) + other + sig.slice(i + 1);
      expect(verifyLink(SECRET, KEY, exp, tampered, NOW).ok, tampered).toBe(false);
    }
  });

  it("any key and expiry: the link opens exactly its own key", () => {
    const seg = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}$/);
    fc.assert(
      fc.property(seg, seg, fc.integer({ min: NOW + 1, max: NOW + 10 ** 8 }), (a, b, e) => {
        const ka = `reports/${a}/report.html`;
        const kb = `reports/${b}/report.html`;
        const { exp, sig } = parts(signedPath(SECRET, ka, e));
        expect(verifyLink(SECRET, ka, exp, sig, NOW).ok).toBe(true);
        expect(verifyLink(SECRET, kb, exp, sig, NOW).ok).toBe(a === b);
      }),
    );
  });

  it("a tree link (the portal's) opens every object under reports/, nothing else", () => {
    const { exp, sig } = parts(signedPath(SECRET, "reports/index.html", NOW + 60, "tree"));
    expect(verifyLink(SECRET, "reports/index.html", exp, sig, NOW)).toEqual({ ok: true, scope: "tree" });
    expect(verifyLink(SECRET, KEY, exp, sig, NOW)).toEqual({ ok: true, scope: "tree" });
    expect(verifyLink(SECRET, "state/probe-state.json", exp, sig, NOW).ok).toBe(false);
    expect(verifyLink(SECRET, KEY, exp, sig, NOW + 60)).toEqual({ ok: false, reason: "expired" });
    // a key link is not a tree link
    const k = parts(signedPath(SECRET, KEY, NOW + 60));
    expect(verifyLink(SECRET, "reports/index.html", k.exp, k.sig, NOW).ok).toBe(false);
  });

  it("refuses malformed expiries and signatures, short secrets and keys outside reports/", () => {
    const { exp, sig } = parts(signedPath(SECRET, KEY, NOW + 60));
    for (const [e, s] of [
      ["0", sig],
      ["01790000060", sig],
      ["1e9", sig],
      [exp, sig.slice(1)],
      [exp, `${sig}A`],
      [exp, `${sig.slice(1)}=`],
      [exp, `${sig.slice(1)}+`],
    ]) {
      expect(verifyLink(SECRET, KEY, e!, s!, NOW)).toEqual({ ok: false, reason: "malformed" });
    }
    expect(() => signedPath(new Uint8Array(16), KEY, NOW)).toThrow(LinkSecretError);
    expect(() => verifyLink(new Uint8Array(31), KEY, exp, sig, NOW)).toThrow(LinkSecretError);
    expect(() => signedPath(SECRET, "state/probe-state.json", NOW)).toThrow(/reports\//);
  });

  it("expires `days` after now, in whole seconds", () => {
    expect(linkExpiry(new Date("2026-11-01T05:00:00.999Z"), 90)).toBe(
      Date.parse("2027-01-30T05:00:00Z") / 1000,
    );
  });
});

describe("viewer paths", () => {
  it("accepts plain and signed report paths", () => {
    expect(parseViewerPath("/")).toEqual({ kind: "root" });
    expect(parseViewerPath(`/${KEY}`)).toEqual({ kind: "plain", key: KEY });
    expect(parseViewerPath(`/s/123/abc/${KEY}`)).toEqual({
      kind: "signed",
      expires: "123",
      signature: "abc",
      key: KEY,
    });
  });

  it("refuses traversal in every spelling, odd characters and keys outside reports/", () => {
    for (const p of [
      "/reports/../state/probe-state.json",
      "/reports/./index.html",
      "/reports/%2e%2e/state/probe-state.json",
      "/reports/%2E%2E/state/probe-state.json",
      "/reports/..%2fstate/probe-state.json",
      "/reports/..%5cstate",
      "/reports\\..\\state\\probe-state.json",
      "/reports//monthly/2026-10/report.html",
      "//reports/index.html",
      "/reports/index.html/",
      "/reports/",
      "/state/probe-state.json",
      "/notifications/monthly/2026-10/summary.json",
      "/s/123/abc/state/probe-state.json",
      "/s/123/abc/reports/../state/probe-state.json",
      "/s/123/abc",
      "/reports/index.html\u0000",
      "/reports/in dex.html",
      "/.sla-link-secret",
      "/reports/~/x",
    ]) {
      expect(parseViewerPath(p).kind, p).toBe("bad");
    }
  });
});
