/**
 * OpenSLO v1 (`apiVersion: openslo/v1`) → sla.config.yaml (pure). Documents of every kind may come in any
 * order and in several files; references (`indicatorRef`, `alertPolicyRef`, `conditionRef`,
 * `metricSourceRef`) are resolved by `metadata.name`. What maps:
 * - SLO → one ratio SLO per objective (`<name>` or `<name>-<objective>`); `target`/`targetPercent` →
 *   objective; calendar `timeWindow` 1w/1M/1Q/1Y → windows, its `timeZone` → calendar.timeZone;
 *   `budgetingMethod: Occurrences` (counts of events) only.
 * - SLI `ratioMetric`: good/bad/total Prometheus queries. A plain counter selector (`metric{...}`, or
 *   `sum(metric{...})`) becomes a config selector; a query with `[{{.window}}]` (Sloth's convention) stays
 *   raw PromQL; `raw` + `rawType` becomes goodRatio/badRatio. `thresholdMetric` over
 *   `histogram_quantile(q, ...)` becomes a quantile figure.
 * - DataSource of type Prometheus → prometheus.url. AlertPolicy/AlertCondition burn rates over 1h / 6h /
 *   3d → notify.burnRate.fast / slow / ticket.
 * Rolling windows, time slices, composite SLOs and other data sources are refused with their path; every
 * other field that has no counterpart is reported as not mapped.
 */
import { formatPath } from "../config/issues.js";
import { canonicalTimeZone, RESERVED_LABELS, type SloWindow } from "../config/schema.js";
import { parseDuration } from "../prometheus/promql.js";
import { rawQueryProblems } from "../prometheus/raw-query.js";
import {
  configName,
  DocReader,
  type ImportIssue,
  type ImportResult,
  isRec,
  labelValue,
  type Path,
  parseSelector,
  rateToIncrease,
  type SourceDocument,
} from "./common.js";

const KINDS = [
  "Service",
  "SLO",
  "SLI",
  "DataSource",
  "AlertPolicy",
  "AlertCondition",
  "AlertNotificationTarget",
] as const;
type Kind = (typeof KINDS)[number];

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A document (or an inline object inside one) and its reader. */
interface Obj {
  kind: Kind;
  name: string;
  r: DocReader;
}

interface Ctx {
  out: { warnings: ImportIssue[]; errors: ImportIssue[] };
  byKind: Map<Kind, Map<string, Obj>>;
  /** mapped once per SLI document, then reused by every SLO that refers to it */
  sliCache: Map<Obj, MappedSli | undefined>;
  /** Prometheus URL and where it came from */
  prometheus?: { url: string; from: string };
  timeZone?: { zone: string; from: string };
  burnRate: Partial<Record<"fast" | "slow" | "ticket", { threshold: number; from: string }>>;
  mappedPolicies: Set<Obj>;
  referenced: Set<Obj>;
}

interface MappedSli {
  sli: Record<string, unknown>;
  /** thresholdMetric: the objective's op/value are read by the SLI */
  threshold?: { quantile: number; metric: string; labels: Record<string, string> };
}

export function importOpenSlo(documents: readonly SourceDocument[]): ImportResult {
  const out = { warnings: [] as ImportIssue[], errors: [] as ImportIssue[] };
  const ctx: Ctx = {
    out,
    byKind: new Map(KINDS.map((k) => [k, new Map()])),
    sliCache: new Map(),
    burnRate: {},
    mappedPolicies: new Set(),
    referenced: new Set(),
  };
  const readers: DocReader[] = [];
  for (const doc of documents) {
    const r = new DocReader(doc, out);
    readers.push(r);
    const obj = header(r, []);
    if (!obj) continue;
    const same = ctx.byKind.get(obj.kind)!;
    if (same.has(obj.name)) {
      r.error(["metadata", "name"], `a second ${obj.kind} named ${JSON.stringify(obj.name)}`);
      continue;
    }
    same.set(obj.name, obj);
  }
  for (const ds of ctx.byKind.get("DataSource")!.values()) mapDataSource(ctx, ds);
  const slos: Record<string, unknown>[] = [];
  const names = new Map<string, string>();
  for (const slo of ctx.byKind.get("SLO")!.values()) {
    for (const s of mapSlo(ctx, slo)) {
      const name = String(s.name);
      if (names.has(name)) {
        slo.r.error(
          ["metadata", "name"],
          `SLO name ${JSON.stringify(name)} is used twice (also ${names.get(name)})`,
        );
        continue;
      }
      names.set(name, `${slo.r.doc.source} ${slo.name}`);
      slos.push(s);
    }
  }
  for (const svc of ctx.byKind.get("Service")!.values()) {
    svc.r.ignore(["spec", "description"], "a service is only a name on its SLOs in sla.config.yaml");
  }
  for (const kind of ["SLI", "AlertPolicy", "AlertCondition", "AlertNotificationTarget"] as const) {
    for (const o of ctx.byKind.get(kind)!.values()) {
      if (!ctx.referenced.has(o)) {
        o.r.warn([], `not mapped: no SLO refers to this ${kind}`);
        o.r.take([]);
      } else if (kind === "AlertNotificationTarget") notificationTarget(o.r, []);
    }
  }
  for (const r of readers) r.leftovers();

  const config: Record<string, unknown> = {};
  if (ctx.timeZone) config.calendar = { timeZone: ctx.timeZone.zone };
  if (ctx.prometheus) config.prometheus = { url: ctx.prometheus.url };
  const burn = Object.fromEntries(Object.entries(ctx.burnRate).map(([k, v]) => [k, v.threshold]));
  if (Object.keys(burn).length > 0) config.notify = { burnRate: burn };
  config.slos = slos;
  return { config, warnings: byDocument(out.warnings), errors: byDocument(out.errors) };
}

/** Issues in file and document order (stable within a document). */
function byDocument(list: ImportIssue[]): ImportIssue[] {
  return list
    .map((issue, n) => ({ issue, n }))
    .sort(
      (a, b) =>
        a.issue.source.localeCompare(b.issue.source) ||
        (a.issue.document ?? 0) - (b.issue.document ?? 0) ||
        a.n - b.n,
    )
    .map((x) => x.issue);
}

/** apiVersion / kind / metadata of a document or an inline object at `base`. */
function header(r: DocReader, base: Path, expect?: Kind): Obj | undefined {
  const api = r.take([...base, "apiVersion"]);
  if (r.base.length + base.length === 0 || api !== undefined) {
    if (api !== "openslo/v1") {
      r.take(base);
      r.error(
        [...base, "apiVersion"],
        `unsupported ${JSON.stringify(api ?? null)}: only openslo/v1 is read (convert v1alpha/v2alpha documents first)`,
      );
      return undefined;
    }
  }
  const kind = r.take([...base, "kind"]);
  if (expect && kind !== undefined && kind !== expect) {
    r.take(base);
    r.error([...base, "kind"], `must be ${expect} here`);
    return undefined;
  }
  const k = (kind ?? expect) as Kind | undefined;
  if (!k || !KINDS.includes(k)) {
    r.take(base);
    r.error([...base, "kind"], `unknown kind ${JSON.stringify(kind ?? null)} (one of ${KINDS.join(", ")})`);
    return undefined;
  }
  const name = r.str([...base, "metadata", "name"]);
  if (!name) {
    r.error([...base, "metadata", "name"], "is required");
    return undefined;
  }
  r.ignore([...base, "metadata", "displayName"], "display names have no counterpart; metadata.name is used");
  r.ignore([...base, "metadata", "annotations"], "annotations have no counterpart");
  if (k !== "SLO") r.ignore([...base, "metadata", "labels"], `labels of a ${k} have no counterpart`);
  return { kind: k, name, r };
}

function mapDataSource(ctx: Ctx, ds: Obj): void {
  const r = ds.r;
  r.ignore(["spec", "description"], "data sources have no description in sla.config.yaml");
  const type = r.str(["spec", "type"]);
  if (type?.toLowerCase() !== "prometheus") {
    r.ignore(
      ["spec", "connectionDetails"],
      `only Prometheus data sources are read (type ${JSON.stringify(type ?? null)})`,
    );
    return;
  }
  const details = r.peek(["spec", "connectionDetails"]);
  if (!isRec(details)) {
    r.error(["spec", "connectionDetails"], "needs url (the Prometheus base URL)");
    return;
  }
  const key = ["url", "address"].find((k) => typeof details[k] === "string");
  for (const k of Object.keys(details)) {
    if (k !== key) {
      r.ignore(
        ["spec", "connectionDetails", k],
        "only the URL is imported; credentials go to prometheus.auth as { env } or { ssm } references",
      );
    }
  }
  if (!key) {
    r.error(["spec", "connectionDetails"], "needs url (the Prometheus base URL)");
    return;
  }
  const url = r.str(["spec", "connectionDetails", key])!;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    r.error(["spec", "connectionDetails", key], "must be an http:// or https:// URL");
    return;
  }
  if (parsed.username || parsed.password) {
    r.error(
      ["spec", "connectionDetails", key],
      "must not carry credentials (user:password@): use prometheus.auth with { env } or { ssm } references",
    );
    return;
  }
  const from = `${r.doc.source} DataSource ${ds.name}`;
  if (ctx.prometheus && ctx.prometheus.url !== url) {
    r.error(
      ["spec", "connectionDetails", key],
      `a second Prometheus URL (the first is from ${ctx.prometheus.from}): sla.config.yaml reads one Prometheus`,
    );
    return;
  }
  ctx.prometheus = { url, from };
}

// ---------------------------------------------------------------------------------------------------
// SLO

function mapSlo(ctx: Ctx, slo: Obj): Record<string, unknown>[] {
  const r = slo.r;
  const service = r.str(["spec", "service"]);
  if (!service) r.error(["spec", "service"], "is required");
  const description = r.str(["spec", "description"]);
  const labels = sloLabels(r, ["metadata", "labels"]);
  const windows = timeWindow(ctx, r, ["spec", "timeWindow"]);
  const method = r.str(["spec", "budgetingMethod"]);
  const sli = indicator(ctx, r, ["spec"]);
  const isThreshold = sli?.threshold !== undefined;
  if (method !== "Occurrences" && !isThreshold) {
    r.error(
      ["spec", "budgetingMethod"],
      method === "Timeslices" || method === "RatioTimeslices"
        ? `${method} is refused: sla-monitor's request SLIs count events over the whole window (Occurrences); a time-slice SLO of an endpoint is a probe SLI (sli.type: probe)`
        : "must be Occurrences (counts of good and total events)",
    );
  } else if (isThreshold && method !== undefined) {
    r.warn(
      ["spec", "budgetingMethod"],
      "not mapped: a thresholdMetric becomes a report-only quantile figure",
    );
  }
  const policies = r.peek(["spec", "alertPolicies"]);
  if (Array.isArray(policies)) {
    for (const i of policies.keys()) alertPolicyRefOrInline(ctx, r, ["spec", "alertPolicies", i]);
  }
  const objectives = r.peek(["spec", "objectives"]);
  if (!Array.isArray(objectives) || objectives.length === 0) {
    r.error(["spec", "objectives"], "must list at least one objective");
    return [];
  }
  if (isThreshold && objectives.length > 1) {
    r.error(["spec", "objectives"], "a thresholdMetric SLO takes exactly one objective");
    return [];
  }
  const out: Record<string, unknown>[] = [];
  objectives.forEach((o, i) => {
    const p: Path = ["spec", "objectives", i];
    const display = r.str([...p, "displayName"]);
    const name =
      objectives.length === 1
        ? configName(slo.name)
        : configName(`${slo.name}-${display ? configName(display).toLowerCase() : String(i + 1)}`);
    if (objectives.length === 1 && display) {
      r.warn([...p, "displayName"], "not mapped: display names have no counterpart; metadata.name is used");
    }
    for (const key of ["indicator", "indicatorRef", "compositeWeight"]) {
      if (isRec(o) && o[key] !== undefined) {
        r.take([...p, key]);
        r.error(
          [...p, key],
          "composite SLOs are refused: give each objective its own SLO with its own indicator",
        );
      }
    }
    const objective = objectivePercent(r, p);
    for (const key of ["timeSliceTarget", "timeSliceWindow"]) {
      r.ignore([...p, key], "time slices are not evaluated: request SLIs count events over the whole window");
    }
    let finalSli = sli?.sli;
    if (sli?.threshold) {
      finalSli = thresholdSli(r, p, sli.threshold);
    } else {
      for (const key of ["op", "value"])
        r.ignore([...p, key], "op and value apply to a thresholdMetric only");
    }
    if (!service || objective === undefined || !finalSli || !method) return;
    out.push({
      name,
      service,
      ...(description ? { description } : {}),
      objective,
      sli: finalSli,
      ...(windows ? { windows } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    });
  });
  return out;
}

function sloLabels(r: DocReader, path: Path): Record<string, string> {
  const v = r.take(path);
  const labels: Record<string, string> = {};
  if (!isRec(v)) return labels;
  for (const [k, x] of Object.entries(v)) {
    const at = [...path, k];
    const value = labelValue(x);
    if (!LABEL_NAME.test(k)) r.warn(at, "not mapped: not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    else if (k.startsWith("__") || RESERVED_LABELS.includes(k))
      r.warn(at, `not mapped: the label name ${JSON.stringify(k)} is set by the monitor itself`);
    else if (value === undefined)
      r.warn(at, "not mapped: a label value must be a string or a list of strings");
    else {
      labels[k] = value;
      if (Array.isArray(x) && x.length > 1)
        r.warn(at, `a list of values: written as one value ${JSON.stringify(value)}`);
    }
  }
  return labels;
}

function objectivePercent(r: DocReader, p: Path): number | undefined {
  const target = r.take([...p, "target"]);
  const percent = r.take([...p, "targetPercent"]);
  if (target !== undefined && percent !== undefined) {
    r.error(p, "give target or targetPercent, not both");
    return undefined;
  }
  if (typeof target === "number" && target > 0 && target < 1) {
    return Number.parseFloat((target * 100).toPrecision(12));
  }
  if (typeof percent === "number" && percent > 0 && percent < 100) return percent;
  if (target === undefined && percent === undefined)
    r.error(p, "needs target (0..1) or targetPercent (0..100)");
  else if (target !== undefined)
    r.error([...p, "target"], "must be a number above 0 and below 1 (e.g. 0.999)");
  else r.error([...p, "targetPercent"], "must be a number above 0 and below 100 (e.g. 99.9)");
  return undefined;
}

const WINDOW_OF: Record<string, SloWindow> = {
  "1w": "weekly",
  "1M": "monthly",
  "1Q": "quarterly",
  "1Y": "yearly",
};

function timeWindow(ctx: Ctx, r: DocReader, path: Path): SloWindow[] | undefined {
  const v = r.peek(path);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== 1) {
    r.error(path, "must list exactly one time window");
    return undefined;
  }
  const p = [...path, 0];
  const rolling = r.take([...p, "isRolling"]);
  const duration = r.str([...p, "duration"]);
  if (rolling === true) {
    r.take(p); // a refused window is one error, not one per field below it
    r.error(
      [...p, "isRolling"],
      "rolling windows are refused: sla-monitor reports calendar windows (1w, 1M, 1Q, 1Y in a time zone), whose figures differ from a rolling window's",
    );
    return undefined;
  }
  const window = duration ? WINDOW_OF[duration] : undefined;
  if (!window) {
    r.take(p); // a refused window is one error, not one per field below it
    r.error(
      [...p, "duration"],
      `calendar window ${JSON.stringify(duration ?? null)} has no counterpart: use 1w, 1M, 1Q or 1Y`,
    );
    return undefined;
  }
  const cal = r.peek([...p, "calendar"]);
  if (!isRec(cal)) {
    r.warn([...p], "a calendar window without calendar: read in UTC");
    return [window];
  }
  const zoneText = r.str([...p, "calendar", "timeZone"]) ?? "UTC";
  const zone = canonicalTimeZone(zoneText);
  if (!zone) {
    r.error([...p, "calendar", "timeZone"], `unknown IANA time zone ${JSON.stringify(zoneText)}`);
    return undefined;
  }
  const from = `${r.doc.source} ${r.doc.document !== undefined ? `(document ${r.doc.document}) ` : ""}${formatFrom(r, p)}`;
  if (ctx.timeZone && ctx.timeZone.zone !== zone) {
    r.error(
      [...p, "calendar", "timeZone"],
      `${zone} differs from ${ctx.timeZone.zone} (${ctx.timeZone.from}): one sla.config.yaml has one calendar time zone`,
    );
  } else {
    ctx.timeZone ??= { zone, from };
  }
  const start = r.str([...p, "calendar", "startTime"]);
  if (start !== undefined && !alignedStart(start, window)) {
    r.warn(
      [...p, "calendar", "startTime"],
      `not mapped: ${window} windows start at the calendar boundary (${WINDOW_START[window]} 00:00 in the time zone), not at ${start}`,
    );
  }
  return [window];
}

const WINDOW_START: Record<SloWindow, string> = {
  weekly: "Monday",
  monthly: "the 1st",
  quarterly: "1 Jan/Apr/Jul/Oct",
  yearly: "1 January",
};

/** Whether an OpenSLO startTime ("2022-01-01 00:00:00") is the start of a calendar period of `window`. */
function alignedStart(start: string, window: SloWindow): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(start.trim());
  if (!m) return false;
  const [, y, mo, d, h = "00", mi = "00", s = "00"] = m;
  if (h !== "00" || mi !== "00" || s !== "00") return false;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (window === "weekly") return date.getUTCDay() === 1;
  if (d !== "01") return false;
  if (window === "quarterly") return (Number(mo) - 1) % 3 === 0;
  if (window === "yearly") return mo === "01";
  return true;
}

// ---------------------------------------------------------------------------------------------------
// SLI

function indicator(ctx: Ctx, r: DocReader, spec: Path): MappedSli | undefined {
  const inline = r.take([...spec, "indicator"]);
  const ref = r.str([...spec, "indicatorRef"]);
  if ((inline !== undefined) === (ref !== undefined)) {
    r.error(spec, inline ? "give indicator or indicatorRef, not both" : "needs indicator or indicatorRef");
    return undefined;
  }
  if (ref !== undefined) {
    const obj = ctx.byKind.get("SLI")!.get(ref);
    if (!obj) {
      r.error([...spec, "indicatorRef"], `no SLI named ${JSON.stringify(ref)}`);
      return undefined;
    }
    ctx.referenced.add(obj);
    if (!ctx.sliCache.has(obj)) ctx.sliCache.set(obj, mapSli(ctx, obj.r, ["spec"]));
    return ctx.sliCache.get(obj);
  }
  const child = new DocReader(r.doc, ctx.out, [...r.base, ...spec, "indicator"]);
  const obj = header(child, [], "SLI");
  const mapped = obj ? mapSli(ctx, child, ["spec"]) : undefined;
  child.leftovers();
  return mapped;
}

function mapSli(ctx: Ctx, r: DocReader, spec: Path): MappedSli | undefined {
  r.ignore([...spec, "description"], "the SLO's own description is used");
  const ratio = r.peek([...spec, "ratioMetric"]);
  const threshold = r.peek([...spec, "thresholdMetric"]);
  if ((ratio !== undefined) === (threshold !== undefined)) {
    r.error(
      spec,
      ratio ? "give ratioMetric or thresholdMetric, not both" : "needs ratioMetric or thresholdMetric",
    );
    return undefined;
  }
  if (threshold !== undefined) return thresholdMetric(ctx, r, [...spec, "thresholdMetric"]);
  const p = [...spec, "ratioMetric"];
  const counter = r.take([...p, "counter"]);
  const has = (k: string) => isRec(ratio) && ratio[k] !== undefined && ratio[k] !== null;
  if (has("raw")) {
    for (const k of ["good", "bad", "total"]) {
      if (has(k)) r.error([...p, k], "raw cannot be used together with good, bad or total");
    }
    if (counter !== undefined)
      r.warn([...p, "counter"], "not mapped: has no effect with raw (as the spec says)");
    const rawType = r.str([...p, "rawType"]);
    if (rawType !== "success" && rawType !== "failure") {
      r.error([...p, "rawType"], "must be success (good/total) or failure (bad/total) with raw");
      return undefined;
    }
    const q = metricQuery(ctx, r, [...p, "raw"]);
    if (q === undefined) return undefined;
    const promql = shareQuery(r, [...p, "raw"], q);
    if (promql === undefined) return undefined;
    return { sli: { type: "ratio", [rawType === "success" ? "goodRatio" : "badRatio"]: { promql } } };
  }
  r.ignore([...p, "rawType"], "rawType applies to raw only");
  if (has("good") === has("bad") || !has("total")) {
    r.error(p, "needs total and exactly one of good or bad (or raw with rawType)");
    return undefined;
  }
  const part = has("good") ? "good" : "bad";
  const num = eventsSource(ctx, r, [...p, part], counter);
  const total = eventsSource(ctx, r, [...p, "total"], counter);
  if (counter === undefined && ((isRec(num) && "metric" in num) || (isRec(total) && "metric" in total))) {
    r.warn([...p], "counter is not given: the selectors are read as counters (counter: true)");
  }
  if (!num || !total) return undefined;
  return { sli: { type: "ratio", [part]: num, total } };
}

/** The Prometheus query of a `metricSource` at `path` (…/metricSource/spec/query or promql). */
function metricQuery(ctx: Ctx, r: DocReader, path: Path): string | undefined {
  const ms = [...path, "metricSource"];
  const ref = r.str([...ms, "metricSourceRef"]);
  let type = r.str([...ms, "type"]);
  if (ref !== undefined) {
    const ds = ctx.byKind.get("DataSource")!.get(ref);
    if (!ds) {
      r.error([...ms, "metricSourceRef"], `no DataSource named ${JSON.stringify(ref)}`);
      return undefined;
    }
    ctx.referenced.add(ds);
    type ??=
      typeof (ds.r.doc.value as { spec?: { type?: unknown } }).spec?.type === "string"
        ? String((ds.r.doc.value as { spec: { type: string } }).spec.type)
        : undefined;
  }
  if (type?.toLowerCase() !== "prometheus") {
    r.take(ms);
    r.error(
      [...ms, "type"],
      `only Prometheus metric sources can be read (type ${JSON.stringify(type ?? null)})`,
    );
    return undefined;
  }
  const spec = r.peek([...ms, "spec"]);
  const key = isRec(spec) ? ["query", "promql"].find((k) => typeof spec[k] === "string") : undefined;
  if (!key || !isRec(spec)) {
    r.error([...ms, "spec"], "needs query (the PromQL expression)");
    return undefined;
  }
  for (const k of Object.keys(spec)) {
    if (k !== key) r.ignore([...ms, "spec", k], "only the PromQL query of a metric source is read");
  }
  return r.str([...ms, "spec", key]);
}

const HAS_WINDOW = /\{\{\s*\.window\s*\}\}/;

function checkedRaw(r: DocReader, path: Path, q: string): string | undefined {
  const problems = rawQueryProblems(q);
  for (const m of problems) r.error(path, m);
  return problems.length === 0 ? q.trim() : undefined;
}

/** good / bad / total: a counter selector, or raw PromQL with [{{.window}}]. */
function eventsSource(
  ctx: Ctx,
  r: DocReader,
  path: Path,
  counter: unknown,
): Record<string, unknown> | undefined {
  const q = metricQuery(ctx, r, path);
  if (q === undefined) return undefined;
  const at = [...path, "metricSource", "spec"];
  if (HAS_WINDOW.test(q)) {
    const raw = checkedRaw(r, at, q);
    if (raw === undefined) return undefined;
    const x = rateToIncrease(raw);
    if (x.rewritten > 0) {
      r.warn(
        at,
        `rate(...[{{.window}}]) written as increase(...[{{.window}}]) (${x.rewritten}x): the same ratio, and the error budget counts requests`,
      );
    }
    return { promql: x.text };
  }
  const sel = parseSelector(q);
  if (!sel) {
    r.error(
      at,
      "a query must be a plain counter selector (metric{labels}, optionally in sum()) or PromQL with [{{.window}}] where the calendar window goes",
    );
    return undefined;
  }
  if (counter === false) {
    r.error(
      [...path.slice(0, -1), "counter"],
      "counter: false (a gauge) cannot be counted over a calendar window: give counters, or PromQL with [{{.window}}]",
    );
    return undefined;
  }
  if (!sel.structured) return { promql: `sum(increase(${sel.text}[{{.window}}]))` };
  return {
    metric: sel.metric,
    ...(Object.keys(sel.labels).length > 0 ? { labels: sel.labels } : {}),
    ...(Object.keys(sel.labelsRegex).length > 0 ? { labelsRegex: sel.labelsRegex } : {}),
  };
}

/** raw: a share 0..1 — PromQL with [{{.window}}] as is, or a stored ratio metric averaged over the window. */
function shareQuery(r: DocReader, path: Path, q: string): string | undefined {
  const at = [...path, "metricSource", "spec"];
  if (HAS_WINDOW.test(q)) return checkedRaw(r, at, q);
  const sel = parseSelector(q);
  if (!sel) {
    r.error(at, "a raw ratio must be a stored ratio metric (metric{labels}) or PromQL with [{{.window}}]");
    return undefined;
  }
  r.warn(at, "the stored ratio is averaged over the calendar window (avg_over_time, then across series)");
  return `avg(avg_over_time(${sel.text}[{{.window}}]))`;
}

const QUANTILE_RE =
  /^histogram_quantile\s*\(\s*([0-9.]+)\s*,\s*sum\s*(?:by\s*\(\s*le\s*\)\s*)?\(\s*(?:rate|increase)\s*\(([\s\S]+)\[[^\]]+\]\s*\)\s*\)\s*(?:by\s*\(\s*le\s*\)\s*)?\)$/;

function thresholdMetric(ctx: Ctx, r: DocReader, path: Path): MappedSli | undefined {
  const q = metricQuery(ctx, r, path);
  if (q === undefined) return undefined;
  const at = [...path, "metricSource", "spec"];
  const m = QUANTILE_RE.exec(q.trim());
  const sel = m ? parseSelector(m[2]!) : undefined;
  const quantile = m ? Number(m[1]) : Number.NaN;
  if (!m || !sel?.metric.endsWith("_bucket") || !(quantile > 0 && quantile < 1)) {
    r.error(
      at,
      "only histogram_quantile(q, sum by (le) (rate(<histogram>_bucket{...}[...]))) maps (to a quantile figure); other threshold metrics need time slices, which sla-monitor does not evaluate",
    );
    return undefined;
  }
  if (!sel.structured || Object.keys(sel.labelsRegex).length > 0) {
    r.error(at, 'only exact label matchers (name="value") are supported on a quantile figure');
    return undefined;
  }
  return { sli: {}, threshold: { quantile, metric: sel.metric.replace(/_bucket$/, ""), labels: sel.labels } };
}

function thresholdSli(
  r: DocReader,
  p: Path,
  t: NonNullable<MappedSli["threshold"]>,
): Record<string, unknown> | undefined {
  const op = r.str([...p, "op"]);
  const value = r.take([...p, "value"]);
  if (op !== "lt" && op !== "lte") {
    r.error(
      [...p, "op"],
      "must be lt or lte: a quantile figure is met when the latency is at or below the value",
    );
    return undefined;
  }
  if (typeof value !== "number" || !(value > 0)) {
    r.error([...p, "value"], "must be a positive number of seconds");
    return undefined;
  }
  r.warn(
    p,
    "a thresholdMetric becomes a report-only quantile figure: histogram_quantile over the whole window judged against value; the objective's target is not used",
  );
  return {
    type: "quantile",
    metric: t.metric,
    ...(Object.keys(t.labels).length > 0 ? { labels: t.labels } : {}),
    quantiles: [t.quantile],
    targetSeconds: { [String(t.quantile)]: value },
  };
}

// ---------------------------------------------------------------------------------------------------
// Alerting

function alertPolicyRefOrInline(ctx: Ctx, r: DocReader, path: Path): void {
  const ref = r.str([...path, "alertPolicyRef"]);
  if (ref !== undefined) {
    const obj = ctx.byKind.get("AlertPolicy")!.get(ref);
    if (!obj) {
      r.error([...path, "alertPolicyRef"], `no AlertPolicy named ${JSON.stringify(ref)}`);
      return;
    }
    ctx.referenced.add(obj);
    if (!ctx.mappedPolicies.has(obj)) {
      ctx.mappedPolicies.add(obj);
      alertPolicy(ctx, obj.r, []);
    }
    return;
  }
  const child = new DocReader(r.doc, ctx.out, [...r.base, ...path]);
  r.take(path);
  if (header(child, [], "AlertPolicy")) alertPolicy(ctx, child, []);
  child.leftovers();
}

const NOTIFY_REASON =
  "notifications go to the SNS topic's subscriptions (email, Slack via AWS Chatbot, https): see docs/DEPLOY.md";

function alertPolicy(ctx: Ctx, r: DocReader, base: Path): void {
  const spec = [...base, "spec"];
  r.ignore([...spec, "description"], "alert policies have no description in sla.config.yaml");
  r.ignore(
    [...spec, "alertWhenBreaching"],
    "`sla rules` always alerts while a burn rate is above its threshold",
  );
  r.ignore(
    [...spec, "alertWhenResolved"],
    "resolution is Alertmanager's (the rules fire while the burn lasts)",
  );
  r.ignore([...spec, "alertWhenNoData"], "missing data shows as coverage and unknown status in the reports");
  const targets = r.peek([...spec, "notificationTargets"]);
  if (Array.isArray(targets)) {
    targets.forEach((t, i) => {
      const at = [...spec, "notificationTargets", i];
      if (isRec(t) && t.targetRef !== undefined) {
        const obj = ctx.byKind.get("AlertNotificationTarget")!.get(String(t.targetRef));
        if (obj) ctx.referenced.add(obj);
        r.ignore([...at, "targetRef"], NOTIFY_REASON);
      } else {
        r.take(at);
        const child = new DocReader(r.doc, ctx.out, [...r.base, ...at]);
        if (header(child, [], "AlertNotificationTarget")) notificationTarget(child, []);
        child.leftovers();
      }
    });
  }
  const conditions = r.peek([...spec, "conditions"]);
  if (!Array.isArray(conditions)) return;
  conditions.forEach((c, i) => {
    const at = [...spec, "conditions", i];
    if (isRec(c) && c.conditionRef !== undefined) {
      const name = r.str([...at, "conditionRef"]) ?? "";
      const obj = ctx.byKind.get("AlertCondition")!.get(name);
      if (!obj) {
        r.error([...at, "conditionRef"], `no AlertCondition named ${JSON.stringify(name)}`);
        return;
      }
      if (!ctx.referenced.has(obj)) {
        ctx.referenced.add(obj);
        alertCondition(ctx, obj.r, []);
      }
      return;
    }
    r.take(at);
    const child = new DocReader(r.doc, ctx.out, [...r.base, ...at]);
    if (header(child, [], "AlertCondition")) alertCondition(ctx, child, []);
    child.leftovers();
  });
}

function notificationTarget(r: DocReader, base: Path): void {
  r.ignore([...base, "spec", "target"], NOTIFY_REASON);
  r.ignore([...base, "spec", "description"], NOTIFY_REASON);
}

/** Burn-rate tiers of `sla rules` by the long window they look back over. */
const TIER_OF: Record<number, "fast" | "slow" | "ticket"> = {
  3600000: "fast",
  21600000: "slow",
  259200000: "ticket",
};

function alertCondition(ctx: Ctx, r: DocReader, base: Path): void {
  const spec = [...base, "spec"];
  const c = [...spec, "condition"];
  r.ignore([...spec, "description"], "alert conditions have no description in sla.config.yaml");
  r.ignore(
    [...spec, "severity"],
    "the tier sets the severity (fast: critical, slow: warning, ticket: ticket)",
  );
  r.ignore([...c, "alertAfter"], "`sla rules` sets each tier's for: (2m fast, 15m slow, 1h ticket)");
  const kind = r.str([...c, "kind"]) ?? "burnrate";
  const op = r.str([...c, "op"]);
  const threshold = r.take([...c, "threshold"]);
  const lookback = r.str([...c, "lookbackWindow"]);
  if (kind !== "burnrate") {
    r.warn(
      [...c, "kind"],
      `not mapped: only burnrate conditions have a counterpart (got ${JSON.stringify(kind)})`,
    );
    return;
  }
  if (op !== "gt" && op !== "gte") {
    r.warn([...c, "op"], "not mapped: a burn-rate alert fires above the threshold (op gt or gte)");
    return;
  }
  const ms = lookback ? parseDuration(lookback) : undefined;
  const tier = ms !== undefined ? TIER_OF[ms] : undefined;
  if (!tier) {
    r.warn(
      [...c, "lookbackWindow"],
      `not mapped: \`sla rules\` has burn-rate tiers over 1h (notify.burnRate.fast), 6h (slow) and 3d (ticket), not ${JSON.stringify(lookback ?? null)}`,
    );
    return;
  }
  if (typeof threshold !== "number" || !(threshold > 0)) {
    r.error([...c, "threshold"], "must be a positive burn rate");
    return;
  }
  const from = `${r.doc.source} ${formatFrom(r, c)}`;
  const had = ctx.burnRate[tier];
  if (had && had.threshold !== threshold) {
    r.warn(
      [...c, "threshold"],
      `not mapped: notify.burnRate.${tier} is already ${had.threshold} (${had.from}); one config has one threshold per tier`,
    );
    return;
  }
  ctx.burnRate[tier] ??= { threshold, from };
}

function formatFrom(r: DocReader, p: Path): string {
  return formatPath([...r.base, ...p]);
}
