// Baseline policies to measure ours against, as planners for the same cycle (CycleDeps.planner),
// so they run on the same simulated clouds, HTCondor and trace. Both reuse the real lifecycle
// (plan/lifecycle.ts: booting -> registered, never-registered, drained -> removed) and naming;
// only the decision of how many workers to have differs.
// - static: a fixed pool sized to the trace's mean demand per VM type, spread over the clouds
//   by weight within quota, booted at the start and never retired (failed workers replaced).
// - classic: the classic CloudScheduler rule: one VM per waiting job (minus those booting), up
//   to quota and max_instances; an idle VM is kept while jobs of its type wait, retired (drained)
//   as soon as none do.
import type { ObservedWorker } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import { summarize } from "../plan/describe.js";
import { observe } from "../plan/lifecycle.js";
import { compareText } from "../plan/match.js";
import { WorkerNamer } from "../plan/naming.js";
import { baseKeepAlive } from "../plan/retire.js";
import type { Decision, PlanInput, PlanResult, RetireAction } from "../plan/types.js";
import type { PoolWorker } from "../pool/types.js";
import { buildFleet } from "../state/build.js";
import type { SimJobSpec } from "./trace-map.js";

export type Planner = (input: PlanInput) => PlanResult;

interface Kept {
  cloud: string;
  worker: PoolWorker;
  seen: ObservedWorker | undefined;
}

/** Observes every pool worker through the real lifecycle; returns the survivors. */
function survivors(input: PlanInput, decisions: Decision[]): Kept[] {
  const fleet =
    input.fleet ??
    buildFleet({ pools: input.pools, workers: input.workers, jobs: input.jobs, now: input.now });
  const kept: Kept[] = [];
  for (const state of fleet.workers) {
    const outcome = observe(state, input.config.policy, input.now);
    decisions.push(...outcome.decisions);
    if (outcome.fate === "keep") {
      kept.push({ cloud: state.cloud, worker: outcome.worker, seen: state.ads });
    }
  }
  return kept;
}

function newWorker(config: Config, vmType: string, name: string, now: number): PoolWorker {
  const type = config.vm_types[vmType];
  if (!type) throw new Error(`baseline: unknown VM type ${vmType}`);
  return {
    name,
    vmType,
    image: type.image,
    flavor: type.flavor,
    cores: type.cores,
    ramMb: type.ram_mb,
    diskGb: type.disk_gb,
    state: "booting",
    createdAt: now,
    keepAliveSeconds: baseKeepAlive(config, vmType),
  };
}

/** Room left per cloud under its configured quota, given the workers it holds. */
class Room {
  private readonly used = new Map<string, { instances: number; cores: number; ramMb: number }>();
  constructor(
    private readonly config: Config,
    kept: readonly Kept[],
  ) {
    for (const k of kept) this.add(k.cloud, k.worker);
  }
  fits(cloud: string, worker: { cores: number; ramMb: number }): boolean {
    const quota = this.config.clouds[cloud]?.quota;
    if (!quota) return false;
    const u = this.used.get(cloud) ?? { instances: 0, cores: 0, ramMb: 0 };
    return (
      u.instances + 1 <= quota.instances &&
      u.cores + worker.cores <= quota.cores &&
      u.ramMb + worker.ramMb <= quota.ram_mb
    );
  }
  add(cloud: string, worker: { cores: number; ramMb: number }): void {
    const u = this.used.get(cloud) ?? { instances: 0, cores: 0, ramMb: 0 };
    this.used.set(cloud, {
      instances: u.instances + 1,
      cores: u.cores + worker.cores,
      ramMb: u.ramMb + worker.ramMb,
    });
  }
  /** Clouds that allow the VM type, the one with the most cores free per weight first. */
  clouds(vmType: string, unavailable: ReadonlySet<string>): string[] {
    const type = this.config.vm_types[vmType];
    return Object.entries(this.config.clouds)
      .filter(
        ([name, c]) =>
          c.enabled &&
          !unavailable.has(name) &&
          type !== undefined &&
          c.images.includes(type.image) &&
          c.flavors.includes(type.flavor) &&
          (type.clouds === undefined || type.clouds.includes(name)),
      )
      .map(([name, c]) => ({
        name,
        score: (c.quota.cores - (this.used.get(name)?.cores ?? 0)) * c.weight,
      }))
      .sort((a, b) => b.score - a.score || compareText(a.name, b.name))
      .map((c) => c.name);
  }
}

function result(
  input: PlanInput,
  kept: readonly Kept[],
  retire: RetireAction[],
  decisions: Decision[],
): PlanResult {
  const pools: Record<string, PoolWorker[]> = {};
  for (const cloud of new Set([...Object.keys(input.config.clouds), ...Object.keys(input.pools)]))
    pools[cloud] = [];
  for (const k of kept) pools[k.cloud]?.push(k.worker);
  for (const list of Object.values(pools)) list.sort((a, b) => compareText(a.name, b.name));
  retire.sort((a, b) => compareText(a.cloud, b.cloud) || compareText(a.worker, b.worker));
  return {
    pools,
    retire,
    decisions,
    rejectedJobs: [],
    summary: summarize(input.pools, pools, decisions),
  };
}

function namerOf(input: PlanInput): WorkerNamer {
  const taken: string[] = [];
  for (const list of Object.values(input.pools)) for (const w of list) taken.push(w.name);
  for (const w of input.workers) if (w.workerName) taken.push(w.workerName);
  return new WorkerNamer(taken);
}

/** Workers per VM type for a static pool sized to the trace's mean demand (cores x time). */
export function staticPoolSize(
  config: Config,
  jobs: readonly SimJobSpec[],
): Record<string, number> {
  if (jobs.length === 0) return {};
  const first = jobs.reduce((m, j) => Math.min(m, j.submit), Number.POSITIVE_INFINITY);
  const last = jobs.reduce((m, j) => Math.max(m, j.submit + j.runtime), 0);
  const span = Math.max(1, last - first);
  const coreSeconds = new Map<string, number>();
  for (const j of jobs)
    coreSeconds.set(j.vmType, (coreSeconds.get(j.vmType) ?? 0) + j.cores * j.runtime);
  const size: Record<string, number> = {};
  for (const [vmType, seconds] of [...coreSeconds].sort(([a], [b]) => compareText(a, b))) {
    const cores = config.vm_types[vmType]?.cores ?? 1;
    size[vmType] = Math.max(1, Math.ceil(seconds / span / cores));
  }
  return size;
}

export function staticPlanner(size: Record<string, number>): Planner {
  return (input) => {
    const decisions: Decision[] = [];
    const kept = survivors(input, decisions);
    const room = new Room(input.config, kept);
    const namer = namerOf(input);
    for (const [vmType, wanted] of Object.entries(size)) {
      let have = kept.filter((k) => k.worker.vmType === vmType).length;
      while (have < wanted) {
        if (!bootOne(input, room, namer, kept, decisions, vmType, "static pool")) break;
        have++;
      }
    }
    return result(input, kept, [], decisions);
  };
}

export function classicPlanner(): Planner {
  return (input) => {
    const decisions: Decision[] = [];
    const kept = survivors(input, decisions);
    const idle = new Map<string, number>();
    for (const job of input.jobs) {
      if (
        job.state === "idle" &&
        job.vmType !== undefined &&
        Object.hasOwn(input.config.vm_types, job.vmType)
      ) {
        idle.set(job.vmType, (idle.get(job.vmType) ?? 0) + 1);
      }
    }
    // Keep while jobs of its type wait; otherwise an idle registered VM is retired at once.
    const retire: RetireAction[] = [];
    for (const k of kept) {
      const w = k.worker;
      if (
        w.state !== "registered" ||
        !k.seen ||
        k.seen.runningJobs > 0 ||
        (idle.get(w.vmType) ?? 0) > 0
      )
        continue;
      k.worker = { ...w, state: "draining", drainStartedAt: input.now };
      retire.push({
        cloud: k.cloud,
        worker: w.name,
        machine: k.seen.machine,
        method: input.config.policy.retire_with,
        reason: "no jobs of its type wait",
      });
      decisions.push({
        kind: "retire-idle",
        cloud: k.cloud,
        vmType: w.vmType,
        workers: [w.name],
        reason: "classic: no jobs of its type wait",
      });
    }
    // One VM per waiting job, less those already booting for them.
    const room = new Room(input.config, kept);
    const namer = namerOf(input);
    for (const [vmType, waiting] of [...idle].sort(([a], [b]) => compareText(a, b))) {
      const type = input.config.vm_types[vmType];
      if (!type) continue;
      const booting = kept.filter(
        (k) => k.worker.vmType === vmType && k.worker.state === "booting",
      ).length;
      let total = kept.filter(
        (k) => k.worker.vmType === vmType && k.worker.state !== "draining",
      ).length;
      for (let n = waiting - booting; n > 0; n--) {
        if (type.max_instances !== undefined && total >= type.max_instances) break;
        if (!bootOne(input, room, namer, kept, decisions, vmType, "classic: a VM per waiting job"))
          break;
        total++;
      }
    }
    return result(input, kept, retire, decisions);
  };
}

/** Boots one worker of `vmType` on the first cloud with room; false when none has room. */
function bootOne(
  input: PlanInput,
  room: Room,
  namer: ReturnType<typeof namerOf>,
  kept: Kept[],
  decisions: Decision[],
  vmType: string,
  reason: string,
): boolean {
  const type = input.config.vm_types[vmType];
  if (!type) return false;
  const cloud = room
    .clouds(vmType, input.unavailableClouds)
    .find((c) => room.fits(c, { cores: type.cores, ramMb: type.ram_mb }));
  if (!cloud) return false;
  const worker = newWorker(input.config, vmType, namer.name(cloud, vmType), input.now);
  room.add(cloud, worker);
  kept.push({ cloud, worker, seen: undefined });
  decisions.push({ kind: "boot", cloud, vmType, workers: [worker.name], count: 1, reason });
  return true;
}
