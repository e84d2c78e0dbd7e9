import { describe, expect, it } from "vitest";
import { parsePeriod, type Window } from "../slo/windows.js";
import { notificationKey, reportId, reportKeys } from "./keys.js";

const custom = (start: string, end: string, timeZone = "Europe/Berlin"): Window => ({
  kind: "custom",
  period: null,
  start: new Date(start),
  end: new Date(end),
  timeZone,
});

describe("report keys", () => {
  it("quarters and years: kind and period, sortable and distinct from months and weeks", () => {
    const tz = "Europe/Berlin";
    const ids = ["2026-Q4", "2026-Q1", "2027-Q1", "2026", "2025", "2026-10", "2026-W43"].map((p) =>
      reportId(parsePeriod(p, tz)),
    );
    expect(ids).toEqual([
      "quarterly/2026-Q4",
      "quarterly/2026-Q1",
      "quarterly/2027-Q1",
      "yearly/2026",
      "yearly/2025",
      "monthly/2026-10",
      "weekly/2026-W43",
    ]);
    expect(new Set(ids).size).toBe(ids.length);
    // within a kind, the key order is the time order
    expect(ids.filter((i) => i.startsWith("quarterly/")).sort()).toEqual([
      "quarterly/2026-Q1",
      "quarterly/2026-Q4",
      "quarterly/2027-Q1",
    ]);
    expect(reportKeys(parsePeriod("2026-Q4", tz)).html).toBe("reports/quarterly/2026-Q4/report.html");
    expect(reportKeys(parsePeriod("2026", tz)).json).toBe("reports/yearly/2026/report.json");
    expect(notificationKey(parsePeriod("2026", tz), undefined, "summary")).toBe(
      "notifications/yearly/2026/summary.json",
    );
    expect(reportId(parsePeriod("2026-Q4", tz), ["b", "a"])).toMatch(
      /^quarterly\/2026-Q4\/subset-[0-9a-f]{8}$/,
    );
  });

  it("custom windows on whole minutes keep the short form", () => {
    expect(reportId(custom("2026-10-05T10:00:00Z", "2026-10-12T10:00:00Z"))).toBe(
      "custom/2026-10-05T1200_2026-10-12T1200",
    );
  });

  it("windows that differ below the minute never share a key or a publish-once marker", () => {
    const a = custom("2026-10-05T10:00:00.000Z", "2026-10-12T10:00:00Z");
    const b = custom("2026-10-05T10:00:00.123Z", "2026-10-12T10:00:00Z");
    const c = custom("2026-10-05T10:00:05Z", "2026-10-12T10:00:00Z");
    expect(reportId(b)).toBe("custom/2026-10-05T120000.123_2026-10-12T1200");
    expect(reportId(c)).toBe("custom/2026-10-05T120005_2026-10-12T1200");
    const ids = new Set([a, b, c].map((w) => reportId(w)));
    expect(ids.size).toBe(3);
    const markers = new Set([a, b, c].map((w) => notificationKey(w, undefined, "summary")));
    expect(markers.size).toBe(3);
  });

  it("the repeated hour when DST ends: the two instants of one local time get distinct keys", () => {
    // 2026-11-01 01:30 happens twice in New York: at 05:30Z (EDT, -04:00) and at 06:30Z (EST, -05:00)
    const first = custom("2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z", "America/New_York");
    const second = custom("2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z", "America/New_York");
    expect(reportId(first)).toBe("custom/2026-11-01T0130-0400_2026-11-01T0200");
    expect(reportId(second)).toBe("custom/2026-11-01T0130-0500_2026-11-01T0200");
    expect(notificationKey(first, undefined, "summary")).not.toBe(
      notificationKey(second, undefined, "summary"),
    );
    // the same in Berlin (02:30 twice on 2026-10-25), with seconds kept
    const berlin = ["2026-10-25T00:30:05Z", "2026-10-25T01:30:05Z"].map((s) =>
      reportId(custom(s, "2026-10-26T00:00:00Z")),
    );
    expect(berlin).toEqual([
      "custom/2026-10-25T023005+0200_2026-10-26T0100",
      "custom/2026-10-25T023005+0100_2026-10-26T0100",
    ]);
    // the hour skipped when DST starts is no local time at all: its neighbours keep the short form
    expect(reportId(custom("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"))).toBe(
      "custom/2026-03-29T0300_2026-03-29T0400",
    );
  });
});
