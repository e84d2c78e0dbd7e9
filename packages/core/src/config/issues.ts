/**
 * Turning zod issues into config problems a person can act on: `slos[2].objective: must be below 100 ...
 * (got 100)`. Values are shown for plain fields only; header values, request bodies and auth secrets are
 * `<redacted>`, URLs lose userinfo and token-like query parameters, and any inline secret found in the
 * input is scrubbed from the final text as a last line of defence.
 */
import type * as z from "zod";
import { REDACTED, redactUrl, Scrubber, scrubThenCut } from "./redact.js";
import { closest } from "./schema.js";

export interface ConfigIssue {
  /** Where in the config, e.g. `slos[2].objective` or `targets[0].headers.Authorization`; "" for the file. */
  path: string;
  message: string;
  /** The offending value as text (redacted where sensitive); absent when not shown. */
  value?: string;
  /** For syntax errors: 1-based position in the file. */
  line?: number;
  column?: number;
}

export interface FormatIssuesOptions {
  /** File name (or other origin) shown in the first line. */
  source?: string;
  /** Stage whose overrides were applied, if any. */
  stage?: string;
}

/** One line per issue: `  path: message (got value)`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where =
    issue.line !== undefined
      ? `line ${issue.line}${issue.column !== undefined ? `, column ${issue.column}` : ""}${issue.path ? ` (${issue.path})` : ""}`
      : issue.path;
  const got = issue.value !== undefined ? ` (got ${issue.value})` : "";
  return where ? `${where}: ${issue.message}${got}` : `${issue.message}${got}`;
}

/** `sla.config.yaml: 3 problems` followed by every issue, one per indented line. */
export function formatConfigIssues(
  issues: readonly ConfigIssue[],
  options: FormatIssuesOptions = {},
): string {
  const source = options.source ?? "config";
  const stage = options.stage !== undefined ? ` (stage ${JSON.stringify(options.stage)})` : "";
  const n = issues.length;
  const head = `${source}${stage}: ${n} ${n === 1 ? "problem" : "problems"}`;
  return [head, ...issues.map((i) => `  ${formatConfigIssue(i)}`)].join("\n");
}

/** Thrown by the loader; `.issues` holds every problem found, `.message` lists them all. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: ConfigIssue[];
  readonly source: string;
  readonly stage: string | undefined;

  constructor(source: string, issues: ConfigIssue[], options: { stage?: string } = {}) {
    super(formatConfigIssues(issues, { source, stage: options.stage }));
    this.issues = issues;
    this.source = source;
    this.stage = options.stage;
  }
}

// ---------------------------------------------------------------------------------------------------
// Paths

type Seg = PropertyKey;

/** `["slos", 2, "objective"]` → `slos[2].objective`; odd keys are quoted: `labels["a.b"]`. */
export function formatPath(path: readonly Seg[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const s = String(seg);
      if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(s)) out += out === "" ? s : `.${s}`;
      else out += `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

function getAt(root: unknown, path: readonly Seg[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

const AUTH_PLAIN_KEYS = new Set(["type", "username", "region", "service"]);

/** Whether a value at this path may hold a secret (header values, bodies, auth secrets). */
export function isSensitivePath(path: readonly Seg[]): boolean {
  const segs = path.map((s) => (typeof s === "number" ? s : String(s)));
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s === "headers" || s === "body") return true;
    if (typeof s === "string" && /password|token|secret/i.test(s)) return true;
    if (s === "auth") {
      const next = segs[i + 1];
      if (next === undefined || typeof next !== "string" || !AUTH_PLAIN_KEYS.has(next)) return true;
    }
  }
  return false;
}

/** Inline secrets in a raw config: string header values, bodies, auth passwords/tokens (≥ 4 chars). */
export function collectSecrets(raw: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, sensitive: boolean, key: string | undefined): void => {
    if (typeof v === "string") {
      // Keys of `{ env: NAME }` / `{ ssm: NAME }` refs name where a secret lives; they are not secrets.
      if (sensitive && key !== "env" && key !== "ssm" && v.length >= 4) out.add(v);
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) walk(item, sensitive, key);
      return;
    }
    if (v && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (k === "auth" && child && typeof child === "object" && !Array.isArray(child)) {
          for (const [ak, av] of Object.entries(child)) walk(av, sensitive || !AUTH_PLAIN_KEYS.has(ak), ak);
          continue;
        }
        walk(child, sensitive || k === "headers" || k === "body" || /password|token|secret/i.test(k), k);
      }
    }
  };
  walk(raw, false, undefined);
  return [...out];
}

const MAX_VALUE_CHARS = 120;

/** The value at `path` as shown in an error: redacted where sensitive, else scrubbed (`scrubber`), then cut. */
function showValue(raw: unknown, path: readonly Seg[], scrubber: Scrubber): string | undefined {
  const v = getAt(raw, path);
  if (v === undefined) return undefined;
  if (isSensitivePath(path)) return REDACTED;
  if (typeof v === "string") {
    const last = path[path.length - 1];
    const text = typeof last === "string" && /url$/i.test(last) ? redactUrl(v) : v;
    return JSON.stringify(scrubThenCut(text, MAX_VALUE_CHARS, scrubber));
  }
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  return undefined; // objects and arrays are described by the message, never dumped
}

// ---------------------------------------------------------------------------------------------------
// Schema walking, for "did you mean" on unknown keys

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string } };
}

function unwrap(schema: ZodInternals): ZodInternals {
  let s = schema;
  for (let guard = 0; guard < 20; guard++) {
    const def = s._zod.def;
    if (
      ["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"].includes(def.type)
    ) {
      s = def.innerType as ZodInternals;
    } else if (def.type === "pipe") {
      s = def.in as ZodInternals;
    } else break;
  }
  return s;
}

function literalValues(schema: ZodInternals | undefined): unknown[] {
  if (!schema) return [];
  const def = unwrap(schema)._zod.def;
  return def.type === "literal" && Array.isArray(def.values) ? def.values : [];
}

/**
 * Keys an object schema at `path` accepts. Where the schema branches (discriminated unions), the branch
 * is picked by the input's discriminator when `raw` has one; otherwise keys of all branches are listed.
 */
export function knownKeysAt(schema: unknown, path: readonly Seg[], raw?: unknown): string[] {
  const keys = new Set<string>();
  const visit = (node: ZodInternals, rest: readonly Seg[], input: unknown): void => {
    const s = unwrap(node);
    const def = s._zod.def;
    if (def.type === "union") {
      let options = def.options as ZodInternals[];
      const disc = typeof def.discriminator === "string" ? def.discriminator : undefined;
      if (disc && input && typeof input === "object") {
        const want = (input as Record<string, unknown>)[disc];
        const matching = options.filter((o) => {
          const shape = o._zod.def.shape as Record<string, ZodInternals> | undefined;
          return literalValues(shape?.[disc]).includes(want);
        });
        if (matching.length > 0) options = matching;
      }
      for (const option of options) visit(option, rest, input);
      return;
    }
    if (rest.length === 0) {
      if (def.type === "object") for (const k of Object.keys(def.shape as object)) keys.add(k);
      return;
    }
    const [head, ...tail] = rest;
    const next =
      input && typeof input === "object" ? (input as Record<string, unknown>)[String(head)] : undefined;
    if (def.type === "object") {
      const child = (def.shape as Record<string, ZodInternals>)[String(head)];
      if (child) visit(child, tail, next);
    } else if (def.type === "array") {
      visit(def.element as ZodInternals, tail, next);
    } else if (def.type === "record") {
      visit(def.valueType as ZodInternals, tail, next);
    }
  };
  try {
    visit(schema as ZodInternals, path, raw);
  } catch {
    // best effort only
  }
  return [...keys];
}

// ---------------------------------------------------------------------------------------------------
// zod issues → config issues

type ZodIssue = z.core.$ZodIssue;

/** Replaces a union failure by the issues of the one branch the input evidently meant, when there is one. */
function flattenUnion(issue: ZodIssue): ZodIssue[] {
  if (issue.code !== "invalid_union" || !Array.isArray(issue.errors) || issue.errors.length === 0)
    return [issue];
  // A branch is implausible when the input's shape did not fit it at all: wrong type, or keys it lacks.
  const plausible = issue.errors.filter(
    (branch) =>
      !branch.some(
        (e) =>
          e.path.length === 0 &&
          (e.code === "invalid_type" || e.code === "invalid_value" || e.code === "unrecognized_keys"),
      ),
  );
  // Several branches had the right type but different keys (e.g. { env, ssm }): the union's own message is clearer.
  if (plausible.length !== 1) return [issue];
  return plausible[0]!.flatMap((e) => flattenUnion({ ...e, path: [...issue.path, ...e.path] } as ZodIssue));
}

const SECTION_ORDER = ["$schema", "calendar", "targets", "slos", "notify", "prometheus", "stages"];

/** Stable order by file section, then by list index, so each target's / SLO's problems sit together. */
function sortIssues(issues: readonly ZodIssue[]): ZodIssue[] {
  const rank = (i: ZodIssue): [number, number] => {
    const [first, second] = i.path;
    const section = first === undefined ? -1 : SECTION_ORDER.indexOf(String(first));
    return [
      section < 0 && first !== undefined ? SECTION_ORDER.length : section,
      typeof second === "number" ? second : -1,
    ];
  };
  return issues
    .map((issue, n) => ({ issue, n, r: rank(issue) }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.n - b.n)
    .map((x) => x.issue);
}

/**
 * Converts zod issues for `raw` into `ConfigIssue`s: one per unknown key (with a "did you mean"), union
 * failures narrowed to the branch that was meant, values looked up in `raw` and redacted.
 */
export function toConfigIssues(issues: readonly ZodIssue[], raw: unknown, schema?: unknown): ConfigIssue[] {
  const scrubber = new Scrubber(collectSecrets(raw));
  const scrub = (s: string): string => scrubber.scrub(s);
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  const push = (i: ConfigIssue): void => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({
      ...i,
      message: scrub(i.message),
      ...(i.value !== undefined ? { value: scrub(i.value) } : {}),
    });
  };

  for (const top of sortIssues(issues)) {
    for (const issue of flattenUnion(top)) {
      if (issue.code === "unrecognized_keys") {
        const known = schema ? knownKeysAt(schema, issue.path, raw) : [];
        for (const key of issue.keys) {
          const hint = closest(
            key,
            known.filter((k) => k !== "$schema"),
            Math.max(1, Math.min(3, Math.floor(key.length / 4))),
          );
          const list = known.filter((k) => k !== "$schema").join(", ");
          const message = hint
            ? `unknown key (did you mean ${JSON.stringify(hint)}?)`
            : known.length > 0
              ? `unknown key (allowed: ${list})`
              : "unknown key";
          push({ path: formatPath([...issue.path, key]), message });
        }
        continue;
      }
      const params = (issue as { params?: { hideValue?: boolean } }).params;
      const value = params?.hideValue ? undefined : showValue(raw, issue.path, scrubber);
      push({
        path: formatPath(issue.path),
        message: issue.message,
        ...(value !== undefined ? { value } : {}),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Friendlier built-in messages (passed per parse; schema-level messages take precedence)

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return "a string";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : "a number";
  if (typeof v === "boolean") return "a boolean";
  return typeof v;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "a mapping (key: value pairs)",
  array: "a list",
  record: "a mapping (key: value pairs)",
};

export const configErrorMap = (iss: z.core.$ZodRawIssue): string | undefined => {
  switch (iss.code) {
    case "invalid_type": {
      if (iss.input === undefined) return "is required";
      const expected = EXPECTED[iss.expected as string] ?? String(iss.expected);
      if (iss.expected === "int" && typeof iss.input === "number") return "must be a whole number";
      return `expected ${expected}, not ${describeType(iss.input)}`;
    }
    case "too_small": {
      const min = Number(iss.minimum);
      if (iss.origin === "array") return `must have at least ${min} item${min === 1 ? "" : "s"}`;
      if (iss.origin === "string")
        return min === 1 ? "must not be empty" : `must be at least ${min} characters`;
      return iss.inclusive ? `must be at least ${min}` : `must be above ${min}`;
    }
    case "too_big": {
      const max = Number(iss.maximum);
      if (iss.origin === "array") return `must have at most ${max} items`;
      if (iss.origin === "string") return `must be at most ${max} characters`;
      return iss.inclusive ? `must be at most ${max}` : `must be below ${max}`;
    }
    case "invalid_value": {
      const values = iss.values.map((v) => JSON.stringify(v));
      return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(", ")}`;
    }
    case "invalid_format":
      return "has an invalid format";
    default:
      return undefined;
  }
};
