// The simulator's in-memory pool files commit exactly when a pool file's text would change,
// while serialising only the workers that changed.
import { expect, test } from "vitest";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { MemoryPoolFiles } from "../../scheduler/sim/sim-pools.js";

function worker(name: string, extra: Partial<PoolWorker> = {}): PoolWorker {
  return {
    name,
    vmType: "c1",
    image: "worker",
    flavor: "c1",
    cores: 1,
    ramMb: 4096,
    diskGb: 20,
    state: "booting",
    createdAt: 100,
    keepAliveSeconds: 600,
    ...extra,
  };
}

const message = (paths: string[]) => `update ${paths.join(", ")}`;

test("commits a pool only when its JSON text changes; reads are frozen copies", async () => {
  const files = new MemoryPoolFiles();
  expect((await files.save({ east: [] }, message)).commit).toBeUndefined();
  const first = await files.save({ east: [worker("a"), worker("b")] }, message);
  expect(first.commit).toBe("sim-1");
  expect(first.paths).toEqual(["pool/east.json"]);

  // New objects with the same fields, and a field set to undefined (JSON drops it): no change.
  const same = await files.save(
    { east: [worker("a"), worker("b", { idleSince: undefined })] },
    message,
  );
  expect(same.commit).toBeUndefined();

  // One worker changes: a commit, and the read shows the change and keeps the other.
  const changed = await files.save(
    { east: [worker("a"), worker("b", { state: "registered", idleSince: 160 })] },
    message,
  );
  expect(changed.commit).toBe("sim-2");
  const read = await files.readAll(["east", "west"]);
  expect(read.east?.map((w) => [w.name, w.state, w.idleSince])).toEqual([
    ["a", "booting", undefined],
    ["b", "registered", 160],
  ]);
  expect(read.west).toEqual([]);
  expect(Object.isFrozen(read.east?.[1])).toBe(true);

  // Order is part of the file; a removed worker too.
  expect((await files.save({ east: [worker("b")] }, message)).commit).toBe("sim-3");
  expect((await files.remove(["east"], "gone")) ?? "").toBe("sim-4");
  expect(files.commitCount).toBe(4);
});

test("a saved worker mutated by the caller afterwards does not change the stored pool", async () => {
  const files = new MemoryPoolFiles();
  const w = worker("a");
  await files.save({ east: [w] }, message);
  w.state = "failed";
  const read = await files.readAll(["east"]);
  expect(read.east?.[0]?.state).toBe("booting");
});
