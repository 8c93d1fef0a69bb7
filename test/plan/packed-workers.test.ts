// PackedWorkers packs runs of identical items; FirstFit (pack.ts) places one item at a time.
// First-fit decreasing by class must put every item where FirstFit would.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emptyBin, FirstFit, PackedWorkers } from "../../scheduler/plan/pack.js";
import type { Size } from "../../scheduler/plan/types.js";

const sizeArb = fc.record({
  cores: fc.integer({ min: 1, max: 4 }),
  memoryMb: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.double({ min: 0, max: 8, noNaN: true })),
  diskKb: fc.integer({ min: 0, max: 3 }),
});

describe("PackedWorkers", () => {
  it("puts each item of each run where FirstFit puts it item by item, in fresh or released arrays (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            capacity: fc.record({
              cores: fc.integer({ min: 1, max: 8 }),
              memoryMb: fc.integer({ min: 0, max: 16 }),
              diskKb: fc.integer({ min: 0, max: 6 }),
            }),
            classes: fc.array(fc.tuple(sizeArb, fc.integer({ min: 0, max: 12 })), {
              maxLength: 6,
            }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.boolean(),
        (shapes, reused) => {
          // A packing made after another was released packs into its arrays: it must pack the
          // same as one made fresh (nothing of the earlier packing shows through).
          if (reused) {
            const earlier = new PackedWorkers();
            earlier.begin({ cores: 3, memoryMb: 7, diskKb: 5 });
            earlier.place(0, 0, 500, { cores: 1, memoryMb: 2, diskKb: 1 });
            earlier.release();
          }
          const packed = new PackedWorkers();
          for (const { capacity, classes } of shapes) {
            const first = packed.begin(capacity);
            // The reference: every item placed on its own, bins holding [class, position].
            const reference = new FirstFit<[number, number]>([], () => emptyBin(capacity));
            classes.forEach(([size, count], c) => {
              for (let k = 0; k < count; k++) reference.place([c, k], size as Size);
              packed.place(c, 0, count, size as Size);
            });
            const got: [number, number][][] = [];
            for (let b = first; b < packed.length; b++) {
              const items: [number, number][] = [];
              packed.forEachRun(b, (c, from, count) => {
                for (let k = from; k < from + count; k++) items.push([c, k]);
              });
              expect(packed.items(b)).toBe(items.length);
              got.push(items);
            }
            expect(got).toEqual(reference.bins.map((bin) => bin.items));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
