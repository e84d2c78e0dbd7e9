/**
 * The one I/O step of a report: runs a plan's queries (plan.ts) against a `QueryApi` (the Prometheus client)
 * and returns every answer keyed by query id. Errors are data: a failed query is a `failed` result naming
 * the error and whether Prometheus refused it (4xx: a configuration error), never a throw.
 *
 * - Bounded concurrency: at most `concurrency` groups (an SLO's queries, or one latency figure's) in
 *   progress at once, and at most `maxInFlight` queries in flight. Among the queries ready to run, the one
 *   earliest in the plan goes first, so SLOs are completed in plan order (a Prometheus that dies halfway
 *   leaves the first SLOs complete, not every SLO half-done).
 * - A query runs only once every query it waits for (`after`) succeeded: an SLO stops at its first failed
 *   round and never goes on to its detail queries. A query with `onlyIf` runs only when that earlier answer
 *   has more series than the bound (the per-interval query of a previous period with several series).
 *   Queries that do not run are `skipped`.
 * - Retries: the client's (5xx, 429, timeouts, network errors, partial answers are retried with backoff; other
 *   4xx never). This step does not retry again, so a query is sent at most `retries + 1` times.
 */
import type { PlannedQuery, QueryId } from "./plan.js";

/** What the report needs from a Prometheus client. */
export interface QueryApi {
  instant(query: string, time?: Date): Promise<{ result: InstantSample[]; warnings: string[] }>;
  range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
  ): Promise<{ result: RangeSeries[]; warnings: string[] }>;
}
export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}
export interface RangeSeries {
  metric: Record<string, string>;
  values: [number /* ms */, number][];
}

export type QueryResult =
  | { status: "ok"; kind: "instant"; samples: InstantSample[]; warnings: string[] }
  | { status: "ok"; kind: "range"; series: RangeSeries[]; warnings: string[] }
  /** the query was sent and failed; `rejected`: Prometheus refused it (a configuration error) */
  | { status: "failed"; error: string; rejected: boolean }
  /** not sent: a query it waits for did not succeed, or its `onlyIf` condition did not hold */
  | { status: "skipped" };

export type QueryResults = ReadonlyMap<QueryId, QueryResult>;

/** Groups (SLOs) in progress at once by default. */
export const DEFAULT_FETCH_CONCURRENCY = 4;
/** Queries in flight at once by default. */
export const DEFAULT_MAX_IN_FLIGHT = 16;

/**
 * Prometheus refused the query itself (400 bad_data, or another 4xx but 408/429): asking again fails the
 * same way, so it is a configuration problem, not an unavailable server. Read from the client's
 * `PrometheusError` fields (`kind`, `status`) without depending on the client.
 */
export function rejectedByPrometheus(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const { kind, status } = e as { kind?: unknown; status?: unknown };
  if (kind === "bad_data") return true;
  return (
    kind === "http" &&
    typeof status === "number" &&
    status >= 400 &&
    status < 500 &&
    status !== 408 &&
    status !== 429
  );
}

async function runOne(api: QueryApi, q: PlannedQuery): Promise<QueryResult> {
  try {
    if (q.kind === "instant") {
      const r = await api.instant(q.promql);
      return { status: "ok", kind: "instant", samples: r.result, warnings: r.warnings };
    }
    const r = await api.range(q.promql, q.start, q.end, q.stepSeconds);
    return { status: "ok", kind: "range", series: r.result, warnings: r.warnings };
  } catch (e) {
    return {
      status: "failed",
      error: e instanceof Error ? e.message : String(e),
      rejected: rejectedByPrometheus(e),
    };
  }
}

/** Series in an answer (instant samples or range series); 0 for anything but a success. */
export function seriesIn(r: QueryResult | undefined): number {
  if (r?.status !== "ok") return 0;
  return r.kind === "instant" ? r.samples.length : r.series.length;
}

const prerequisites = (q: PlannedQuery): QueryId[] => [
  ...(q.after ?? []),
  ...(q.onlyIf ? [q.onlyIf.in] : []),
];

export async function fetchPlan(
  queries: readonly PlannedQuery[],
  api: QueryApi,
  opts: { concurrency?: number; maxInFlight?: number } = {},
): Promise<Map<QueryId, QueryResult>> {
  const groupLimit = Math.max(1, opts.concurrency ?? DEFAULT_FETCH_CONCURRENCY);
  const limit = Math.max(1, opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  const order = new Map(queries.map((q, i) => [q.id, i] as const));
  /** per query: prerequisites without a result yet; per query id: the queries waiting for it */
  const blockers = new Map<QueryId, number>();
  const dependents = new Map<QueryId, PlannedQuery[]>();
  /** per group: queries without a result yet; a group is open from its first start until then */
  const unsettled = new Map<string, number>();
  for (const q of queries) {
    const deps = new Set(prerequisites(q));
    for (const dep of deps) {
      const i = order.get(dep);
      if (i === undefined || i >= order.get(q.id)!) {
        throw new Error(`plan: query ${q.id} waits for ${dep}, which is not planned before it`);
      }
      dependents.set(dep, [...(dependents.get(dep) ?? []), q]);
    }
    blockers.set(q.id, deps.size);
    unsettled.set(q.group, (unsettled.get(q.group) ?? 0) + 1);
  }
  const results = new Map<QueryId, QueryResult>();
  const open = new Set<string>();
  /** ready to run, in plan order */
  const ready: PlannedQuery[] = [];
  const enqueue = (q: PlannedQuery) => {
    const i = order.get(q.id)!;
    let lo = 0;
    let hi = ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order.get(ready[mid]!.id)! < i) lo = mid + 1;
      else hi = mid;
    }
    ready.splice(lo, 0, q);
  };
  /** Records a result and releases the queries that waited for it (run, or skipped). */
  const settle = (q: PlannedQuery, r: QueryResult) => {
    results.set(q.id, r);
    const left = unsettled.get(q.group)! - 1;
    unsettled.set(q.group, left);
    if (left === 0) open.delete(q.group);
    for (const d of dependents.get(q.id) ?? []) {
      const n = blockers.get(d.id)! - 1;
      blockers.set(d.id, n);
      if (n > 0) continue;
      const blocked = prerequisites(d).some((id) => results.get(id)!.status !== "ok");
      const condition = !d.onlyIf || seriesIn(results.get(d.onlyIf.in)) > d.onlyIf.seriesMoreThan;
      if (blocked || !condition) settle(d, { status: "skipped" });
      else enqueue(d);
    }
  };
  for (const q of queries) if (blockers.get(q.id) === 0) ready.push(q);
  let inFlight = 0;

  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inFlight < limit) {
        // the earliest ready query of an open group, or of a new group while fewer than the limit are open
        const i = ready.findIndex((q) => open.has(q.group) || open.size < groupLimit);
        if (i < 0) break;
        const q = ready.splice(i, 1)[0]!;
        open.add(q.group);
        inFlight++;
        void runOne(api, q).then((r) => {
          inFlight--;
          settle(q, r);
          pump();
        });
      }
      if (inFlight === 0 && ready.length === 0) resolve();
    };
    pump();
  });
  return results;
}
