/** The probe detail's slot grid: indices, points off the grid, several series judged per interval. */
import { describe, expect, it } from "vitest";
import { emptyGridCounts, probeDetail, slotGrid, slotIndex, wallClockSlots } from "./detail.js";

const MIN = 60_000;
const start = new Date("2026-10-01T00:00:00Z");
const end = new Date(start.getTime() + 10 * MIN);
const t = (k: number) => start.getTime() + k * MIN;

describe("slotGrid / slotIndex", () => {
  it("numbers the slots starting in [start, end) and refuses anything that starts none", () => {
    const grid = slotGrid(start, end, MIN);
    expect(grid.count).toBe(10);
    expect(slotIndex(grid, t(0))).toBe(0);
    expect(slotIndex(grid, t(9))).toBe(9);
    expect(slotIndex(grid, t(10))).toBe(-1); // end is exclusive
    expect(slotIndex(grid, t(-1))).toBe(-1);
    expect(slotIndex(grid, t(3) + 15_000)).toBe(-1); // not aligned
    // a span that is not a whole number of steps still has a slot for its last partial step
    expect(slotGrid(start, new Date(end.getTime() + 1), MIN).count).toBe(11);
    expect(slotGrid(end, start, MIN).count).toBe(0);
  });
});

describe("wallClockSlots", () => {
  it("judges each interval by the rule; missing intervals are neither present nor good", () => {
    const counts = emptyGridCounts(slotGrid(start, end, MIN));
    // 3 series: slot 0 all fine, slot 1 one failed, slot 2 two failed, slot 3 all failed, slot 4 no sample
    const rows: [number, number][] = [
      [3, 0],
      [3, 1],
      [3, 2],
      [3, 3],
      [0, 0],
    ];
    rows.forEach(([present, failed], k) => {
      counts.present[k] = present;
      counts.failed[k] = failed;
    });
    counts.present[5] = Number.NaN; // a NaN sample count is missing data, never up
    const goodOf = (rule: "any" | "majority" | "all") =>
      Array.from(wallClockSlots(counts, rule).good.slice(0, 6));
    expect(Array.from(wallClockSlots(counts, "any").present.slice(0, 6))).toEqual([1, 1, 1, 1, 0, 0]);
    expect(goodOf("any")).toEqual([1, 0, 0, 0, 0, 0]);
    expect(goodOf("majority")).toEqual([1, 1, 0, 0, 0, 0]);
    expect(goodOf("all")).toEqual([1, 1, 1, 0, 0, 0]);
  });

  it("counts points off the grid in the totals, once per interval, never in a slot", () => {
    const counts = emptyGridCounts(slotGrid(start, end, MIN));
    counts.offGrid.set(t(2) + 30_000, { present: 2, failed: 0 });
    counts.offGrid.set(t(12), { present: 2, failed: 2 });
    const slots = wallClockSlots(counts, "majority");
    expect(slots.offGrid).toEqual({ present: 2, good: 1 });
    expect(slots.present.every((x) => x === 0)).toBe(true);
  });
});

describe("probeDetail over the grid", () => {
  it("puts each slot in its day, maintenance apart, and an incident from the first to the last failed slot", () => {
    const grid = slotGrid(start, end, MIN);
    const present = new Uint8Array(grid.count).fill(1);
    const good = new Uint8Array(grid.count).fill(1);
    present[7] = 0; // missing
    good[7] = 0;
    good[3] = 0; // failed
    good[4] = 0;
    const mid = new Date(t(5));
    const detail = probeDetail({
      start,
      end,
      stepMs: MIN,
      slots: { present, good },
      seriesCount: 1,
      days: [
        { date: "a", start, end: mid },
        { date: "b", start: mid, end },
      ],
      maintenance: [{ start: new Date(t(8)), end: new Date(t(9)), reason: "upgrade" }],
      toIso: (d) => d.toISOString(),
    });
    expect(detail.days.map((d) => [d.date, d.expected, d.present, d.good])).toEqual([
      ["a", 5, 5, 3],
      ["b", 4, 3, 3],
    ]);
    expect(detail.maintenance).toEqual({ expected: 1, present: 1, good: 1 });
    expect(detail.failedSlots).toBe(2);
    expect(detail.incidents).toHaveLength(1);
    expect(detail.incidents[0]).toMatchObject({ start: new Date(t(3)).toISOString() });
  });
});
