// Calendar windows (year, quarter, month, ISO week, custom range) in an IANA time zone. Pure: no I/O, no clock.
//
// A window is a half-open interval [start, end) of real instants. Boundaries are local midnights in the
// window's time zone, so a month or week that crosses a DST change is longer or shorter than the naive
// count of days × 24 h (October 2026 in Europe/Berlin is 745 h, March 2026 is 743 h).
//
// "Local midnight" is defined as the earliest instant whose local wall-clock time is at or after 00:00 of
// that date. That is the usual midnight in almost every zone; where midnight falls into a DST gap
// (America/Santiago in September) the day starts at the transition (01:00 local); where 00:00–01:00 is
// repeated (America/Havana in November) the day starts at the first 00:00. Every boundary of every kind of
// window is computed by the same function, so consecutive windows share their boundary exactly: months,
// weeks and days tile time without gap or overlap.

import { DateTime, IANAZone } from "luxon";

export type WindowKind = "weekly" | "monthly" | "quarterly" | "yearly" | "custom";
export type CalendarKind = "weekly" | "monthly" | "quarterly" | "yearly";
/** The calendar kinds, shortest first. */
export const CALENDAR_KINDS: readonly CalendarKind[] = ["weekly", "monthly", "quarterly", "yearly"];

export interface Window {
  kind: WindowKind;
  /** "2026-10" (monthly), "2026-W43" (weekly, ISO week-year), "2026-Q4" (quarterly), "2026" (yearly), null for custom. */
  period: string | null;
  /** Inclusive start. */
  start: Date;
  /** Exclusive end. */
  end: Date;
  /** IANA time zone the calendar boundaries are computed in, e.g. "Europe/Berlin" or "UTC". */
  timeZone: string;
}

export interface DayWindow {
  /** Local calendar date, "2026-10-25". */
  date: string;
  start: Date;
  /** Exclusive. */
  end: Date;
}

export interface FormattedWindow {
  start: string;
  end: string;
  timeZone: string;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
/** Default upper bound on the length of a custom window. */
export const MAX_CUSTOM_WINDOW_DAYS = 400;

// ---------------------------------------------------------------------------------------------------------
// Time zones and local dates

const zoneCache = new Map<string, IANAZone>();

function zoneOf(timeZone: string): IANAZone {
  const cached = zoneCache.get(timeZone);
  if (cached) return cached;
  if (typeof timeZone !== "string" || timeZone.trim() === "" || !IANAZone.isValidZone(timeZone)) {
    throw new RangeError(
      `invalid time zone ${JSON.stringify(timeZone)}: expected an IANA name such as "Europe/Berlin" or "UTC"`,
    );
  }
  const zone = IANAZone.create(timeZone);
  zoneCache.set(timeZone, zone);
  return zone;
}

/** Throws a RangeError naming the value unless `timeZone` is a valid IANA time zone. */
export function assertTimeZone(timeZone: string): string {
  zoneOf(timeZone);
  return timeZone;
}

interface LocalDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function formatLocalDate(d: LocalDate): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** Calendar arithmetic on plain dates (proleptic Gregorian, via UTC so no zone is involved). */
function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day) + days * MS_PER_DAY);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

function wallClockMs(d: LocalDate): number {
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  const t = new Date(Date.UTC(2000, d.month - 1, d.day));
  t.setUTCFullYear(d.year);
  return t.getTime();
}

/**
 * The first instant of local date `d` in `zone`: the earliest instant t with localWallClock(t) >= d 00:00.
 * Candidates are "wall clock minus one of the offsets in force around that day"; the smallest candidate
 * whose own offset makes its wall clock reach midnight is the answer (handles gaps and repeated hours).
 */
function startOfLocalDayMs(d: LocalDate, zone: IANAZone): number {
  // Memoized: every SLO of a report walks the same days, and a year is 366 of them (each costs a few
  // time-zone offset look-ups). Bounded; the value depends on the zone and the date only.
  const key = `${zone.name}|${d.year}-${d.month}-${d.day}`;
  const known = dayStartCache.get(key);
  if (known !== undefined) return known;
  const t = computeStartOfLocalDayMs(d, zone);
  if (dayStartCache.size >= DAY_START_CACHE_SIZE) dayStartCache.clear();
  dayStartCache.set(key, t);
  return t;
}

const DAY_START_CACHE_SIZE = 8192;
const dayStartCache = new Map<string, number>();

function computeStartOfLocalDayMs(d: LocalDate, zone: IANAZone): number {
  const wall = wallClockMs(d);
  const offsets = new Set<number>();
  for (const h of [-36, -24, -12, 0, 12, 24, 36]) offsets.add(zone.offset(wall + h * MS_PER_HOUR));
  let best = Number.POSITIVE_INFINITY;
  for (const offset of offsets) {
    const t = wall - offset * MS_PER_MINUTE;
    if (t + zone.offset(t) * MS_PER_MINUTE >= wall && t < best) best = t;
  }
  if (!Number.isFinite(best)) {
    // Not reachable with real tz data; fall back to luxon's own resolution.
    best = DateTime.fromObject({ year: d.year, month: d.month, day: d.day }, { zone }).toMillis();
  }
  return best;
}

function localDateOf(ms: number, zone: IANAZone): LocalDate {
  const dt = DateTime.fromMillis(ms, { zone });
  return { year: dt.year, month: dt.month, day: dt.day };
}

function assertDate(value: Date, what: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new RangeError(`${what} must be a valid Date, got ${String(value)}`);
  }
  return value.getTime();
}

// ---------------------------------------------------------------------------------------------------------
// Months

function monthPeriod(year: number, month: number): string {
  return `${pad(year, 4)}-${pad(month)}`;
}

function monthWindowOf(year: number, month: number, timeZone: string): Window {
  const zone = zoneOf(timeZone);
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  return {
    kind: "monthly",
    period: monthPeriod(year, month),
    start: new Date(startOfLocalDayMs({ year, month, day: 1 }, zone)),
    end: new Date(startOfLocalDayMs({ year: next.year, month: next.month, day: 1 }, zone)),
    timeZone,
  };
}

const MONTH_RE = /^(\d{4})-(\d{2})$/;
const WEEK_RE = /^(\d{4})-W(\d{2})$/;
const QUARTER_RE = /^(\d{4})-Q(\d)$/;
const YEAR_RE = /^(\d{4})$/;

/** The calendar month "YYYY-MM" in `timeZone`, from local midnight on the 1st to the next 1st. */
export function monthWindow(period: string, timeZone: string): Window {
  const m = typeof period === "string" ? MONTH_RE.exec(period) : null;
  if (!m) throw new RangeError(`invalid month ${JSON.stringify(period)}: expected "YYYY-MM", e.g. "2026-10"`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) {
    throw new RangeError(`invalid month ${JSON.stringify(period)}: month must be 01..12`);
  }
  return monthWindowOf(year, month, timeZone);
}

// ---------------------------------------------------------------------------------------------------------
// Quarters (Jan/Apr/Jul/Oct 1st 00:00 local to the next quarter's 1st) and years (Jan 1st to Jan 1st)

function quarterWindowOf(year: number, quarter: number, timeZone: string): Window {
  const zone = zoneOf(timeZone);
  const firstMonth = (quarter - 1) * 3 + 1;
  const next = quarter === 4 ? { year: year + 1, month: 1 } : { year, month: firstMonth + 3 };
  return {
    kind: "quarterly",
    period: `${pad(year, 4)}-Q${quarter}`,
    start: new Date(startOfLocalDayMs({ year, month: firstMonth, day: 1 }, zone)),
    end: new Date(startOfLocalDayMs({ year: next.year, month: next.month, day: 1 }, zone)),
    timeZone,
  };
}

function yearWindowOf(year: number, timeZone: string): Window {
  const zone = zoneOf(timeZone);
  return {
    kind: "yearly",
    period: pad(year, 4),
    start: new Date(startOfLocalDayMs({ year, month: 1, day: 1 }, zone)),
    end: new Date(startOfLocalDayMs({ year: year + 1, month: 1, day: 1 }, zone)),
    timeZone,
  };
}

/** The calendar quarter "YYYY-Qn" (n = 1..4; Q1 = Jan–Mar) in `timeZone`. */
export function quarterWindow(period: string, timeZone: string): Window {
  const m = typeof period === "string" ? QUARTER_RE.exec(period) : null;
  if (!m) {
    throw new RangeError(`invalid quarter ${JSON.stringify(period)}: expected "YYYY-Qn", e.g. "2026-Q4"`);
  }
  const quarter = Number(m[2]);
  if (quarter < 1 || quarter > 4) {
    throw new RangeError(`invalid quarter ${JSON.stringify(period)}: quarter must be Q1..Q4`);
  }
  return quarterWindowOf(Number(m[1]), quarter, timeZone);
}

/** The calendar year "YYYY" in `timeZone`, from local midnight on 1 January to the next 1 January. */
export function yearWindow(period: string, timeZone: string): Window {
  const m = typeof period === "string" ? YEAR_RE.exec(period) : null;
  if (!m) throw new RangeError(`invalid year ${JSON.stringify(period)}: expected "YYYY", e.g. "2026"`);
  return yearWindowOf(Number(m[1]), timeZone);
}

// ---------------------------------------------------------------------------------------------------------
// ISO weeks (Monday 00:00 local to the next Monday 00:00 local)

/** Number of ISO weeks (52 or 53) in an ISO week-year. */
export function isoWeeksInYear(weekYear: number): number {
  return DateTime.fromObject({ weekYear, weekNumber: 1, weekday: 1 }, { zone: "utc" }).weeksInWeekYear;
}

function mondayOf(weekYear: number, weekNumber: number): LocalDate {
  const dt = DateTime.fromObject({ weekYear, weekNumber, weekday: 1 }, { zone: "utc" });
  return { year: dt.year, month: dt.month, day: dt.day };
}

function weekWindowFromMonday(monday: LocalDate, timeZone: string): Window {
  const zone = zoneOf(timeZone);
  const label = DateTime.fromObject(monday, { zone: "utc" });
  return {
    kind: "weekly",
    period: `${pad(label.weekYear, 4)}-W${pad(label.weekNumber)}`,
    start: new Date(startOfLocalDayMs(monday, zone)),
    end: new Date(startOfLocalDayMs(addDays(monday, 7), zone)),
    timeZone,
  };
}

/**
 * The ISO week "YYYY-Www" (ISO week-year, weeks start on Monday) in `timeZone`. Week 53 exists only in
 * long ISO years (e.g. 2020, 2026); asking for it in a 52-week year is an error.
 */
export function weekWindow(period: string, timeZone: string): Window {
  const m = typeof period === "string" ? WEEK_RE.exec(period) : null;
  if (!m) {
    throw new RangeError(`invalid ISO week ${JSON.stringify(period)}: expected "YYYY-Www", e.g. "2026-W43"`);
  }
  const weekYear = Number(m[1]);
  const weekNumber = Number(m[2]);
  const weeks = isoWeeksInYear(weekYear);
  if (weekNumber < 1 || weekNumber > weeks) {
    throw new RangeError(
      `invalid ISO week ${JSON.stringify(period)}: ISO week-year ${weekYear} has weeks 01..${weeks}`,
    );
  }
  return weekWindowFromMonday(mondayOf(weekYear, weekNumber), timeZone);
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

/**
 * "YYYY-MM" → monthly, "YYYY-Www" → weekly, "YYYY-Qn" → quarterly, "YYYY" → yearly window; anything else
 * is a clear error naming the value.
 */
export function parsePeriod(period: string, timeZone: string): Window {
  if (typeof period === "string") {
    if (MONTH_RE.test(period)) return monthWindow(period, timeZone);
    if (WEEK_RE.test(period)) return weekWindow(period, timeZone);
    if (QUARTER_RE.test(period)) return quarterWindow(period, timeZone);
    if (YEAR_RE.test(period)) return yearWindow(period, timeZone);
  }
  throw new RangeError(
    `invalid period ${JSON.stringify(period)}: expected a month "YYYY-MM" (e.g. "2026-10"), an ISO week "YYYY-Www" (e.g. "2026-W43"), a quarter "YYYY-Qn" (e.g. "2026-Q4") or a year "YYYY" (e.g. "2026")`,
  );
}

const DATE_ONLY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * An instant from a Date or an ISO-8601 string read in `timeZone`: a date alone is local midnight, a
 * date-time without offset is local time, a date-time with an offset or "Z" is that instant. `what` names
 * the value in error messages.
 */
export function parseInstant(value: string | Date, timeZone: string, what = "time"): Date {
  return new Date(instantOf(value, what, timeZone));
}

function instantOf(value: string | Date, what: string, timeZone: string): number {
  if (value instanceof Date) return assertDate(value, what);
  if (typeof value !== "string") {
    throw new RangeError(`${what} must be an ISO-8601 string or a Date, got ${typeof value}`);
  }
  const dateOnly = DATE_ONLY_RE.exec(value);
  if (dateOnly) {
    const d = { year: Number(dateOnly[1]), month: Number(dateOnly[2]), day: Number(dateOnly[3]) };
    if (!DateTime.fromObject(d, { zone: "utc" }).isValid) {
      throw new RangeError(`${what} ${JSON.stringify(value)} is not a valid calendar date`);
    }
    return startOfLocalDayMs(d, zoneOf(timeZone));
  }
  const dt = DateTime.fromISO(value, { zone: zoneOf(timeZone) });
  if (!dt.isValid) {
    throw new RangeError(
      `${what} ${JSON.stringify(value)} is not an ISO-8601 date or date-time (${dt.invalidExplanation ?? dt.invalidReason})`,
    );
  }
  return dt.toMillis();
}

export interface CustomWindowOptions {
  /** Longest accepted window in local calendar days (default 400). */
  maxDays?: number;
}

/**
 * A custom window [from, to). Strings are ISO-8601: a date without time ("2026-10-05") means local midnight
 * of that date in `timeZone`; a date-time without offset is local time in `timeZone`; a date-time with an
 * offset or "Z" is that instant. So customWindow("2026-10-01", "2026-10-08", tz) is 7 local days.
 */
export function customWindow(
  from: string | Date,
  to: string | Date,
  timeZone: string,
  options: CustomWindowOptions = {},
): Window {
  zoneOf(timeZone);
  const maxDays = options.maxDays ?? MAX_CUSTOM_WINDOW_DAYS;
  const start = instantOf(from, "custom window start (from)", timeZone);
  const end = instantOf(to, "custom window end (to)", timeZone);
  if (!(start < end)) {
    throw new RangeError(
      `custom window start (from) must be before its end (to): ${new Date(start).toISOString()} >= ${new Date(end).toISOString()}`,
    );
  }
  const limit = DateTime.fromMillis(start, { zone: zoneOf(timeZone) })
    .plus({ days: maxDays })
    .toMillis();
  if (end > limit) {
    throw new RangeError(
      `custom window is too long: ${((end - start) / MS_PER_DAY).toFixed(1)} days, at most ${maxDays} days allowed`,
    );
  }
  return { kind: "custom", period: null, start: new Date(start), end: new Date(end), timeZone };
}

// ---------------------------------------------------------------------------------------------------------
// Navigation

/** The calendar window of `kind` containing local date `d`. */
function windowOfDate(kind: CalendarKind, d: LocalDate, timeZone: string): Window {
  if (kind === "monthly") return monthWindowOf(d.year, d.month, timeZone);
  if (kind === "quarterly") return quarterWindowOf(d.year, Math.floor((d.month - 1) / 3) + 1, timeZone);
  if (kind === "yearly") return yearWindowOf(d.year, timeZone);
  const dt = DateTime.fromObject(d, { zone: "utc" });
  return weekWindowFromMonday(addDays(d, 1 - dt.weekday), timeZone);
}

/** The ISO week, month, quarter or year (in `timeZone`) that contains the instant `at`. */
export function containingWindow(kind: CalendarKind, at: Date, timeZone: string): Window {
  const t = assertDate(at, "containingWindow: at");
  const zone = zoneOf(timeZone);
  if (!CALENDAR_KINDS.includes(kind)) {
    throw new RangeError(
      `containingWindow: kind must be one of ${CALENDAR_KINDS.map((k) => JSON.stringify(k)).join(", ")}, got ${JSON.stringify(kind)}`,
    );
  }
  let w = windowOfDate(kind, localDateOf(t, zone), timeZone);
  // Local-date lookup and boundary definition agree except in pathological repeated-midnight cases; settle
  // any disagreement by comparing instants, which is what "contains" means.
  while (t < w.start.getTime()) w = previousWindow(w);
  while (t >= w.end.getTime()) w = nextWindow(w);
  return w;
}

/** The window immediately before `w`: previous year / quarter / month / ISO week, or the same-length range before. */
export function previousWindow(w: Window): Window {
  const zone = zoneOf(w.timeZone);
  if (w.kind === "custom") {
    const len = w.end.getTime() - w.start.getTime();
    return { ...w, start: new Date(w.start.getTime() - len), end: new Date(w.start.getTime()) };
  }
  // The day before the start is in the previous window (windows are at least one local day long).
  const dayBefore = addDays(localDateOf(w.start.getTime(), zone), -1);
  return windowOfDate(w.kind, dayBefore, w.timeZone);
}

/** The window immediately after `w` (same rules as `previousWindow`). */
export function nextWindow(w: Window): Window {
  const zone = zoneOf(w.timeZone);
  if (w.kind === "custom") {
    const len = w.end.getTime() - w.start.getTime();
    return { ...w, start: new Date(w.end.getTime()), end: new Date(w.end.getTime() + len) };
  }
  return windowOfDate(w.kind, localDateOf(w.end.getTime(), zone), w.timeZone);
}

/**
 * The last complete month whose end <= runAt. A run at 2026-11-01T00:30 Europe/Berlin, or exactly at
 * 2026-11-01T00:00 Europe/Berlin, reports October 2026.
 */
export function previousCompleteMonth(runAt: Date, timeZone: string): Window {
  return previousWindow(containingWindow("monthly", runAt, timeZone));
}

/** The last complete ISO week whose end <= runAt. */
export function previousCompleteWeek(runAt: Date, timeZone: string): Window {
  return previousWindow(containingWindow("weekly", runAt, timeZone));
}

/** The last complete quarter whose end <= runAt (a run on 1 January reports Q4 of the year before). */
export function previousCompleteQuarter(runAt: Date, timeZone: string): Window {
  return previousWindow(containingWindow("quarterly", runAt, timeZone));
}

/** The last complete calendar year whose end <= runAt. */
export function previousCompleteYear(runAt: Date, timeZone: string): Window {
  return previousWindow(containingWindow("yearly", runAt, timeZone));
}

// ---------------------------------------------------------------------------------------------------------
// The one resolver every entry point uses (CLI, Lambda, demo)

/** What a caller asks for: a period, a custom range, the previous complete window, or the running one. */
export type WindowRequest =
  | { period: string }
  | { from: string | Date; to: string | Date }
  | { previous: CalendarKind }
  | { current: CalendarKind };

/** A window that cannot be reported on (malformed, empty, in the future, before 2000-01-01). */
export class WindowError extends RangeError {
  override readonly name = "WindowError";
}

/** Reports cover windows that start on or after 2000-01-01 (local midnight in the window's zone). */
export const EARLIEST_WINDOW_DATE = "2000-01-01";

function describeRequest(r: WindowRequest): string {
  if ("period" in r) return `period ${JSON.stringify(r.period)}`;
  if ("from" in r) {
    const s = (v: string | Date) => JSON.stringify(v instanceof Date ? v.toISOString() : v);
    return `window from ${s(r.from)} to ${s(r.to)}`;
  }
  return "previous" in r ? `previous ${r.previous} window` : `current ${r.current} window`;
}

/**
 * Throws a WindowError naming `what` unless `w` is a past or running window: not empty, starting no
 * later than `now`, and not before 2000-01-01 in its zone. A running window (start <= now < end) is
 * accepted: its report is partial.
 */
export function assertReportableWindow(w: Window, now: Date, what = "window"): Window {
  const nowMs = assertDate(now, "now");
  const start = w.start.getTime();
  const end = w.end.getTime();
  const span = () => `${toZonedIso(w.start, w.timeZone)} .. ${toZonedIso(w.end, w.timeZone)}`;
  if (!(start < end)) throw new WindowError(`${what} is empty (${span()})`);
  const [y, m, d] = EARLIEST_WINDOW_DATE.split("-").map(Number) as [number, number, number];
  const earliest = startOfLocalDayMs({ year: y, month: m, day: d }, zoneOf(w.timeZone));
  if (start < earliest) {
    throw new WindowError(
      `${what} starts before ${EARLIEST_WINDOW_DATE} (${span()} in ${w.timeZone}): reports cover ${EARLIEST_WINDOW_DATE} onwards`,
    );
  }
  if (start > nowMs) {
    throw new WindowError(
      `${what} is in the future (${span()} in ${w.timeZone}; now is ${toZonedIso(now, w.timeZone)}): only past or running windows can be reported`,
    );
  }
  return w;
}

/**
 * The window a CLI option, a Lambda payload or a schedule asks for, in `timeZone` at `now`; refuses
 * (WindowError naming the value) malformed periods and times, empty or over-long custom ranges, windows
 * in the future and windows starting before 2000-01-01.
 */
export function resolveWindow(request: WindowRequest, timeZone: string, now: Date): Window {
  const what = describeRequest(request);
  let w: Window;
  try {
    if ("period" in request) w = parsePeriod(request.period, timeZone);
    else if ("from" in request) w = customWindow(request.from, request.to, timeZone);
    else if ("previous" in request) w = previousWindow(containingWindow(request.previous, now, timeZone));
    else w = containingWindow(request.current, now, timeZone);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // parsePeriod's messages name the period already
    throw new WindowError("period" in request ? message : `${what}: ${message}`);
  }
  return assertReportableWindow(w, now, what);
}

// ---------------------------------------------------------------------------------------------------------
// Measures and formatting

/** Real elapsed minutes in the window (DST-aware). */
export function windowMinutes(w: Window): number {
  return (w.end.getTime() - w.start.getTime()) / MS_PER_MINUTE;
}

/** Real elapsed hours in the window (October 2026 in Europe/Berlin = 745). */
export function windowHours(w: Window): number {
  return (w.end.getTime() - w.start.getTime()) / MS_PER_HOUR;
}

/** ISO-8601 with the zone's offset at that instant, e.g. "2026-10-01T00:00:00.000+02:00" (UTC: "+00:00", never "Z"). */
export function toZonedIso(at: Date, timeZone: string): string {
  const t = assertDate(at, "toZonedIso: at");
  const iso = DateTime.fromMillis(t, { zone: zoneOf(timeZone) }).toISO();
  if (iso === null) throw new RangeError(`cannot format ${String(at)} in time zone ${timeZone}`);
  return iso;
}

/** The window's start/end as ISO-8601 strings with the zone's offset, plus the zone (report JSON shape). */
export function formatWindow(w: Window): FormattedWindow {
  return {
    start: toZonedIso(w.start, w.timeZone),
    end: toZonedIso(w.end, w.timeZone),
    timeZone: w.timeZone,
  };
}

/**
 * Local calendar days covering `w`, each clipped to the window (so they tile it exactly). A DST day is
 * 23 or 25 h long; a date skipped entirely by the zone (Pacific/Apia, 2011-12-30) does not appear.
 */
export function dailyWindows(w: Window): DayWindow[] {
  const zone = zoneOf(w.timeZone);
  const start = w.start.getTime();
  const end = w.end.getTime();
  const days: DayWindow[] = [];
  let date = localDateOf(start, zone);
  let dayStart = startOfLocalDayMs(date, zone);
  if (dayStart > start) {
    // Only in repeated-midnight zones: the instant belongs to the previous date's extended last hour.
    date = addDays(date, -1);
    dayStart = startOfLocalDayMs(date, zone);
  }
  while (dayStart < end) {
    const nextDate = addDays(date, 1);
    const nextStart = startOfLocalDayMs(nextDate, zone);
    const s = Math.max(dayStart, start);
    const e = Math.min(nextStart, end);
    if (e > s) days.push({ date: formatLocalDate(date), start: new Date(s), end: new Date(e) });
    date = nextDate;
    dayStart = nextStart;
  }
  return days;
}
