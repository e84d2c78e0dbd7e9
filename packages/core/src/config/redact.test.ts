import { describe, expect, it } from "vitest";
import { REDACTED, redactHeaders, redactText, redactUrl } from "./redact.js";

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
    expect(redactText("GET /x?k=a%2Fb%3Dc", ["a/b=c"])).toBe(`GET /x?k=${REDACTED}`);
  });

  it("returns the text unchanged without secrets", () => {
    expect(redactText("nothing here", [])).toBe("nothing here");
  });
});
