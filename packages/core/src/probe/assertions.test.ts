import { describe, expect, it } from "vitest";
import { classifyError, describeRanges, latencyLevel, statusAccepted } from "./assertions.js";
import { redactResult } from "./redact.js";
import type { ProbeResult } from "./types.js";

describe("status ranges", () => {
  it("are inclusive, several may be given, and none means 2xx", () => {
    const ranges = [
      { min: 200, max: 204 },
      { min: 301, max: 301 },
    ];
    expect([199, 200, 204, 205, 301, 302].map((s) => statusAccepted(s, ranges))).toEqual([
      false,
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(statusAccepted(299, [])).toBe(true);
    expect(statusAccepted(300, [])).toBe(false);
    expect(describeRanges(ranges)).toBe("200-204, 301");
  });
});

describe("latency levels", () => {
  it("grade at >= warn and >= crit, ok without thresholds", () => {
    const t = { warnMs: 100, critMs: 500 };
    expect([99, 100, 499, 500].map((ms) => latencyLevel(ms, t))).toEqual(["ok", "warn", "warn", "crit"]);
    expect(latencyLevel(10_000)).toBe("ok");
  });
});

describe("error causes", () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  it("map errno and TLS codes", () => {
    expect(classifyError(err("ENOTFOUND"))).toBe("dns");
    expect(classifyError(err("EAI_AGAIN"))).toBe("dns");
    expect(classifyError(err("ECONNREFUSED"))).toBe("refused");
    expect(classifyError(err("ECONNRESET"))).toBe("reset");
    expect(classifyError(err("EPIPE"))).toBe("reset");
    expect(classifyError(err("UND_ERR_SOCKET"))).toBe("reset");
    expect(classifyError(err("CERT_HAS_EXPIRED"))).toBe("tls");
    expect(classifyError(err("ERR_TLS_CERT_ALTNAME_INVALID"))).toBe("tls");
    expect(classifyError(err("EHOSTUNREACH"))).toBe("network");
    expect(classifyError(new AggregateError([err("ECONNREFUSED")], ""))).toBe("refused");
  });
});

describe("redactResult", () => {
  it("strips userinfo and replaces secrets in the detail", () => {
    const r = {
      url: "https://u:pw@example.com/x?token=abc",
      causeDetail: "header Bearer xyz rejected",
    } as ProbeResult;
    const out = redactResult(r, ["Bearer xyz"]);
    expect(out.url).toBe("https://example.com/x?token=<redacted>");
    expect(out.causeDetail).toBe("header <redacted> rejected");
  });
});
