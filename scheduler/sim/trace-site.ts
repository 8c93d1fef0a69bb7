// The bundled site fitted to a trace, so `simulate --trace <file>` with no options compares
// policies rather than measuring a site too small for the workload: processors are scaled so
// the largest job fits the largest VM type (`procs-per-core auto`), and the clouds' quotas are
// raised (never lowered) until they hold the trace's peak demand with 25 % headroom — the
// cores and instances that would be busy at once if every job started the moment it was
// submitted. A site given with --config is used as it is.
import type { Config } from "../config/schema.js";
import type { Trace } from "./trace.js";
import { autoProcsPerCore, type MappedTrace, mapTrace } from "./trace-map.js";

export type ProcsPerCore = number | "auto";

export interface ReplayPlan {
  config: Config;
  mapped: MappedTrace;
  procsPerCore: number;
  /** What was fitted and why, for the report. */
  notes: string[];
}

const HEADROOM = 1.25;

export function prepareReplay(
  trace: Trace,
  config: Config,
  options: { procsPerCore?: ProcsPerCore; fitQuotas?: boolean; start?: number } = {},
): ReplayPlan {
  const notes: string[] = [];
  const requested = options.procsPerCore ?? "auto";
  const procsPerCore = requested === "auto" ? autoProcsPerCore(trace.jobs, config) : requested;
  if (requested === "auto" && procsPerCore > 1)
    notes.push(`procs-per-core auto: ${procsPerCore}, so the largest job fits the largest VM type`);
  const mapped = mapTrace(trace.jobs, config, {
    start: trace.startTime ?? options.start ?? 1_700_000_000,
    procsPerCore,
  });
  if (!options.fitQuotas) return { config, mapped, procsPerCore, notes };
  const peak = peakDemand(mapped, config);
  const fitted = structuredClone(config);
  const clouds = Object.values(fitted.clouds).filter((c) => c.enabled);
  const total = (pick: (q: Config["clouds"][string]["quota"]) => number) =>
    clouds.reduce((n, c) => n + pick(c.quota), 0);
  const coreScale =
    (peak.cores * HEADROOM) /
    Math.max(
      1,
      total((q) => q.cores),
    );
  const instanceScale =
    (peak.instances * HEADROOM) /
    Math.max(
      1,
      total((q) => q.instances),
    );
  if (coreScale > 1 || instanceScale > 1) {
    for (const cloud of clouds) {
      const q = cloud.quota;
      const cores = Math.ceil(q.cores * Math.max(1, coreScale));
      q.ram_mb = Math.ceil(q.ram_mb * (cores / q.cores));
      q.cores = cores;
      q.instances = Math.ceil(q.instances * Math.max(1, instanceScale));
    }
    // Boots per cycle grow with the quotas, so a burst the site can hold is booted as fast as
    // the classic rule (which has no such limit) boots it.
    fitted.policy.max_boots_per_cycle = Math.max(
      fitted.policy.max_boots_per_cycle,
      Math.ceil((peak.instances * HEADROOM) / Math.max(1, clouds.length)),
    );
    notes.push(
      `boots per cycle raised to ${fitted.policy.max_boots_per_cycle} per cloud`,
      `quotas raised to ${total((q) => q.cores)} cores / ${total((q) => q.instances)} instances: the trace's peak demand is ${peak.cores} cores in ${peak.instances} VMs`,
    );
  }
  return { config: fitted, mapped, procsPerCore, notes };
}

/** Most VM cores and VMs busy at once if every job ran on its own VM from its submit on. */
export function peakDemand(
  mapped: MappedTrace,
  config: Config,
): { cores: number; instances: number } {
  const changes: [number, number, number][] = [];
  for (const job of mapped.jobs) {
    const cores = config.vm_types[job.vmType]?.cores ?? job.cores;
    changes.push([job.submit, cores, 1], [job.submit + job.runtime, -cores, -1]);
  }
  // Ends before starts at the same instant: a VM freed then is free for the next job.
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cores = 0;
  let instances = 0;
  const peak = { cores: 0, instances: 0 };
  for (const [, dc, di] of changes) {
    cores += dc;
    instances += di;
    peak.cores = Math.max(peak.cores, cores);
    peak.instances = Math.max(peak.instances, instances);
  }
  return peak;
}
