// A toy HTCondor + cloud for convergence tests: booted workers register one cycle later, idle jobs
// start on matching workers with room, run a few cycles and leave the queue; retired workers
// drain (condor_drain) or shut down (condor_off -peaceful) once empty.

import type { Job, ObservedWorker, Slot } from "../../scheduler/condor/types.js";
import type { Config } from "../../scheduler/config/schema.js";
import { plan } from "../../scheduler/plan/plan.js";
import type { PlanResult } from "../../scheduler/plan/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";

export interface SimJob {
  job: Job;
  /** Cycles it runs once started. */
  cycles: number;
}

interface Running {
  job: Job;
  worker: string;
  left: number;
}

export interface Simulation {
  cycles: number;
  results: PlanResult[];
  pools: Record<string, PoolWorker[]>;
  queue: Job[];
  workers: ObservedWorker[];
  now: number;
}

export function simulate(
  config: Config,
  jobs: SimJob[],
  start: number,
  maxCycles: number,
): Simulation {
  const cycleSeconds = config.policy.cycle || 60;
  let now = start;
  let pools: Record<string, PoolWorker[]> = {};
  let idle: Job[] = jobs.map((j) => j.job);
  const durations = new Map(jobs.map((j) => [j.job.id, j.cycles]));
  let running: Running[] = [];
  const registered = new Set<string>();
  const retiring = new Map<string, "drain" | "peaceful-off">();
  let observed: ObservedWorker[] = [];
  const results: PlanResult[] = [];

  for (let cycle = 0; cycle < maxCycles; cycle++) {
    const queue = [...idle, ...running.map((r) => r.job)];
    const result = plan({
      config,
      jobs: queue,
      workers: observed,
      pools,
      now,
      unavailableClouds: new Set(),
    });
    results.push(result);
    pools = result.pools;
    for (const r of result.retire) retiring.set(r.worker, r.method);
    const alive = new Map<string, { cloud: string; worker: PoolWorker }>();
    for (const [cloud, workers] of Object.entries(pools)) {
      for (const worker of workers) alive.set(worker.name, { cloud, worker });
    }
    for (const r of running) {
      if (!alive.has(r.worker))
        throw new Error(`worker ${r.worker} removed while running ${r.job.id}`);
    }
    // A worker out of every pool is a deleted VM: a later worker of the same name is a new VM
    // that starts afresh (names repeat: cloud "a" + type "b-t" and cloud "a-b" + type "t" are
    // both cs-a-b-t-NNNN, and numbers are reused once a name is free).
    for (const name of [...retiring.keys()]) if (!alive.has(name)) retiring.delete(name);
    for (const name of [...registered]) if (!alive.has(name)) registered.delete(name);

    // Jobs progress; finished ones leave the queue.
    running = running
      .map((r) => ({ ...r, left: r.left - 1 }))
      .filter((r) => r.left > 0)
      .map((r) => ({ ...r, job: { ...r.job } }));

    // Booting workers register; retired ones stop matching.
    for (const { worker } of alive.values()) registered.add(worker.name);
    const usable = [...alive.values()]
      .filter(({ worker }) => !retiring.has(worker.name))
      .sort((a, b) => (a.worker.name < b.worker.name ? -1 : 1));
    const used = new Map<string, { cores: number; memoryMb: number }>();
    for (const r of running) {
      const u = used.get(r.worker) ?? { cores: 0, memoryMb: 0 };
      u.cores += Math.max(1, Math.ceil(r.job.requestCpus));
      u.memoryMb += r.job.requestMemoryMb;
      used.set(r.worker, u);
    }
    const stillIdle: Job[] = [];
    // Jobs limited to fewer clouds (+TargetClouds) pick first. HTCondor may match any job to
    // any slot it fits, so a less constrained job can take the worker booted for a more
    // constrained one, which then needs a further worker (seen in random worlds: 3 boots for 2
    // jobs); most-constrained-first keeps the convergence bound about the planner's choices
    // rather than matchmaking luck.
    const reach = (job: Job) => job.targetClouds?.length ?? Number.POSITIVE_INFINITY;
    const byConstraint = [...idle].sort((a, b) => reach(a) - reach(b));
    for (const job of byConstraint) {
      const home = usable.find(({ cloud, worker }) => {
        const type = config.vm_types[worker.vmType];
        const u = used.get(worker.name) ?? { cores: 0, memoryMb: 0 };
        return (
          type !== undefined &&
          worker.vmType === job.vmType &&
          worker.image === (job.vmImage ?? type.image) &&
          worker.flavor === (job.vmFlavor ?? type.flavor) &&
          (job.targetClouds === undefined || job.targetClouds.includes(cloud)) &&
          u.cores + Math.max(1, Math.ceil(job.requestCpus)) <= worker.cores &&
          u.memoryMb + job.requestMemoryMb <= worker.ramMb
        );
      });
      if (!home) {
        stillIdle.push(job);
        continue;
      }
      const u = used.get(home.worker.name) ?? { cores: 0, memoryMb: 0 };
      u.cores += Math.max(1, Math.ceil(job.requestCpus));
      u.memoryMb += job.requestMemoryMb;
      used.set(home.worker.name, u);
      running.push({
        job: { ...job, state: "running", remoteHost: `slot1_1@${home.worker.name}.sim` },
        worker: home.worker.name,
        left: durations.get(job.id) ?? 1,
      });
    }
    idle = stillIdle;

    // What condor_status shows next cycle.
    observed = [];
    for (const { worker } of alive.values()) {
      if (!registered.has(worker.name)) continue;
      const jobsHere = running.filter((r) => r.worker === worker.name);
      const method = retiring.get(worker.name);
      if (method === "peaceful-off" && jobsHere.length === 0) continue;
      const u = used.get(worker.name) ?? { cores: 0, memoryMb: 0 };
      observed.push(observation(worker, jobsHere.length, u, method === "drain"));
    }
    now += cycleSeconds;
    const settled =
      idle.length === 0 &&
      running.length === 0 &&
      Object.values(pools).every((ws) => ws.length === 0) &&
      result.retire.length === 0;
    if (settled) {
      return { cycles: cycle + 1, results, pools, queue: [], workers: observed, now };
    }
  }
  return {
    cycles: maxCycles,
    results,
    pools,
    queue: [...idle, ...running.map((r) => r.job)],
    workers: observed,
    now,
  };
}

function observation(
  worker: PoolWorker,
  runningJobs: number,
  used: { cores: number; memoryMb: number },
  draining: boolean,
): ObservedWorker {
  const machine = `${worker.name}.sim`;
  const slot = (
    name: string,
    slotType: Slot["slotType"],
    cpus: number,
    memoryMb: number,
  ): Slot => ({
    name,
    machine,
    slotType,
    state: slotType === "Dynamic" ? "Claimed" : draining ? "Drained" : "Unclaimed",
    activity: slotType === "Dynamic" ? "Busy" : "Idle",
    cpus,
    memoryMb,
    workerName: worker.name,
    vmType: worker.vmType,
    draining,
  });
  const slots = [
    slot(
      `slot1@${machine}`,
      "Partitionable",
      worker.cores - used.cores,
      worker.ramMb - used.memoryMb,
    ),
  ];
  for (let i = 1; i <= runningJobs; i++) slots.push(slot(`slot1_${i}@${machine}`, "Dynamic", 1, 0));
  return { workerName: worker.name, machine, vmType: worker.vmType, slots, runningJobs, draining };
}
