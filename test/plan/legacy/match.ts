// Matching: which idle jobs are ours, what worker shape each needs, which clouds may serve it,
// and why a job no cloud can ever serve is rejected. Job attributes are untrusted text.

import type { Job } from "../../../scheduler/condor/types.js";
import type { CloudConfig, Config, VmTypeConfig } from "../../../scheduler/config/schema.js";
import { quote } from "./reasons.js";
import type { DemandGroup, DemandJob, RejectedJob, Shape, Size } from "./types.js";

/** +VMKeepAlive is the user's wish; a day is the most one job may keep a worker idle for. */
export const MAX_JOB_KEEP_ALIVE_SECONDS = 86_400;

export interface MatchResult {
  /** Sorted by key. */
  groups: DemandGroup[];
  rejected: RejectedJob[];
}

export function shapeOf(
  vmTypeName: string,
  vmType: VmTypeConfig,
  image: string,
  flavor: string,
): Shape {
  return {
    key: `${vmTypeName}|${image}|${flavor}`,
    vmType: vmTypeName,
    image,
    flavor,
    capacity: {
      cores: vmType.cores,
      memoryMb: vmType.ram_mb,
      diskKb: vmType.disk_gb * 1024 * 1024,
    },
    cores: vmType.cores,
    ramMb: vmType.ram_mb,
    diskGb: vmType.disk_gb,
  };
}

/** Clouds that can boot workers now or later: in config and enabled, sorted. */
export function enabledClouds(config: Config): string[] {
  return Object.keys(config.clouds)
    .filter((name) => config.clouds[name]?.enabled)
    .sort();
}

export function matchJobs(config: Config, jobs: readonly Job[]): MatchResult {
  const groups = new Map<string, DemandGroup>();
  const rejected: RejectedJob[] = [];
  const clouds = enabledClouds(config);
  const placements = new Map<string, Placement>();
  for (const job of jobs) {
    if (job.state !== "idle" || job.vmType === undefined) continue;
    const outcome = matchJob(config, clouds, job, placements);
    if (typeof outcome === "string") {
      rejected.push({ jobId: job.id, owner: job.owner, reason: outcome });
      continue;
    }
    const { shape, eligible, demand, key } = outcome;
    let group = groups.get(key);
    if (!group) {
      group = { key, shape, clouds: eligible, jobs: [] };
      groups.set(key, group);
    }
    group.jobs.push(demand);
  }
  rejected.sort((a, b) => compareText(a.jobId, b.jobId));
  return { groups: [...groups.values()].sort((a, b) => compareText(a.key, b.key)), rejected };
}

interface Matched {
  shape: Shape;
  eligible: string[];
  /** The demand group: shape and eligible clouds. */
  key: string;
  demand: DemandJob;
}

/** The job's shape and eligible clouds, or the reason it is rejected. */
function matchJob(
  config: Config,
  clouds: readonly string[],
  job: Job,
  placements: Map<string, Placement>,
): Matched | string {
  const typeName = job.vmType as string;
  const vmType = Object.hasOwn(config.vm_types, typeName) ? config.vm_types[typeName] : undefined;
  if (!vmType) {
    const known = Object.keys(config.vm_types).sort().join(", ") || "(none)";
    return `unknown VM type ${quote(typeName)}; VM types are: ${known}`;
  }
  const image = job.vmImage ?? vmType.image;
  const flavor = job.vmFlavor ?? vmType.flavor;
  const sized = sizedFor(config, vmType, flavor);
  if (typeof sized === "string") return sized;
  const tooBig = checkRequests(job, sized, typeName);
  if (tooBig) return tooBig;
  // Thousands of jobs share a few placements: work each out once.
  const placementKey = placementKeyOf(typeName, image, flavor, job.targetClouds);
  let placement = placements.get(placementKey);
  if (placement === undefined) {
    placement = place(config, clouds, job, typeName, sized, image, flavor);
    placements.set(placementKey, placement);
  }
  if (typeof placement === "string") return placement;
  return {
    ...placement,
    demand: { job, size: sizeOf(job), keepAliveSeconds: keepAliveOf(job) },
  };
}

type Placement = Omit<Matched, "demand"> | string;

/** Length-prefixed parts: no choice of untrusted text makes two different jobs collide. */
function placementKeyOf(
  typeName: string,
  image: string,
  flavor: string,
  targets: readonly string[] | undefined,
): string {
  let key = `${typeName.length}:${typeName}${image.length}:${image}${flavor.length}:${flavor}`;
  if (targets === undefined) return `${key}*`;
  for (const target of targets) key += `${target.length}:${target}`;
  return key;
}

/** The shape and eligible clouds of jobs with this VM type, image, flavor and +TargetClouds. */
function place(
  config: Config,
  clouds: readonly string[],
  job: Job,
  typeName: string,
  vmType: VmTypeConfig,
  image: string,
  flavor: string,
): Placement {
  const eligible = clouds.filter((name) => {
    const cloud = config.clouds[name] as CloudConfig;
    return (
      (vmType.clouds === undefined || vmType.clouds.includes(name)) &&
      (job.targetClouds === undefined || job.targetClouds.includes(name)) &&
      cloud.images.includes(image) &&
      cloud.flavors.includes(flavor)
    );
  });
  if (eligible.length === 0) return noCloudReason(config, clouds, job, typeName, image, flavor);
  const shape = shapeOf(typeName, vmType, image, flavor);
  return { shape, eligible, key: `${shape.key}|${eligible.join(",")}` };
}

/**
 * The VM type as booted with `flavor`: its own size for its own flavor; for a flavor a job names
 * with +VMInstanceType, that flavor's size from config.flavors (the classic CloudScheduler let a
 * job pick a bigger VM this way). A flavor without a known size cannot be planned.
 */
function sizedFor(config: Config, vmType: VmTypeConfig, flavor: string): VmTypeConfig | string {
  if (flavor === vmType.flavor) return vmType;
  const size = Object.hasOwn(config.flavors, flavor) ? config.flavors[flavor] : undefined;
  if (!size) {
    return `+VMInstanceType ${quote(flavor)} has no size in cloudscheduler.yaml flavors; add it there to plan it`;
  }
  return { ...vmType, cores: size.cores, ram_mb: size.ram_mb, disk_gb: size.disk_gb };
}

/** What a job takes from a partitionable slot: HTCondor rounds cpus up to whole cores. */
export function sizeOf(job: Job): Size {
  return {
    cores: Math.max(1, Math.ceil(job.requestCpus)),
    memoryMb: Math.max(0, job.requestMemoryMb),
    diskKb: Math.max(0, job.requestDiskKb),
  };
}

function keepAliveOf(job: Job): number {
  const minutes = job.vmKeepAliveMinutes;
  if (minutes === undefined || !Number.isFinite(minutes) || minutes <= 0) return 0;
  return Math.min(MAX_JOB_KEEP_ALIVE_SECONDS, Math.round(minutes * 60));
}

function checkRequests(job: Job, vmType: VmTypeConfig, typeName: string): string | undefined {
  const diskKb = vmType.disk_gb * 1024 * 1024;
  const checks: [string, number | undefined, number, string][] = [
    ["RequestCpus", job.requestCpus, vmType.cores, "cores"],
    ["RequestMemory", job.requestMemoryMb, vmType.ram_mb, "MiB"],
    ["RequestDisk", job.requestDiskKb, diskKb, "KiB"],
    ["+VMCPUCores", job.vmCores, vmType.cores, "cores"],
    ["+VMMem", job.vmMemoryMb, vmType.ram_mb, "MiB"],
    ["+VMStorage", job.vmStorageGb, vmType.disk_gb, "GB"],
  ];
  for (const [attribute, value, limit, unit] of checks) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      return `${attribute} ${quote(String(value))} is not a size`;
    }
    if (value > limit) {
      return `${attribute} ${value} ${unit} does not fit VM type ${typeName} (${limit} ${unit})`;
    }
  }
  return undefined;
}

function noCloudReason(
  config: Config,
  clouds: readonly string[],
  job: Job,
  typeName: string,
  image: string,
  flavor: string,
): string {
  const vmType = config.vm_types[typeName] as VmTypeConfig;
  const inScope = clouds.filter(
    (name) =>
      (vmType.clouds === undefined || vmType.clouds.includes(name)) &&
      (job.targetClouds === undefined || job.targetClouds.includes(name)),
  );
  if (inScope.length > 0) {
    return `no cloud of ${inScope.join(", ")} allows image ${quote(image)} and flavor ${quote(flavor)}`;
  }
  if (clouds.length === 0) return "no cloud is enabled";
  const scopes: string[] = [];
  if (vmType.clouds !== undefined)
    scopes.push(`VM type ${typeName} clouds [${vmType.clouds.join(", ")}]`);
  if (job.targetClouds !== undefined) scopes.push(`+TargetClouds ${quoteList(job.targetClouds)}`);
  return `no enabled cloud is in ${scopes.join(" and ")}`;
}

function quoteList(items: readonly string[]): string {
  const shown = items.slice(0, 5).map(quote).join(", ");
  return items.length > 5 ? `[${shown}, ... ${items.length} in all]` : `[${shown}]`;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
