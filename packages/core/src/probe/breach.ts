/**
 * Breach state machine (pure). One alert per state change, never a storm:
 * - DOWN after `downAfter` consecutive failures, RECOVERED after `recoverAfter` consecutive successes;
 * - DEGRADED after `downAfter` consecutive slow answers (latency >= warn), back to normal after
 *   `recoverAfter` answers under the warning threshold;
 * - TLS expiring: once when the earliest certificate in the chain gets closer than `tlsWarnDays`;
 * - an inconclusive outcome (the monitor's own overload) counts for nothing: the consecutive counters keep
 *   their values, so it neither breaks nor extends a run of failures or successes.
 *
 * Events are written into the state itself (`pending`) in the same conditional write as the transition,
 * claimed by the run that created them; they leave the state only once published. A run that dies after
 * the write leaves them pending, and the next run whose lease check passes publishes them: nothing is lost,
 * and two overlapping runs cannot both publish (the claim is part of the conditional write).
 *
 * `targets` maps have no prototype (a target called `constructor` or `__proto__` is an entry like any other);
 * `parseBreachState` checks the shape of a stored state and throws on anything else.
 */
import * as z from "zod";

export interface ProbeOutcome {
  target: string;
  success: boolean;
  degraded: "ok" | "warn" | "crit";
  cause: string | null;
  causeDetail?: string;
  durationMs: number;
  status: number | null;
  tls?: { daysToEarliestExpiry: number; earliestExpiry: string };
  /**
   * The monitor's own overload, not an answer of the target (probe/overload.ts): neither a failure nor a
   * success. Nothing moves (no counter, no health change, no event); a target seen for the first time is
   * recorded as "unknown".
   */
  inconclusive?: boolean;
}

export type Health = "unknown" | "up" | "down";

export interface TargetState {
  health: Health;
  /** since when the current health holds (ISO) */
  since: string;
  failures: number;
  successes: number;
  degraded: boolean;
  slow: number;
  fast: number;
  tlsWarned: boolean;
  lastCause?: string | null;
}

export type BreachEventType =
  | "down"
  | "recovered"
  | "degraded"
  | "latency-normal"
  | "tls-expiring"
  /** the monitor's own: the stored state was unreadable and started afresh */
  | "state-reset";

export interface BreachEvent {
  id: string;
  type: BreachEventType;
  kind: "breach" | "recovery" | "alert";
  severity: "critical" | "warning" | "info";
  target: string;
  at: string;
  detail: string;
  /** for recoveries: how long the target was down/degraded, minutes */
  durationMinutes?: number;
  claimedBy?: string;
  claimedUntil?: string;
}

export interface BreachState {
  version: 1;
  updatedAt: string;
  targets: Record<string, TargetState>;
  pending: BreachEvent[];
}

export interface BreachPolicy {
  downAfter: number;
  recoverAfter: number;
  tlsWarnDays: number;
}

export const emptyState = (now: Date): BreachState => ({
  version: 1,
  updatedAt: now.toISOString(),
  targets: Object.create(null) as Record<string, TargetState>,
  pending: [],
});

/** A copy of `rec` without a prototype: a key like `__proto__` or `constructor` is an own entry, nothing more. */
function nullProto<V>(rec: Record<string, V>): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  for (const [k, v] of Object.entries(rec)) out[k] = v;
  return out;
}

/** structuredClone gives plain objects back; the targets map keeps no prototype. */
function cloneState(s: BreachState): BreachState {
  const copy = structuredClone(s);
  copy.targets = nullProto(copy.targets);
  return copy;
}

const count = z.number().int().nonnegative();
const TargetStateSchema = z.object({
  health: z.enum(["unknown", "up", "down"]),
  since: z.string(),
  failures: count,
  successes: count,
  degraded: z.boolean(),
  slow: count,
  fast: count,
  tlsWarned: z.boolean(),
  lastCause: z.string().nullable().optional(),
});
const BreachEventSchema = z.object({
  id: z.string(),
  type: z.enum(["down", "recovered", "degraded", "latency-normal", "tls-expiring", "state-reset"]),
  kind: z.enum(["breach", "recovery", "alert"]),
  severity: z.enum(["critical", "warning", "info"]),
  target: z.string(),
  at: z.string(),
  detail: z.string(),
  durationMinutes: z.number().optional(),
  claimedBy: z.string().optional(),
  claimedUntil: z.string().optional(),
});
const BreachStateSchema = z.object({
  version: z.literal(1),
  updatedAt: z.string(),
  // zod leaves a `__proto__` key out of a record's output: a plain record is read, rebuilt below
  targets: z.record(z.string(), z.unknown()),
  pending: z.array(BreachEventSchema),
});

/**
 * Parses a stored breach state (JSON text). Throws `SyntaxError` for text that is not JSON and `Error`
 * naming the first problems (paths and expectations, never values) for JSON of another shape.
 */
export function parseBreachState(text: string): BreachState {
  const raw: unknown = JSON.parse(text);
  const problems: string[] = [];
  const parsed = BreachStateSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push(`${i.path.join(".") || "(top level)"}: ${i.message}`);
  }
  const targets = Object.create(null) as Record<string, TargetState>;
  const rawTargets = (raw as { targets?: unknown } | null)?.targets;
  if (parsed.success && rawTargets && typeof rawTargets === "object") {
    for (const [name, value] of Object.entries(rawTargets)) {
      const t = TargetStateSchema.safeParse(value);
      if (t.success) targets[name] = t.data;
      else
        for (const i of t.error.issues) problems.push(`targets.${[name, ...i.path].join(".")}: ${i.message}`);
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new Error(
      `${problems.slice(0, 3).join("; ")}${problems.length > 3 ? ` (+${problems.length - 3} more)` : ""}`,
    );
  }
  return { ...parsed.data, targets };
}

const minutesBetween = (a: string, b: Date) => Math.round((b.getTime() - Date.parse(a)) / 60_000);

/** Applies one run's outcomes. Returns the new state and the events this run created (and claimed). */
export function applyOutcomes(
  prev: BreachState | null,
  outcomes: ProbeOutcome[],
  policy: BreachPolicy,
  ctx: { now: Date; runId: string; leaseMs: number },
): { state: BreachState; events: BreachEvent[] } {
  const state: BreachState = prev ? cloneState(prev) : emptyState(ctx.now);
  const at = ctx.now.toISOString();
  const claimedUntil = new Date(ctx.now.getTime() + ctx.leaseMs).toISOString();
  const events: BreachEvent[] = [];
  const emit = (e: Omit<BreachEvent, "id" | "at" | "claimedBy" | "claimedUntil">) => {
    const ev: BreachEvent = {
      ...e,
      id: `${e.target}:${e.type}:${at}`,
      at,
      claimedBy: ctx.runId,
      claimedUntil,
    };
    events.push(ev);
  };
  for (const o of outcomes) {
    const t: TargetState = state.targets[o.target] ?? {
      health: "unknown",
      since: at,
      failures: 0,
      successes: 0,
      degraded: false,
      slow: 0,
      fast: 0,
      tlsWarned: false,
    };
    if (o.inconclusive) {
      state.targets[o.target] = t;
      continue;
    }
    if (o.success) {
      t.successes++;
      t.failures = 0;
      if (t.health === "down" && t.successes >= policy.recoverAfter) {
        emit({
          type: "recovered",
          kind: "recovery",
          severity: "info",
          target: o.target,
          detail: `${o.target} is up again after ${minutesBetween(t.since, ctx.now)} min (HTTP ${o.status ?? "?"}, ${Math.round(o.durationMs)} ms)`,
          durationMinutes: minutesBetween(t.since, ctx.now),
        });
        t.health = "up";
        t.since = at;
      } else if (t.health === "unknown") {
        t.health = "up";
        t.since = at;
      }
      // latency, judged on successful answers only
      if (o.degraded === "ok") {
        t.fast++;
        t.slow = 0;
        if (t.degraded && t.fast >= policy.recoverAfter) {
          t.degraded = false;
          emit({
            type: "latency-normal",
            kind: "recovery",
            severity: "info",
            target: o.target,
            detail: `${o.target} answers within its latency thresholds again (${Math.round(o.durationMs)} ms)`,
          });
        }
      } else {
        t.slow++;
        t.fast = 0;
        if (!t.degraded && t.slow >= policy.downAfter) {
          t.degraded = true;
          emit({
            type: "degraded",
            kind: "breach",
            severity: o.degraded === "crit" ? "critical" : "warning",
            target: o.target,
            detail: `${o.target} is slow: ${Math.round(o.durationMs)} ms for ${t.slow} consecutive probes (${o.degraded} threshold)`,
          });
        }
      }
    } else {
      t.failures++;
      t.successes = 0;
      t.lastCause = o.cause;
      if (t.health !== "down" && t.failures >= policy.downAfter) {
        emit({
          type: "down",
          kind: "breach",
          severity: "critical",
          target: o.target,
          detail: `${o.target} is DOWN: ${t.failures} consecutive failures, last cause ${o.cause ?? "unknown"}${o.causeDetail ? ` (${o.causeDetail})` : ""}`,
        });
        t.health = "down";
        t.since = at;
      }
    }
    if (o.tls) {
      if (o.tls.daysToEarliestExpiry < policy.tlsWarnDays && !t.tlsWarned) {
        t.tlsWarned = true;
        emit({
          type: "tls-expiring",
          kind: "alert",
          severity: o.tls.daysToEarliestExpiry < 3 ? "critical" : "warning",
          target: o.target,
          detail: `${o.target}: a certificate in the chain expires ${o.tls.earliestExpiry} (in ${Math.floor(o.tls.daysToEarliestExpiry)} days)`,
        });
      } else if (o.tls.daysToEarliestExpiry >= policy.tlsWarnDays) {
        t.tlsWarned = false; // renewed: warn again next time
      }
    }
    state.targets[o.target] = t;
  }
  state.pending.push(...events);
  state.updatedAt = at;
  return { state, events };
}

/** Claims pending events whose previous claim expired (their run died before publishing). */
export function claimStale(
  prev: BreachState,
  ctx: { now: Date; runId: string; leaseMs: number },
): { state: BreachState; claimed: BreachEvent[] } {
  const state = cloneState(prev);
  const claimed: BreachEvent[] = [];
  const until = new Date(ctx.now.getTime() + ctx.leaseMs).toISOString();
  for (const e of state.pending) {
    if (!e.claimedUntil || Date.parse(e.claimedUntil) <= ctx.now.getTime()) {
      e.claimedBy = ctx.runId;
      e.claimedUntil = until;
      claimed.push({ ...e });
    }
  }
  return { state, claimed };
}

/** Removes published events; releases the claim of events that failed to publish so a later run retries. */
export function settle(prev: BreachState, published: string[], failed: string[]): BreachState {
  const state = cloneState(prev);
  state.pending = state.pending
    .filter((e) => !published.includes(e.id))
    .map((e) => (failed.includes(e.id) ? { ...e, claimedUntil: new Date(0).toISOString() } : e));
  return state;
}
