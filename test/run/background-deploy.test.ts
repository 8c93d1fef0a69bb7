// The cycle never waits for a deploy: with a DeployQueue a hung cloud's `up` runs in the
// background while cycles go on observing, planning, committing and deploying other clouds on
// their period; the stack in flight is not started again; a pool change made meanwhile is
// deployed by a follow-up run; stopping the daemon cancels the hung deploy and waits for it.
import { describe, expect, it } from "vitest";
import type { CondorClient } from "../../scheduler/condor/client.js";
import type { Job } from "../../scheduler/condor/types.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { ProgramError } from "../../scheduler/deploy/errors.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import type { DeployResult, PoolStackInput } from "../../scheduler/deploy/types.js";
import { fixedConfig } from "../../scheduler/run/config-source.js";
import { CycleMemory, type CycleReport, runCycle } from "../../scheduler/run/cycle.js";
import { type Clock, runDaemon } from "../../scheduler/run/daemon.js";
import { DeployQueue } from "../../scheduler/run/deploy-queue.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { MemoryPoolFiles } from "../../scheduler/run/memory-pool-files.js";
import { exampleConfig, jobs, NOW } from "../plan/world.js";

class QueueCondor implements CondorClient {
  queue: Job[] = [];
  async jobs() {
    return this.queue;
  }
  async workers() {
    return [];
  }
  async drain() {}
  async peacefulOff() {}
}

/** A memory deployer whose `up` of the hung clouds waits until released or cancelled. */
class HangingDeployer extends MemoryDeployer {
  readonly hung = new Set<string>();
  readonly started: string[] = [];
  readonly cancelled: string[] = [];
  private gates: (() => void)[] = [];

  release(): void {
    this.hung.clear();
    for (const open of this.gates.splice(0)) open();
  }

  override async up(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult> {
    this.started.push(input.cloudName);
    if (this.hung.has(input.cloudName)) {
      await new Promise<void>((resolve, reject) => {
        this.gates.push(resolve);
        signal?.addEventListener("abort", () => {
          this.cancelled.push(input.cloudName);
          reject(new ProgramError({ cloud: input.cloudName, detail: "update canceled" }));
        });
      });
    }
    return super.up(input, signal);
  }
}

function setup() {
  const condor = new QueueCondor();
  const deployer = new HangingDeployer();
  const pools = new MemoryPoolFiles();
  const deploys = new DeployQueue({ concurrency: 4, timeoutMs: 3_600_000 });
  const deps = {
    condor,
    deployer,
    pools,
    backoff: new BackoffTracker(),
    log: recordingLogger(),
    deploys,
  };
  return { condor, deployer, pools, deploys, deps };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("background deploys", () => {
  it("keeps cycling, deploys other clouds, and never restarts a stack in flight", async () => {
    const { condor, deployer, pools, deploys, deps } = setup();
    const memory = new CycleMemory();
    const config = exampleConfig();
    deployer.hung.add("alberta");
    condor.queue = jobs(6);

    const first = await runCycle(deps, memory, config, "rev", NOW);
    expect(first.error).toBeUndefined();
    const albertaFirst = (pools.pools.alberta ?? []).map((w) => w.name);
    expect(albertaFirst.length).toBeGreaterThan(0);
    expect(first.deploysInFlight?.map((d) => d.cloud).sort()).toEqual(["alberta", "victoria"]);
    await settle();
    // victoria's up ended; alberta's hangs.
    expect(deploys.inFlight().map((d) => d.cloud)).toEqual(["alberta"]);

    // More demand while alberta hangs: the cycle commits again and reports victoria's deploy.
    condor.queue = jobs(14);
    const second = await runCycle(deps, memory, config, "rev", NOW + 60);
    expect(second.error).toBeUndefined();
    expect(second.deploys.map((d) => [d.cloud, d.ok])).toEqual([["victoria", true]]);
    expect(second.deploysInFlight?.find((d) => d.cloud === "alberta")?.state).toBe("running");
    const albertaNow = (pools.pools.alberta ?? []).map((w) => w.name);
    expect(albertaNow.length).toBeGreaterThan(albertaFirst.length);
    const third = await runCycle(deps, memory, config, "rev", NOW + 120);
    expect(third.error).toBeUndefined();
    // One alberta up only, however many cycles ran.
    expect(deployer.started.filter((c) => c === "alberta")).toHaveLength(1);

    // The hung deploy ends: its result is applied and the change made meanwhile deployed.
    deployer.release();
    await deploys.idle();
    const fourth = await runCycle(deps, memory, config, "rev", NOW + 180);
    expect(fourth.deploys.find((d) => d.cloud === "alberta")?.ok).toBe(true);
    await deploys.idle();
    const albertaUps = deployer.calls.filter((c) => c.cloud === "alberta" && c.operation === "up");
    expect(albertaUps.at(-1)?.workers).toEqual((pools.pools.alberta ?? []).map((w) => w.name));
    expect(albertaUps.at(-1)?.workers?.length).toBe(albertaNow.length);
    expect(albertaUps).toHaveLength(2);
  });

  it("keeps the daemon's period while a deploy hangs, then cancels it on stop", async () => {
    const { condor, deployer, deps } = setup();
    deployer.hung.add("alberta");
    condor.queue = jobs(6);
    const config = exampleConfig();
    const period = config.policy.cycle * 1000;
    // A virtual clock: time passes only in sleep, so a cycle that waited on Pulumi would hang
    // the test instead of finishing the requested cycles.
    let virtualMs = NOW * 1000;
    const slept: number[] = [];
    const controller = new AbortController();
    const reports: CycleReport[] = [];
    const clock: Clock = {
      now: () => Math.floor(virtualMs / 1000),
      sleep: async (ms, signal) => {
        if (signal.aborted) return;
        slept.push(ms);
        virtualMs += ms;
        await settle();
      },
    };
    const daemon = runDaemon({
      deps,
      config: fixedConfig(config, "rev"),
      clock,
      signal: controller.signal,
      onCycle: (report) => {
        reports.push(report);
        if (reports.length === 5) controller.abort();
      },
    });
    await daemon;
    expect(reports).toHaveLength(5);
    expect(reports.every((r) => r.error === undefined)).toBe(true);
    // Every cycle saw alberta's deploy still running; it was started once.
    expect(reports.map((r) => r.deploysInFlight?.some((d) => d.cloud === "alberta"))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(deployer.started.filter((c) => c === "alberta")).toHaveLength(1);
    // Start to start: each sleep is the period less the cycle's own (short) time.
    expect(slept).toHaveLength(4);
    for (const ms of slept) {
      expect(ms).toBeLessThanOrEqual(period);
      expect(ms).toBeGreaterThan(period - 1000);
    }
    // Stopping cancelled the hung deploy and waited for it to end.
    expect(deployer.cancelled).toEqual(["alberta"]);
    expect(deps.deploys.inFlight()).toEqual([]);
  });

  it("takes back the workers of a refused background deploy at the next cycle", async () => {
    const { condor, deployer, pools, deploys, deps } = setup();
    const memory = new CycleMemory();
    const config = exampleConfig();
    condor.queue = jobs(6);
    deployer.failNext("alberta", 1, "cloud-unreachable", ["up"]);
    await runCycle(deps, memory, config, "rev", NOW);
    const planned = (pools.pools.alberta ?? []).map((w) => w.name);
    expect(planned.length).toBeGreaterThan(0);
    await deploys.idle();
    const next = await runCycle(deps, memory, config, "rev", NOW + 60);
    const failed = next.deploys.find((d) => d.cloud === "alberta");
    expect(failed).toMatchObject({ ok: false, errorKind: "cloud-unreachable", undone: planned });
    expect(deps.backoff.unavailableClouds(NOW + 60)).toEqual(["alberta"]);
    expect(
      pools.commits.some((c) =>
        /^alberta: undo \d new worker\(s\): cloud-unreachable/.test(c.message),
      ),
    ).toBe(true);
  });
});

describe("per-worker results", () => {
  it("takes back only the workers the cloud refused; the others stand and a cleanup follows", async () => {
    const { condor, deployer, pools, deploys, deps } = setup();
    const memory = new CycleMemory();
    const config = exampleConfig();
    condor.queue = jobs(6);
    // The plan names alberta's first new worker this way (scheduler/plan names workers in order).
    const names = ["cs-alberta-demo-vm-0001"];
    deployer.refuseWorkers("alberta", names, "quota-exceeded");
    await runCycle(deps, memory, config, "rev", NOW);
    const planned = (pools.pools.alberta ?? []).map((w) => w.name);
    expect(planned).toContain(names[0]);
    expect(planned.length).toBeGreaterThan(1);
    await deploys.idle();
    const next = await runCycle(deps, memory, config, "rev", NOW + 60);
    const outcome = next.deploys.find((d) => d.cloud === "alberta");
    expect(outcome).toMatchObject({ ok: false, errorKind: "quota-exceeded", undone: names });
    expect(outcome?.error).toMatch(/^1 of \d+ worker\(s\) refused by the cloud, the others stand/);
    expect((pools.pools.alberta ?? []).map((w) => w.name)).toEqual(
      planned.filter((n) => n !== names[0]),
    );
    expect(deps.backoff.unavailableClouds(NOW + 60)).toEqual(["alberta"]);
    // The cleanup up runs despite the back-off, with the kept workers: nothing recreated.
    await deploys.idle();
    const ups = deployer.calls.filter((c) => c.cloud === "alberta" && c.operation === "up");
    expect(ups.map((c) => c.workers?.length)).toEqual([planned.length, planned.length - 1]);
    expect((await deployer.instances("alberta")).map((i) => i.name)).toEqual(
      planned.filter((n) => n !== names[0]),
    );
  });
});
