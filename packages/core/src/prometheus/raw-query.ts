/**
 * User-written PromQL with Sloth's `{{.window}}` placeholder (pure): the config's raw ratio SLIs and the
 * queries imported from Sloth and OpenSLO. `fillWindow` is the one place where such a query becomes the
 * text sent to Prometheus: every `[{{.window}}]` (or subquery `[{{.window}}:step]`) becomes the span as a
 * range, and, for a summary figure, `@ <end - 1 ms>` right after it, so the expression reads exactly the
 * calendar window whenever it is asked. `rawQueryProblems` is what config validation checks without a
 * server (placeholder in a range, no `@` or `offset` that would move the window, brackets balanced);
 * `sla validate --prometheus` lets Prometheus parse the filled text too.
 */
import { atModifier, formatDuration, STEP_OFFSET } from "./promql.js";

/** A raw expression longer than this is refused (Sloth's longest published example is ~400 characters). */
export const MAX_RAW_QUERY_CHARS = 4000;

const PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;
/** A placeholder that is the whole range of a range selector or subquery: `[{{.window}}]`, `[{{.window}}:1m]`. */
const RANGE_PLACEHOLDER = /\[\s*\{\{\s*\.window\s*\}\}\s*(:[^\]]*)?\]/g;

/**
 * The text with string literals and `#` comments blanked out (same length, line breaks kept), so that what
 * is scanned for placeholders, `@` and brackets is PromQL syntax, never a label value.
 */
export function maskStrings(text: string): string {
  let out = "";
  let i = 0;
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c !== "`" && text[j] === "\\" ? 2 : 1;
      const end = Math.min(j + 1, text.length);
      out += blank(text.slice(i, end));
      i = end;
    } else if (c === "#") {
      const nl = text.indexOf("\n", i);
      const end = nl < 0 ? text.length : nl;
      out += blank(text.slice(i, end));
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Why `text` cannot be a raw window query (empty list when it can). Messages name the rule, not the text. */
export function rawQueryProblems(text: string): string[] {
  if (text.trim() === "") return ["must not be empty"];
  if (text.length > MAX_RAW_QUERY_CHARS) {
    return [`is ${text.length} characters long; the limit is ${MAX_RAW_QUERY_CHARS}`];
  }
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) {
    return ["must not contain control characters (line breaks and tabs are fine)"];
  }
  const out: string[] = [];
  const masked = maskStrings(text);
  const all = masked.match(PLACEHOLDER)?.length ?? 0;
  const inRange = masked.match(RANGE_PLACEHOLDER)?.length ?? 0;
  if (all === 0) {
    out.push(
      "must contain the {{.window}} placeholder as a range, e.g. sum(increase(http_requests_total[{{.window}}])): the report fills in the calendar window",
    );
  } else if (inRange < all) {
    out.push(
      "{{.window}} must be the whole range of a range selector or subquery ([{{.window}}] or [{{.window}}:1m])",
    );
  }
  const other = masked.replace(PLACEHOLDER, "").match(/\{\{|\}\}/);
  if (other) out.push("has a template placeholder other than {{.window}} (only {{.window}} is filled in)");
  if (masked.includes("@")) {
    out.push(
      "must not use the @ modifier: the report evaluates the expression at the end of the calendar window itself",
    );
  }
  if (/\boffset\s+-?\s*\d/i.test(masked)) {
    out.push("must not use offset: it would move the calendar window the report fills in");
  }
  const unbalanced = bracketProblem(masked);
  if (unbalanced) out.push(unbalanced);
  return out;
}

function bracketProblem(masked: string): string | undefined {
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  const stack: string[] = [];
  for (const c of masked) {
    if (c === "(" || c === "[" || c === "{") stack.push(c);
    else if (c in pairs) {
      if (stack.pop() !== pairs[c]) return `has an unmatched "${c}"`;
    }
  }
  return stack.length > 0 ? `has an unclosed "${stack[stack.length - 1]}"` : undefined;
}

/**
 * The expression with every `[{{.window}}]` replaced by `[<range>]`: a number of milliseconds written as a
 * duration, or a range already written as PromQL text (`"5m"` in the burn-rate rules, `"$__range"` in the
 * Grafana dashboards); followed by `@ <at>` when `at` is a time (instant figures of a calendar window:
 * `at` = its end - 1 ms), or by `offset 1ms` for `"step"` (the report's per-step range queries, see
 * STEP_OFFSET); nothing otherwise. Placeholders inside string literals are left alone.
 */
export function fillWindow(text: string, rangeMs: number | string, at?: Date | "step"): string {
  const masked = maskStrings(text);
  const range = typeof rangeMs === "number" ? formatDuration(rangeMs) : rangeMs;
  const suffix = at === "step" ? ` ${STEP_OFFSET}` : at ? ` ${atModifier(at)}` : "";
  let out = "";
  let last = 0;
  for (const m of masked.matchAll(RANGE_PLACEHOLDER)) {
    const start = m.index;
    const end = start + m[0].length;
    const sub = m[1] !== undefined ? text.slice(end - 1 - m[1].length, end - 1).trim() : "";
    out += `${text.slice(last, start)}[${range}${sub}]${suffix}`;
    last = end;
  }
  return out + text.slice(last);
}
