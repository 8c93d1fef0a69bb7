import { describe, expect, it } from "vitest";
import { describePlan } from "../../scheduler/plan/describe.js";
import { plan } from "../../scheduler/plan/plan.js";
import { exampleConfig, idleJob, jobs, NOW, poolWorker, startd, world } from "./world.js";

const names = (workers: { name: string }[] | undefined) => (workers ?? []).map((w) => w.name);

describe("plan on the bundled example", () => {
  it("boots workers for idle jobs, spread 2:1 by weight, and says so", () => {
    const result = plan(world({ jobs: jobs(12) }));
    expect(names(result.pools.alberta)).toEqual([
      "cs-alberta-demo-vm-0001",
      "cs-alberta-demo-vm-0002",
      "cs-alberta-demo-vm-0003",
      "cs-alberta-demo-vm-0004",
    ]);
    expect(names(result.pools.victoria)).toEqual([
      "cs-victoria-demo-vm-0001",
      "cs-victoria-demo-vm-0002",
    ]);
    expect(result.pools.alberta?.[0]).toEqual({
      name: "cs-alberta-demo-vm-0001",
      vmType: "demo-vm",
      image: "cernvm-demo",
      flavor: "m1.small",
      cores: 2,
      ramMb: 4096,
      diskGb: 20,
      state: "booting",
      createdAt: NOW,
      keepAliveSeconds: 600,
    });
    expect(result.summary).toEqual({
      alberta: "alberta: +4 demo-vm for 8 idle jobs",
      victoria: "victoria: +2 demo-vm for 4 idle jobs",
    });
    expect(result.retire).toEqual([]);
  });

  it("counts idle jobs on booting workers instead of booting more", () => {
    const first = plan(world({ jobs: jobs(12) }));
    const later = plan(world({ jobs: jobs(12), pools: first.pools, now: NOW + 60 }));
    expect(later.pools).toEqual(first.pools);
    expect(later.decisions.filter((d) => d.kind === "boot")).toEqual([]);
    expect(later.summary).toEqual({});
  });

  it("counts idle jobs on a registered worker with room, which keeps it past its keep-alive", () => {
    const worker = poolWorker("cs-alberta-demo-vm-0001", { idleSince: NOW - 3600 });
    const result = plan(
      world({ jobs: jobs(2), pools: { alberta: [worker] }, workers: [startd(worker.name, 0)] }),
    );
    // The pool entry records the name HTCondor knows the worker by.
    expect(result.pools.alberta).toEqual([{ ...worker, machine: `${worker.name}.cloud.test` }]);
    expect(result.retire).toEqual([]);
    expect(result.decisions.map((d) => d.kind)).toEqual(["keep-alive"]);
  });

  it("retires an idle worker past its keep-alive by draining it first", () => {
    const worker = poolWorker("cs-alberta-demo-vm-0001", { idleSince: NOW - 601 });
    const result = plan(world({ pools: { alberta: [worker] }, workers: [startd(worker.name, 0)] }));
    expect(result.retire).toEqual([
      {
        cloud: "alberta",
        worker: worker.name,
        machine: `${worker.name}.cloud.test`,
        method: "drain",
        reason: "idle 10m 1s (keep-alive 10m)",
      },
    ]);
    expect(result.pools.alberta?.[0]).toMatchObject({ state: "draining", drainStartedAt: NOW });
    expect(result.summary.alberta).toBe("alberta: -1 demo-vm idle 10m");
    // Next cycle, condor shows it drained and empty: now it leaves the pool.
    const next = plan(
      world({
        pools: result.pools,
        workers: [startd(worker.name, 0, { draining: true })],
        now: NOW + 60,
      }),
    );
    expect(next.pools.alberta).toEqual([]);
    expect(next.retire).toEqual([]);
    expect(next.summary.alberta).toBe("alberta: -1 demo-vm drained");
  });

  it("asks again when a retire request never showed in condor_status", () => {
    const worker = poolWorker("cs-alberta-demo-vm-0001", {
      state: "draining",
      idleSince: NOW - 1200,
      drainStartedAt: NOW - 600,
    });
    const result = plan(world({ pools: { alberta: [worker] }, workers: [startd(worker.name, 0)] }));
    expect(result.retire.map((r) => r.worker)).toEqual([worker.name]);
    expect(result.pools.alberta?.[0]).toMatchObject({ state: "draining", drainStartedAt: NOW });
    expect(result.summary.alberta).toBe(
      "alberta: -1 demo-vm idle 10m; 1 retire not confirmed, back in service",
    );
  });

  it("replaces a worker that never registered, under a new name", () => {
    const stale = poolWorker("cs-alberta-demo-vm-0001", { state: "booting", createdAt: NOW - 900 });
    const result = plan(world({ jobs: jobs(2), pools: { alberta: [stale] } }));
    expect(names(result.pools.alberta)).toEqual(["cs-alberta-demo-vm-0002"]);
    expect(result.summary.alberta).toBe(
      "alberta: +1 demo-vm for 2 idle jobs; -1 demo-vm never registered within 15m",
    );
  });

  it("avoids a cloud in back-off and explains the jobs left waiting", () => {
    const result = plan(world({ jobs: jobs(24), unavailableClouds: new Set(["alberta"]) }));
    expect(result.pools.alberta).toEqual([]);
    expect(result.pools.victoria).toHaveLength(5);
    expect(result.decisions.find((d) => d.kind === "unserved")?.reason).toBe(
      "14 idle jobs for demo-vm wait for room (alberta: in back-off after deploy errors; victoria: max_boots_per_cycle 5 reached)",
    );
  });

  it("uses a new cloud in the same cycle it appears in config", () => {
    const config = exampleConfig();
    config.clouds.calgary = {
      ...(config.clouds.victoria as (typeof config.clouds)[string]),
      weight: 10,
    };
    const result = plan(world({ config, jobs: jobs(2) }));
    expect(names(result.pools.calgary)).toEqual(["cs-calgary-demo-vm-0001"]);
  });

  it("empties a removed cloud: idle retired at once, busy kept, booting cancelled", () => {
    const idle = poolWorker("cs-gone-demo-vm-0001", { idleSince: NOW });
    const busy = poolWorker("cs-gone-demo-vm-0002");
    const booting = poolWorker("cs-gone-demo-vm-0003", { state: "booting", createdAt: NOW - 10 });
    const result = plan(
      world({
        pools: { gone: [idle, busy, booting] },
        workers: [startd(idle.name, 0), startd(busy.name, 2)],
        jobs: jobs(1, { targetClouds: ["gone"] }),
      }),
    );
    expect(result.retire.map((r) => r.worker)).toEqual([idle.name]);
    expect(names(result.pools.gone)).toEqual([idle.name, busy.name]);
    expect(result.decisions.filter((d) => d.cloud === "gone").map((d) => d.kind)).toEqual([
      "retire-cloud-removed",
      "kept-busy",
      "cancelled",
    ]);
    expect(result.rejectedJobs).toHaveLength(1);
    expect(result.decisions.some((d) => d.kind === "stack-empty")).toBe(false);

    const empty = plan(world({ pools: { gone: [] } }));
    expect(empty.pools.gone).toEqual([]);
    expect(empty.decisions).toEqual([
      {
        kind: "stack-empty",
        cloud: "gone",
        reason: "removed from config and empty: its pool stack can be destroyed",
      },
    ]);
  });

  it("raises a worker's keep-alive for a running job's +VMKeepAlive", () => {
    const worker = poolWorker("cs-alberta-demo-vm-0001");
    const running = idleJob({
      state: "running",
      vmKeepAliveMinutes: 60,
      remoteHost: `slot1_1@${worker.name}.cloud.test`,
    });
    const result = plan(
      world({ jobs: [running], pools: { alberta: [worker] }, workers: [startd(worker.name, 1)] }),
    );
    expect(result.pools.alberta?.[0]?.keepAliveSeconds).toBe(3600);
  });

  it("never removes a worker the collector lost while a job still runs on it", () => {
    const worker = poolWorker("cs-alberta-demo-vm-0001");
    const running = idleJob({ state: "running", remoteHost: `slot1_1@${worker.name}.novalocal` });
    const kept = plan(world({ jobs: [running], pools: { alberta: [worker] } }));
    expect(kept.pools.alberta).toEqual([worker]);
    // No job either: kept for the grace period, then gone.
    const grace = exampleConfig().policy.lost_grace;
    const missing = plan(world({ jobs: [], pools: { alberta: [worker] } }));
    expect(missing.pools.alberta).toEqual([{ ...worker, missingSince: NOW }]);
    const gone = plan(world({ jobs: [], pools: missing.pools, now: NOW + grace }));
    expect(gone.pools.alberta).toEqual([]);
    expect(gone.summary.alberta).toBe("alberta: -1 demo-vm vanished");
  });

  it("leaves startds it did not boot alone, saying so once per machine", () => {
    const stranger = startd(undefined, 1, { machine: "desk.example.org" });
    const result = plan(
      world({ workers: [stranger, { ...stranger }, startd("cs-x-demo-vm-0001", 0)] }),
    );
    expect(result.decisions).toEqual([
      {
        kind: "not-ours",
        machine: "cs-x-demo-vm-0001.cloud.test",
        reason:
          'startd "cs-x-demo-vm-0001.cloud.test" says CloudSchedulerVM "cs-x-demo-vm-0001", which is in no pool: left alone',
      },
      {
        kind: "not-ours",
        machine: "desk.example.org",
        reason:
          'startd "desk.example.org" has no CloudSchedulerVM: not booted by cloudscheduler, left alone',
      },
    ]);
  });

  it("aggregates rejections and describes the plan for humans", () => {
    const result = plan(world({ jobs: [...jobs(3, { vmType: "gpu" }), ...jobs(1)] }));
    expect(result.rejectedJobs).toHaveLength(3);
    const text = describePlan(result);
    expect(text).toContain("alberta: +1 demo-vm for 1 idle job");
    expect(text).toContain(
      '3 idle jobs rejected: unknown VM type "gpu"; VM types are: demo-vm, four-core [job-rejected]',
    );
    expect(text).toContain("rejected jobs: 3");
  });
});
