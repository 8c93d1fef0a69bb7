// Job ads from `condor_q -json` -> Job records. The identity and state of a job must be exact
// (a wrong one is a CondorParseError for the cycle); everything a user wrote is untrusted text
// that is kept, trimmed and capped, for the plan to accept or reject.
//
// Requests, when HTCondor left an expression HTCondor would evaluate at match time:
// - RequestCpus: a number, else the expression evaluated against the job ad, else 1.
// - RequestMemory (MiB): a number, else the expression evaluated (HTCondor's default
//   `ifthenelse(MemoryUsage isnt undefined, MemoryUsage, (ImageSize + 1023) / 1024)` gives 1 for
//   a fresh job), else +VMMem, else DEFAULT_REQUEST_MEMORY_MB.
// - RequestDisk (KiB): a number, else the expression evaluated (default `DiskUsage`), else
//   +VMStorage GB in KiB, else DEFAULT_REQUEST_DISK_KB.
// Fractions are rounded up; negative or non-finite results count as undefined.
import { z } from "zod";
import { AdLayout, AdLayouts } from "./ad-layout.js";
import { type AdStreamOptions, type RawAd, streamAdBatches } from "./ad-stream.js";
import { AdReader } from "./ad-values.js";
import { CondorParseError } from "./errors.js";
import type { Job, JobState } from "./types.js";

export const DEFAULT_REQUEST_CPUS = 1;
export const DEFAULT_REQUEST_MEMORY_MB = 2048;
export const DEFAULT_REQUEST_DISK_KB = 1024 * 1024;

/** The attributes parse-jobs reads: the projection for `condor_q -attributes`. */
export const JOB_ATTRIBUTES = [
  "ClusterId",
  "ProcId",
  "JobStatus",
  "Owner",
  "QDate",
  "EnteredCurrentStatus",
  "JobPrio",
  "RequestCpus",
  "RequestMemory",
  "RequestDisk",
  // Referenced by HTCondor's default RequestMemory / RequestDisk / MemoryUsage expressions.
  "MemoryUsage",
  "ImageSize",
  "ResidentSetSize",
  "DiskUsage",
  "VMType",
  "VMAMI",
  "VMInstanceType",
  "VMCPUCores",
  "VMMem",
  "VMStorage",
  "VMKeepAlive",
  "TargetClouds",
  "RemoteHost",
] as const;

const JOB_STATES: Record<number, JobState> = {
  1: "idle",
  2: "running",
  3: "removed",
  4: "completed",
  5: "held",
  6: "transferring",
  7: "suspended",
};

const identity = z.object({
  ClusterId: z.number().int().nonnegative(),
  ProcId: z.number().int().nonnegative(),
  JobStatus: z.number().int().min(1).max(7),
  Owner: z.string().min(1),
});
type Identity = z.infer<typeof identity>;

type JobAttribute = (typeof JOB_ATTRIBUTES)[number];
const at = (name: JobAttribute): number => JOB_ATTRIBUTES.indexOf(name);
// Positions in JOB_ATTRIBUTES: a layout resolves the whole list once (AdLayout.keysOf).
const CLUSTER_ID = at("ClusterId");
const PROC_ID = at("ProcId");
const JOB_STATUS = at("JobStatus");
const OWNER = at("Owner");
const Q_DATE = at("QDate");
const ENTERED_CURRENT_STATUS = at("EnteredCurrentStatus");
const JOB_PRIO = at("JobPrio");
const REQUEST_CPUS = at("RequestCpus");
const REQUEST_MEMORY = at("RequestMemory");
const REQUEST_DISK = at("RequestDisk");
const VM_TYPE = at("VMType");
const VM_AMI = at("VMAMI");
const VM_INSTANCE_TYPE = at("VMInstanceType");
const VM_CPU_CORES = at("VMCPUCores");
const VM_MEM = at("VMMem");
const VM_STORAGE = at("VMStorage");
const VM_KEEP_ALIVE = at("VMKeepAlive");
const TARGET_CLOUDS = at("TargetClouds");
const REMOTE_HOST = at("RemoteHost");

/** Names an ad in an error: its index, and its job id when that much is readable. */
function describeAd(read: AdReader, index: number): string {
  const cluster = read.raw("ClusterId");
  const proc = read.raw("ProcId");
  const id =
    typeof cluster === "number" && typeof proc === "number" ? ` (job ${cluster}.${proc})` : "";
  return `job ad ${index}${id}`;
}

function whole(n: number | undefined): number | undefined {
  return n === undefined ? undefined : Math.ceil(n);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** The value of JOB_ATTRIBUTES[i], from an ad's values and its layout's positions of them. */
function valueAt(values: readonly unknown[], positions: readonly number[], i: number): unknown {
  const position = positions[i] as number;
  return position === -1 ? undefined : values[position];
}

/**
 * The identity of one ad. The common case is checked by hand (the same rules as the schema);
 * the schema runs only for an ad that fails them, to say why.
 */
function identityOf(
  ad: readonly unknown[],
  keys: readonly number[],
  read: AdReader,
  index: number,
): Identity {
  const ClusterId = valueAt(ad, keys, CLUSTER_ID);
  const ProcId = valueAt(ad, keys, PROC_ID);
  const JobStatus = valueAt(ad, keys, JOB_STATUS);
  const Owner = valueAt(ad, keys, OWNER);
  if (
    isCount(ClusterId) &&
    isCount(ProcId) &&
    isCount(JobStatus) &&
    JobStatus >= 1 &&
    JobStatus <= 7 &&
    typeof Owner === "string" &&
    Owner.length > 0
  ) {
    return { ClusterId, ProcId, JobStatus, Owner };
  }
  const parsed = identity.safeParse({ ClusterId, ProcId, JobStatus, Owner });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.join(".") || "ad"}: ${issue.message}`)
    .join("; ");
  throw new CondorParseError(`${describeAd(read, index)}: ${problems}`, undefined, index);
}

/** One job ad -> Job; throws CondorParseError naming the ad when its identity is unusable. */
export function parseJob(ad: RawAd, index: number): Job {
  const layout = new AdLayout(Object.keys(ad));
  return jobFrom(ad, layout, new AdReader(ad, layout), index);
}

/** The Job of `ad`, read through `read` (set to this ad and layout). */
function jobFrom(ad: RawAd, layout: AdLayout, read: AdReader, index: number): Job {
  // Positional reads of the values: one array per ad instead of a keyed lookup per attribute.
  const keys = layout.positionsOf(JOB_ATTRIBUTES);
  const values = Object.values(ad);
  const { ClusterId, ProcId, JobStatus, Owner } = identityOf(values, keys, read, index);
  const queuedAt = read.amountFrom(valueAt(values, keys, Q_DATE), "QDate") ?? 0;
  const vmMemoryMb = read.amountFrom(valueAt(values, keys, VM_MEM), "VMMem");
  const vmStorageGb = read.amountFrom(valueAt(values, keys, VM_STORAGE), "VMStorage");
  const requestMemory = read.amountFrom(valueAt(values, keys, REQUEST_MEMORY), "RequestMemory");
  const requestDisk = read.amountFrom(valueAt(values, keys, REQUEST_DISK), "RequestDisk");

  const job: Job = {
    id: `${ClusterId}.${ProcId}`,
    owner: Owner,
    state: JOB_STATES[JobStatus] as JobState,
    queuedAt,
    stateSince:
      read.amountFrom(valueAt(values, keys, ENTERED_CURRENT_STATUS), "EnteredCurrentStatus") ??
      queuedAt,
    requestCpus:
      whole(read.amountFrom(valueAt(values, keys, REQUEST_CPUS), "RequestCpus")) ??
      DEFAULT_REQUEST_CPUS,
    requestMemoryMb: whole(requestMemory ?? vmMemoryMb) ?? DEFAULT_REQUEST_MEMORY_MB,
    requestDiskKb:
      whole(requestDisk ?? (vmStorageGb === undefined ? undefined : vmStorageGb * 1024 * 1024)) ??
      DEFAULT_REQUEST_DISK_KB,
    priority: read.numberFrom(valueAt(values, keys, JOB_PRIO), "JobPrio") ?? 0,
  };
  // Optional fields are absent, not undefined, when the ad does not set them.
  const vmType = read.textFrom(valueAt(values, keys, VM_TYPE), "VMType");
  if (vmType !== undefined) job.vmType = vmType;
  const vmImage = read.textFrom(valueAt(values, keys, VM_AMI), "VMAMI");
  if (vmImage !== undefined) job.vmImage = vmImage;
  const vmFlavor = read.textFrom(valueAt(values, keys, VM_INSTANCE_TYPE), "VMInstanceType");
  if (vmFlavor !== undefined) job.vmFlavor = vmFlavor;
  const vmCores = read.amountFrom(valueAt(values, keys, VM_CPU_CORES), "VMCPUCores");
  if (vmCores !== undefined) job.vmCores = vmCores;
  if (vmMemoryMb !== undefined) job.vmMemoryMb = vmMemoryMb;
  if (vmStorageGb !== undefined) job.vmStorageGb = vmStorageGb;
  const vmKeepAliveMinutes = read.amountFrom(valueAt(values, keys, VM_KEEP_ALIVE), "VMKeepAlive");
  if (vmKeepAliveMinutes !== undefined) job.vmKeepAliveMinutes = vmKeepAliveMinutes;
  const targetClouds = read.namesFrom(valueAt(values, keys, TARGET_CLOUDS), "TargetClouds");
  if (targetClouds !== undefined) job.targetClouds = targetClouds;
  const remoteHost = read.textFrom(valueAt(values, keys, REMOTE_HOST), "RemoteHost");
  if (remoteHost !== undefined) job.remoteHost = remoteHost;
  return job;
}

/** Turns the ads of one answer into Jobs, batch by batch, remembering their key layouts. */
export class JobAdParser {
  private readonly layouts = new AdLayouts();
  private readonly reader = new AdReader({});
  private index = 0;
  readonly jobs: Job[] = [];

  add(ads: readonly RawAd[]): void {
    for (const ad of ads) {
      const layout = this.layouts.of(ad);
      this.reader.reset(ad, layout);
      this.jobs.push(jobFrom(ad, layout, this.reader, this.index));
      this.index++;
    }
  }
}

/** All ads of one answer -> Jobs, one ad in memory at a time. */
export async function parseJobs(ads: AsyncIterable<RawAd> | Iterable<RawAd>): Promise<Job[]> {
  const parser = new JobAdParser();
  const one: RawAd[] = [];
  for await (const ad of ads) {
    one[0] = ad;
    parser.add(one);
  }
  return parser.jobs;
}

/** condor_q's stdout -> Jobs, a batch of ads per chunk (the path a cycle takes). */
export async function readJobs(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: AdStreamOptions = {},
): Promise<Job[]> {
  const parser = new JobAdParser();
  for await (const ads of streamAdBatches(chunks, options)) parser.add(ads);
  return parser.jobs;
}
