import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Bin, emptyBin, FirstFit, fits } from "../../scheduler/plan/pack.js";
import type { Size } from "../../scheduler/plan/types.js";

const size = (cores: number, memoryMb = 0, diskKb = 0): Size => ({ cores, memoryMb, diskKb });

describe("FirstFit", () => {
  it("packs first-fit decreasing into the fewest 4-core bins here", () => {
    const packer = new FirstFit<string>([], () => emptyBin(size(4, 8192, 100)));
    for (const [id, cores] of [
      ["a", 3],
      ["b", 2],
      ["c", 2],
      ["d", 1],
      ["e", 1],
    ] as const) {
      packer.place(id, size(cores, 1000, 10));
    }
    expect(packer.bins.map((b) => b.items)).toEqual([["a", "d"], ["b", "c"], ["e"]]);
    expect(packer.bins[2]?.free).toEqual(size(3, 7192, 90));
  });

  it("respects memory and disk as well as cores", () => {
    const packer = new FirstFit<number>([], () => emptyBin(size(8, 4096, 100)));
    packer.place(1, size(1, 3000));
    packer.place(2, size(1, 3000));
    packer.place(3, size(1, 0, 60));
    packer.place(4, size(1, 0, 60));
    expect(packer.bins.map((b) => b.items)).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it("returns -1 when no bin fits and none may be opened", () => {
    const packer = new FirstFit<number>([emptyBin(size(2))]);
    expect(packer.place(1, size(2))).toBe(0);
    expect(packer.place(2, size(1))).toBe(-1);
    expect(packer.place(3, size(3))).toBe(-1);
  });

  it("places exactly like a naive first fit", () => {
    const item = fc.record({
      cores: fc.integer({ min: 1, max: 4 }),
      memoryMb: fc.integer({ min: 0, max: 4 }),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 60 }), (items) => {
        const capacity = size(4, 4, 0);
        const packer = new FirstFit<number>([], () => emptyBin(capacity));
        const naive: Bin<number>[] = [];
        items.forEach((it, i) => {
          const s = size(it.cores, it.memoryMb);
          packer.place(i, s);
          let bin = naive.find((b) => fits(s, b.free));
          if (!bin) {
            bin = emptyBin(capacity);
            naive.push(bin);
          }
          bin.free = size(bin.free.cores - s.cores, bin.free.memoryMb - s.memoryMb);
          bin.items.push(i);
        });
        expect(packer.bins.map((b) => b.items)).toEqual(naive.map((b) => b.items));
      }),
      { numRuns: 100 },
    );
  });
});
