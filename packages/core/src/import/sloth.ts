/**
 * Sloth specs → sla.config.yaml (pure). Both forms: `version: prometheus/v1` (snake_case fields at the top
 * level) and the Kubernetes resource `apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`
 * (camelCase fields under `spec`). Each Sloth SLO becomes a ratio SLO named `<service>-<name>` (Sloth's
 * own SLO id): `events` as raw `bad`/`total` PromQL, `raw.error_ratio_query` as `badRatio`. Sloth's
 * queries already carry `{{.window}}`; `rate(x[{{.window}}])` is written as `increase(...)` so that the
 * error budget counts requests (the ratio is the same). Plugins (Go code run by Sloth) are refused;
 * alert names, labels and annotations have no counterpart and are reported as not mapped.
 */
import { RESERVED_LABELS } from "../config/schema.js";
import { rawQueryProblems } from "../prometheus/raw-query.js";
import {
  configName,
  DocReader,
  type ImportIssue,
  type ImportResult,
  isRec,
  type Path,
  rateToIncrease,
  type SourceDocument,
} from "./common.js";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Names {
  base: Path;
  sloPlugins: string;
  errorRatio: string;
  errorQuery: string;
  totalQuery: string;
  page: string;
  ticket: string;
}

const PLAIN: Names = {
  base: [],
  sloPlugins: "slo_plugins",
  errorRatio: "error_ratio_query",
  errorQuery: "error_query",
  totalQuery: "total_query",
  page: "page_alert",
  ticket: "ticket_alert",
};

const KUBERNETES: Names = {
  base: ["spec"],
  sloPlugins: "sloPlugins",
  errorRatio: "errorRatioQuery",
  errorQuery: "errorQuery",
  totalQuery: "totalQuery",
  page: "pageAlert",
  ticket: "ticketAlert",
};

const ALERTING_REASON =
  "alerts come from `sla rules` (fixed names, thresholds in notify.burnRate) and SNS; " +
  "nothing about them is set per SLO";

export function importSloth(documents: readonly SourceDocument[]): ImportResult {
  const out = { warnings: [] as ImportIssue[], errors: [] as ImportIssue[] };
  const slos: Record<string, unknown>[] = [];
  const names = new Map<string, string>();
  for (const doc of documents) {
    const r = new DocReader(doc, out);
    const names_ = formOf(r);
    if (!names_) continue;
    mapSpec(r, names_, slos, names);
    r.leftovers();
  }
  return { config: { slos }, ...out };
}

function formOf(r: DocReader): Names | undefined {
  const v = r.doc.value;
  if (!isRec(v)) {
    r.error([], "a Sloth spec is a mapping");
    return undefined;
  }
  if (v.version !== undefined) {
    const version = r.str(["version"]);
    if (version === "prometheus/v1") return PLAIN;
    r.error(["version"], `unsupported Sloth spec version ${JSON.stringify(version)} (only prometheus/v1)`);
    return undefined;
  }
  const api = r.str(["apiVersion"]);
  const kind = r.str(["kind"]);
  if (api !== "sloth.slok.dev/v1" || kind !== "PrometheusServiceLevel") {
    r.error(
      api !== "sloth.slok.dev/v1" ? ["apiVersion"] : ["kind"],
      "not a Sloth spec: expected version: prometheus/v1, or apiVersion: sloth.slok.dev/v1 with kind: PrometheusServiceLevel",
    );
    return undefined;
  }
  r.ignore(["metadata"], "Kubernetes object metadata (name, namespace, labels) has no counterpart");
  r.ignore(["status"], "status is written by the Sloth controller");
  return KUBERNETES;
}

function labelsOf(r: DocReader, path: Path): Record<string, string> {
  const v = r.take(path);
  const labels: Record<string, string> = {};
  if (v === undefined || v === null) return labels;
  if (!isRec(v)) {
    r.error(path, "must be a mapping of label names to values");
    return labels;
  }
  for (const [k, x] of Object.entries(v)) {
    const at = [...path, k];
    if (!LABEL_NAME.test(k)) r.error(at, `invalid label name ${JSON.stringify(k)}`);
    else if (k.startsWith("__") || RESERVED_LABELS.includes(k))
      r.warn(at, `not mapped: the label name ${JSON.stringify(k)} is set by the monitor itself`);
    else if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") labels[k] = String(x);
    else r.error(at, "a label value must be a string");
  }
  return labels;
}

/** A Sloth query as raw config PromQL (rate over the window becomes increase), or undefined after an error. */
function query(r: DocReader, path: Path, events: boolean): string | undefined {
  const text = r.str(path);
  if (text === undefined) {
    r.error(path, "is required");
    return undefined;
  }
  const problems = rawQueryProblems(text);
  for (const p of problems) r.error(path, p);
  if (problems.length > 0) return undefined;
  if (!events) return text.trim();
  const x = rateToIncrease(text.trim());
  if (x.rewritten > 0) {
    r.warn(
      path,
      `rate(...[{{.window}}]) written as increase(...[{{.window}}]) (${x.rewritten}x): the same ratio, and the error budget counts requests`,
    );
  }
  if (x.otherRates) {
    r.warn(
      path,
      "uses rate() over another range: the ratio is right, but the budget's allowed/consumed figures are then per-second rates, not request counts",
    );
  }
  return x.text;
}

function mapSpec(r: DocReader, n: Names, slos: Record<string, unknown>[], names: Map<string, string>): void {
  const at = (...p: Path): Path => [...n.base, ...p];
  const service = r.str(at("service"));
  if (!service) r.error(at("service"), "is required");
  const common = labelsOf(r, at("labels"));
  r.ignore(at(n.sloPlugins), "Sloth plugins are Go code run by Sloth");
  const list = r.peek(at("slos"));
  if (!Array.isArray(list) || list.length === 0) {
    r.error(at("slos"), "must list at least one SLO");
    return;
  }
  r.warn(
    at("slos"),
    "Sloth's SLO period is a rolling window (30 days by default); the imported SLOs are reported over calendar weeks and months (windows: weekly, monthly), which can differ from a rolling figure",
  );
  list.forEach((_, i) => {
    const p = (...x: Path): Path => at("slos", i, ...x);
    const sloName = r.str(p("name"));
    if (!sloName) r.error(p("name"), "is required");
    const objective = r.take(p("objective"));
    if (typeof objective !== "number" || !(objective > 0 && objective < 100)) {
      r.error(
        p("objective"),
        objective === 100
          ? "100 leaves no error budget: sla-monitor needs an objective below 100"
          : "must be a percent between 0 and 100 (e.g. 99.9)",
      );
    }
    const description = r.str(p("description"));
    const labels = { ...common, ...labelsOf(r, p("labels")) };
    r.ignore(p("plugins"), "Sloth plugins are Go code run by Sloth");
    const sli = mapSli(r, n, p("sli"));
    mapAlerting(r, n, p("alerting"));
    if (!service || !sloName || !sli || typeof objective !== "number") return;
    const name = configName(`${service}-${sloName}`);
    const first = names.get(name);
    if (first !== undefined) {
      r.error(p("name"), `SLO ${JSON.stringify(name)} is defined twice (also ${first})`);
      return;
    }
    names.set(name, `${r.doc.source} ${p("name").join(".")}`);
    slos.push({
      name,
      service,
      ...(description ? { description } : {}),
      objective,
      sli,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    });
  });
}

function mapSli(r: DocReader, n: Names, path: Path): Record<string, unknown> | undefined {
  const sli = r.peek(path);
  if (!isRec(sli)) {
    r.error(path, "is required: events, raw or plugin");
    return undefined;
  }
  const kinds = ["events", "raw", "plugin"].filter((k) => sli[k] !== undefined && sli[k] !== null);
  if (kinds.length !== 1) {
    r.error(
      path,
      kinds.length === 0 ? "needs one of events, raw or plugin" : `give only one of ${kinds.join(", ")}`,
    );
    return undefined;
  }
  if (kinds[0] === "plugin") {
    r.take([...path, "plugin"]);
    r.error(
      [...path, "plugin"],
      "SLI plugins are Go code run by Sloth and cannot be mapped; write the SLI as events or raw",
    );
    return undefined;
  }
  if (kinds[0] === "raw") {
    const e = query(r, [...path, "raw", n.errorRatio], false);
    return e === undefined ? undefined : { type: "ratio", badRatio: { promql: e } };
  }
  const bad = query(r, [...path, "events", n.errorQuery], true);
  const total = query(r, [...path, "events", n.totalQuery], true);
  return bad === undefined || total === undefined
    ? undefined
    : { type: "ratio", bad: { promql: bad }, total: { promql: total } };
}

function mapAlerting(r: DocReader, n: Names, path: Path): void {
  for (const key of ["name", "labels", "annotations"]) r.ignore([...path, key], ALERTING_REASON);
  for (const alert of [n.page, n.ticket]) {
    for (const key of ["disable", "labels", "annotations"]) r.ignore([...path, alert, key], ALERTING_REASON);
  }
}
