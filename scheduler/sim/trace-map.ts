// Trace jobs -> simulated HTCondor jobs: each gets the VM type it names, or else the smallest VM
// type of the config that fits its cores and memory (fewest cores, then least RAM, then name).
// SWF processors can be scaled (`procsPerCore`) so a 128-node iPSC job fits a cloud VM; see
// README.md. Jobs that fit no VM type are dropped and counted.
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

export interface MappedTrace {
  jobs: SimJobSpec[];
  /** Dropped jobs by reason. */
  dropped: Record<string, number>;
}

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
  const mapped: SimJobSpec[] = [];
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
  };
  for (const job of jobs) {
    const cores =
      job.vmType === undefined ? Math.max(1, Math.ceil(job.cores / perCore)) : job.cores;
    let chosen: [string, (typeof types)[number][1]] | undefined;
    if (job.vmType !== undefined) {
      const type = Object.hasOwn(config.vm_types, job.vmType)
        ? config.vm_types[job.vmType]
        : undefined;
      if (!type) {
        drop(`unknown VM type "${job.vmType}"`);
        continue;
      }
      chosen = [job.vmType, type];
    } else {
      chosen = types.find(
        ([, t]) => t.cores >= cores && (job.memoryMb === undefined || t.ram_mb >= job.memoryMb),
      );
    }
    if (!chosen) {
      drop("fits no VM type");
      continue;
    }
    const [vmType, type] = chosen;
    // Without a memory figure, a job takes its cores' share of the VM's RAM.
    const memoryMb =
      job.memoryMb ?? Math.floor((type.ram_mb * Math.min(cores, type.cores)) / type.cores);
    if (cores > type.cores || memoryMb > type.ram_mb) {
      drop(`larger than VM type "${vmType}"`);
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
  return { jobs: mapped, dropped };
}
