import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  containingWindow,
  customWindow,
  dailyWindows,
  formatWindow,
  isoWeeksInYear,
  monthWindow,
  nextWindow,
  parsePeriod,
  previousCompleteMonth,
  previousCompleteQuarter,
  previousCompleteWeek,
  previousCompleteYear,
  previousWindow,
  quarterWindow,
  resolveWindow,
  toZonedIso,
  type Window,
  WindowError,
  weekWindow,
  windowHours,
  windowMinutes,
  yearWindow,
} from "./windows.js";

const BERLIN = "Europe/Berlin";
const HOUR = 3_600_000;

describe("month windows: real elapsed length", () => {
  it.each([
    ["2026-02", "UTC", 28 * 24],
    ["2024-02", "UTC", 29 * 24], // leap year
    ["2026-09", "UTC", 30 * 24],
    ["2026-11", "UTC", 30 * 24],
    ["2026-10", "UTC", 31 * 24],
    ["2026-10", BERLIN, 745], // DST ends 2026-10-25
    ["2026-03", BERLIN, 743], // DST starts 2026-03-29
    ["2026-04", BERLIN, 720],
    ["2026-03", "America/New_York", 743], // DST starts 2026-03-08
    ["2026-11", "America/New_York", 721], // DST ends 2026-11-01
    ["2026-10", "Australia/Lord_Howe", 743.5], // +10:30 → +11:00 on 2026-10-04
    ["2026-04", "Australia/Lord_Howe", 720.5], // +11:00 → +10:30 on 2026-04-05
    ["2026-10", "Asia/Kolkata", 744], // no DST
    ["2011-12", "Pacific/Apia", 720], // 2011-12-30 skipped (date line change)
  ])("%s in %s has %d h", (period, tz, hours) => {
    const w = monthWindow(period, tz);
    expect(windowHours(w)).toBe(hours);
    expect(windowMinutes(w)).toBe(hours * 60);
    expect(w.kind).toBe("monthly");
    expect(w.period).toBe(period);
    expect(w.timeZone).toBe(tz);
  });

  it("formats start/end with the zone's offset at each instant", () => {
    expect(formatWindow(monthWindow("2026-10", BERLIN))).toEqual({
      start: "2026-10-01T00:00:00.000+02:00",
      end: "2026-11-01T00:00:00.000+01:00",
      timeZone: BERLIN,
    });
    expect(formatWindow(monthWindow("2026-11", "America/New_York"))).toEqual({
      start: "2026-11-01T00:00:00.000-04:00",
      end: "2026-12-01T00:00:00.000-05:00",
      timeZone: "America/New_York",
    });
    expect(formatWindow(monthWindow("2026-10", "UTC")).start).toBe("2026-10-01T00:00:00.000+00:00");
    expect(toZonedIso(new Date("2026-10-04T00:00:00Z"), "Australia/Lord_Howe")).toBe(
      "2026-10-04T11:00:00.000+11:00",
    );
  });

  it("the December window ends at the next year's January", () => {
    const w = monthWindow("2026-12", BERLIN);
    expect(formatWindow(w).end).toBe("2027-01-01T00:00:00.000+01:00");
    expect(nextWindow(w).period).toBe("2027-01");
  });

  it("midnight in a DST gap: the day starts at the transition (America/Santiago 2026-09-06)", () => {
    const days = dailyWindows(monthWindow("2026-09", "America/Santiago"));
    const d = days.find((x) => x.date === "2026-09-06")!;
    expect(toZonedIso(d.start, "America/Santiago")).toBe("2026-09-06T01:00:00.000-03:00");
    expect((d.end.getTime() - d.start.getTime()) / HOUR).toBe(23);
  });

  it("repeated midnight hour: the day starts at the first 00:00 (America/Havana 2026-11-01)", () => {
    const w = monthWindow("2026-11", "America/Havana");
    expect(formatWindow(w).start).toBe("2026-11-01T00:00:00.000-04:00");
    const first = dailyWindows(w)[0]!;
    expect((first.end.getTime() - first.start.getTime()) / HOUR).toBe(25);
  });

  it("rejects malformed months clearly", () => {
    expect(() => monthWindow("2026-13", BERLIN)).toThrow(/month must be 01..12/);
    expect(() => monthWindow("2026-00", BERLIN)).toThrow(/month must be 01..12/);
    expect(() => monthWindow("2026-1", BERLIN)).toThrow(/expected "YYYY-MM"/);
    expect(() => monthWindow("2026-10", "Mars/Olympus")).toThrow(/invalid time zone "Mars\/Olympus"/);
  });
});

describe("ISO week windows", () => {
  it.each([
    ["2026-W43", BERLIN, 169, "2026-10-19T00:00:00.000+02:00"], // contains Sunday 2026-10-25 (DST ends)
    ["2026-W44", BERLIN, 168, "2026-10-26T00:00:00.000+01:00"], // the week after: normal
    ["2026-W13", BERLIN, 167, "2026-03-23T00:00:00.000+01:00"], // contains Sunday 2026-03-29 (DST starts)
    ["2026-W10", "America/New_York", 167, "2026-03-02T00:00:00.000-05:00"], // contains 2026-03-08
    ["2026-W53", BERLIN, 168, "2026-12-28T00:00:00.000+01:00"], // 2026 is a 53-week ISO year
    ["2020-W53", "UTC", 168, "2020-12-28T00:00:00.000+00:00"],
    ["2026-W01", "UTC", 168, "2025-12-29T00:00:00.000+00:00"], // week 1 starts in the previous calendar year
    ["2026-W40", "Australia/Lord_Howe", 167.5, "2026-09-28T00:00:00.000+10:30"], // contains 2026-10-04
  ])("%s in %s has %d h and starts %s", (period, tz, hours, start) => {
    const w = weekWindow(period, tz);
    expect(windowHours(w)).toBe(hours);
    expect(formatWindow(w).start).toBe(start);
    expect(w.kind).toBe("weekly");
    expect(w.period).toBe(period);
  });

  it("the week containing 2026-03-29 has 167 h and 2026-10-25 has 169 h in Berlin", () => {
    expect(windowHours(containingWindow("weekly", new Date("2026-03-29T12:00:00+02:00"), BERLIN))).toBe(167);
    const oct = containingWindow("weekly", new Date("2026-10-25T12:00:00+01:00"), BERLIN);
    expect(oct.period).toBe("2026-W43");
    expect(windowHours(oct)).toBe(169);
  });

  it("ISO week-years: 53-week years and dates near New Year", () => {
    expect(isoWeeksInYear(2020)).toBe(53);
    expect(isoWeeksInYear(2021)).toBe(52);
    expect(isoWeeksInYear(2025)).toBe(52);
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(isoWeeksInYear(2027)).toBe(52);
    // 2026-01-01 is a Thursday, so it is in 2026-W01; 2021-01-03 (Sunday) is in 2020-W53.
    expect(containingWindow("weekly", new Date("2026-01-01T12:00:00Z"), "UTC").period).toBe("2026-W01");
    expect(containingWindow("weekly", new Date("2021-01-03T12:00:00Z"), "UTC").period).toBe("2020-W53");
    expect(containingWindow("weekly", new Date("2021-01-04T00:00:00Z"), "UTC").period).toBe("2021-W01");
    // 2027-01-01 (Friday) is still in 2026-W53.
    expect(containingWindow("weekly", new Date("2027-01-01T12:00:00Z"), "UTC").period).toBe("2026-W53");
    // The local date decides: 2021-01-03T23:30Z is already Monday 2021-01-04 in Berlin.
    expect(containingWindow("weekly", new Date("2021-01-03T23:30:00Z"), BERLIN).period).toBe("2021-W01");
    expect(nextWindow(weekWindow("2026-W53", "UTC")).period).toBe("2027-W01");
    expect(previousWindow(weekWindow("2021-W01", "UTC")).period).toBe("2020-W53");
  });

  it("rejects invalid weeks clearly", () => {
    expect(() => weekWindow("2021-W53", "UTC")).toThrow(/ISO week-year 2021 has weeks 01..52/);
    expect(() => weekWindow("2026-W00", "UTC")).toThrow(/has weeks 01..53/);
    expect(() => weekWindow("2026-W54", "UTC")).toThrow(/has weeks 01..53/);
    expect(() => weekWindow("2026-W5", "UTC")).toThrow(/expected "YYYY-Www"/);
    expect(() => weekWindow("2026W05", "UTC")).toThrow(/expected "YYYY-Www"/);
  });
});

describe("parsePeriod", () => {
  it("dispatches on the shape", () => {
    expect(parsePeriod("2026-10", BERLIN).kind).toBe("monthly");
    expect(parsePeriod("2026-W43", BERLIN).kind).toBe("weekly");
    expect(parsePeriod("2026-Q4", BERLIN)).toMatchObject({ kind: "quarterly", period: "2026-Q4" });
    expect(parsePeriod("2026", BERLIN)).toMatchObject({ kind: "yearly", period: "2026" });
  });
  it.each([
    "",
    "26",
    "20261",
    "2026-10-01",
    "2026-w43",
    "2026-q4",
    "2026Q4",
    "2026-Q04",
    "Q4 2026",
    "October 2026",
    "26-10",
    " 2026-10",
    "2026 ",
  ])("rejects %j", (bad) => {
    expect(() => parsePeriod(bad, BERLIN)).toThrow(
      `invalid period ${JSON.stringify(bad)}: expected a month "YYYY-MM" (e.g. "2026-10"), an ISO week "YYYY-Www" (e.g. "2026-W43"), a quarter "YYYY-Qn" (e.g. "2026-Q4") or a year "YYYY" (e.g. "2026")`,
    );
  });
  it("names the value when a quarter is out of range", () => {
    expect(() => parsePeriod("2026-Q5", BERLIN)).toThrow('invalid quarter "2026-Q5": quarter must be Q1..Q4');
    expect(() => parsePeriod("2026-Q0", BERLIN)).toThrow('invalid quarter "2026-Q0": quarter must be Q1..Q4');
    expect(() => quarterWindow("2026-10", BERLIN)).toThrow(
      'invalid quarter "2026-10": expected "YYYY-Qn", e.g. "2026-Q4"',
    );
    expect(() => yearWindow("2026-Q4", BERLIN)).toThrow(
      'invalid year "2026-Q4": expected "YYYY", e.g. "2026"',
    );
  });
});

describe("quarter and year windows: calendar-exact, real elapsed length", () => {
  // Hour counts checked independently of luxon (Python zoneinfo, same tz database):
  // Q1 2027 New York: 90 days, DST starts 2027-03-14 -> 2159 h; Q4 2026 Berlin: 92 days, DST ends
  // 2026-10-25 -> 2209 h; 2028 is a leap year: 366 days, 8784 h in Berlin (both changes inside).
  it.each([
    ["2027-Q1", "America/New_York", 2159, "2027-01-01T00:00:00.000-05:00", "2027-04-01T00:00:00.000-04:00"],
    ["2026-Q4", BERLIN, 2209, "2026-10-01T00:00:00.000+02:00", "2027-01-01T00:00:00.000+01:00"],
    ["2026-Q1", BERLIN, 2159, "2026-01-01T00:00:00.000+01:00", "2026-04-01T00:00:00.000+02:00"],
    ["2026-Q3", BERLIN, 2208, "2026-07-01T00:00:00.000+02:00", "2026-10-01T00:00:00.000+02:00"],
    ["2028-Q1", "UTC", 91 * 24, "2028-01-01T00:00:00.000+00:00", "2028-04-01T00:00:00.000+00:00"],
    ["2027-Q1", "UTC", 90 * 24, "2027-01-01T00:00:00.000+00:00", "2027-04-01T00:00:00.000+00:00"],
  ])("%s in %s has %d hours", (period, tz, hours, start, end) => {
    const w = quarterWindow(period, tz);
    expect(w).toMatchObject({ kind: "quarterly", period, timeZone: tz });
    expect(windowHours(w)).toBe(hours);
    expect(formatWindow(w)).toEqual({ start, end, timeZone: tz });
    expect(windowMinutes(w)).toBe(hours * 60);
  });

  it("years: 2028 has 366 days, 2026 has 365; the hours net out over both DST changes", () => {
    const leap = yearWindow("2028", BERLIN);
    expect(leap).toMatchObject({ kind: "yearly", period: "2028" });
    expect(dailyWindows(leap)).toHaveLength(366);
    expect(dailyWindows(leap).map((d) => d.date)).toContain("2028-02-29");
    expect(windowHours(leap)).toBe(8784);
    expect(windowHours(yearWindow("2026", BERLIN))).toBe(8760);
    expect(dailyWindows(yearWindow("2026", "America/New_York"))).toHaveLength(365);
    expect(formatWindow(yearWindow("2026", BERLIN))).toEqual({
      start: "2026-01-01T00:00:00.000+01:00",
      end: "2027-01-01T00:00:00.000+01:00",
      timeZone: BERLIN,
    });
  });

  it("a quarter is exactly its three months, a year its four quarters (boundaries shared)", () => {
    const q = quarterWindow("2026-Q4", BERLIN);
    const months = ["2026-10", "2026-11", "2026-12"].map((m) => monthWindow(m, BERLIN));
    expect(q.start).toEqual(months[0]!.start);
    expect(q.end).toEqual(months[2]!.end);
    expect(months.reduce((h, m) => h + windowHours(m), 0)).toBe(windowHours(q));
    const y = yearWindow("2027", "America/New_York");
    const quarters = ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"].map((p) => quarterWindow(p, y.timeZone));
    expect(quarters[0]!.start).toEqual(y.start);
    expect(quarters[3]!.end).toEqual(y.end);
    for (let i = 1; i < 4; i++) expect(quarters[i]!.start).toEqual(quarters[i - 1]!.end);
    expect(quarters.reduce((h, w) => h + windowHours(w), 0)).toBe(windowHours(y));
  });

  it("steps across year ends, and the previous complete quarter/year of a run on 1 January", () => {
    expect(nextWindow(quarterWindow("2026-Q4", BERLIN)).period).toBe("2027-Q1");
    expect(previousWindow(quarterWindow("2027-Q1", BERLIN)).period).toBe("2026-Q4");
    expect(previousWindow(yearWindow("2000", BERLIN)).period).toBe("1999");
    expect(nextWindow(yearWindow("2028", BERLIN)).period).toBe("2029");
    // the scheduled runs: 1 Jan 06:10 / 06:20 Berlin (05:10Z / 05:20Z)
    const run = new Date("2027-01-01T05:10:00Z");
    expect(previousCompleteQuarter(run, BERLIN).period).toBe("2026-Q4");
    expect(previousCompleteYear(run, BERLIN).period).toBe("2026");
    // exactly at the boundary the quarter is complete; one millisecond before it is still running
    const boundary = quarterWindow("2026-Q4", BERLIN).end;
    expect(previousCompleteQuarter(boundary, BERLIN).period).toBe("2026-Q4");
    expect(previousCompleteQuarter(new Date(boundary.getTime() - 1), BERLIN).period).toBe("2026-Q3");
    // the zone decides, not UTC: 2026-12-31T23:30Z is already 2027 in Berlin, still 2026 in New York
    const late = new Date("2026-12-31T23:30:00Z");
    expect(containingWindow("yearly", late, BERLIN).period).toBe("2027");
    expect(containingWindow("yearly", late, "America/New_York").period).toBe("2026");
    expect(containingWindow("quarterly", new Date("2026-06-30T22:30:00Z"), BERLIN).period).toBe("2026-Q3");
  });

  it("refuses an unknown calendar kind by name", () => {
    expect(() => containingWindow("daily" as never, new Date(), BERLIN)).toThrow(
      'containingWindow: kind must be one of "weekly", "monthly", "quarterly", "yearly", got "daily"',
    );
  });
});

describe("previousCompleteMonth / previousCompleteWeek", () => {
  it.each([
    ["2026-11-01T00:30:00+01:00", "2026-10"], // 00:30 Berlin on the 1st
    ["2026-11-01T00:00:00+01:00", "2026-10"], // exactly at the boundary: October is complete
    ["2026-10-31T23:59:59.999+01:00", "2026-09"], // 1 ms before: October is not complete
    ["2026-10-31T23:30:00Z", "2026-10"], // already 00:30 on Nov 1 in Berlin
    ["2026-01-01T06:00:00+01:00", "2025-12"], // across the year
    ["2026-03-01T00:00:00+01:00", "2026-02"],
  ])("run at %s (Berlin) reports %s", (runAt, period) => {
    const w = previousCompleteMonth(new Date(runAt), BERLIN);
    expect(w.period).toBe(period);
    expect(w.end.getTime()).toBeLessThanOrEqual(new Date(runAt).getTime());
  });

  it.each([
    ["2026-10-26T00:00:00+01:00", "2026-W43"], // Monday 00:00 exactly
    ["2026-10-26T06:00:00+01:00", "2026-W43"],
    ["2026-10-25T23:59:59.999+01:00", "2026-W42"],
    ["2026-01-05T00:00:00+01:00", "2026-W01"],
    ["2026-01-04T12:00:00+01:00", "2025-W52"],
    ["2021-01-04T08:00:00+01:00", "2020-W53"],
  ])("weekly run at %s (Berlin) reports %s", (runAt, period) => {
    expect(previousCompleteWeek(new Date(runAt), BERLIN).period).toBe(period);
  });

  it("uses the configured zone, not UTC (a UTC cron at 23:30Z on Oct 31)", () => {
    const runAt = new Date("2026-10-31T23:30:00Z");
    expect(previousCompleteMonth(runAt, "UTC").period).toBe("2026-09");
    expect(previousCompleteMonth(runAt, BERLIN).period).toBe("2026-10");
    expect(previousCompleteMonth(runAt, "America/New_York").period).toBe("2026-09");
  });
});

describe("previousWindow / containingWindow", () => {
  it("steps to the month / week before", () => {
    expect(previousWindow(monthWindow("2026-01", BERLIN)).period).toBe("2025-12");
    expect(previousWindow(monthWindow("2026-03", BERLIN)).period).toBe("2026-02");
    expect(previousWindow(weekWindow("2026-W01", BERLIN)).period).toBe("2025-W52");
  });

  it("custom: same length immediately before", () => {
    const w = customWindow("2026-10-10", "2026-10-17", BERLIN);
    const p = previousWindow(w);
    expect(p.end.getTime()).toBe(w.start.getTime());
    expect(p.end.getTime() - p.start.getTime()).toBe(w.end.getTime() - w.start.getTime());
    expect(p.kind).toBe("custom");
    expect(p.period).toBeNull();
  });

  it("containingWindow includes its start and excludes its end", () => {
    const oct = monthWindow("2026-10", BERLIN);
    expect(containingWindow("monthly", oct.start, BERLIN).period).toBe("2026-10");
    expect(containingWindow("monthly", new Date(oct.end.getTime() - 1), BERLIN).period).toBe("2026-10");
    expect(containingWindow("monthly", oct.end, BERLIN).period).toBe("2026-11");
    expect(() => containingWindow("monthly", new Date(Number.NaN), BERLIN)).toThrow(/valid Date/);
  });
});

describe("customWindow", () => {
  it("a date alone is local midnight; end is exclusive", () => {
    const w = customWindow("2026-10-01", "2026-11-01", BERLIN);
    expect(w.start.getTime()).toBe(monthWindow("2026-10", BERLIN).start.getTime());
    expect(w.end.getTime()).toBe(monthWindow("2026-10", BERLIN).end.getTime());
    expect(windowHours(w)).toBe(745);
    expect(formatWindow(customWindow("2026-10-05", "2026-10-06", BERLIN)).start).toBe(
      "2026-10-05T00:00:00.000+02:00",
    );
  });

  it("date-times: local without offset, absolute with offset; Dates accepted", () => {
    const w = customWindow("2026-10-05T10:00", "2026-10-05T12:00:00Z", BERLIN);
    expect(w.start.toISOString()).toBe("2026-10-05T08:00:00.000Z");
    expect(w.end.toISOString()).toBe("2026-10-05T12:00:00.000Z");
    const d = customWindow(new Date("2026-10-01T00:00:00Z"), new Date("2026-10-02T00:00:00Z"), "UTC");
    expect(windowHours(d)).toBe(24);
    expect(d.kind).toBe("custom");
    expect(d.period).toBeNull();
  });

  it("rejects reversed, empty, too long and unparseable ranges", () => {
    expect(() => customWindow("2026-10-05", "2026-10-05", BERLIN)).toThrow(/must be before its end/);
    expect(() => customWindow("2026-10-06", "2026-10-05", BERLIN)).toThrow(/must be before its end/);
    expect(() => customWindow("2025-01-01", "2026-03-01", BERLIN)).toThrow(/too long: .* at most 400 days/);
    expect(customWindow("2025-01-01", "2026-02-05", BERLIN)).toBeTruthy(); // exactly 400 days
    expect(() => customWindow("2025-01-01", "2026-02-06", BERLIN)).toThrow(/too long/);
    expect(() => customWindow("2026-02-30", "2026-03-05", BERLIN)).toThrow(/not a valid calendar date/);
    expect(() => customWindow("yesterday", "2026-03-05", BERLIN)).toThrow(
      /custom window start \(from\) "yesterday" is not an ISO-8601/,
    );
    expect(() => customWindow("2026-01-01", new Date("x"), BERLIN)).toThrow(/must be a valid Date/);
    expect(() => customWindow("2026-01-01", "2026-01-09", BERLIN, { maxDays: 7 })).toThrow(/at most 7 days/);
  });
});

describe("dailyWindows", () => {
  it("October 2026 in Berlin: 31 days, the DST day has 25 h", () => {
    const days = dailyWindows(monthWindow("2026-10", BERLIN));
    expect(days).toHaveLength(31);
    expect(days[0]!.date).toBe("2026-10-01");
    expect(days[30]!.date).toBe("2026-10-31");
    const lengths = days.map((d) => (d.end.getTime() - d.start.getTime()) / HOUR);
    expect(lengths.filter((h) => h !== 24)).toEqual([25]);
    expect(days.find((d) => d.date === "2026-10-25")!.end.getTime()).toBe(
      days.find((d) => d.date === "2026-10-26")!.start.getTime(),
    );
  });

  it("March 2026 in Berlin has one 23 h day; Lord Howe has a 23.5 h day", () => {
    const march = dailyWindows(monthWindow("2026-03", BERLIN));
    expect(march.find((d) => d.date === "2026-03-29")!.end.getTime() - march[28]!.start.getTime()).toBe(
      23 * HOUR,
    );
    const lh = dailyWindows(monthWindow("2026-10", "Australia/Lord_Howe"));
    const d = lh.find((x) => x.date === "2026-10-04")!;
    expect((d.end.getTime() - d.start.getTime()) / HOUR).toBe(23.5);
  });

  it("a skipped date does not appear (Pacific/Apia 2011-12-30)", () => {
    const days = dailyWindows(monthWindow("2011-12", "Pacific/Apia"));
    expect(days).toHaveLength(30);
    expect(days.map((d) => d.date)).not.toContain("2011-12-30");
  });

  it("custom windows are clipped at both ends", () => {
    const w = customWindow("2026-10-05T10:00", "2026-10-07T06:00", BERLIN);
    const days = dailyWindows(w);
    expect(days.map((d) => d.date)).toEqual(["2026-10-05", "2026-10-06", "2026-10-07"]);
    expect(days[0]!.start.getTime()).toBe(w.start.getTime());
    expect(days[2]!.end.getTime()).toBe(w.end.getTime());
    expect((days[0]!.end.getTime() - days[0]!.start.getTime()) / HOUR).toBe(14);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties

const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Australia/Lord_Howe", // 30-minute DST
  "Asia/Kolkata", // +05:30, no DST
  "Asia/Kathmandu", // +05:45
  "Pacific/Chatham", // +12:45 / +13:45
  "America/Santiago", // DST change at midnight
  "America/Havana", // 00:00–01:00 repeated
  "Pacific/Apia", // skipped a whole day in 2011
  "Africa/Casablanca", // Ramadan DST
  "America/St_Johns", // -03:30
];

const zoneArb = fc.constantFrom(...ZONES);
const monthArb = fc.record({
  year: fc.integer({ min: 2000, max: 2100 }),
  month: fc.integer({ min: 1, max: 12 }),
});
const weekArb = fc
  .record({ year: fc.integer({ min: 2000, max: 2100 }), week: fc.integer({ min: 1, max: 53 }) })
  .map(({ year, week }) => ({ year, week: Math.min(week, isoWeeksInYear(year)) }));
const instantArb = fc
  .integer({ min: Date.UTC(2000, 0, 2), max: Date.UTC(2100, 11, 30) })
  .map((ms) => new Date(ms));

const quarterArb = fc.record({
  year: fc.integer({ min: 2000, max: 2100 }),
  quarter: fc.integer({ min: 1, max: 4 }),
});

const monthLabel = (y: number, m: number) => `${y}-${String(m).padStart(2, "0")}`;
const weekLabel = (y: number, w: number) => `${y}-W${String(w).padStart(2, "0")}`;

function assertTiles(a: Window, b: Window) {
  expect(a.end.getTime()).toBe(b.start.getTime());
  expect(a.start.getTime()).toBeLessThan(a.end.getTime());
}

describe("properties: windows tile time", () => {
  it("consecutive months share boundaries exactly and last 28..31 local days (±1 h DST)", () => {
    fc.assert(
      fc.property(zoneArb, monthArb, (tz, { year, month }) => {
        const w = monthWindow(monthLabel(year, month), tz);
        const next = nextWindow(w);
        assertTiles(w, next);
        expect(previousWindow(next).period).toBe(w.period);
        expect(previousWindow(next).start.getTime()).toBe(w.start.getTime());
        const hours = windowHours(w);
        // Apia 2011-12 is the one month with a skipped day (30 days); DST shifts are at most ±1 h.
        expect(hours).toBeGreaterThanOrEqual(27 * 24);
        expect(hours).toBeLessThanOrEqual(31 * 24 + 1);
      }),
      { numRuns: 300 },
    );
  });

  it("consecutive ISO weeks share boundaries exactly and last 168 ± 1 h", () => {
    fc.assert(
      fc.property(zoneArb, weekArb, (tz, { year, week }) => {
        const w = weekWindow(weekLabel(year, week), tz);
        const next = nextWindow(w);
        assertTiles(w, next);
        expect(previousWindow(next).period).toBe(w.period);
        const hours = windowHours(w);
        if (!(tz === "Pacific/Apia" && year === 2011)) {
          expect(hours).toBeGreaterThanOrEqual(167);
          expect(hours).toBeLessThanOrEqual(169);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("consecutive quarters and years share boundaries exactly; their length is their local days (±1 h)", () => {
    const DAY = 24 * HOUR;
    fc.assert(
      fc.property(zoneArb, quarterArb, (tz, { year, quarter }) => {
        const first = (quarter - 1) * 3;
        const q = quarterWindow(`${year}-Q${quarter}`, tz);
        const y = yearWindow(String(year), tz);
        // calendar days, minus the day Samoa skipped (2011-12-30)
        const skipped = tz === "Pacific/Apia" && year === 2011 && quarter === 4 ? 1 : 0;
        const qDays = (Date.UTC(year, first + 3, 1) - Date.UTC(year, first, 1)) / DAY - skipped;
        const yDays = (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / DAY;
        expect(yDays).toBe(year % 4 === 0 && year !== 2100 ? 366 : 365);
        for (const [w, days] of [
          [q, qDays],
          [y, yDays - (tz === "Pacific/Apia" && year === 2011 ? 1 : 0)],
        ] as const) {
          const next = nextWindow(w);
          assertTiles(w, next);
          expect(previousWindow(next)).toEqual(w);
          // DST moves a window's length by at most 1 h (Lord Howe: 30 min); a year nets out to 0 or the zone's rule change
          expect(Math.abs(windowHours(w) - days * 24)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("every instant lies in exactly one week, month, quarter and year of a zone", () => {
    fc.assert(
      fc.property(zoneArb, instantArb, (tz, at) => {
        for (const kind of ["monthly", "weekly", "quarterly", "yearly"] as const) {
          const w = containingWindow(kind, at, tz);
          const t = at.getTime();
          expect(w.start.getTime()).toBeLessThanOrEqual(t);
          expect(t).toBeLessThan(w.end.getTime());
          // The neighbours do not contain it (no overlap).
          expect(previousWindow(w).end.getTime()).toBeLessThanOrEqual(t);
          expect(nextWindow(w).start.getTime()).toBeGreaterThan(t);
          // Round trip through the period label.
          expect(parsePeriod(w.period!, tz).start.getTime()).toBe(w.start.getTime());
        }
      }),
      { numRuns: 400 },
    );
  });

  it("previousComplete* ends at or before the run and is the latest such window", () => {
    fc.assert(
      fc.property(zoneArb, instantArb, (tz, runAt) => {
        for (const w of [
          previousCompleteMonth(runAt, tz),
          previousCompleteWeek(runAt, tz),
          previousCompleteQuarter(runAt, tz),
          previousCompleteYear(runAt, tz),
        ]) {
          expect(w.end.getTime()).toBeLessThanOrEqual(runAt.getTime());
          expect(nextWindow(w).end.getTime()).toBeGreaterThan(runAt.getTime());
        }
      }),
      { numRuns: 300 },
    );
  });

  it("daily windows tile their month exactly, one per existing local date", () => {
    fc.assert(
      fc.property(zoneArb, monthArb, (tz, { year, month }) => {
        const w = monthWindow(monthLabel(year, month), tz);
        const days = dailyWindows(w);
        expect(days[0]!.start.getTime()).toBe(w.start.getTime());
        expect(days[days.length - 1]!.end.getTime()).toBe(w.end.getTime());
        for (let i = 1; i < days.length; i++) {
          expect(days[i]!.start.getTime()).toBe(days[i - 1]!.end.getTime());
          expect(days[i]!.date > days[i - 1]!.date).toBe(true);
        }
        for (const d of days) {
          const h = (d.end.getTime() - d.start.getTime()) / HOUR;
          expect(h).toBeGreaterThanOrEqual(23);
          expect(h).toBeLessThanOrEqual(25);
          expect(d.date.startsWith(`${monthLabel(year, month)}-`)).toBe(true);
        }
        expect(days.length).toBeGreaterThanOrEqual(28);
      }),
      { numRuns: 200 },
    );
  });

  it("daily windows tile arbitrary custom windows", () => {
    fc.assert(
      fc.property(zoneArb, instantArb, fc.integer({ min: 1, max: 40 * 24 * 60 }), (tz, from, minutes) => {
        const w = customWindow(from, new Date(from.getTime() + minutes * 60_000), tz);
        const days = dailyWindows(w);
        expect(days[0]!.start.getTime()).toBe(w.start.getTime());
        expect(days[days.length - 1]!.end.getTime()).toBe(w.end.getTime());
        for (let i = 1; i < days.length; i++)
          expect(days[i]!.start.getTime()).toBe(days[i - 1]!.end.getTime());
        for (const d of days) {
          expect(d.end.getTime()).toBeGreaterThan(d.start.getTime());
          // Each day's label is the local date of its start.
          expect(toZonedIso(d.start, tz).slice(0, 10)).toBe(d.date);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("resolveWindow: past or running windows from 2000-01-01 on, nothing else", () => {
  const TZ = "Europe/Berlin";
  // a fixed "now": Tuesday 2026-12-01 07:05 in Berlin
  const now = new Date("2026-12-01T06:05:00Z");
  const refused = (r: Parameters<typeof resolveWindow>[0], message: RegExp) => {
    expect(() => resolveWindow(r, TZ, now)).toThrow(WindowError);
    expect(() => resolveWindow(r, TZ, now)).toThrow(message);
  };

  it("accepts past periods, the running month and custom ranges reaching into the future", () => {
    expect(resolveWindow({ period: "2026-10" }, TZ, now).start).toEqual(new Date("2026-09-30T22:00:00Z"));
    const running = resolveWindow({ period: "2026-12" }, TZ, now);
    expect(running.start).toEqual(new Date("2026-11-30T23:00:00Z")); // started 7 h 5 min ago
    expect(resolveWindow({ current: "monthly" }, TZ, now)).toEqual(running);
    expect(resolveWindow({ previous: "monthly" }, TZ, now).period).toBe("2026-11");
    expect(resolveWindow({ previous: "weekly" }, TZ, now).period).toBe("2026-W48");
    expect(resolveWindow({ current: "weekly" }, TZ, now).period).toBe("2026-W49");
    const custom = resolveWindow({ from: "2026-11-30", to: "2026-12-05" }, TZ, now);
    expect(custom.end).toEqual(new Date("2026-12-04T23:00:00Z"));
    // January 2000 in Berlin starts 1999-12-31T23:00Z: local midnight of 2000-01-01, accepted
    expect(resolveWindow({ period: "2000-01" }, TZ, now).start).toEqual(new Date("1999-12-31T23:00:00Z"));
  });

  it("accepts past and running quarters and years (now is 2026-12-01)", () => {
    expect(resolveWindow({ period: "2026-Q3" }, TZ, now)).toMatchObject({
      kind: "quarterly",
      period: "2026-Q3",
    });
    const q4 = resolveWindow({ period: "2026-Q4" }, TZ, now); // running: its report is partial
    expect(q4.start).toEqual(new Date("2026-09-30T22:00:00Z"));
    expect(resolveWindow({ current: "quarterly" }, TZ, now)).toEqual(q4);
    expect(resolveWindow({ previous: "quarterly" }, TZ, now).period).toBe("2026-Q3");
    expect(resolveWindow({ period: "2026" }, TZ, now)).toEqual(resolveWindow({ current: "yearly" }, TZ, now));
    expect(resolveWindow({ previous: "yearly" }, TZ, now).period).toBe("2025");
    expect(resolveWindow({ period: "2000" }, TZ, now).start).toEqual(new Date("1999-12-31T23:00:00Z"));
    expect(resolveWindow({ period: "2000-Q1" }, TZ, now).period).toBe("2000-Q1");
  });

  it("refuses future, pre-2000 and malformed quarters and years, naming the value", () => {
    refused(
      { period: "2027-Q1" },
      /^period "2027-Q1" is in the future \(2027-01-01T00:00:00\.000\+01:00 \.\. 2027-04-01T00:00:00\.000\+02:00 in Europe\/Berlin; now is 2026-12-01T07:05:00\.000\+01:00\): only past or running windows can be reported$/,
    );
    refused({ period: "2027" }, /^period "2027" is in the future \(2027-01-01T00:00:00\.000\+01:00 \.\./);
    refused({ period: "1999-Q4" }, /^period "1999-Q4" starts before 2000-01-01/);
    refused({ period: "1999" }, /^period "1999" starts before 2000-01-01/);
    refused({ period: "2026-Q5" }, /^invalid quarter "2026-Q5": quarter must be Q1\.\.Q4$/);
    refused({ period: "26" }, /^invalid period "26": expected a month/);
  });

  it("refuses future windows, naming the value", () => {
    refused(
      { period: "2028-02" },
      /^period "2028-02" is in the future \(2028-02-01T00:00:00\.000\+01:00 \.\./,
    );
    refused({ period: "2026-W50" }, /period "2026-W50" is in the future/); // starts Monday Dec 7
    refused(
      { from: "2026-12-02", to: "2026-12-03" },
      /window from "2026-12-02" to "2026-12-03" is in the future/,
    );
  });

  it("refuses windows starting before 2000-01-01 in the zone", () => {
    refused({ period: "1999-12" }, /period "1999-12" starts before 2000-01-01/);
    refused({ period: "1999-W52" }, /period "1999-W52" starts before 2000-01-01/); // Dec 27, 1999 – Jan 3, 2000
    refused({ from: "1999-12-31T23:30:00+01:00", to: "2000-01-02" }, /starts before 2000-01-01/);
  });

  it("refuses empty and malformed windows", () => {
    refused(
      { from: "2026-10-05", to: "2026-10-05" },
      /window from "2026-10-05" to "2026-10-05": .*must be before/,
    );
    refused({ from: "2026-10-06", to: "2026-10-05" }, /must be before its end/);
    refused({ period: "2026-13" }, /invalid month "2026-13"/);
    refused({ period: "last month" }, /invalid period "last month"/);
    refused({ from: "soon", to: "2026-10-05" }, /"soon" is not an ISO-8601/);
  });
});
