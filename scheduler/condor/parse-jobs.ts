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
import type { RawAd } from "./ad-stream.js";
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

/** One job ad -> Job; throws CondorParseError naming the ad when its identity is unusable. */
export function parseJob(ad: RawAd, index: number): Job {
  const read = new AdReader(ad);
  const parsed = identity.safeParse({
    ClusterId: read.raw("ClusterId"),
    ProcId: read.raw("ProcId"),
    JobStatus: read.raw("JobStatus"),
    Owner: read.raw("Owner"),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "ad"}: ${issue.message}`)
      .join("; ");
    throw new CondorParseError(`${describeAd(read, index)}: ${problems}`, undefined, index);
  }
  const { ClusterId, ProcId, JobStatus, Owner } = parsed.data;
  const queuedAt = read.amount("QDate") ?? 0;
  const vmMemoryMb = read.amount("VMMem");
  const vmStorageGb = read.amount("VMStorage");

  const job: Job = {
    id: `${ClusterId}.${ProcId}`,
    owner: Owner,
    state: JOB_STATES[JobStatus] as JobState,
    queuedAt,
    stateSince: read.amount("EnteredCurrentStatus") ?? queuedAt,
    requestCpus: whole(read.amount("RequestCpus")) ?? DEFAULT_REQUEST_CPUS,
    requestMemoryMb: whole(read.amount("RequestMemory") ?? vmMemoryMb) ?? DEFAULT_REQUEST_MEMORY_MB,
    requestDiskKb:
      whole(
        read.amount("RequestDisk") ??
          (vmStorageGb === undefined ? undefined : vmStorageGb * 1024 * 1024),
      ) ?? DEFAULT_REQUEST_DISK_KB,
    priority: read.number("JobPrio") ?? 0,
  };
  // Optional fields are absent, not undefined, when the ad does not set them.
  const vmType = read.text("VMType");
  if (vmType !== undefined) job.vmType = vmType;
  const vmImage = read.text("VMAMI");
  if (vmImage !== undefined) job.vmImage = vmImage;
  const vmFlavor = read.text("VMInstanceType");
  if (vmFlavor !== undefined) job.vmFlavor = vmFlavor;
  const vmCores = read.amount("VMCPUCores");
  if (vmCores !== undefined) job.vmCores = vmCores;
  if (vmMemoryMb !== undefined) job.vmMemoryMb = vmMemoryMb;
  if (vmStorageGb !== undefined) job.vmStorageGb = vmStorageGb;
  const vmKeepAliveMinutes = read.amount("VMKeepAlive");
  if (vmKeepAliveMinutes !== undefined) job.vmKeepAliveMinutes = vmKeepAliveMinutes;
  const targetClouds = read.names("TargetClouds");
  if (targetClouds !== undefined) job.targetClouds = targetClouds;
  const remoteHost = read.text("RemoteHost");
  if (remoteHost !== undefined) job.remoteHost = remoteHost;
  return job;
}

/** All ads of one answer -> Jobs, one ad in memory at a time. */
export async function parseJobs(ads: AsyncIterable<RawAd> | Iterable<RawAd>): Promise<Job[]> {
  const jobs: Job[] = [];
  let index = 0;
  for await (const ad of ads) jobs.push(parseJob(ad, index++));
  return jobs;
}
