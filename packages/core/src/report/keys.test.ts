import { describe, expect, it } from "vitest";
import type { Window } from "../slo/windows.js";
import { notificationKey, reportId } from "./keys.js";

const custom = (start: string, end: string): Window => ({
  kind: "custom",
  period: null,
  start: new Date(start),
  end: new Date(end),
  timeZone: "Europe/Berlin",
});

describe("report keys", () => {
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
});
