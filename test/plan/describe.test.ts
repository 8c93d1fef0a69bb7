import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { samePool } from "../../scheduler/plan/describe.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { poolWorker } from "./world.js";

describe("samePool", () => {
  it("says two pools are the same exactly when their JSON is (property)", () => {
    const value = fc.oneof(
      fc.constantFrom("a", "b", 0, -0, 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, true, null),
      fc.constant(undefined),
    );
    const worker = fc
      .record({
        name: fc.constantFrom("w1", "w2"),
        extra: fc.dictionary(fc.constantFrom("idleSince", "drainStartedAt", "x"), value, {
          maxKeys: 3,
        }),
        state: fc.constantFrom("booting", "registered"),
      })
      .map(({ name, extra, state }) => ({ ...poolWorker(name), state, ...extra }) as PoolWorker);
    const pool = fc.array(worker, { maxLength: 3 });
    fc.assert(
      fc.property(pool, pool, (a, b) => {
        expect(samePool(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
        expect(samePool(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("sees a changed field, a reordered key and a different worker", () => {
    const w = poolWorker("cs-a-demo-vm-0001");
    expect(samePool([w], [{ ...w }])).toBe(true);
    expect(samePool([w], [{ ...w, idleSince: 1 }])).toBe(false);
    const { name, ...rest } = w;
    expect(samePool([w], [{ ...rest, name } as PoolWorker])).toBe(false);
    expect(samePool([w], [poolWorker("cs-a-demo-vm-0002")])).toBe(false);
    expect(samePool([w], [])).toBe(false);
  });
});
