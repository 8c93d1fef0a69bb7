import { describe, expect, it } from "vitest";
import { surplusBoots } from "../../scheduler/plan/cancel.js";
import { sparesKey } from "../../scheduler/plan/capacity.js";
import { plan } from "../../scheduler/plan/plan.js";
import { exampleConfig, idleJob, jobs, NOW, poolWorker, startd, world } from "./world.js";

// demo-vm: 2 cores; a 1-core job takes half a worker. Cycle 60 s, boot_estimate 180 s.
function withCancel(maxAge: number, keepAlive: Record<string, unknown> = {}) {
  const config = exampleConfig();
  config.policy.cancel_boots = { max_age: maxAge };
  config.policy.keep_alive = { ...config.policy.keep_alive, ...keepAlive };
  return config;
}

const booting = (n: number, age: number) =>
  poolWorker(`cs-alberta-demo-vm-000${n}`, { state: "booting", createdAt: NOW - age });

describe("cancelling boots no idle job needs (policy.cancel_boots)", () => {
  it("cancels the youngest booting worker beyond what the idle jobs need, and only that one", () => {
    const older = booting(1, 90);
    const younger = booting(2, 60);
    const input = world({
      config: withCancel(120),
      pools: { alberta: [older, younger] },
      jobs: jobs(2), // two 1-core jobs: one 2-core worker
    });
    const result = plan(input);
    expect(result.pools.alberta?.map((w) => w.name)).toEqual([older.name]);
    const cancelled = result.decisions.filter((d) => d.kind === "cancel-unneeded");
    expect(cancelled.map((d) => d.workers)).toEqual([[younger.name]]);
    expect(result.retire).toEqual([]); // not in condor_status: nothing to drain
    expect(result.summary.alberta).toContain("-1 demo-vm cancelled (no longer needed)");
  });

  it("keeps every booting worker while their jobs wait, when off (max_age 0), and past max_age", () => {
    const pools = { alberta: [booting(1, 90), booting(2, 60)] };
    const names = (config: ReturnType<typeof exampleConfig>, queue = jobs(2)) =>
      plan(world({ config, pools, jobs: queue })).pools.alberta?.map((w) => w.name);
    const both = [booting(1, 90).name, booting(2, 60).name];
    expect(names(withCancel(120), jobs(4))).toEqual(both); // four jobs need both
    expect(names(withCancel(0))).toEqual(both);
    expect(names(withCancel(59))).toEqual(both); // both older than max_age: may be joining
    // With no idle job at all, both are spare; only the one young enough goes.
    expect(names(withCancel(75), [])).toEqual([booting(1, 90).name]);
  });

  it("a job that started on a registered worker frees its booting worker", () => {
    const busy = poolWorker("cs-alberta-demo-vm-0009", { idleSince: undefined });
    const input = world({
      config: withCancel(120),
      pools: { alberta: [busy, booting(1, 60)] },
      workers: [startd(busy.name, 1)], // the job started here; one core left
      jobs: [idleJob({ state: "running", stateSince: NOW - 30 })],
    });
    expect(plan(input).pools.alberta?.map((w) => w.name)).toEqual([busy.name]);
    // A second job idle: the registered worker's free core takes it; still none for the boot.
    expect(plan({ ...input, jobs: [...input.jobs, idleJob()] }).pools.alberta).toHaveLength(1);
  });

  it("break-even: spares expected to be needed within a reboot stay, the oldest booting first, after the idle registered ones", () => {
    // A job every 30 s over the last 20 minutes: 8 per reboot-long interval, so 8 warm spares.
    const times = Array.from({ length: 40 }, (_, i) => NOW - 1200 + 30 * (i + 1));
    const arrivals = new Map([["demo-vm", { since: NOW - 1200, times }]]);
    const pools = { alberta: [booting(1, 90), booting(2, 60)] };
    const config = withCancel(120, { mode: "break-even", window: 1200, spares_per_arrival: 0.25 });
    // 8 x 0.25 = 2 warm: both booting spares stay.
    expect(plan(world({ config, pools, arrivals })).pools.alberta).toHaveLength(2);
    // One idle registered worker takes one warm place: the younger boot is cancelled.
    const idle = poolWorker("cs-alberta-demo-vm-0009");
    const withIdle = plan(
      world({
        config,
        pools: { alberta: [...pools.alberta, idle] },
        workers: [startd(idle.name, 0)],
        arrivals,
      }),
    );
    expect(withIdle.pools.alberta?.map((w) => w.name)).toEqual([booting(1, 90).name, idle.name]);
    // Without arrivals no spare is warm: both boots go (both younger than max_age).
    expect(plan(world({ config, pools })).pools.alberta).toEqual([]);
  });

  it("waits while the plan boots on the same cloud (an up deletes after it creates); another cloud's boots do not stop it", () => {
    const spare = booting(1, 60);
    const fourCore = (cloud: string) =>
      idleJob({
        vmType: "four-core",
        requestCpus: 4,
        requestMemoryMb: 8192,
        targetClouds: [cloud],
      });
    const input = (jobsNow: ReturnType<typeof idleJob>[]) =>
      world({ config: withCancel(120), pools: { alberta: [spare] }, jobs: jobsNow });
    // A four-core job boots on alberta (weight 2): the demo-vm boot stays this cycle.
    const sameCloud = plan(input([fourCore("alberta")]));
    expect(sameCloud.pools.alberta?.map((w) => w.vmType).sort()).toEqual(["demo-vm", "four-core"]);
    expect(sameCloud.decisions.some((d) => d.kind === "cancel-unneeded")).toBe(false);
    // The four-core job can only go to victoria: alberta boots nothing, the spare goes.
    const otherCloud = plan(input([fourCore("victoria")]));
    expect(otherCloud.pools.alberta).toEqual([]);
    expect(otherCloud.pools.victoria?.map((w) => w.vmType)).toEqual(["four-core"]);
  });

  it("surplusBoots counts spares per cloud and shape: a spare on one cloud is not taken from another", () => {
    const config = withCancel(600);
    const a = booting(1, 60);
    const v = poolWorker("cs-victoria-demo-vm-0001", { state: "booting", createdAt: NOW - 30 });
    const candidates = [
      { cloud: "alberta", worker: a },
      { cloud: "victoria", worker: v },
    ];
    const spare = new Map([[sparesKey("alberta", a), 1]]);
    expect([...surplusBoots(candidates, spare, () => 0, config.policy, NOW)]).toEqual([a.name]);
    // Workers with no future are left to retire.ts.
    const gone = [{ cloud: "alberta", worker: a, gone: "cloud" }];
    expect(surplusBoots(gone, spare, () => 0, config.policy, NOW).size).toBe(0);
  });
});
