import { describe, expect, it } from "vitest";
import { parseMime } from "../../../../test/helpers/mime.js";
import { buildMime, encodeHeaderValue, mimeDate } from "./mime.js";

const base = {
  from: "sla@example.com",
  to: ["ops@example.com", "cto@example.com"],
  subject: "[SLA report] Oktober 2026: 3 met, 1 missed — Übersicht ✅",
  text: "SLA REPORT\nline two ✅\n",
  html: "<!DOCTYPE html><p>Ü ✅</p>",
  date: new Date("2026-11-01T05:00:00Z"),
  headers: { "List-Id": "SLA reports <sla-reports.example.com>", "Auto-Submitted": "auto-generated" },
};

describe("buildMime", () => {
  it("is multipart/alternative: a UTF-8 text part then an HTML part, both base64, CRLF line ends", () => {
    const raw = buildMime(base);
    expect(raw.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/); // no bare LF or CR anywhere
    const m = parseMime(raw);
    expect(m.contentType).toMatch(/^multipart\/alternative; boundary="=_sla_[0-9a-f]{24}"$/);
    expect(m.parts.map((p) => [p.contentType, p.encoding])).toEqual([
      ["text/plain; charset=UTF-8", "base64"],
      ["text/html; charset=UTF-8", "base64"],
    ]);
    expect(m.parts[0]!.body).toBe(base.text);
    expect(m.parts[1]!.body).toBe(base.html);
    expect(m.headers.from).toBe("sla@example.com");
    expect(m.headers.to).toBe("ops@example.com, cto@example.com");
    expect(m.headers["list-id"]).toBe("SLA reports <sla-reports.example.com>");
    expect(m.headers.date).toBe("Sun, 01 Nov 2026 05:00:00 +0000");
    expect(m.headers["mime-version"]).toBe("1.0");
    expect(m.subject).toBe(base.subject);
    for (const line of raw.split("\r\n")) expect(line.length, line).toBeLessThanOrEqual(998);
    for (const line of raw.split("\r\n").filter((l) => /^[A-Za-z0-9+/=]{60,}$/.test(l)))
      expect(line.length).toBeLessThanOrEqual(76);
  });

  it("encodes non-ASCII header values as RFC 2047 words of at most 75 characters, whole characters each", () => {
    const long = "Überschrift ✅ ".repeat(12);
    const enc = encodeHeaderValue(long);
    for (const w of enc.split("\r\n ")) expect(w.length).toBeLessThanOrEqual(75);
    expect(
      enc
        .split("\r\n ")
        .map((w) => Buffer.from(/=\?UTF-8\?B\?(.*)\?=/.exec(w)![1]!, "base64").toString("utf8"))
        .join(""),
    ).toBe(long);
    expect(encodeHeaderValue("plain ascii")).toBe("plain ascii");
  });

  it("refuses header injection: CR, LF or other control characters in any header", () => {
    expect(() => buildMime({ ...base, subject: "ok\r\nBcc: evil@example.com" })).toThrow(/control character/);
    expect(() => buildMime({ ...base, to: ["a@example.com\nBcc: x@example.com"] })).toThrow(
      /control character/,
    );
    expect(() => buildMime({ ...base, headers: { "X-A": "b\u0000" } })).toThrow(/control character/);
    expect(() => buildMime({ ...base, headers: { "Bad Name": "x" } })).toThrow(/header name/);
  });

  it("dates are RFC 5322 in UTC", () => {
    expect(mimeDate(new Date("2027-02-28T23:59:59.999Z"))).toBe("Sun, 28 Feb 2027 23:59:59 +0000");
  });
});
