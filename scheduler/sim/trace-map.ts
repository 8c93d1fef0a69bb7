// Trace jobs -> simulated HTCondor jobs: each gets the VM type it names, or else the smallest VM
// type of the config that fits its cores and memory (fewest cores, then least RAM, then name).
// SWF processors can be scaled (`procsPerCore`) so a 128-node iPSC job fits a cloud VM; see
// README.md. Jobs that fit no VM type are dropped, and the report says how many, what share of
// the trace's jobs and core-hours they were, which ones, and why.
import type { Config } from "../config/schema.js";
import type { TraceJob } from "./trace.js";

/** A job the simulated HTCondor queues: absolute times, a VM type, a concrete request. */
export interface SimJobSpec {
  id: string;
  /** Unix seconds. */
  submit: number;
  runtime: number;
  cores: number;
  memoryMb: number;
  vmType: string;
  owner: string;
}

export interface MapOptions {
  /** Unix seconds the trace's offset 0 becomes. */
  start: number;
  /** Trace processors per VM core (SWF); 1 = one processor is one core. */
  procsPerCore?: number;
}

/** Jobs dropped for one reason. */
export interface DroppedJobs {
  jobs: number;
  /** Their cores (after procsPerCore) x run time. */
  coreHours: number;
  /** The largest request among them: what a VM type would need to fit them all. */
  largest: { cores: number; memoryMb?: number };
  /** A few job ids, to find them in the trace. */
  examples: string[];
}

export interface MappedTrace {
  jobs: SimJobSpec[];
  /** Dropped jobs by reason. */
  dropped: Record<string, DroppedJobs>;
  /** The whole trace, replayed and dropped: the base of the dropped shares. */
  total: { jobs: number; coreHours: number };
}

const EXAMPLES = 5;

export function mapTrace(
  jobs: readonly TraceJob[],
  config: Config,
  options: MapOptions,
): MappedTrace {
  const perCore = options.procsPerCore ?? 1;
  const types = Object.entries(config.vm_types).sort(
    ([an, a], [bn, b]) =>
      a.cores - b.cores || a.ram_mb - b.ram_mb || (an < bn ? -1 : an > bn ? 1 : 0),
  );
  const largest = types.reduce<(typeof types)[number] | undefined>(
    (best, t) => (best === undefined || t[1].cores >= best[1].cores ? t : best),
    undefined,
  );
  const noFit = largest
    ? `fits no VM type (the largest, ${largest[0]}, has ${largest[1].cores} cores and ${largest[1].ram_mb} MiB)`
    : "fits no VM type (the config has none)";
  const mapped: SimJobSpec[] = [];
  const dropped: Record<string, DroppedJobs> = {};
  let totalCoreSeconds = 0;
  const drop = (reason: string, job: TraceJob, cores: number) => {
    const entry = dropped[reason] ?? { jobs: 0, coreHours: 0, largest: { cores: 0 }, examples: [] };
    dropped[reason] = entry;
    entry.jobs++;
    entry.coreHours += (cores * job.runtime) / 3600;
    entry.largest.cores = Math.max(entry.largest.cores, cores);
    if (job.memoryMb !== undefined)
      entry.largest.memoryMb = Math.max(entry.largest.memoryMb ?? 0, job.memoryMb);
    if (entry.examples.length < EXAMPLES) entry.examples.push(job.id);
  };
  for (const job of jobs) {
    const cores = coresOf(job, perCore);
    totalCoreSeconds += cores * job.runtime;
    let chosen: [string, (typeof types)[number][1]] | undefined;
    if (job.vmType !== undefined) {
      const type = Object.hasOwn(config.vm_types, job.vmType)
        ? config.vm_types[job.vmType]
        : undefined;
      if (!type) {
        drop(`unknown VM type "${job.vmType}"`, job, cores);
        continue;
      }
      chosen = [job.vmType, type];
    } else {
      chosen = types.find(
        ([, t]) => t.cores >= cores && (job.memoryMb === undefined || t.ram_mb >= job.memoryMb),
      );
    }
    if (!chosen) {
      drop(noFit, job, cores);
      continue;
    }
    const [vmType, type] = chosen;
    // Without a memory figure, a job takes its cores' share of the VM's RAM.
    const memoryMb =
      job.memoryMb ?? Math.floor((type.ram_mb * Math.min(cores, type.cores)) / type.cores);
    if (cores > type.cores || memoryMb > type.ram_mb) {
      drop(`larger than VM type "${vmType}"`, job, cores);
      continue;
    }
    mapped.push({
      id: job.id,
      submit: options.start + job.submit,
      runtime: job.runtime,
      cores,
      memoryMb,
      vmType,
      owner: job.user,
    });
  }
  return {
    jobs: mapped,
    dropped,
    total: { jobs: jobs.length, coreHours: totalCoreSeconds / 3600 },
  };
}

function coresOf(job: TraceJob, perCore: number): number {
  return job.vmType === undefined ? Math.max(1, Math.ceil(job.cores / perCore)) : job.cores;
}

/**
 * The processors-per-core scale at which every job without a VM type fits the config's largest
 * VM type by cores: the smallest power of two that does (1 when they already fit). Memory is
 * not scaled: a job too large in memory is still dropped, with its reason.
 */
export function autoProcsPerCore(jobs: readonly TraceJob[], config: Config): number {
  const largest = Object.values(config.vm_types).reduce((m, t) => Math.max(m, t.cores), 0);
  if (largest <= 0) return 1;
  const needed = jobs.reduce((m, j) => (j.vmType === undefined ? Math.max(m, j.cores) : m), 0);
  let perCore = 1;
  while (Math.ceil(needed / perCore) > largest) perCore *= 2;
  return perCore;
}
