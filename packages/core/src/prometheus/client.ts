/**
 * Prometheus HTTP API client (query, query_range, labels, series) for any server speaking the Prometheus
 * API: Prometheus, Thanos, Mimir, VictoriaMetrics, Amazon Managed Service for Prometheus (SigV4).
 *
 * - Every attempt has a TOTAL deadline (`timeoutMs`), headers and body included.
 * - Bounded retries with backoff on 5xx, 429, network errors and timeouts; never on other 4xx
 *   (400 `bad_data` is final: the same query fails the same way again).
 * - A partial answer (`"isPartial": true`, as VictoriaMetrics cluster and other multi-node engines send when a
 *   storage node did not answer) is not data: it is retried like a 5xx and, if it stays partial, fails with
 *   kind `partial` (unless `acceptPartial`).
 * - Queries are POSTed form-encoded, so long PromQL fits.
 * - Range queries are split into chunks of at most `maxPointsPerChunk` points per series (Prometheus refuses
 *   more than 11 000) and merged back by label set.
 * - Responses are validated; sample values become numbers (`NaN`, `+Inf`, `-Inf` included), timestamps ms.
 * - Errors are `PrometheusError`s naming the kind, HTTP status, endpoint, query and the server's message;
 *   they never contain auth headers or URL credentials.
 */
import * as z from "zod";
import { quoteUntrusted, Scrubber } from "../config/redact.js";
import { authSecrets, type PrometheusAuth, signRequest } from "./auth.js";
import { backoff, HttpFailure, safeUrl, send, sleep, truncate } from "./http.js";
import { formatTimestamp, isValidLabelName } from "./promql.js";

export type Labels = Record<string, string>;

export interface VectorSample {
  metric: Labels;
  value: number;
  /** evaluation time, ms since the epoch */
  timestampMs: number;
}

export interface MatrixSeries {
  metric: Labels;
  /** [timestamp ms, value], sorted by time */
  values: [number, number][];
}

export interface QueryStats {
  /** Prometheus's own evaluation time (`data.stats.timings.evalTotalTime`), seconds */
  evalSeconds: number;
}

export interface InstantResult {
  resultType: "vector" | "scalar" | "matrix" | "string";
  /** vector samples; a scalar result is one sample with empty labels; empty for matrix and string results */
  result: VectorSample[];
  /** only for resultType "matrix" (an instant query of a range selector such as `x[5m]`) */
  matrix?: MatrixSeries[];
  /** only for resultType "string" */
  string?: string;
  warnings: string[];
  stats?: QueryStats;
}

export interface RangeResult {
  resultType: "matrix";
  result: MatrixSeries[];
  warnings: string[];
  /** summed over the chunks */
  stats?: QueryStats;
  /** number of query_range requests the range was split into */
  chunks: number;
}

export interface ClientStats {
  /** API requests made, retries not counted (a chunked range query counts once per chunk) */
  queries: number;
  /** response bytes received, all attempts */
  bytes: number;
  /** extra attempts after retryable failures */
  retries: number;
  /** sum of Prometheus's reported evaluation time (`evalTotalTime`), seconds */
  evalSeconds: number;
}

export interface PrometheusClientOptions {
  /** base URL of the API, e.g. `http://127.0.0.1:9090` or `https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-…` */
  url: string;
  auth?: PrometheusAuth;
  /** total deadline of one attempt, default 30 000 ms */
  timeoutMs?: number;
  /** retries after the first attempt on 5xx, 429, network errors and timeouts; default 2 */
  retries?: number;
  /** delay before retry n (the last entry repeats); default [200, 800] */
  backoffMs?: number[];
  userAgent?: string;
  /** most points per series in one query_range request; default 10 000 (Prometheus's limit is 11 000) */
  maxPointsPerChunk?: number;
  /** ask for query stats (`stats=all`) to learn the server's evaluation time; default true */
  queryStats?: boolean;
  /**
   * take answers marked `"isPartial": true` as they are (default false: a partial answer is retried and then
   * fails with kind `partial`, so an incomplete answer never passes for complete data)
   */
  acceptPartial?: boolean;
}

export interface PrometheusClient {
  instant(query: string, time?: Date): Promise<InstantResult>;
  /** Points at start, start + step, … ≤ end (both ends included, as in Prometheus). */
  range(query: string, start: Date, end: Date, stepSeconds: number): Promise<RangeResult>;
  labelValues(label: string, opts?: { match?: string[]; start?: Date; end?: Date }): Promise<string[]>;
  series(match: string[], opts?: { start?: Date; end?: Date }): Promise<Labels[]>;
  readonly stats: ClientStats;
  resetStats(): void;
}

export type PrometheusErrorKind =
  | "http"
  | "timeout"
  | "network"
  | "bad_data"
  | "invalid_response"
  /** the server answered, but marked the answer `isPartial` (some of its storage did not answer) */
  | "partial";

export class PrometheusError extends Error {
  readonly kind: PrometheusErrorKind;
  /** HTTP status when the server answered */
  readonly status?: number;
  /** Prometheus's `errorType` (bad_data, execution, timeout, internal, …) when the body carried one */
  readonly errorType?: string;
  /** the server's error text (Prometheus `error`, or the start of the body) */
  readonly serverError?: string;
  readonly query?: string;
  /** API endpoint, without credentials or query string */
  readonly endpoint: string;
  readonly attempts: number;

  constructor(init: {
    kind: PrometheusErrorKind;
    endpoint: string;
    attempts: number;
    detail: string;
    status?: number;
    errorType?: string;
    serverError?: string;
    query?: string;
    cause?: unknown;
  }) {
    const what = [init.kind, init.status !== undefined ? `HTTP ${init.status}` : "", init.errorType ?? ""]
      .filter(Boolean)
      .join(", ");
    const q = init.query !== undefined ? `; query: ${truncate(init.query, 300)}` : "";
    super(
      `Prometheus request to ${init.endpoint} failed (${what}) after ${init.attempts} attempt(s): ${init.detail}${q}`,
      init.cause !== undefined ? { cause: init.cause } : undefined,
    );
    this.name = "PrometheusError";
    this.kind = init.kind;
    this.endpoint = init.endpoint;
    this.attempts = init.attempts;
    if (init.status !== undefined) this.status = init.status;
    if (init.errorType !== undefined) this.errorType = init.errorType;
    if (init.serverError !== undefined) this.serverError = init.serverError;
    if (init.query !== undefined) this.query = init.query;
  }

  /** Whether the same request may succeed when tried again (5xx, 429, timeouts, network errors, partial answers). */
  get retryable(): boolean {
    if (this.kind === "timeout" || this.kind === "network" || this.kind === "partial") return true;
    return this.kind === "http" && this.status !== undefined && (this.status >= 500 || this.status === 429);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Response schemas

const sampleTuple = z.tuple([z.number(), z.string()]);
const labels = z.record(z.string(), z.string());
const queryData = z.discriminatedUnion("resultType", [
  z.object({
    resultType: z.literal("vector"),
    result: z.array(z.object({ metric: labels, value: sampleTuple })),
  }),
  z.object({
    resultType: z.literal("matrix"),
    result: z.array(z.object({ metric: labels, values: z.array(sampleTuple) })),
  }),
  z.object({ resultType: z.literal("scalar"), result: sampleTuple }),
  z.object({ resultType: z.literal("string"), result: sampleTuple }),
]);
/** What `sampleTuple` accepts, as a plain check (JSON has no NaN or Infinity). */
const isSample = (p: unknown): boolean =>
  Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && typeof p[1] === "string";
/**
 * The matrix branch of `queryData` with each series' points checked by one plain loop instead of a zod tuple
 * per point: a range answer holds up to 11 000 points a series, and zod spent about twice JSON.parse's time
 * on them (~100x this loop). Whatever it refuses goes through `queryData`, which says what is wrong.
 */
const plainMatrix = z.object({
  resultType: z.literal("matrix"),
  result: z.array(
    z.object({
      metric: labels,
      values: z.custom<[number, string][]>((v) => Array.isArray(v) && v.every(isSample)),
    }),
  ),
});
const statsSchema = z
  .object({ stats: z.object({ timings: z.object({ evalTotalTime: z.number() }).optional() }).optional() })
  .optional();

const errorBody = z.object({ status: z.literal("error"), errorType: z.string(), error: z.string() });

function successBody<T extends z.ZodType>(data: T) {
  return z.object({ status: z.literal("success"), data, warnings: z.array(z.string()).optional() });
}
const querySuccess = z.object({
  status: z.literal("success"),
  data: z.looseObject({ resultType: z.string() }),
  warnings: z.array(z.string()).optional(),
});
const stringsSuccess = successBody(z.array(z.string()));
const seriesSuccess = successBody(z.array(labels));

/** Prometheus sample value → number: "1", "0.5", "NaN", "+Inf", "-Inf", "1e-3". */
export function parseSampleValue(s: string): number {
  switch (s) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
  }
  const n = s.trim() === "" ? Number.NaN : Number(s);
  if (Number.isNaN(n)) throw new Error(`not a sample value: ${JSON.stringify(truncate(s, 50))}`);
  return n;
}

const toMs = (seconds: number) => Math.round(seconds * 1000);

/** `"isPartial": true` at the top of the answer (VictoriaMetrics) or in its data. */
function isPartialAnswer(json: unknown): boolean {
  if (typeof json !== "object" || json === null) return false;
  const j = json as { isPartial?: unknown; data?: { isPartial?: unknown } };
  return j.isPartial === true || (typeof j.data === "object" && j.data?.isPartial === true);
}

/**
 * Points sorted by time, each timestamp once (the first of equal ones kept). The chunks of a range query
 * never overlap and Prometheus answers each in time order, so the merged points are almost always in
 * order already: one pass checks that, and only points out of order pay for the sort and the copy.
 */
export function inTimeOrder(values: [number, number][]): [number, number][] {
  let ordered = true;
  for (let i = 1; i < values.length && ordered; i++) ordered = values[i]![0] > values[i - 1]![0];
  if (ordered) return values;
  values.sort((a, b) => a[0] - b[0]);
  return values.filter((p, i, all) => i === 0 || p[0] !== all[i - 1]![0]);
}

function labelKey(metric: Labels): string {
  return JSON.stringify(
    Object.keys(metric)
      .sort()
      .map((k) => [k, metric[k]]),
  );
}

// ---------------------------------------------------------------------------------------------------------

export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new Error(`invalid Prometheus URL ${JSON.stringify(safeUrl(options.url))}`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new Error(`Prometheus URL must be http(s), got ${base.protocol}`);
  }
  if (base.username || base.password) {
    throw new Error("Prometheus URL must not carry credentials: use the auth setting");
  }
  const baseUrl = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  /** the endpoint as errors show it: no credentials, no query string, one slash */
  const endpointOf = (path: string) => `${safeUrl(baseUrl).replace(/\/+$/, "")}${path}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 2;
  const delays = options.backoffMs ?? [200, 800];
  const maxPoints = options.maxPointsPerChunk ?? 10_000;
  const wantStats = options.queryStats ?? true;
  if (!(timeoutMs > 0)) throw new Error(`timeoutMs must be > 0, got ${timeoutMs}`);
  if (!Number.isInteger(retries) || retries < 0)
    throw new Error(`retries must be an integer >= 0, got ${retries}`);
  if (!Number.isInteger(maxPoints) || maxPoints < 1 || maxPoints > 11_000) {
    throw new Error(`maxPointsPerChunk must be an integer in 1..11000, got ${maxPoints}`);
  }
  const userAgent = options.userAgent ?? "sla-monitor";
  // A server (or proxy) may echo the request's Authorization header in an error body: the client never
  // repeats its own credentials, and quotes (and cuts) what the server said.
  const own = new Scrubber(authSecrets(options.auth));
  const stats: ClientStats = { queries: 0, bytes: 0, retries: 0, evalSeconds: 0 };

  /** One API call with retries; returns the parsed JSON of a 2xx answer. */
  async function call(
    path: string,
    params: URLSearchParams,
    method: "GET" | "POST",
    query: string | undefined,
  ): Promise<unknown> {
    const endpoint = endpointOf(path);
    const qs = params.toString();
    const url = method === "GET" && qs ? `${baseUrl}${path}?${qs}` : `${baseUrl}${path}`;
    const body = method === "POST" ? qs : undefined;
    const baseHeaders: Record<string, string> = { accept: "application/json", "user-agent": userAgent };
    if (body !== undefined) baseHeaders["content-type"] = "application/x-www-form-urlencoded";
    stats.queries++;
    const fail = (
      attempts: number,
      init: Omit<ConstructorParameters<typeof PrometheusError>[0], "endpoint" | "attempts" | "query">,
    ) => new PrometheusError({ ...init, endpoint, attempts, ...(query !== undefined ? { query } : {}) });

    for (let attempt = 1; ; attempt++) {
      let error: PrometheusError;
      try {
        const headers = await signRequest(options.auth, {
          method,
          url,
          headers: baseHeaders,
          ...(body !== undefined ? { body } : {}),
        }).catch((e: unknown) => {
          // configuration or credential problem: retrying will not help
          throw new Error(`cannot sign the request to ${endpoint}: ${(e as Error).message}`, { cause: e });
        });
        const res = await send({
          url,
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          timeoutMs,
        });
        stats.bytes += res.body.length;
        const text = res.body.toString("utf8");
        let json: unknown;
        let jsonOk = true;
        try {
          json = JSON.parse(text);
        } catch {
          jsonOk = false;
        }
        const ok = res.status >= 200 && res.status < 300;
        const apiError = jsonOk ? errorBody.safeParse(json) : undefined;
        const partial = jsonOk && !options.acceptPartial && isPartialAnswer(json);
        if (ok && jsonOk && !apiError?.success && !partial) return json;
        if (ok && partial) {
          error = fail(attempt, {
            kind: "partial",
            status: res.status,
            detail:
              'the server marked its answer partial ("isPartial": true: some of its storage did not answer), ' +
              "so it is not taken as complete data",
          });
        } else if (apiError?.success) {
          const { errorType } = apiError.data;
          const message = own.scrub(apiError.data.error);
          error = fail(attempt, {
            kind: errorType === "bad_data" ? "bad_data" : ok ? "invalid_response" : "http",
            status: res.status,
            errorType: truncate(own.scrub(errorType), 100),
            serverError: truncate(message, 500),
            detail: quoteUntrusted(message, { scrubber: own }),
          });
        } else if (ok) {
          error = fail(attempt, {
            kind: "invalid_response",
            status: res.status,
            detail: `response is not JSON: ${quoteUntrusted(text, { scrubber: own })}`,
          });
        } else {
          const said = own.scrub(text.trim());
          error = fail(attempt, {
            kind: "http",
            status: res.status,
            ...(said ? { serverError: truncate(said, 500) } : {}),
            detail: said ? quoteUntrusted(said, { scrubber: own }) : "(empty body)",
          });
        }
      } catch (e) {
        if (!(e instanceof HttpFailure)) throw e;
        error = fail(attempt, { kind: e.kind, detail: e.message, cause: e.cause });
      }
      if (!error.retryable || attempt > retries) throw error;
      stats.retries++;
      await sleep(backoff(delays, attempt));
    }
  }

  function parse<T extends z.ZodType>(
    schema: T,
    json: unknown,
    path: string,
    query: string | undefined,
  ): z.infer<T> {
    const r = schema.safeParse(json);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    throw new PrometheusError({
      kind: "invalid_response",
      endpoint: endpointOf(path),
      attempts: 1,
      status: 200,
      detail: `unexpected response shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
      ...(query !== undefined ? { query } : {}),
    });
  }

  function invalidValue(path: string, query: string, e: unknown): PrometheusError {
    return new PrometheusError({
      kind: "invalid_response",
      endpoint: endpointOf(path),
      attempts: 1,
      status: 200,
      detail: (e as Error).message,
      query,
    });
  }

  /** query or query_range → validated data, warnings, stats */
  async function runQuery(path: string, params: URLSearchParams, query: string) {
    if (wantStats) params.set("stats", "all");
    const json = await call(path, params, "POST", query);
    const body = parse(querySuccess, json, path, query);
    const plain = body.data.resultType === "matrix" ? plainMatrix.safeParse(body.data) : undefined;
    const data = plain?.success ? plain.data : parse(queryData, body.data, path, query);
    const st = statsSchema.safeParse(body.data);
    const evalTotal = st.success ? st.data?.stats?.timings?.evalTotalTime : undefined;
    if (evalTotal !== undefined) stats.evalSeconds += evalTotal;
    return {
      data,
      warnings: body.warnings ?? [],
      ...(evalTotal !== undefined ? { stats: { evalSeconds: evalTotal } } : {}),
    };
  }

  function toSeries(path: string, query: string, s: { metric: Labels; values: [number, string][] }) {
    try {
      return {
        metric: s.metric,
        values: s.values.map(([t, v]): [number, number] => [toMs(t), parseSampleValue(v)]),
      };
    } catch (e) {
      throw invalidValue(path, query, e);
    }
  }

  async function instant(query: string, time?: Date): Promise<InstantResult> {
    const path = "/api/v1/query";
    const params = new URLSearchParams({ query });
    if (time) params.set("time", formatTimestamp(time));
    const { data, warnings, stats: st } = await runQuery(path, params, query);
    const common = { warnings, ...(st ? { stats: st } : {}) };
    try {
      switch (data.resultType) {
        case "vector":
          return {
            resultType: "vector",
            result: data.result.map((s) => ({
              metric: s.metric,
              value: parseSampleValue(s.value[1]),
              timestampMs: toMs(s.value[0]),
            })),
            ...common,
          };
        case "scalar":
          return {
            resultType: "scalar",
            result: [
              { metric: {}, value: parseSampleValue(data.result[1]), timestampMs: toMs(data.result[0]) },
            ],
            ...common,
          };
        case "matrix":
          return {
            resultType: "matrix",
            result: [],
            matrix: data.result.map((s) => toSeries(path, query, s)),
            ...common,
          };
        case "string":
          return { resultType: "string", result: [], string: data.result[1], ...common };
      }
    } catch (e) {
      if (e instanceof PrometheusError) throw e;
      throw invalidValue(path, query, e);
    }
  }

  async function range(query: string, start: Date, end: Date, stepSeconds: number): Promise<RangeResult> {
    const path = "/api/v1/query_range";
    const startMs = start.getTime();
    const endMs = end.getTime();
    const stepMs = Math.round(stepSeconds * 1000);
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs))
      throw new Error("range: invalid start or end date");
    if (endMs < startMs) {
      throw new Error(`range: end ${end.toISOString()} is before start ${start.toISOString()}`);
    }
    if (!(stepMs >= 1)) throw new Error(`range: step must be at least 1 ms, got ${stepSeconds} s`);

    const merged = new Map<string, MatrixSeries>();
    const warnings = new Set<string>();
    let evalSeconds: number | undefined;
    let chunks = 0;
    // Chunk i holds the points s, s + step, …, s + (maxPoints - 1)·step (≤ end); the next chunk starts one
    // step after the last point of this one, so no point is fetched twice and the union is exactly the
    // points a single query would have returned.
    for (let s = startMs; s <= endMs; s += maxPoints * stepMs) {
      const e = Math.min(s + (maxPoints - 1) * stepMs, endMs);
      const params = new URLSearchParams({
        query,
        start: formatTimestamp(s),
        end: formatTimestamp(e),
        step: formatTimestamp(stepMs),
      });
      const r = await runQuery(path, params, query);
      chunks++;
      if (r.data.resultType !== "matrix") {
        throw new PrometheusError({
          kind: "invalid_response",
          endpoint: endpointOf(path),
          attempts: 1,
          status: 200,
          detail: `query_range answered resultType ${r.data.resultType}, expected matrix`,
          query,
        });
      }
      for (const w of r.warnings) warnings.add(w);
      if (r.stats) evalSeconds = (evalSeconds ?? 0) + r.stats.evalSeconds;
      for (const raw of r.data.result) {
        const series = toSeries(path, query, raw);
        const key = labelKey(series.metric);
        const prev = merged.get(key);
        if (prev) prev.values.push(...series.values);
        else merged.set(key, series);
      }
    }
    const result = [...merged.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => {
        s.values = inTimeOrder(s.values);
        return s;
      });
    return {
      resultType: "matrix",
      result,
      warnings: [...warnings],
      chunks,
      ...(evalSeconds !== undefined ? { stats: { evalSeconds } } : {}),
    };
  }

  async function labelValues(
    label: string,
    opts: { match?: string[]; start?: Date; end?: Date } = {},
  ): Promise<string[]> {
    if (!isValidLabelName(label)) throw new Error(`invalid label name ${JSON.stringify(label)}`);
    const path = `/api/v1/label/${label}/values`;
    const params = new URLSearchParams();
    for (const m of opts.match ?? []) params.append("match[]", m);
    if (opts.start) params.set("start", formatTimestamp(opts.start));
    if (opts.end) params.set("end", formatTimestamp(opts.end));
    const json = await call(path, params, "GET", opts.match?.join(", "));
    return parse(stringsSuccess, json, path, undefined).data;
  }

  async function series(match: string[], opts: { start?: Date; end?: Date } = {}): Promise<Labels[]> {
    if (match.length === 0) throw new Error("series: at least one match[] selector is required");
    const path = "/api/v1/series";
    const params = new URLSearchParams();
    for (const m of match) params.append("match[]", m);
    if (opts.start) params.set("start", formatTimestamp(opts.start));
    if (opts.end) params.set("end", formatTimestamp(opts.end));
    const json = await call(path, params, "POST", match.join(", "));
    return parse(seriesSuccess, json, path, undefined).data;
  }

  return {
    instant,
    range,
    labelValues,
    series,
    get stats() {
      return { ...stats };
    },
    resetStats() {
      stats.queries = 0;
      stats.bytes = 0;
      stats.retries = 0;
      stats.evalSeconds = 0;
    },
  };
}
