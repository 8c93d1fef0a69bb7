// Typed records of what HTCondor reports; parsed once at the edge (see parse-*.ts).

/** HTCondor's JobStatus codes, named. */
export type JobState =
  | "idle"
  | "running"
  | "removed"
  | "completed"
  | "held"
  | "transferring"
  | "suspended";

/** One job from `condor_q -json -allusers`, with the classic CloudScheduler attributes. */
export interface Job {
  /** "ClusterId.ProcId" */
  id: string;
  owner: string;
  state: JobState;
  /** Unix seconds the job was submitted. */
  queuedAt: number;
  /** Unix seconds the job entered its current state. */
  stateSince: number;
  requestCpus: number;
  /** MiB; an expression HTCondor did not resolve is evaluated or defaulted (see parse-jobs.ts). */
  requestMemoryMb: number;
  /** KiB, as HTCondor counts disk. */
  requestDiskKb: number;
  priority: number;
  /** +VMType: the VM type (a key of vm_types) the job needs. Untrusted text. */
  vmType?: string;
  /** +VMAMI: an image name the job asks for. Untrusted text. */
  vmImage?: string;
  /** +VMInstanceType: a flavor name the job asks for. Untrusted text. */
  vmFlavor?: string;
  /** +VMCPUCores, +VMMem (MiB), +VMStorage (GB): the VM size the job asks for. */
  vmCores?: number;
  vmMemoryMb?: number;
  vmStorageGb?: number;
  /** +VMKeepAlive: minutes to keep the worker once idle. */
  vmKeepAliveMinutes?: number;
  /** +TargetClouds: comma-separated cloud names, split. */
  targetClouds?: string[];
  /** Slot name the job runs on ("slot1_1@host"), for running jobs. */
  remoteHost?: string;
}

export type SlotType = "Partitionable" | "Dynamic" | "Static";

/** One slot ad from `condor_status -json`. */
export interface Slot {
  /** "slot1@host" or "slot1_1@host" */
  name: string;
  machine: string;
  slotType: SlotType;
  state: string;
  activity: string;
  cpus: number;
  memoryMb: number;
  /** CloudSchedulerVM from the worker's STARTD_ATTRS: the pool entry this slot belongs to. */
  workerName?: string;
  vmType?: string;
  draining: boolean;
  /** Unix seconds the ad was last heard from. */
  lastHeardFrom?: number;
  /** SlotBrokenCode / SlotBrokenReason: the slot can never run a job again. Untrusted text. */
  broken?: { code: number; reason: string };
  /** Who the collector authenticated as the ad's sender (AuthenticatedIdentity). */
  authenticatedIdentity?: string;
  /** CloudSchedulerLifeEnds: unix seconds the worker stops taking jobs (plan/expiration.ts). */
  lifeEndsAt?: number;
}

/** A startd's own daemon ad (MyType "StartD"): the name condor_off -name takes. */
export interface StartdAd {
  /** The daemon's name: the machine name, or "<STARTD_NAME>@<machine>". */
  name: string;
  machine: string;
  workerName?: string;
  /** Who the collector authenticated as the ad's sender (AuthenticatedIdentity). */
  authenticatedIdentity?: string;
}

/** All slots of one startd, grouped by CloudSchedulerVM (or by machine when it has none). */
export interface ObservedWorker {
  /** CloudSchedulerVM; undefined for a startd cloudscheduler did not boot. */
  workerName?: string;
  machine: string;
  vmType?: string;
  slots: Slot[];
  /** Dynamic slots (or claimed static slots): the jobs it runs right now. */
  runningJobs: number;
  draining: boolean;
  /** The StartD daemon ad's Name, when condor_status returned it (what condor_off -name takes). */
  daemonName?: string;
  /** The deadline the worker advertises (CloudSchedulerLifeEnds), when it does. */
  lifeEndsAt?: number;
}
