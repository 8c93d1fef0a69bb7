import { describe, expect, it } from "vitest";
import { assignByMaxFlow } from "../../scheduler/plan/flow.js";

describe("assignByMaxFlow", () => {
  it("reroutes a flexible demand so a restricted one gets its only supply", () => {
    // demand 0 may use supplies 0 and 1; demand 1 only supply 0; one unit each.
    const flow = assignByMaxFlow([1, 1], [1, 1], (d, s) => d === 0 || s === 0);
    expect(flow).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it("never exceeds demands or supplies and maximises the total", () => {
    const demands = [3, 2, 4];
    const supplies = [2, 5];
    const flow = assignByMaxFlow(demands, supplies, (d, s) => !(d === 2 && s === 0));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(flow.flat())).toBe(7);
    flow.forEach((row, d) => {
      expect(sum(row)).toBeLessThanOrEqual(demands[d] as number);
    });
    supplies.forEach((supply, s) => {
      expect(sum(flow.map((row) => row[s] as number))).toBeLessThanOrEqual(supply);
    });
    expect(flow[2]?.[0]).toBe(0);
  });
});
