// Shard assignment: workers stay where they are, new ones fill the lowest shard with room,
// a shard whose workers all left is still deployed (empty), and stack names round-trip.
import { describe, expect, it } from "vitest";
import { assignShards, parseShardStack, shardStackName } from "../../scheduler/deploy/shards.js";
import { poolWorker } from "../plan/world.js";

const w = (n: number) => poolWorker(`cs-a-vm-${String(n).padStart(4, "0")}`);
const names = (shards: Map<number, ReturnType<typeof w>[]>) =>
  Object.fromEntries([...shards].map(([s, list]) => [s, list.map((x) => x.name.slice(-2))]));

describe("assignShards", () => {
  it("fills shard 0, then opens the next, never moving a worker", () => {
    const first = assignShards([w(1), w(2), w(3)], new Map(), [], 2);
    expect(names(first)).toEqual({ 0: ["01", "02"], 1: ["03"] });
    // 02 left; 04 and 05 arrive: 04 takes 02's place in shard 0, 05 goes to shard 1.
    const current = new Map([
      [w(1).name, 0],
      [w(2).name, 0],
      [w(3).name, 1],
    ]);
    const next = assignShards([w(1), w(3), w(4), w(5)], current, [0, 1], 2);
    expect(names(next)).toEqual({ 0: ["01", "04"], 1: ["03", "05"] });
  });

  it("keeps an oversize shard 0 (a stack from before sharding) as it is", () => {
    const current = new Map([1, 2, 3].map((n) => [w(n).name, 0] as const));
    const next = assignShards([w(1), w(2), w(3), w(4)], current, [0], 2);
    expect(names(next)).toEqual({ 0: ["01", "02", "03"], 1: ["04"] });
  });

  it("still lists a shard all of whose workers left, so its servers are deleted", () => {
    const current = new Map([[w(3).name, 1]]);
    expect(names(assignShards([], current, [0, 1], 2))).toEqual({ 0: [], 1: [] });
  });
});

describe("shard stack names", () => {
  it("round-trip, shard 0 being the cloud's stack from before sharding", () => {
    expect(shardStackName("alberta", 0)).toBe("pool-alberta");
    expect(shardStackName("alberta", 3)).toBe("pool-alberta_3");
    expect(parseShardStack("pool-alberta")).toEqual({ cloud: "alberta", shard: 0 });
    expect(parseShardStack("pool-my-cloud_12")).toEqual({ cloud: "my-cloud", shard: 12 });
    expect(parseShardStack("site-alberta")).toBeUndefined();
    expect(parseShardStack("pool-alberta_0")).toBeUndefined();
  });
});
