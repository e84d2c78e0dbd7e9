import { describe, expect, it } from "vitest";
import { formatDuration, formatPercent } from "./format.js";

describe("formatDuration", () => {
  it.each([
    [0, "0 min"],
    [0.25, "0.25 min"],
    [1, "1 min"],
    [12, "12 min"],
    [21.6, "21.6 min"],
    [40.32, "40.3 min"],
    [43.2, "43.2 min"],
    [44.64, "44.6 min"],
    [59.96, "1 h"], // rounds to 60.0 min
    [60, "1 h"],
    [72, "1 h 12 min"],
    [216, "3 h 36 min"],
    [239.7, "4 h"],
    [23 * 60 + 59, "23 h 59 min"],
    [24 * 60, "1 d"],
    [26 * 60, "1 d 2 h"],
    [43_200, "30 d"],
    [44_700, "31 d 1 h"],
    [-43.2, "-43.2 min"],
    [-0, "0 min"],
    [Number.NaN, "n/a"],
    [Number.POSITIVE_INFINITY, "n/a"],
  ])("%d min → %s", (minutes, text) => {
    expect(formatDuration(minutes)).toBe(text);
  });
});

describe("formatPercent", () => {
  it.each([
    [0.999, 2, "99.90 %"],
    [0.999, 1, "99.9 %"],
    [0.99954, 3, "99.954 %"],
    [1, 0, "100 %"],
    [0, 2, "0.00 %"],
    [-0.5, 1, "-50.0 %"],
    [null, 2, "n/a"],
    [Number.NaN, 2, "n/a"],
  ] as const)("%s with %d digits → %s", (ratio, digits, text) => {
    expect(formatPercent(ratio, digits)).toBe(text);
  });
  it("defaults to two decimals", () => {
    expect(formatPercent(0.9995)).toBe("99.95 %");
  });
});
