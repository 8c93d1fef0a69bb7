// The cycle's failure paths: a broken observation changes nothing, a refused drain keeps the
// worker as it was, a refused deploy backs the cloud off and takes its new workers back, and a
// removed cloud is emptied and its stack destroyed.
import { describe, expect, it } from "vitest";
import type { CondorClient } from "../../scheduler/condor/client.js";
import { CondorParseError } from "../../scheduler/condor/errors.js";
import type { Job, ObservedWorker } from "../../scheduler/condor/types.js";
import type { Config } from "../../scheduler/config/schema.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { QuotaExceededError } from "../../scheduler/deploy/errors.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { CycleMemory, runCycle } from "../../scheduler/run/cycle.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { MemoryPoolFiles } from "../../scheduler/run/memory-pool-files.js";
import { exampleConfig, jobs, NOW, poolWorker, startd } from "../plan/world.js";

/** A condor whose answers the test sets; drains recorded, optionally refused. */
class FakeCondor implements CondorClient {
  queue: Job[] = [];
  startds: ObservedWorker[] = [];
  failWith: Error | undefined;
  refuseDrain = false;
  readonly drained: string[] = [];
  async jobs() {
    if (this.failWith) throw this.failWith;
    return this.queue;
  }
  async workers() {
    return this.startds;
  }
  async drain(machine: string) {
    if (this.refuseDrain) throw new Error(`Failed to start DRAIN_JOBS command to ${machine}`);
    this.drained.push(machine);
  }
  async peacefulOff(machine: string) {
    this.drained.push(machine);
  }
}

function setup(config: Config = exampleConfig(), pools: Record<string, PoolWorker[]> = {}) {
  const condor = new FakeCondor();
  const deployer = new MemoryDeployer();
  const files = new MemoryPoolFiles(pools);
  const backoff = new BackoffTracker();
  const log = recordingLogger();
  const memory = new CycleMemory();
  const cycle = (now = NOW, cfg = config) =>
    runCycle({ condor, deployer, pools: files, backoff, log }, memory, cfg, "rev", now);
  return { condor, deployer, files, backoff, log, cycle };
}

describe("runCycle", () => {
  it("changes nothing when HTCondor's answer is malformed (never reads it as zero jobs)", async () => {
    const busy = poolWorker("cs-alberta-demo-vm-0001");
    const { condor, deployer, files, cycle } = setup(exampleConfig(), { alberta: [busy] });
    condor.failWith = new CondorParseError("condor_q answer ends mid-ad", 2000, 3);
    const report = await cycle();
    expect(report.error).toMatch(/^observation failed, nothing changed this cycle: /);
    expect(report.plan).toBeUndefined();
    expect(files.commits).toEqual([]);
    expect(deployer.calls).toEqual([]);
    expect(files.pools.alberta).toEqual([busy]);
  });

  it("keeps a worker HTCondor refused to drain as it was, to retry next cycle", async () => {
    const idle = poolWorker("cs-alberta-demo-vm-0001", { idleSince: NOW - 3600 });
    const { condor, files, cycle } = setup(exampleConfig(), { alberta: [idle] });
    condor.startds = [startd("cs-alberta-demo-vm-0001", 0)];
    condor.refuseDrain = true;
    const report = await cycle();
    expect(report.plan?.retire.map((r) => r.worker)).toEqual(["cs-alberta-demo-vm-0001"]);
    expect(report.retired).toEqual([]);
    expect(report.retireFailures[0]?.error).toMatch(/DRAIN_JOBS/);
    expect(files.pools.alberta?.[0]?.state).toBe("registered");

    condor.refuseDrain = false;
    const retry = await cycle(NOW + 60);
    expect(retry.retired.map((r) => r.worker)).toEqual(["cs-alberta-demo-vm-0001"]);
    expect(files.pools.alberta?.[0]?.state).toBe("draining");
  });

  it("logs each retire HTCondor accepted with the worker and machine, and each decision's workers", async () => {
    const idle = poolWorker("cs-alberta-demo-vm-0001", { idleSince: NOW - 3600 });
    const { condor, log, cycle } = setup(exampleConfig(), { alberta: [idle] });
    condor.startds = [startd("cs-alberta-demo-vm-0001", 0)];
    condor.refuseDrain = true;
    await cycle();
    // A refused retire is not logged as asked.
    expect(log.records.filter((r) => r.fields.retire !== undefined)).toEqual([]);
    condor.refuseDrain = false;
    await cycle(NOW + 60);
    const asked = log.records.filter((r) => r.fields.retire !== undefined);
    expect(asked).toEqual([
      expect.objectContaining({
        level: "info",
        fields: {
          retire: "drain",
          cloud: "alberta",
          worker: "cs-alberta-demo-vm-0001",
          machine: condor.drained[0],
        },
      }),
    ]);
    expect(asked[0]?.message).toMatch(/^asked HTCondor to retire it \(condor_drain -graceful\): /);
    const decision = log.records.find((r) => r.fields.decision === "retire-idle");
    expect(decision?.fields.workers).toEqual(["cs-alberta-demo-vm-0001"]);
  });

  it("backs a cloud off when its deploy fails, takes the refused workers back, and plans them elsewhere", async () => {
    const { condor, deployer, files, backoff, cycle } = setup();
    condor.queue = jobs(6);
    deployer.failNext("alberta", 1, "quota-exceeded", ["up"]);
    const first = await cycle();
    const failed = first.deploys.find((d) => d.cloud === "alberta");
    expect(failed).toMatchObject({ ok: false, errorKind: "quota-exceeded" });
    expect(failed?.undone?.length).toBeGreaterThan(0);
    expect(files.pools.alberta).toEqual([]);
    expect(files.commits.at(-1)?.message).toMatch(
      /^alberta: undo \d new worker\(s\): quota-exceeded, backing off until \d+$/,
    );
    expect(backoff.unavailableClouds(NOW)).toEqual(["alberta"]);

    // Next cycle, within the back-off: the plan avoids alberta and victoria takes the demand.
    const second = await cycle(NOW + 10);
    expect(second.plan?.pools.alberta ?? []).toEqual([]);
    expect((files.pools.victoria ?? []).length).toBeGreaterThanOrEqual(3);
    // The refused up and the clean-up up with the kept (no) workers; nothing during the back-off.
    expect(
      deployer.calls
        .filter((c) => c.cloud === "alberta" && c.operation === "up")
        .map((c) => [c.outcome, c.workers?.length]),
    ).toEqual([
      ["quota-exceeded", 2],
      ["ok", 0],
    ]);

    // After the back-off, alberta is used again.
    await cycle(NOW + 31);
    expect(backoff.unavailableClouds(NOW + 31)).toEqual([]);
  });

  it("empties a cloud removed from the config, then destroys its stack and pool file", async () => {
    const config = exampleConfig();
    const { condor, deployer, files, cycle } = setup(config, {
      victoria: [poolWorker("cs-victoria-demo-vm-0001", { idleSince: NOW - 60 })],
    });
    condor.startds = [startd("cs-victoria-demo-vm-0001", 1)];
    await cycle(NOW);
    expect(deployer.hasStack("victoria")).toBe(true);

    const { victoria: _removed, ...clouds } = config.clouds;
    const without: Config = { ...config, clouds };
    // Busy: kept, whatever the config says.
    const busy = await cycle(NOW + 60, without);
    expect(busy.retired).toEqual([]);
    expect(files.pools.victoria?.map((w) => w.name)).toEqual(["cs-victoria-demo-vm-0001"]);
    // Idle: retired at once, no keep-alive.
    condor.startds = [startd("cs-victoria-demo-vm-0001", 0)];
    const idle = await cycle(NOW + 120, without);
    expect(idle.retired.map((r) => r.worker)).toEqual(["cs-victoria-demo-vm-0001"]);
    // Drained and empty: removed, the stack destroyed and the pool file gone.
    condor.startds = [startd("cs-victoria-demo-vm-0001", 0, { draining: true })];
    const last = await cycle(NOW + 180, without);
    expect(last.destroyed).toEqual(["victoria"]);
    expect(deployer.hasStack("victoria")).toBe(false);
    expect(files.pools.victoria).toBeUndefined();
    expect(files.commits.at(-1)?.message).toBe(
      "remove pool of victoria: cloud removed and emptied",
    );
  });
});

describe("runCycle when nothing changes", () => {
  it("deploys a cloud once, then not again while its pool is unchanged", async () => {
    const { condor, deployer, cycle } = setup();
    condor.queue = jobs(2);
    await cycle(NOW);
    const ups = () => deployer.calls.filter((c) => c.operation === "up").length;
    const after = ups();
    condor.startds = [];
    await cycle(NOW + 30);
    expect(ups()).toBe(after);
  });
});

describe("runCycle when Pulumi itself is missing", () => {
  it("stops deploying for every cloud and backs none off", async () => {
    const { condor, deployer, backoff, cycle } = setup();
    condor.queue = jobs(6);
    deployer.failNext("alberta", 1, "pulumi-not-installed", ["up"]);
    const report = await cycle();
    expect(report.error).toMatch(/^deploy stopped for every cloud: /);
    expect(report.deploys.map((d) => d.cloud)).toEqual(["alberta"]);
    expect(backoff.unavailableClouds(NOW)).toEqual([]);
  });
});

describe("runCycle after a quota refusal", () => {
  it("reports a refused worker (a flavor the cloud refuses) and its cleanup as one outcome", async () => {
    const { condor, deployer, files, cycle } = setup();
    condor.queue = jobs(6);
    deployer.refuseWorkers("alberta", ["cs-alberta-demo-vm-0001"], "program");
    const report = await cycle();
    const alberta = report.deploys.filter((d) => d.cloud === "alberta");
    expect(alberta).toEqual([
      expect.objectContaining({
        ok: false,
        errorKind: "program",
        undone: ["cs-alberta-demo-vm-0001"],
        cleanedUp: true,
      }),
    ]);
    expect((files.pools.alberta ?? []).map((w) => w.name)).not.toContain("cs-alberta-demo-vm-0001");
  });

  it("removes the instances Pulumi created before the refusal, in the same cycle", async () => {
    const { condor, deployer, cycle } = setup();
    condor.queue = jobs(8);
    // Like Pulumi against Nova: creates one by one until the quota refuses, deletes nothing.
    const realUp = deployer.up.bind(deployer);
    let refuse = true;
    deployer.up = async (input) => {
      if (refuse && input.cloudName === "alberta" && input.workers.length > 1) {
        refuse = false;
        await realUp({ ...input, workers: input.workers.slice(0, 1) });
        throw new QuotaExceededError({ cloud: "alberta", detail: "Quota exceeded for instances" });
      }
      return realUp(input);
    };
    const report = await cycle();
    const alberta = report.deploys.find((d) => d.cloud === "alberta");
    expect(alberta).toMatchObject({ ok: false, errorKind: "quota-exceeded", cleanedUp: true });
    expect(await deployer.instances("alberta")).toEqual([]);
  });

  it("break-even keep-alive: the jobs that arrived and have since finished still count, so an idle worker is kept", async () => {
    const config = exampleConfig(); // demo-vm: 2 cores, keep-alive 10 min; cycle 60 s
    config.policy.keep_alive = { ...config.policy.keep_alive, mode: "break-even", window: 1200 };
    config.policy.boot_estimate = 240; // a reboot: 300 s
    const name = "cs-alberta-demo-vm-0001";
    const idle = poolWorker(name, { idleSince: NOW - 120 });
    const { condor, cycle } = setup(config, { alberta: [idle] });
    condor.startds = [startd(name, 0)];
    // 4 jobs of demo-vm arrived in the last 20 minutes, seen in the queue at NOW - 60.
    const arrived = jobs(4, { state: "running" }).map((job, i) => ({
      ...job,
      queuedAt: NOW - 300 * i - 60,
    }));
    condor.queue = arrived;
    const seen = await cycle(NOW - 60);
    expect(seen.plan?.retire).toEqual([]);
    // They have all finished: condor_q is empty, but 4 arrived in 1200 s, 1 expected within a
    // reboot, so the idle worker keeps its keep-alive.
    condor.queue = [];
    const report = await cycle(NOW);
    expect(report.plan?.retire).toEqual([]);
    // Without the record (the same world, planned fresh) the worker would go at once.
    const fresh = setup(config, { alberta: [idle] });
    fresh.condor.startds = [startd(name, 0)];
    const forgot = await fresh.cycle(NOW);
    expect(forgot.plan?.retire.map((r) => r.worker)).toEqual([name]);
  });
});
