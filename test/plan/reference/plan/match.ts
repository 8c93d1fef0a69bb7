// Matching: which idle jobs are ours, what worker shape each needs, which clouds may serve it,
// and why a job no cloud can ever serve is rejected. Job attributes are untrusted text.

import type { Job } from "../../../../scheduler/condor/types.js";
import type { CloudConfig, Config, VmTypeConfig } from "../../../../scheduler/config/schema.js";
import { quote } from "./reasons.js";
import type { DemandGroup, RejectedJob, Shape, Size } from "./types.js";

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

/**
 * matchJobs as DemandGroups of DemandJobs, in job order (for callers that want every job as a
 * record; the planner itself reads the classes of demand.ts).
 */
export function matchJobs(config: Config, jobs: readonly Job[]): MatchResult {
  const matcher = new JobMatcher(config);
  const groups = new Map<string, DemandGroup>();
  const rejected: RejectedJob[] = [];
  for (const job of jobs) {
    if (job.state !== "idle" || job.vmType === undefined) continue;
    const placement = matcher.match(job);
    if (typeof placement === "string") {
      rejected.push({ jobId: job.id, owner: job.owner, reason: placement });
      continue;
    }
    const { shape, eligible, key } = placement;
    let group = groups.get(key);
    if (!group) {
      group = { key, shape, clouds: eligible, jobs: [] };
      groups.set(key, group);
    }
    group.jobs.push({ job, size: sizeOf(job), keepAliveSeconds: keepAliveOf(job) });
  }
  rejected.sort((a, b) => compareText(a.jobId, b.jobId));
  return { groups: [...groups.values()].sort((a, b) => compareText(a.key, b.key)), rejected };
}

/** Where the jobs of one VM type, image, flavor and +TargetClouds can go. */
export interface Placement {
  /** Numbers placements 0, 1, 2... in the order one matcher made them. */
  number: number;
  shape: Shape;
  /** Enabled clouds that may serve them, sorted. */
  eligible: string[];
  /** The demand group: shape and eligible clouds. */
  key: string;
}

/** Placements of one VM type / image / flavor, per +TargetClouds list (a trie of its names). */
interface TargetNode {
  /** The placement of jobs whose list ends here. */
  end?: Placement | string;
  next?: Map<string, TargetNode>;
}

interface FlavorEntry {
  /** The VM type as booted with this flavor, or why it cannot be. */
  sized: VmTypeConfig | string;
  /** Jobs without +TargetClouds. */
  untargeted?: Placement | string;
  targeted: TargetNode;
}

interface TypeEntry {
  name: string;
  vmType: VmTypeConfig;
  byImage: Map<string, Map<string, FlavorEntry>>;
  /** The entry of jobs that name neither image nor flavor. */
  plain?: FlavorEntry;
}

/**
 * The matching rules, with what thousands of jobs share worked out once: a job's VM type,
 * image, flavor and +TargetClouds lead through nested maps (no key built per job) to its
 * placement; only its requests are checked per job.
 */
export class JobMatcher {
  private readonly clouds: string[];
  private readonly types = new Map<string, TypeEntry>();
  private placements = 0;
  private lastTypeName: string | undefined;
  private lastType: TypeEntry | undefined;

  constructor(private readonly config: Config) {
    this.clouds = enabledClouds(config);
    for (const name of Object.keys(config.vm_types)) {
      const vmType = config.vm_types[name] as VmTypeConfig;
      this.types.set(name, { name, vmType, byImage: new Map() });
    }
  }

  /** The job's placement, or the reason no cloud can ever serve it. */
  match(job: Job): Placement | string {
    const typeName = job.vmType as string;
    // Jobs come in clusters of one VM type: most lookups are the last one again.
    const type = typeName === this.lastTypeName ? this.lastType : this.types.get(typeName);
    this.lastTypeName = typeName;
    this.lastType = type;
    if (type === undefined) {
      const known = Object.keys(this.config.vm_types).sort().join(", ") || "(none)";
      return `unknown VM type ${quote(typeName)}; VM types are: ${known}`;
    }
    const image = job.vmImage ?? type.vmType.image;
    const flavor = job.vmFlavor ?? type.vmType.flavor;
    // Most jobs name neither image nor flavor: their entry is one load away.
    const plain = job.vmImage === undefined && job.vmFlavor === undefined;
    let entry = plain ? type.plain : undefined;
    if (entry === undefined) {
      entry = this.entryOf(type, image, flavor);
      if (plain) type.plain = entry;
    }
    const sized = entry.sized;
    if (typeof sized === "string") return sized;
    if (!fitsPlainly(job, sized)) {
      const tooBig = checkRequests(job, sized, typeName);
      if (tooBig !== undefined) return tooBig;
    }
    const targets = job.targetClouds;
    if (targets === undefined) {
      entry.untargeted ??= this.place(job, typeName, sized, image, flavor);
      return entry.untargeted;
    }
    let node = entry.targeted;
    for (const target of targets) {
      node.next ??= new Map();
      let child = node.next.get(target);
      if (child === undefined) {
        child = {};
        node.next.set(target, child);
      }
      node = child;
    }
    node.end ??= this.place(job, typeName, sized, image, flavor);
    return node.end;
  }

  private entryOf(type: TypeEntry, image: string, flavor: string): FlavorEntry {
    let byFlavor = type.byImage.get(image);
    if (byFlavor === undefined) {
      byFlavor = new Map();
      type.byImage.set(image, byFlavor);
    }
    let entry = byFlavor.get(flavor);
    if (entry === undefined) {
      entry = { sized: sizedFor(this.config, type.vmType, flavor), targeted: {} };
      byFlavor.set(flavor, entry);
    }
    return entry;
  }

  private place(
    job: Job,
    typeName: string,
    vmType: VmTypeConfig,
    image: string,
    flavor: string,
  ): Placement | string {
    const placed = place(this.config, this.clouds, job, typeName, vmType, image, flavor);
    if (typeof placed === "string") return placed;
    return { number: this.placements++, ...placed };
  }
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
): Omit<Placement, "number"> | string {
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

/** Seconds the job asks its worker to stay once idle (+VMKeepAlive), capped; 0 when unset. */
export function keepAliveOf(job: Job): number {
  const minutes = job.vmKeepAliveMinutes;
  if (minutes === undefined || !Number.isFinite(minutes) || minutes <= 0) return 0;
  return Math.min(MAX_JOB_KEEP_ALIVE_SECONDS, Math.round(minutes * 60));
}

/**
 * The common case of checkRequests, answered with comparisons only: the three requests are
 * numbers from 0 up to the VM type's size and no +VMCPUCores / +VMMem / +VMStorage is set.
 * (A comparison with NaN or an infinity fails, so such a request goes to checkRequests.)
 */
function fitsPlainly(job: Job, vmType: VmTypeConfig): boolean {
  const cpus = job.requestCpus;
  const memory = job.requestMemoryMb;
  const disk = job.requestDiskKb;
  return (
    cpus >= 0 &&
    cpus <= vmType.cores &&
    memory >= 0 &&
    memory <= vmType.ram_mb &&
    disk >= 0 &&
    disk <= vmType.disk_gb * 1024 * 1024 &&
    Number.isFinite(cpus + memory + disk) &&
    job.vmCores === undefined &&
    job.vmMemoryMb === undefined &&
    job.vmStorageGb === undefined
  );
}

/** Why a request does not fit the VM type, checked in a fixed order; undefined when all fit. */
function checkRequests(job: Job, vmType: VmTypeConfig, typeName: string): string | undefined {
  return (
    misfit("RequestCpus", job.requestCpus, vmType.cores, "cores", typeName) ??
    misfit("RequestMemory", job.requestMemoryMb, vmType.ram_mb, "MiB", typeName) ??
    misfit("RequestDisk", job.requestDiskKb, vmType.disk_gb * 1024 * 1024, "KiB", typeName) ??
    misfit("+VMCPUCores", job.vmCores, vmType.cores, "cores", typeName) ??
    misfit("+VMMem", job.vmMemoryMb, vmType.ram_mb, "MiB", typeName) ??
    misfit("+VMStorage", job.vmStorageGb, vmType.disk_gb, "GB", typeName)
  );
}

function misfit(
  attribute: string,
  value: number | undefined,
  limit: number,
  unit: string,
  typeName: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0)
    return `${attribute} ${quote(String(value))} is not a size`;
  if (value > limit) {
    return `${attribute} ${value} ${unit} does not fit VM type ${typeName} (${limit} ${unit})`;
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
