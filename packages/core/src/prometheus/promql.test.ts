import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  atModifier,
  escapeLabelValue,
  escapeRegex,
  formatDuration,
  formatTimestamp,
  selector,
} from "./promql.js";

/**
 * A strict reader of the selectors we emit, following the PromQL lexer: a double-quoted string ends at
 * the first unescaped `"`, a raw newline inside it is an error, and only the escapes we emit are accepted.
 */
function parseSelector(s: string): { metric: string; matchers: [string, string, string][] } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(s);
  if (!m) throw new Error("no metric name");
  const metric = m[1]!;
  let i = metric.length;
  const matchers: [string, string, string][] = [];
  if (i === s.length) return { metric, matchers };
  if (s[i++] !== "{") throw new Error(`expected { at ${i - 1}`);
  for (;;) {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i))?.[0];
    if (!name) throw new Error(`expected label name at ${i}`);
    i += name.length;
    const op = s.startsWith("=~", i) ? "=~" : s[i] === "=" ? "=" : undefined;
    if (!op) throw new Error(`expected operator at ${i}`);
    i += op.length;
    if (s[i++] !== '"') throw new Error(`expected " at ${i - 1}`);
    let value = "";
    for (;;) {
      const c = s[i++];
      if (c === undefined || c === "\n" || c === "\r") throw new Error("unterminated string");
      if (c === '"') break;
      if (c === "\\") {
        const e = s[i++];
        const map: Record<string, string> = { "\\": "\\", '"': '"', n: "\n", r: "\r" };
        if (e === undefined || !(e in map)) throw new Error(`unexpected escape \\${e}`);
        value += map[e];
      } else value += c;
    }
    matchers.push([name, op, value]);
    if (s[i] === ",") {
      i++;
      continue;
    }
    if (s[i] === "}" && i === s.length - 1) return { metric, matchers };
    throw new Error(`unexpected ${JSON.stringify(s.slice(i))} after matcher`);
  }
}

describe("escapeLabelValue", () => {
  it("escapes backslash, double quote and newline (and carriage return)", () => {
    expect(escapeLabelValue('a"b')).toBe('a\\"b');
    expect(escapeLabelValue("a\\b")).toBe("a\\\\b");
    expect(escapeLabelValue("a\nb")).toBe("a\\nb");
    expect(escapeLabelValue("a\rb")).toBe("a\\rb");
    expect(escapeLabelValue('\\"')).toBe('\\\\\\"');
    expect(escapeLabelValue("plain-value_1.2/ü")).toBe("plain-value_1.2/ü");
  });

  it("keeps an injection attempt inside the string literal", () => {
    const hostile = '"} or vector(1) or {x="';
    const q = selector("probe_success", { target: hostile });
    expect(q).toBe('probe_success{target="\\"} or vector(1) or {x=\\""}');
    expect(parseSelector(q)).toEqual({ metric: "probe_success", matchers: [["target", "=", hostile]] });
  });

  it("keeps a value ending in a backslash from escaping the closing quote", () => {
    const q = selector("up", { job: "x\\" }, { instance: '\\"}' });
    expect(parseSelector(q).matchers).toEqual([
      ["job", "=", "x\\"],
      ["instance", "=~", '\\"}'],
    ]);
  });

  it("round-trips any string through the selector (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), (a, b) => {
        const q = selector("m", { a }, { b });
        expect(q).not.toMatch(/[\n\r]/);
        expect(parseSelector(q).matchers).toEqual([
          ["a", "=", a],
          ["b", "=~", b],
        ]);
      }),
      { numRuns: 500 },
    );
  });
});

describe("selector", () => {
  it("builds equality and regex matchers in record order", () => {
    expect(selector("probe_success")).toBe("probe_success");
    expect(selector("probe_success", {})).toBe("probe_success");
    expect(selector("http_requests_total", { service: "checkout", code: "200" }, { le: "0\\.5" })).toBe(
      'http_requests_total{service="checkout",code="200",le=~"0\\\\.5"}',
    );
    expect(selector("ns:metric:rate5m", undefined, { __name__: "x.*" })).toBe(
      'ns:metric:rate5m{__name__=~"x.*"}',
    );
  });

  it.each([
    ["", "metric"],
    ["1abc", "metric"],
    ["probe-success", "metric"],
    ['up{a="b"}', "metric"],
    ["up or vector(1)", "metric"],
  ])("rejects the invalid metric name %j", (name) => {
    expect(() => selector(name)).toThrow(/invalid metric name/);
  });

  it.each(["", "a:b", "1a", "a-b", 'a="x"} or {b', "ü"])("rejects the invalid label name %j", (name) => {
    expect(() => selector("up", { [name]: "x" })).toThrow(/invalid label name/);
    expect(() => selector("up", {}, { [name]: "x" })).toThrow(/invalid label name/);
  });

  it("escapes regex metacharacters with escapeRegex", () => {
    expect(escapeRegex("a.b*c(d)|e")).toBe("a\\.b\\*c\\(d\\)\\|e");
    expect(new RegExp(`^${escapeRegex("https://x.test/?a=[1]")}$`).test("https://x.test/?a=[1]")).toBe(true);
  });
});

describe("formatDuration", () => {
  it.each([
    [31 * 86_400_000, "31d"],
    [745 * 3_600_000, "745h"],
    [44_700 * 60_000, "745h"],
    [90 * 60_000, "90m"],
    [2_682_000_000, "745h"],
    [2_682_001_000, "2682001s"],
    [2_678_399_999, "2678399999ms"],
    [1, "1ms"],
    [1500, "1500ms"],
    [0, "0s"],
  ])("%d ms → %s", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("rejects %d", (ms) => {
    expect(() => formatDuration(ms)).toThrow(/invalid duration/);
  });

  it("always denotes exactly the input (property)", () => {
    const size: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 * 86_400_000 }), (ms) => {
        const m = /^(\d+)(ms|s|m|h|d)$/.exec(formatDuration(ms));
        expect(m).not.toBeNull();
        expect(Number(m![1]) * size[m![2]!]!).toBe(ms);
      }),
    );
  });
});

describe("atModifier / formatTimestamp", () => {
  it("writes unix seconds with millisecond precision", () => {
    expect(atModifier(new Date("2024-09-30T23:59:59.999Z"))).toBe("@ 1727740799.999");
    expect(atModifier(new Date("2024-10-01T00:00:00Z"))).toBe("@ 1727740800");
    expect(atModifier(Date.parse("2024-10-01T00:00:00.5Z"))).toBe("@ 1727740800.5");
    expect(formatTimestamp(new Date("2024-10-01T00:00:00.010Z"))).toBe("1727740800.01");
    expect(formatTimestamp(0)).toBe("0");
    expect(formatTimestamp(-1500)).toBe("-1.5");
  });

  it("round-trips every millisecond exactly (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(Math.round(Number(formatTimestamp(ms)) * 1000)).toBe(ms);
      }),
    );
  });

  it("rejects an invalid date", () => {
    expect(() => atModifier(new Date("nope"))).toThrow(/invalid time/);
  });
});
