/**
 * What the Sloth and OpenSLO importers share (pure): reading a source file's YAML documents, tracking
 * which fields a mapping read so that every field it did not map is reported by its path (never dropped
 * without a word), refusals as errors with their path, PromQL selector parsing, and the YAML written out.
 */
import { parseAllDocuments, stringify } from "yaml";
import { formatPath } from "../config/issues.js";
import { maskStrings } from "../prometheus/raw-query.js";

export type Path = (string | number)[];

/** A field of a source file that was not mapped (warning) or that cannot be mapped (error). */
export interface ImportIssue {
  /** file name as given */
  source: string;
  /** 1-based document number in a multi-document file; absent when the file has one document */
  document?: number;
  /** e.g. `spec.timeWindow[0].isRolling`; "" for the document */
  path: string;
  message: string;
}

export interface ImportResult {
  /** the sla config (input shape, as written to sla.config.yaml); validate it with `validateConfig` */
  config: Record<string, unknown>;
  /** fields not mapped, each with the reason */
  warnings: ImportIssue[];
  /** fields refused: the config must not be used while there are any */
  errors: ImportIssue[];
}

/** One YAML document of a source file. */
export interface SourceDocument {
  source: string;
  /** 1-based; absent when the file has one document */
  document?: number;
  value: unknown;
}

export type Rec = Record<string, unknown>;
export const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** `sloth.yaml (document 2) spec.slos[0].sli: message` */
export function formatImportIssue(i: ImportIssue): string {
  const where = `${i.source}${i.document !== undefined ? ` (document ${i.document})` : ""}`;
  return `${where}${i.path ? ` ${i.path}` : ""}: ${i.message}`;
}

/** A file is this large at most (the config loader's limit). */
const MAX_SOURCE_CHARS = 1024 * 1024;

/**
 * The YAML (or JSON) documents of a source file; a document that is a list (as `oslo` accepts) counts as
 * one document per item. Syntax errors are returned as errors with line and column.
 */
export function parseSourceDocuments(
  text: string,
  source: string,
): { documents: SourceDocument[]; errors: ImportIssue[] } {
  if (text.length > MAX_SOURCE_CHARS) {
    return {
      documents: [],
      errors: [{ source, path: "", message: `the file is larger than ${MAX_SOURCE_CHARS} characters` }],
    };
  }
  const docs = parseAllDocuments(text, { uniqueKeys: true, merge: true });
  const list = Array.isArray(docs) ? docs : [];
  const errors: ImportIssue[] = [];
  const values: unknown[] = [];
  for (const [n, d] of list.entries()) {
    for (const e of d.errors) {
      const pos = e.linePos?.[0];
      errors.push({
        source,
        ...(list.length > 1 ? { document: n + 1 } : {}),
        path: "",
        message: `YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ""}: ${e.message.split("\n")[0]}`,
      });
    }
    if (d.errors.length > 0) continue;
    const v = d.toJS({ maxAliasCount: 1000 }) as unknown;
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) values.push(...v);
    else values.push(v);
  }
  const many = values.length > 1;
  return {
    documents: values.map((value, i) => ({ source, ...(many ? { document: i + 1 } : {}), value })),
    errors,
  };
}

/** Which spec a document is written in, by its `apiVersion` / `version` key. */
export type SourceKind = "openslo" | "sloth";

export function sourceKindOf(value: unknown): SourceKind | undefined {
  if (!isRec(value)) return undefined;
  const api = typeof value.apiVersion === "string" ? value.apiVersion : undefined;
  if (api?.startsWith("openslo/")) return "openslo";
  if (api?.startsWith("sloth.slok.dev/")) return "sloth";
  if (value.version === "prometheus/v1") return "sloth";
  return undefined;
}

/**
 * Reads one document and remembers every path it read; `leftovers` then reports each field nobody read
 * (or explicitly ignored) as a warning, so nothing in a source file is dropped silently.
 */
export class DocReader {
  private readonly used = new Set<string>();
  private readonly touched = new Set<string>();

  constructor(
    readonly doc: SourceDocument,
    readonly out: { warnings: ImportIssue[]; errors: ImportIssue[] },
    /** a prefix for every path (an inline document inside another one) */
    readonly base: Path = [],
  ) {}

  private key(path: Path): string {
    return JSON.stringify(path);
  }

  /** Marks `path` and everything below it as read, and returns its value. */
  take(path: Path): unknown {
    this.used.add(this.key(path));
    return this.peek(path);
  }

  /** Returns the value at `path` without reading what is below it (each child is taken on its own). */
  peek(path: Path): unknown {
    for (let i = 0; i <= path.length; i++) this.touched.add(this.key(path.slice(0, i)));
    return this.valueAt(path);
  }

  private valueAt(path: Path): unknown {
    let v: unknown = this.doc.value;
    for (const seg of [...this.base, ...path]) {
      if (typeof seg === "number") v = Array.isArray(v) ? v[seg] : undefined;
      else v = isRec(v) && Object.hasOwn(v, seg) ? v[seg] : undefined;
    }
    return v;
  }

  /** A string field, or undefined (absent); anything else is an error. */
  str(path: Path): string | undefined {
    const v = this.take(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    this.error(path, "must be a string");
    return undefined;
  }

  /** Reports a field that is present as not mapped, with the reason. */
  ignore(path: Path, reason: string): void {
    const v = this.take(path);
    if (v !== undefined && v !== null) this.warn(path, `not mapped: ${reason}`);
  }

  warn(path: Path, message: string): void {
    this.out.warnings.push(this.issue(path, message));
  }

  error(path: Path, message: string): void {
    this.out.errors.push(this.issue(path, message));
  }

  private issue(path: Path, message: string): ImportIssue {
    return {
      source: this.doc.source,
      ...(this.doc.document !== undefined ? { document: this.doc.document } : {}),
      path: formatPath([...this.base, ...path]),
      message,
    };
  }

  /** Every field of the document (below `base`) that was neither read nor ignored, as a warning. */
  leftovers(reason = "not part of the spec, or no counterpart in sla.config.yaml"): void {
    const walk = (v: unknown, path: Path): void => {
      const k = this.key(path);
      if (this.used.has(k)) return;
      if (path.length > 0 && !this.touched.has(k)) {
        this.warn(path, `not mapped: ${reason}`);
        return;
      }
      if (Array.isArray(v)) {
        for (const [i, x] of v.entries()) walk(x, [...path, i]);
      } else if (isRec(v)) for (const [key, x] of Object.entries(v)) walk(x, [...path, key]);
    };
    walk(this.valueAt([]), []);
  }
}

// ---------------------------------------------------------------------------------------------------
// PromQL selectors

export interface ParsedSelector {
  /** the selector's text, without a surrounding sum(...) */
  text: string;
  metric: string;
  labels: Record<string, string>;
  labelsRegex: Record<string, string>;
  /** only `=` and `=~` matchers with plain escapes: representable as a config selector */
  structured: boolean;
}

const IDENT = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Go-style string literal at `s[i]` → [value, end] or undefined (an escape this reader does not know). */
function readString(s: string, i: number): [string, number] | undefined {
  const q = s[i];
  if (q !== '"' && q !== "'" && q !== "`") return undefined;
  let out = "";
  let j = i + 1;
  const esc: Record<string, string> = { "\\": "\\", '"': '"', "'": "'", n: "\n", t: "\t", r: "\r" };
  while (j < s.length && s[j] !== q) {
    if (q !== "`" && s[j] === "\\") {
      const e = esc[s[j + 1] ?? ""];
      if (e === undefined) return undefined;
      out += e;
      j += 2;
    } else {
      out += s[j];
      j++;
    }
  }
  return j < s.length ? [out, j + 1] : undefined;
}

/**
 * A plain vector selector (`name{a="x",b=~"y"}`, optionally inside `sum(...)`), the form OpenSLO's own
 * examples give for counters, or undefined for anything else (functions, ranges, operators).
 */
export function parseSelector(text: string): ParsedSelector | undefined {
  let s = text.trim();
  const sum = /^sum\s*\(([\s\S]*)\)$/.exec(s);
  if (sum) s = sum[1]!.trim();
  let i = 0;
  const name = IDENT.exec(s)?.[0];
  let metric = name ?? "";
  i = metric.length;
  const labels: Record<string, string> = {};
  const labelsRegex: Record<string, string> = {};
  let structured = true;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  ws();
  if (s[i] === "{") {
    i++;
    for (;;) {
      ws();
      if (s[i] === "}") {
        i++;
        break;
      }
      const label = LABEL.exec(s.slice(i))?.[0];
      if (!label) return undefined;
      i += label.length;
      ws();
      const op = ["=~", "!~", "!=", "="].find((o) => s.startsWith(o, i));
      if (!op) return undefined;
      i += op.length;
      ws();
      const str = readString(s, i);
      if (!str) return undefined;
      i = str[1];
      if (label === "__name__" && op === "=") metric = str[0];
      else if (op === "=") labels[label] = str[0];
      else if (op === "=~") labelsRegex[label] = str[0];
      else structured = false;
      ws();
      if (s[i] === ",") i++;
      else if (s[i] !== "}") return undefined;
    }
  }
  ws();
  if (i !== s.length || !IDENT.test(metric)) return undefined;
  return { text: s, metric, labels, labelsRegex, structured };
}

/** `rate(x[{{.window}}])` → `increase(x[{{.window}}])`, outside string literals; how many were rewritten. */
export function rateToIncrease(text: string): { text: string; rewritten: number; otherRates: boolean } {
  const masked = maskStrings(text);
  const re = /(^|[^A-Za-z0-9_:])rate(\s*\([^()[\]]*\[\s*\{\{\s*\.window\s*\}\}\s*\]\s*\))/g;
  let out = "";
  let last = 0;
  let rewritten = 0;
  for (const m of masked.matchAll(re)) {
    const start = m.index + m[1]!.length;
    out += `${text.slice(last, start)}increase`;
    last = start + 4;
    rewritten++;
  }
  out += text.slice(last);
  const otherRates = /(^|[^A-Za-z0-9_:])rate\s*\(/.test(maskStrings(out));
  return { text: out, rewritten, otherRates };
}

/** The config as YAML, with a header naming where it came from. */
export function renderImportedConfig(config: Record<string, unknown>, header: string[]): string {
  const comments = header.map((l) => `# ${l}`.trimEnd()).join("\n");
  return `${comments}\n${stringify(config, { lineWidth: 0 })}`;
}

/** `Checkout API` → `checkout-api`: a config name (letters, digits, '_', '.', '-'). */
export function configName(text: string): string {
  return text
    .trim()
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 128);
}

/** Label values of the config are strings; OpenSLO allows lists (joined with ","). */
export function labelValue(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.join(",");
  return undefined;
}
