// Launch digests as the model asks for them: each worker, each cycle.
import { describe, expect, it } from "vitest";
import { memoizedLaunch, perConfig } from "../../scheduler/state/launch.js";

describe("memoizedLaunch", () => {
  it("computes each shape's digest once and answers every ask as the computation does", () => {
    const computed: string[] = [];
    const launch = memoizedLaunch((cloud, vmType, image, flavor) => {
      computed.push(`${cloud}/${vmType}/${image}/${flavor}`);
      return flavor === "unknown" ? undefined : `${cloud}:${vmType}:${image}:${flavor}`;
    });
    const asks: [string, string, string, string][] = [
      ["a", "t", "img", "f"],
      ["a", "t", "img", "f"],
      ["a", "t", "img", "g"],
      ["a", "t", "img", "f"],
      ["b", "t", "img", "f"],
      ["a", "u", "img", "f"],
      ["a", "t", "other", "f"],
      ["a", "t", "img", "unknown"],
      ["a", "t", "img", "unknown"],
      ["b", "t", "img", "f"],
    ];
    for (const [cloud, vmType, image, flavor] of asks) {
      const expected = flavor === "unknown" ? undefined : `${cloud}:${vmType}:${image}:${flavor}`;
      expect(launch.of(cloud, vmType, image, flavor)).toBe(expected);
    }
    expect(computed).toEqual([
      "a/t/img/f",
      "a/t/img/g",
      "b/t/img/f",
      "a/u/img/f",
      "a/t/other/f",
      "a/t/img/unknown",
    ]);
  });
});

describe("perConfig", () => {
  it("makes its value once while the config object stays, and anew for a new one", () => {
    let made = 0;
    const of = perConfig((config: { cycle: number }) => ({ made: ++made, cycle: config.cycle }));
    const first = { cycle: 5 };
    expect(of(first)).toEqual({ made: 1, cycle: 5 });
    expect(of(first)).toEqual({ made: 1, cycle: 5 });
    const next = { cycle: 5 };
    expect(of(next)).toEqual({ made: 2, cycle: 5 });
    expect(of(first)).toEqual({ made: 3, cycle: 5 });
  });
});
