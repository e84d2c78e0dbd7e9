import { describe, expect, it } from "vitest";
import { contentTypeFor } from "./content-type.js";
import { ObjectStoreError, validateKey, validatePrefix } from "./types.js";

describe("contentTypeFor", () => {
  it.each([
    ["reports/monthly/2026-10/report.json", "application/json; charset=utf-8"],
    ["reports/monthly/2026-10/report.html", "text/html; charset=utf-8"],
    ["reports/monthly/2026-10/report.md", "text/markdown; charset=utf-8"],
    ["reports/monthly/2026-10/report.txt", "text/plain; charset=utf-8"],
    ["reports/monthly/2026-10/report.CSV", "text/csv; charset=utf-8"],
    ["state/breach", "application/octet-stream"],
    ["a.b/no-extension", "application/octet-stream"],
    [".hidden", "application/octet-stream"],
    ["x.bin", "application/octet-stream"],
  ])("%s -> %s", (key, type) => {
    expect(contentTypeFor(key)).toBe(type);
  });
});

describe("validateKey", () => {
  it("accepts ordinary relative keys", () => {
    for (const k of [
      "a",
      "reports/weekly/2026-W43/report.json",
      "notifications/x/breach-api_fast-burn.json",
      "a b/ü.txt",
    ]) {
      expect(validateKey(k)).toBe(k);
    }
  });

  it.each([
    ["", "empty"],
    ["/etc/passwd", "absolute"],
    ["../outside", '".." path segment'],
    ["a/../../b", '".." path segment'],
    ["a/./b", '"." path segment'],
    ["a//b", "empty path segment"],
    ["a/", "empty path segment"],
    ["a\\b", "backslash"],
    ["a\nb", "control characters"],
    ["a\u0000b", "control characters"],
  ])("rejects %j (%s)", (k, why) => {
    expect(() => validateKey(k)).toThrow(ObjectStoreError);
    expect(() => validateKey(k)).toThrow(why);
  });

  it("accepts list prefixes ending with / or empty, rejects traversal", () => {
    expect(validatePrefix("")).toBe("");
    expect(validatePrefix("reports/")).toBe("reports/");
    expect(validatePrefix("reports/mon")).toBe("reports/mon");
    expect(() => validatePrefix("../")).toThrow(/"\.\." path segment/);
  });
});
