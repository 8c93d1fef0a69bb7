// The cycle's join fence (run/fence.ts): a worker deleted before it joined leaves the pool only
// once the fence is sure it cannot join; one that had joined, or every one when the fence
// fails, stays exactly as it was.
import { describe, expect, it } from "vitest";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import type { JoinFence } from "../../scheduler/identity/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { CycleMemory, runCycle } from "../../scheduler/run/cycle.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { MemoryPoolFiles } from "../../scheduler/run/memory-pool-files.js";
import { exampleConfig, NOW, poolWorker } from "../plan/world.js";
import { QuietCondor } from "../support/quiet-condor.js";

class FakeFence implements JoinFence {
  readonly calls: string[][] = [];
  joined = new Set<string>();
  failWith: Error | undefined;
  async close(workers: readonly string[]) {
    this.calls.push([...workers]);
    if (this.failWith) throw this.failWith;
    return new Set(workers.filter((w) => this.joined.has(w)));
  }
}

/** A worker past its boot timeout that never registered: the plan deletes it unjoined. */
const late = (n: number) =>
  poolWorker(`cs-alberta-demo-vm-000${n}`, {
    state: "booting",
    createdAt: NOW - 3 * 3600,
    idleSince: undefined,
  });

function setup(pool: PoolWorker[], fence?: FakeFence) {
  const files = new MemoryPoolFiles({ alberta: pool });
  const deployer = new MemoryDeployer();
  const log = recordingLogger();
  const deps = {
    condor: new QuietCondor(),
    deployer,
    pools: files,
    backoff: new BackoffTracker(),
    log,
    ...(fence ? { fence } : {}),
  };
  const cycle = () => runCycle(deps, new CycleMemory(), exampleConfig(), "rev", NOW);
  return { files, deployer, log, cycle };
}

describe("the join fence in the cycle", () => {
  it("fences a worker deleted before it joined, then lets it go", async () => {
    const fence = new FakeFence();
    const { files, cycle } = setup([late(1), late(2)], fence);
    const report = await cycle();
    expect(fence.calls).toEqual([["cs-alberta-demo-vm-0001", "cs-alberta-demo-vm-0002"]]);
    expect(report.fence).toEqual({
      closed: ["cs-alberta-demo-vm-0001", "cs-alberta-demo-vm-0002"],
      kept: [],
    });
    expect(files.pools.alberta).toEqual([]);
    expect(report.plan?.decisions.some((d) => d.kind === "never-registered")).toBe(true);
  });

  it("keeps a worker that joined before its fence closed, as it was, and says so", async () => {
    const fence = new FakeFence();
    fence.joined.add("cs-alberta-demo-vm-0002");
    const { files, cycle } = setup([late(1), late(2)], fence);
    const report = await cycle();
    expect(files.pools.alberta).toEqual([late(2)]);
    expect(report.pools?.alberta).toEqual([late(2)]);
    expect(report.fence?.kept).toEqual(["cs-alberta-demo-vm-0002"]);
    const commit = files.commits.at(-1)?.message ?? "";
    expect(commit).toMatch(/-1 demo-vm/);
    expect(commit).not.toMatch(/-2 demo-vm/);
  });

  it("keeps every such worker when the fence cannot be made sure", async () => {
    const fence = new FakeFence();
    fence.failWith = new Error("cannot set CLOUDSCHEDULER_REVOKED_TOKENS: timed out");
    const { files, deployer, log, cycle } = setup([late(1)], fence);
    const report = await cycle();
    expect(files.pools.alberta).toEqual([late(1)]);
    expect(report.fence).toEqual({
      closed: [],
      kept: ["cs-alberta-demo-vm-0001"],
      error: "cannot set CLOUDSCHEDULER_REVOKED_TOKENS: timed out",
    });
    // Deployed as it was: its server stays.
    expect(deployer.calls.find((c) => c.cloud === "alberta")?.workers).toEqual([
      "cs-alberta-demo-vm-0001",
    ]);
    expect(log.records.some((r) => r.level === "warn" && /join fence failed/.test(r.message))).toBe(
      true,
    );
  });

  it("does not fence a worker HTCondor has seen (drained ones leave as before)", async () => {
    const fence = new FakeFence();
    const drained = poolWorker("cs-alberta-demo-vm-0003", {
      state: "draining",
      drainStartedAt: NOW - 600,
      machine: "cs-alberta-demo-vm-0003.cloud.test",
    });
    const { files, cycle } = setup([drained], fence);
    await cycle();
    expect(fence.calls).toEqual([]);
    expect(files.pools.alberta).toEqual([]);
  });

  it("without a fence, the plan's removal stands (the sim and tests of other steps)", async () => {
    const { files, cycle } = setup([late(1)]);
    const report = await cycle();
    expect(report.fence).toBeUndefined();
    expect(files.pools.alberta).toEqual([]);
  });
});
