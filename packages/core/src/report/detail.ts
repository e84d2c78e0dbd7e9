/**
 * Pure reconstruction of a probe SLI's detail from per-interval samples: daily counts, incidents and the
 * part of the window inside maintenance. A slot is one probe interval starting at `start + k * step`.
 */
import { type DownWhen, intervalDown } from "../slo/sli.js";
import type { DayWindow } from "../slo/windows.js";
import type { IncidentReport } from "./model.js";

export interface SlotSample {
  /** slot start, ms */
  t: number;
  /** series with a sample in this slot */
  present: number;
  /** of those, successful */
  good: number;
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
 * @param slots samples by slot start (missing slots are absent)
 * @param seriesCount series expected in every slot
 * @param toIso formats an instant in the report's zone
 */
export function probeDetail(input: {
  start: Date;
  end: Date;
  stepMs: number;
  slots: Map<number, SlotSample>;
  seriesCount: number;
  days: DayWindow[];
  maintenance: MaintenanceInterval[];
  toIso: (d: Date) => string;
}): ProbeDetail {
  const { stepMs, slots, seriesCount } = input;
  const maint = input.maintenance.map((m) => [m.start.getTime(), m.end.getTime()] as const);
  const inMaintenance = (t: number) => maint.some(([s, e]) => t >= s && t < e);
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
  for (let t = input.start.getTime(); t < end; t += stepMs) {
    while (day < dayEnds.length - 1 && t >= dayEnds[day]!) day++;
    const d = days[day]!;
    const s = slots.get(t);
    const present = s?.present ?? 0;
    const good = s?.good ?? 0;
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

/** Per probe interval (keyed by its start): series with a sample in it, and how many of those failed. */
export interface IntervalCounts {
  present: number;
  failed: number;
}

/**
 * Wall-clock slots from per-interval series counts: a slot with at least one sample is present (one unit,
 * whatever the number of series) and good unless `rule` says it is down. Slots without any sample stay
 * absent (missing data).
 */
export function wallClockSlots(counts: Map<number, IntervalCounts>, rule: DownWhen): Map<number, SlotSample> {
  const out = new Map<number, SlotSample>();
  for (const [t, c] of counts) {
    if (!(c.present > 0)) continue;
    out.set(t, { t, present: 1, good: intervalDown(rule, c.present, c.failed) ? 0 : 1 });
  }
  return out;
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

/** Sums per-step values (keyed by step start) into local days. */
export function sumPerDay(values: Map<number, number>, days: DayWindow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of days) out.set(d.date, 0);
  const sorted = [...values.entries()].sort((a, b) => a[0] - b[0]);
  let i = 0;
  for (const [t, v] of sorted) {
    while (i < days.length - 1 && t >= days[i]!.end.getTime()) i++;
    const d = days[i];
    if (d && t >= d.start.getTime() && t < d.end.getTime()) out.set(d.date, (out.get(d.date) ?? 0) + v);
  }
  return out;
}
