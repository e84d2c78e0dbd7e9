/** The client's pure helpers (the HTTP side is tested against real and fake servers under test/prometheus). */
import { describe, expect, it } from "vitest";
import { inTimeOrder } from "./client.js";

describe("inTimeOrder (merging the chunks of a range query)", () => {
  it("returns points already in strict time order as they are", () => {
    const values: [number, number][] = [
      [1000, 1],
      [2000, 0],
      [3000, 1],
    ];
    expect(inTimeOrder(values)).toBe(values);
    expect(values).toEqual([
      [1000, 1],
      [2000, 0],
      [3000, 1],
    ]);
  });

  it("sorts points out of order and keeps the first of equal timestamps", () => {
    expect(
      inTimeOrder([
        [3000, 3],
        [1000, 1],
        [2000, 2],
        [1000, 9],
        [3000, 8],
      ]),
    ).toEqual([
      [1000, 1],
      [2000, 2],
      [3000, 3],
    ]);
  });

  it("drops a repeated timestamp even when the rest is in order", () => {
    expect(
      inTimeOrder([
        [1000, 1],
        [1000, 2],
        [2000, 3],
      ]),
    ).toEqual([
      [1000, 1],
      [2000, 3],
    ]);
  });

  it("takes empty and single-point series", () => {
    expect(inTimeOrder([])).toEqual([]);
    expect(inTimeOrder([[5, 1]])).toEqual([[5, 1]]);
  });
});
