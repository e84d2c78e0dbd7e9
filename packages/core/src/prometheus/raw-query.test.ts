import { describe, expect, it } from "vitest";
import { parseDuration } from "./promql.js";
import { fillWindow, MAX_RAW_QUERY_CHARS, maskStrings, rawQueryProblems } from "./raw-query.js";

const END = new Date("2026-11-01T00:00:00Z");
const AT = new Date(END.getTime() - 1);
const OCTOBER_MS = 31 * 86_400_000;

describe("fillWindow", () => {
  it("puts the calendar window in every range and evaluates each at end - 1 ms", () => {
    const q =
      'sum(increase(http_requests_total{code=~"5.."}[{{.window}}])) / sum(increase(x[ {{ .window }} ]))';
    expect(fillWindow(q, OCTOBER_MS, AT)).toBe(
      'sum(increase(http_requests_total{code=~"5.."}[31d] @ 1793491199.999)) / sum(increase(x[31d] @ 1793491199.999))',
    );
  });

  it("keeps a subquery's step and leaves @ out for range-query steps", () => {
    expect(fillWindow("max_over_time(up[{{.window}}:1m])", 900_000)).toBe("max_over_time(up[15m:1m])");
    expect(fillWindow("max_over_time(up[{{.window}}:1m])", 3_600_000, AT)).toBe(
      "max_over_time(up[1h:1m] @ 1793491199.999)",
    );
  });

  it("writes an odd window exactly (a month with a DST change)", () => {
    expect(fillWindow("sum(increase(x[{{.window}}]))", 745 * 3_600_000)).toBe("sum(increase(x[745h]))");
    expect(fillWindow("sum(increase(x[{{.window}}]))", 90_001)).toBe("sum(increase(x[90001ms]))");
  });

  it("leaves a placeholder inside a string literal alone", () => {
    const q = 'sum(increase(x{note="[{{.window}}]"}[{{.window}}]))';
    expect(fillWindow(q, 3_600_000)).toBe('sum(increase(x{note="[{{.window}}]"}[1h]))');
  });
});

describe("rawQueryProblems", () => {
  it("accepts Sloth-style queries, multi-line ones included", () => {
    expect(rawQueryProblems("sum(rate(a_total[{{.window}}]))")).toEqual([]);
    expect(
      rawQueryProblems(`(
  sum(rate(d_count{verb!="WATCH"}[{{.window}}]))
  -
  sum(rate(d_bucket{le="0.4",verb!="WATCH"}[{{.window}}]))
)`),
    ).toEqual([]);
    expect(rawQueryProblems("1 - avg_over_time(up[{{.window}}:1m]) # comment with @ and {{")).toEqual([]);
  });

  it("needs the placeholder, and only as a whole range", () => {
    expect(rawQueryProblems("sum(rate(a_total[5m]))")[0]).toMatch(
      /must contain the \{\{\.window\}\} placeholder/,
    );
    expect(rawQueryProblems("sum(rate(a_total[{{.window}}0m]))")[0]).toMatch(/whole range/);
    expect(rawQueryProblems('sum(a{x="{{.window}}"})')[0]).toMatch(/must contain/);
  });

  it("refuses what would move the window, other placeholders, broken brackets, and size", () => {
    const at = rawQueryProblems("sum(increase(a[{{.window}}] @ 100))");
    expect(at.join("\n")).toMatch(/must not use the @ modifier/);
    expect(rawQueryProblems("sum(increase(a[{{.window}}] offset 1d))").join()).toMatch(/offset/);
    expect(rawQueryProblems('sum(increase(a{offset="1"}[{{.window}}]))')).toEqual([]);
    expect(rawQueryProblems('sum(increase(a{email="x@y"}[{{.window}}]))')).toEqual([]);
    expect(rawQueryProblems("sum(increase(a[{{.window}}])) / {{.service}}").join()).toMatch(/other than/);
    expect(rawQueryProblems("sum(increase(a[{{.window}}])").join()).toMatch(/unclosed "\("/);
    expect(rawQueryProblems("sum(increase(a[{{.window}}])))").join()).toMatch(/unmatched "\)"/);
    expect(rawQueryProblems("   ")).toEqual(["must not be empty"]);
    expect(rawQueryProblems(`${"x".repeat(MAX_RAW_QUERY_CHARS)}[{{.window}}]`)[0]).toMatch(/limit is 4000/);
    expect(rawQueryProblems("a[{{.window}}]\u0000")[0]).toMatch(/control characters/);
  });
});

describe("maskStrings", () => {
  it("blanks strings of every quote kind and comments, keeping length and line breaks", () => {
    const q = 'a{x="q\\"@"} + b{y=\'@\'} + c{z=`\\`} # @\nd';
    const m = maskStrings(q);
    expect(m.length).toBe(q.length);
    expect(m).not.toContain("@");
    expect(m.endsWith("\nd")).toBe(true);
  });
});

describe("parseDuration", () => {
  it("reads PromQL durations", () => {
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("3d")).toBe(259_200_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1M")).toBeUndefined();
    expect(parseDuration("0s")).toBeUndefined();
    expect(parseDuration("")).toBeUndefined();
  });
});
