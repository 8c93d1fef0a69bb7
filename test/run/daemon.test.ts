// The daemon loop stops cleanly: a stop request during a cycle lets that cycle finish (its pool
// files written and committed) and starts no other; during the sleep it returns at once.
import { describe, expect, it } from "vitest";
import type { CondorClient } from "../../scheduler/condor/client.js";
import type { Job } from "../../scheduler/condor/types.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import { fixedConfig } from "../../scheduler/run/config-source.js";
import type { CycleReport } from "../../scheduler/run/cycle.js";
import { type Clock, runDaemon } from "../../scheduler/run/daemon.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { MemoryPoolFiles } from "../../scheduler/run/memory-pool-files.js";
import { exampleConfig, jobs, NOW } from "../plan/world.js";

class SlowCondor implements CondorClient {
  release: () => void = () => {};
  readonly answered = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  constructor(private readonly queue: Job[]) {}
  async jobs() {
    await this.answered;
    return this.queue;
  }
  async workers() {
    return [];
  }
  async drain() {}
  async peacefulOff() {}
}

function memoryPools(): MemoryPoolFiles {
  return new MemoryPoolFiles();
}

const clock: Clock = {
  now: () => NOW,
  sleep: (_ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    }),
};

describe("runDaemon", () => {
  it("finishes the cycle in flight when asked to stop, and starts no other", async () => {
    const condor = new SlowCondor(jobs(3));
    const pools = memoryPools();
    const reports: CycleReport[] = [];
    const controller = new AbortController();
    const daemon = runDaemon({
      deps: {
        condor,
        deployer: new MemoryDeployer(),
        pools,
        backoff: new BackoffTracker(),
        log: recordingLogger(),
      },
      config: fixedConfig(exampleConfig(), "rev"),
      clock,
      signal: controller.signal,
      onCycle: (report) => {
        reports.push(report);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(); // SIGTERM arrives while condor_q is still answering
    condor.release();
    await daemon;
    expect(reports).toHaveLength(1);
    expect(reports[0]?.error).toBeUndefined();
    expect(pools.commits).toHaveLength(1);
    expect(Object.values(pools.pools).flat().length).toBeGreaterThan(0);
  });
});
