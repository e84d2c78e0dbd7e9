/**
 * Pure reconstruction of a probe SLI's detail from per-interval samples: daily counts, incidents and the
 * part of the window inside maintenance. A slot is one probe interval starting at `start + k * step`; the
 * per-slot figures live in arrays indexed by k (a month of 1-minute intervals is ~45 000 slots: typed arrays
 * instead of Maps keyed by millisecond timestamps).
 */
import { type DownWhen, intervalDown } from "../slo/sli.js";
import type { DayWindow } from "../slo/windows.js";
import type { IncidentReport } from "./model.js";

/** The probe intervals of a span: slot k starts at `start + k * stepMs`, for 0 <= k < count. */
export interface SlotGrid {
  /** ms */
  start: number;
  stepMs: number;
  count: number;
}

/** The slots starting in [start, end). */
export function slotGrid(start: Date, end: Date, stepMs: number): SlotGrid {
  const s = start.getTime();
  return { start: s, stepMs, count: Math.max(0, Math.ceil((end.getTime() - s) / stepMs)) };
}

/** The index of the slot starting at `t`, or -1 when no slot of the grid starts at `t`. */
export function slotIndex(grid: SlotGrid, t: number): number {
  const k = (t - grid.start) / grid.stepMs;
  return Number.isInteger(k) && k >= 0 && k < grid.count && grid.start + k * grid.stepMs === t ? k : -1;
}

/** Per probe interval: series with a sample in it, and how many of those failed. */
export interface IntervalCounts {
  present: number;
  failed: number;
}

/** The per-interval counts of a grid, by slot index; points that start no slot of the grid kept apart. */
export interface GridCounts {
  grid: SlotGrid;
  present: Float64Array;
  failed: Float64Array;
  /** by interval start: points off the grid (not aligned to it, or outside the span) */
  offGrid: Map<number, IntervalCounts>;
}

export function emptyGridCounts(grid: SlotGrid): GridCounts {
  return {
    grid,
    present: new Float64Array(grid.count),
    failed: new Float64Array(grid.count),
    offGrid: new Map(),
  };
}

/**
 * Wall-clock slots: a slot with at least one sample is present (one unit, whatever the number of series)
 * and good unless the rule says it is down; 0 in both arrays for a slot without any sample (missing data).
 */
export interface WallClockSlots {
  grid: SlotGrid;
  /** 1: some series has a sample in the slot */
  present: Uint8Array;
  /** 1: present and not down */
  good: Uint8Array;
  /** present and good slots among the points off the grid: they count in the totals, never in the detail */
  offGrid: { present: number; good: number };
}

export interface MaintenanceInterval {
  start: Date;
  end: Date;
  reason: string;
}

export interface DayCounts {
  date: string;
  expected: number;
  present: number;
  good: number;
  maintenance: { expected: number; present: number; good: number };
}

export interface ProbeDetail {
  days: DayCounts[];
  maintenance: { expected: number; present: number; good: number };
  incidents: IncidentReport[];
  /** failed slots outside maintenance (one per failing series), in slots */
  failedSlots: number;
}

/**
 * @param slots per slot of the grid of [start, end) by `stepMs`: series with a sample, and of those good
 *   (absent: every slot missing)
 * @param seriesCount series expected in every slot
 * @param toIso formats an instant in the report's zone
 */
export function probeDetail(input: {
  start: Date;
  end: Date;
  stepMs: number;
  slots?: { present: ArrayLike<number>; good: ArrayLike<number> };
  seriesCount: number;
  days: DayWindow[];
  maintenance: MaintenanceInterval[];
  toIso: (d: Date) => string;
}): ProbeDetail {
  const { stepMs, slots, seriesCount } = input;
  const maint = input.maintenance.map((m) => [m.start.getTime(), m.end.getTime()] as const);
  const inMaintenance = (t: number) => {
    for (const [s, e] of maint) if (t >= s && t < e) return true;
    return false;
  };
  const days: DayCounts[] = input.days
    .filter((d) => d.start < input.end)
    .map((d) => ({
      date: d.date,
      expected: 0,
      present: 0,
      good: 0,
      maintenance: { expected: 0, present: 0, good: 0 },
    }));
  const dayEnds = input.days.map((d) => d.end.getTime());
  const total = { expected: 0, present: 0, good: 0 };
  const incidents: IncidentReport[] = [];
  let openAt: number | null = null;
  let failedSlots = 0;
  const close = (t: number) => {
    if (openAt === null) return;
    incidents.push({
      start: input.toIso(new Date(openAt)),
      end: input.toIso(new Date(t)),
      minutes: (t - openAt) / 60_000,
    });
    openAt = null;
  };
  let day = 0;
  const end = input.end.getTime();
  for (let t = input.start.getTime(), k = 0; t < end; t += stepMs, k++) {
    while (day < dayEnds.length - 1 && t >= dayEnds[day]!) day++;
    const d = days[day]!;
    const present = slots ? slots.present[k]! : 0;
    const good = slots ? slots.good[k]! : 0;
    if (inMaintenance(t)) {
      d.maintenance.expected += seriesCount;
      d.maintenance.present += present;
      d.maintenance.good += good;
      total.expected += seriesCount;
      total.present += present;
      total.good += good;
      close(t); // maintenance is not an outage
      continue;
    }
    d.expected += seriesCount;
    d.present += present;
    d.good += good;
    if (present > 0 && good < present) {
      failedSlots += present - good;
      if (openAt === null) openAt = t;
    } else {
      // a success ends an incident; so does missing data: unknown is not down
      close(t);
    }
  }
  close(end);
  return { days, maintenance: total, incidents, failedSlots };
}

/** Judges one interval: undefined when it has no sample (missing), else whether it is good. */
function judged(rule: DownWhen, present: number, failed: number): boolean | undefined {
  if (!(present > 0)) return undefined;
  return !intervalDown(rule, present, failed);
}

/** Wall-clock slots from per-interval series counts, each interval judged by `rule`. */
export function wallClockSlots(counts: GridCounts, rule: DownWhen): WallClockSlots {
  const n = counts.grid.count;
  const present = new Uint8Array(n);
  const good = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const ok = judged(rule, counts.present[k]!, counts.failed[k]!);
    if (ok === undefined) continue;
    present[k] = 1;
    if (ok) good[k] = 1;
  }
  const offGrid = { present: 0, good: 0 };
  for (const c of counts.offGrid.values()) {
    const ok = judged(rule, c.present, c.failed);
    if (ok === undefined) continue;
    offGrid.present++;
    if (ok) offGrid.good++;
  }
  return { grid: counts.grid, present, good, offGrid };
}

/**
 * Share (0..1) of the step [t, t + stepMs) outside the maintenance intervals, which must be disjoint (as
 * `maintenanceOverlap` returns them): request counts of a step are weighted by it, so requests inside
 * maintenance leave the daily figures too.
 */
export function outsideMaintenance(
  t: number,
  stepMs: number,
  maintenance: readonly { start: Date; end: Date }[],
): number {
  let inside = 0;
  for (const m of maintenance) {
    const s = Math.max(t, m.start.getTime());
    const e = Math.min(t + stepMs, m.end.getTime());
    if (e > s) inside += e - s;
  }
  return Math.max(0, 1 - inside / stepMs);
}

/** Per-step sums of a grid, by slot index; sums at points that start no slot of the grid kept apart. */
export interface StepSums {
  grid: SlotGrid;
  sum: Float64Array;
  /** 1: the step has a sum (at least one point counted in it) */
  has: Uint8Array;
  /** by step start: sums off the grid (not aligned to it, or outside the span) */
  offGrid: Map<number, number>;
}

export function emptyStepSums(grid: SlotGrid): StepSums {
  return {
    grid,
    sum: new Float64Array(grid.count),
    has: new Uint8Array(grid.count),
    offGrid: new Map(),
  };
}

/** Adds `x` to the step starting at `t`. */
export function addToStep(sums: StepSums, t: number, x: number): void {
  const k = slotIndex(sums.grid, t);
  if (k < 0) {
    sums.offGrid.set(t, (sums.offGrid.get(t) ?? 0) + x);
    return;
  }
  sums.sum[k] = sums.sum[k]! + x;
  sums.has[k] = 1;
}

/** Steps with a sum. */
export function stepsWithSum(sums: StepSums): number {
  let n = sums.offGrid.size;
  for (let k = 0; k < sums.grid.count; k++) n += sums.has[k]!;
  return n;
}

/** Sums per-step values into local days, adding each day's steps in time order. */
export function sumPerDay(sums: StepSums, days: DayWindow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of days) out.set(d.date, 0);
  let i = 0;
  const add = (t: number, v: number) => {
    while (i < days.length - 1 && t >= days[i]!.end.getTime()) i++;
    const d = days[i];
    if (d && t >= d.start.getTime() && t < d.end.getTime()) out.set(d.date, (out.get(d.date) ?? 0) + v);
  };
  // the grid's steps in order, with the steps off the grid merged in at their time
  const offGrid = [...sums.offGrid.entries()].sort((a, b) => a[0] - b[0]);
  let j = 0;
  const { start, stepMs, count } = sums.grid;
  for (let k = 0; k < count; k++) {
    if (!sums.has[k]) continue;
    const t = start + k * stepMs;
    for (; j < offGrid.length && offGrid[j]![0] < t; j++) add(offGrid[j]![0], offGrid[j]![1]);
    add(t, sums.sum[k]!);
  }
  for (; j < offGrid.length; j++) add(offGrid[j]![0], offGrid[j]![1]);
  return out;
}
