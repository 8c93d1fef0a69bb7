import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstUnlisted, WorkerNamer, workerName } from "../../scheduler/plan/naming.js";

describe("worker names", () => {
  it("are cs-<cloud>-<vmtype>-<nnnn>", () => {
    expect(workerName("alberta", "demo-vm", 7)).toBe("cs-alberta-demo-vm-0007");
    expect(workerName("alberta", "demo-vm", 12345)).toBe("cs-alberta-demo-vm-12345");
  });

  it("take the lowest free number, skipping every name in use", () => {
    const namer = new WorkerNamer(["cs-alberta-demo-vm-0001", "cs-alberta-demo-vm-0003"]);
    expect(namer.name("alberta", "demo-vm")).toBe("cs-alberta-demo-vm-0002");
    expect(namer.name("alberta", "demo-vm")).toBe("cs-alberta-demo-vm-0004");
    expect(namer.name("victoria", "demo-vm")).toBe("cs-victoria-demo-vm-0001");
  });

  it("stay unique when cloud and VM type names run together", () => {
    const namer = new WorkerNamer([]);
    const a = namer.name("a-b", "c");
    const b = namer.name("a", "b-c");
    expect(a).toBe("cs-a-b-c-0001");
    expect(b).toBe("cs-a-b-c-0002");
  });

  it("give the same names with a sorted pool's hint as when asked from 1 (property)", () => {
    const nameArb = fc.oneof(
      fc
        .tuple(
          fc.constantFrom("a", "a-b"),
          fc.constantFrom("c", "b-c", "d"),
          fc.integer({ min: 1, max: 12 }),
        )
        .map(([cloud, vmType, n]) => workerName(cloud, vmType, n)),
      fc.constantFrom("cs-a-c-0001x", "cs-a-c-", "cs-a-c-10000", "other"),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(nameArb, { maxLength: 30 }),
        fc.uniqueArray(nameArb, { maxLength: 4 }),
        fc.array(fc.tuple(fc.constantFrom("a", "a-b"), fc.constantFrom("c", "b-c", "d")), {
          maxLength: 8,
        }),
        (pool, elsewhere, asks) => {
          const sorted = [...pool].sort();
          const inUse = (name: string) => pool.includes(name) || elsewhere.includes(name);
          const plain = new WorkerNamer([], inUse);
          const hinted = new WorkerNamer([], inUse, (cloud, vmType) =>
            firstUnlisted((i) => sorted[i] as string, 0, sorted.length, cloud, vmType),
          );
          for (const [cloud, vmType] of asks) {
            expect(hinted.name(cloud, vmType)).toBe(plain.name(cloud, vmType));
          }
        },
      ),
    );
  });

  it("hint past a run of taken numbers in a sorted pool, not past a gap", () => {
    const sorted = ["cs-a-c-0001", "cs-a-c-0002", "cs-a-c-0004", "cs-a-d-0001"];
    const at = (i: number) => sorted[i] as string;
    expect(firstUnlisted(at, 0, sorted.length, "a", "c")).toBe(3);
    expect(firstUnlisted(at, 0, sorted.length, "a", "d")).toBe(2);
    expect(firstUnlisted(at, 0, sorted.length, "a", "e")).toBe(1);
  });
});
