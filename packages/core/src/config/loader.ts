/**
 * Reading `sla.config.(yaml|json)`: syntax (with line:column), schema validation (all problems at once),
 * then the selected stage's overrides applied and the result validated again.
 */
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { ConfigError, type ConfigIssue, configErrorMap, formatPath, toConfigIssues } from "./issues.js";
import { prototypeKeyIssues, type SlaConfig, SlaConfigSchema } from "./schema.js";
import { inlineSecretWarnings } from "./secrets.js";

export type ConfigFormat = "yaml" | "json";

/** File names the CLI looks for, in order, when no path is given. */
export const DEFAULT_CONFIG_FILES: readonly string[] = [
  "sla.config.yaml",
  "sla.config.yml",
  "sla.config.json",
];

export interface ParseConfigOptions {
  format: ConfigFormat;
  /** File name used in error messages. Default "sla.config.yaml" / "sla.config.json". */
  source?: string;
  /** Stage (SST stage) whose `stages.<stage>` overrides are applied. A stage without overrides is fine. */
  stage?: string;
}

export interface ValidateConfigOptions {
  source?: string;
  stage?: string;
}

export interface LoadConfigOptions {
  stage?: string;
  /**
   * Called once per inline secret in the file (`inlineSecretWarnings`): `sla validate` and the SST synth
   * pass `console.warn`; the Lambdas and the other commands stay quiet.
   */
  warn?: (message: string) => void;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------------
// Syntax

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).trim();
}

/**
 * Parses YAML or JSON text into a plain value. Syntax errors become a ConfigError with line and column.
 * Source snippets are not included in messages (a broken line may hold a token). The YAML parser is
 * imported on first use: the Lambdas read the JSON the deployment wrote and never load it.
 */
export async function parseConfigText(text: string, format: ConfigFormat, source: string): Promise<unknown> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length > MAX_CONFIG_CHARS) throw new ConfigError(source, [tooLarge(body.length)]);
  // Deep [ / { nesting is refused before any parser sees it: the YAML parser recurses per level (a
  // 50 000-deep document overflowed its stack and, parsed twice in one process, ran V8 out of memory).
  const line = deepBracketLine(body, format);
  if (line !== undefined) {
    throw new ConfigError(source, [
      { path: "", line, message: `nesting deeper than ${MAX_CONFIG_DEPTH} levels: no setting is that deep` },
    ]);
  }
  const value = await parseText(body, format, source);
  const deep = tooDeep(value);
  if (deep) throw new ConfigError(source, [deep]);
  return value;
}

/** A config is a few hundred lines; a megabyte is thousands of targets. Bigger is a mistake (or hostile). */
export const MAX_CONFIG_CHARS = 1024 * 1024;
/** The schema's deepest path is about 8 levels; 32 leaves room and stops a 50 000-deep document early. */
export const MAX_CONFIG_DEPTH = 32;

const tooLarge = (size: number, unit = "characters"): ConfigIssue => ({
  path: "",
  message: `the file is ${size} ${unit}; the limit is ${MAX_CONFIG_CHARS} (1 MiB): split the targets over several deployments`,
});

/**
 * The line where `[`/`{` nesting first goes deeper than MAX_CONFIG_DEPTH, skipping quoted strings (and YAML
 * comments). Block-indented YAML cannot get that deep within the size limit; the parsed value is checked again.
 */
function deepBracketLine(text: string, format: ConfigFormat): number | undefined {
  let depth = 0;
  let line = 1;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || (c === "'" && format === "yaml")) {
      quote = c;
    } else if (c === "#" && format === "yaml" && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf("\n", i);
      i = (end < 0 ? text.length : end) - 1;
    } else if (c === "[" || c === "{") {
      if (++depth > MAX_CONFIG_DEPTH) return line;
    } else if (c === "]" || c === "}") {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** The first path deeper than MAX_CONFIG_DEPTH, found without recursion (a deep value must not overflow the stack). */
function tooDeep(value: unknown): ConfigIssue | undefined {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (path.length >= MAX_CONFIG_DEPTH) {
      return {
        path: formatPath(path.slice(0, 6)),
        message: `nesting deeper than ${MAX_CONFIG_DEPTH} levels below this path: no setting is that deep`,
      };
    }
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v);
    for (const [k, x] of entries) stack.push({ v: x, path: [...path, k] });
  }
  return undefined;
}

/**
 * Where the first key repeated inside one JSON object starts (JSON.parse keeps the last one silently; YAML
 * refuses duplicates, and so does this loader). `text` must already be valid JSON.
 */
function duplicateJsonKey(text: string): { line: number; column: number } | undefined {
  /** one entry per open bracket: the keys seen so far for an object, undefined for an array */
  const open: (Set<string> | undefined)[] = [];
  let keyNext = false;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      line++;
      lineStart = i + 1;
    } else if (c === "{") {
      open.push(new Set());
      keyNext = true;
    } else if (c === "[") {
      open.push(undefined);
    } else if (c === "}" || c === "]") {
      open.pop();
    } else if (c === ",") {
      keyNext = open.at(-1) !== undefined;
    } else if (c === '"') {
      let end = i + 1;
      let escaped = false;
      while (text[end] !== '"') {
        if (text[end] === "\\") {
          escaped = true;
          end++;
        }
        end++;
      }
      if (keyNext) {
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        const keys = open.at(-1)!;
        if (keys.has(key)) return { line, column: i - lineStart + 1 };
        keys.add(key);
        keyNext = false;
      }
      i = end;
    }
  }
  return undefined;
}

async function parseText(body: string, format: ConfigFormat, source: string): Promise<unknown> {
  if (format === "json") {
    let value: unknown;
    try {
      value = JSON.parse(body) as unknown;
    } catch (err) {
      const msg = firstLine((err as Error).message);
      const pos = /at position (\d+)/.exec(msg);
      // Drop V8's quoted excerpt of the input (`..."abc" is not valid JSON`).
      const clean = msg
        .replace(/,\s*".*" is not valid JSON$/s, "")
        .replace(/\s*in JSON at position \d+.*$/, "")
        .replace(/\s*\(line \d+ column \d+\)$/, "");
      const issue: ConfigIssue = { path: "", message: `invalid JSON: ${clean}` };
      if (pos) {
        const offset = Number(pos[1]);
        const before = body.slice(0, offset);
        issue.line = before.split("\n").length;
        issue.column = offset - before.lastIndexOf("\n");
      } else if (/Unexpected end of JSON input/.test(msg)) {
        const lines = body.split("\n");
        issue.line = lines.length;
        issue.column = (lines[lines.length - 1]?.length ?? 0) + 1;
      }
      throw new ConfigError(source, [issue]);
    }
    const duplicate = duplicateJsonKey(body);
    if (duplicate) {
      throw new ConfigError(source, [
        { path: "", message: "invalid JSON: duplicate key in an object", ...duplicate },
      ]);
    }
    return value;
  }
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(body, { uniqueKeys: true, merge: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const issues: ConfigIssue[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const message = `YAML syntax error: ${firstLine(e.message)
        .replace(/\s*at line \d+, column \d+:?$/, "")
        .replace(/:$/, "")}`;
      return pos ? { path: "", message, line: pos.line, column: pos.col } : { path: "", message };
    });
    throw new ConfigError(source, issues);
  }
  try {
    return doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (err) {
    const message =
      err instanceof RangeError
        ? `nesting deeper than ${MAX_CONFIG_DEPTH} levels: no setting is that deep`
        : `YAML error: ${firstLine((err as Error).message)}`;
    throw new ConfigError(source, [{ path: "", message }]);
  }
}

// ---------------------------------------------------------------------------------------------------
// Stages

/**
 * Returns a copy of the raw config with `stages[stage]` applied: `prometheus` fields replaced one by one,
 * named SLOs' `objective` / `missingData` / `maintenance` and named targets' `url` / `timeoutMs` /
 * `latency` replaced. An unknown stage leaves the config unchanged (SST stages such as personal dev
 * stages need no overrides).
 */
export function applyStage(raw: unknown, stage: string): unknown {
  if (!isRec(raw) || !isRec(raw.stages)) return raw;
  const override = raw.stages[stage];
  if (!isRec(override)) return raw;
  const out: Rec = structuredClone(raw);
  if (isRec(override.prometheus)) {
    out.prometheus = {
      ...(isRec(out.prometheus) ? out.prometheus : {}),
      ...structuredClone(override.prometheus),
    };
  }
  if (isRec(override.slos) && Array.isArray(out.slos)) {
    for (const slo of out.slos) {
      if (!isRec(slo) || typeof slo.name !== "string") continue;
      const o = override.slos[slo.name];
      if (!isRec(o)) continue;
      for (const key of ["objective", "missingData", "maintenance"] as const) {
        if (o[key] !== undefined) slo[key] = structuredClone(o[key]);
      }
    }
  }
  if (isRec(override.targets) && Array.isArray(out.targets)) {
    for (const target of out.targets) {
      if (!isRec(target) || typeof target.name !== "string") continue;
      const o = override.targets[target.name];
      if (!isRec(o)) continue;
      for (const key of ["url", "timeoutMs", "latency"] as const) {
        if (o[key] !== undefined) target[key] = structuredClone(o[key]);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Validation

async function check(raw: unknown, source: string, stage?: string): Promise<SlaConfig> {
  if (raw === null || raw === undefined) {
    throw new ConfigError(source, [{ path: "", message: "the file is empty" }], { stage });
  }
  if (!isRec(raw)) {
    throw new ConfigError(
      source,
      [{ path: "", message: "the top level must be a mapping (key: value pairs)" }],
      {
        stage,
      },
    );
  }
  // `__proto__` keys are found on the raw value (zod drops them from records); they replace any other
  // message at the same path (a strict object calls them "unknown key")
  const protoIssues: ConfigIssue[] = prototypeKeyIssues(raw).map((i) => ({
    path: formatPath(i.path),
    message: i.message,
  }));
  const result = await SlaConfigSchema.safeParseAsync(raw, { error: configErrorMap });
  if (!result.success || protoIssues.length > 0) {
    const taken = new Set(protoIssues.map((i) => i.path));
    const others = result.success ? [] : toConfigIssues(result.error.issues, raw, SlaConfigSchema);
    throw new ConfigError(source, [...protoIssues, ...others.filter((i) => !taken.has(i.path))], { stage });
  }
  return result.data;
}

/**
 * Validates an already-parsed config value; with `stage`, validates the file as written first, then the
 * config with that stage's overrides applied. Throws ConfigError listing every problem.
 */
export async function validateConfig(raw: unknown, options: ValidateConfigOptions = {}): Promise<SlaConfig> {
  const source = options.source ?? "config";
  const base = await check(raw, source);
  if (options.stage === undefined || !(options.stage in base.stages)) return base;
  return check(applyStage(raw, options.stage), source, options.stage);
}

/** Parses and validates config text. Throws ConfigError (syntax errors carry line and column). */
export async function parseConfig(text: string, options: ParseConfigOptions): Promise<SlaConfig> {
  const source = options.source ?? (options.format === "json" ? "sla.config.json" : "sla.config.yaml");
  const raw = await parseConfigText(text, options.format, source);
  return validateConfig(raw, { source, ...(options.stage !== undefined ? { stage: options.stage } : {}) });
}

/** The format implied by a file name: .yaml/.yml → yaml, .json → json. */
export function formatOf(path: string): ConfigFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".json") return "json";
  return undefined;
}

/** Reads, parses and validates a config file. Throws ConfigError for unreadable files too. */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<SlaConfig> {
  const format = formatOf(path);
  if (!format) {
    throw new ConfigError(path, [
      { path: "", message: "unsupported file extension (use .yaml, .yml or .json)" },
    ]);
  }
  let text: string;
  try {
    // refuse a huge file before reading it
    const { size } = await stat(path);
    if (size > MAX_CONFIG_CHARS * 4) throw new ConfigError(path, [tooLarge(size, "bytes")]);
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : (code ?? "error");
    throw new ConfigError(path, [{ path: "", message: `cannot read the file: ${why}` }]);
  }
  const config = await parseConfig(text, {
    format,
    source: path,
    ...(options.stage !== undefined ? { stage: options.stage } : {}),
  });
  if (options.warn) for (const w of inlineSecretWarnings(config)) options.warn(`${path}: warning: ${w}`);
  return config;
}
