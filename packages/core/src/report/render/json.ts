/**
 * Canonical JSON of a report document: keys in the order of the model (model.ts), 2-space indent, trailing
 * newline, floats rounded by `round` without changing their meaning (see format.ts): ratios to 6 decimals,
 * minutes and budget amounts to 2, burn rates to 4. null stays null; absent optional fields stay absent.
 * Fields not in the model (added by a newer producer) are kept after the known ones, in sorted key order.
 */
import type {
  Breach,
  DailyPoint,
  ErrorBudgetReport,
  IncidentReport,
  QuantileFigure,
  ReportDocument,
  SloReport,
} from "../model.js";
import { round } from "./format.js";

type Fields<T> = { [K in keyof T]-?: (value: T[K]) => unknown };

/**
 * Rebuilds `obj` with its keys in the order of `fields` (the mapped type makes TypeScript fail here when the
 * model gains a field nobody placed), then any unknown keys sorted. Undefined values are dropped.
 */
function ordered<T extends object>(obj: T, fields: Fields<T>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const src = obj as Record<string, unknown>;
  const known = fields as Record<string, (v: unknown) => unknown>;
  for (const key of Object.keys(known)) {
    if (src[key] === undefined) continue;
    const v = known[key]!(src[key]);
    if (v !== undefined) out[key] = v;
  }
  for (const key of Object.keys(src).sort()) {
    if (!(key in known) && src[key] !== undefined) out[key] = src[key];
  }
  return out;
}

const same = <V>(v: V) => v;
const byKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const ratio =
  (pivots: readonly number[] = []) =>
  (v: number | null | undefined) =>
    round(v, 6, [0, 1, ...pivots]);
const minutes = (v: number | null | undefined) => round(v, 2, [0]);
const list =
  <T>(f: (x: T) => unknown) =>
  (v: T[]) =>
    Array.isArray(v) ? v.map(f) : v;

/**
 * The budget as written: allowed and consumed to 2 decimals (more where needed to keep consumed on its side
 * of allowed), and `remaining` = 1 − consumed/allowed computed from those two written figures, then rounded
 * to 6 decimals, so the JSON agrees with itself; `overagePercent` likewise (the overspent share of allowed).
 * A document whose remaining disagrees in sign with its own figures keeps its remaining (rounded).
 */
export function writtenBudget(b: ErrorBudgetReport): {
  allowed: number;
  consumed: number;
  remaining: number | null;
  overagePercent: number;
} {
  const plain = {
    allowed: round(b.allowed, 2, [0]),
    consumed: round(b.consumed, 2, [0, b.allowed]),
    remaining: round(b.remaining, 6, [0, 1]),
    overagePercent: round(b.overagePercent, 2, [0]),
  };
  if (b.remaining === null || !Number.isFinite(b.remaining) || !(b.allowed > 0)) return plain;
  // exactly spent (within the budget's float tolerance): both figures are the allowed one
  const allowed = b.remaining === 0 ? plain.allowed : round(b.allowed, 2, [0, b.consumed]);
  const consumed = b.remaining === 0 ? allowed : round(b.consumed, 2, [0, allowed]);
  const remaining = round(1 - consumed / allowed, 6, [0, 1]);
  if (Math.sign(remaining) !== Math.sign(b.remaining)) return plain;
  const overagePercent = remaining < 0 ? round(((consumed - allowed) / allowed) * 100, 2, [0]) : 0;
  return { allowed, consumed, remaining, overagePercent };
}

function budget(b: ErrorBudgetReport): Record<string, unknown> {
  const w = writtenBudget(b);
  return ordered(b, {
    unit: same,
    allowed: () => w.allowed,
    consumed: () => w.consumed,
    remaining: () => w.remaining,
    overagePercent: () => w.overagePercent,
  });
}

function incident(i: IncidentReport): Record<string, unknown> {
  return ordered(i, { start: same, end: same, minutes });
}

function slo(s: SloReport): Record<string, unknown> {
  const vsObjective = ratio([s.objective]);
  const day = (d: DailyPoint) =>
    ordered(d, { date: same, attainment: vsObjective, bad: minutes, missing: minutes });
  return ordered(s, {
    name: same,
    service: same,
    description: same,
    objective: (v) => round(v, 6, [0, 1]),
    sliType: same,
    userDefined: same,
    attainment: vsObjective,
    status: same,
    reason: same,
    errorBudget: budget,
    downtimeMinutes: minutes,
    coverage: ratio(),
    burnRate: (v) => round(v, 4, [0, 1]),
    forecast: (f) => f && ordered(f, { exhaustsAt: same, withinWindow: same }),
    incidents: list(incident),
    daily: list(day),
    maintenanceMinutes: minutes,
    maintenance: list((m: SloReport["maintenance"][number]) =>
      ordered(m, { start: same, end: same, reason: same }),
    ),
    missingData: same,
    series: (x) => x && ordered(x, { count: same, downWhen: same }),
    previous: (p) => p && ordered(p, { period: same, attainment: vsObjective, status: same }),
    method: same,
    queries: same,
  });
}

function quantile(q: QuantileFigure): Record<string, unknown> {
  return ordered(q, {
    name: same,
    service: same,
    quantile: (v) => round(v, 6, [0, 1]),
    valueSeconds: (v) => round(v, 6, q.targetSeconds === undefined ? [0] : [0, q.targetSeconds]),
    targetSeconds: (v) => round(v, 6, [0]),
    status: same,
    query: same,
  });
}

function breach(b: Breach): Record<string, unknown> {
  return ordered(b, { slo: same, service: same, kind: same, severity: same, detail: same });
}

/** The document as a plain object in canonical key order with rounded floats (what `renderJson` prints). */
export function canonicalReport(doc: ReportDocument): Record<string, unknown> {
  return ordered(doc, {
    schemaVersion: same,
    kind: same,
    period: same,
    window: (w) => ordered(w, { start: same, end: same, timeZone: same, hours: (v) => round(v, 4) }),
    generatedAt: same,
    partial: same,
    source: (s) => ordered(s, { prometheus: same }),
    summary: (s) => ordered(s, { total: same, met: same, missed: same, unknown: same }),
    slos: list(slo),
    quantiles: list(quantile),
    breaches: list(breach),
    errors: list((e) => ordered(e, { slo: same, part: same, error: same, rejected: same })),
    location: (l) =>
      l &&
      ordered(l, {
        base: same,
        files: (f) => (f && typeof f === "object" ? Object.fromEntries(Object.entries(f).sort(byKey)) : f),
      }),
  });
}

/** Canonical JSON text: stable key order, 2-space indent, trailing newline. */
export function renderJson(doc: ReportDocument): string {
  return `${JSON.stringify(canonicalReport(doc), null, 2)}\n`;
}
