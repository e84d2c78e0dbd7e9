/**
 * RE2 regular expressions (the `re2js` package: pure JavaScript, matching in time linear in the input, no
 * backtracking) for `expect.bodyMatches`. A pattern from a config file can then never stall the event loop
 * (`(a+)+$` against "aaa…a!" takes seconds with JavaScript's RegExp). Pure: no I/O.
 */
import { RE2JS } from "re2js";

export type Re2 = RE2JS;

/** Constructs RE2 leaves out on purpose (they need backtracking), named when a pattern fails to compile. */
const UNSUPPORTED: [RegExp, string][] = [
  [/\(\?<[=!]/, "RE2 has no lookbehind"],
  [/\(\?[=!]/, "RE2 has no lookahead"],
  [/\\[1-9]|\\k</, "RE2 has no backreferences"],
  [/\(\?>/, "RE2 has no atomic groups"],
];

/** Why `pattern` is not an RE2 regular expression (re2js's reason, plus a hint for common Perl/JS-only syntax), or undefined. */
export function re2Problem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^error parsing regexp: /, "");
    const hint = UNSUPPORTED.find(([re]) => re.test(pattern))?.[1];
    return hint ? `${reason} (${hint})` : reason;
  }
}

/** Compiles `pattern` with RE2 syntax (no flags: use `(?i)`, `(?s)`, `(?m)` inline). Throws an Error with `re2Problem`'s reason. */
export function compileRe2(pattern: string): Re2 {
  try {
    return RE2JS.compile(pattern);
  } catch {
    throw new Error(re2Problem(pattern) ?? "invalid RE2 pattern");
  }
}
