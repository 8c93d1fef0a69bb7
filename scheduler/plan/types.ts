// The planner's inputs and outputs, and the small records its steps pass to each other.

import type { Job, ObservedWorker } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import type { PoolWorker } from "../pool/types.js";
import type { Fleet } from "../state/types.js";
import type { DemandCache } from "./demand-cache.js";
import type { ReasonKind } from "./reasons.js";

export interface PlanInput {
  config: Config;
  /** Every job condor_q reported (any state); only idle jobs with a VM type create demand. */
  jobs: Job[];
  /** Every startd condor_status reported, grouped by worker. */
  workers: ObservedWorker[];
  /** The current desired pool per cloud (pool/<cloud>.json); may hold clouds no longer in config. */
  pools: Record<string, PoolWorker[]>;
  /** Unix seconds; the planner never reads the clock. */
  now: number;
  /** Clouds in deploy back-off: no new boots there this cycle. */
  unavailableClouds: ReadonlySet<string>;
  /**
   * Per VM type, the jobs that arrived over `policy.keep_alive.window`, jobs since finished
   * included (the cycle's arrival record, scheduler/run/arrivals.ts): what the arrival
   * keep-alive modes weigh. Absent, they read the arrivals still in `jobs`.
   */
  arrivals?: ReadonlyMap<string, ArrivalHistory>;
  /**
   * The observed model of every pool worker (scheduler/state/), built once per cycle from the
   * pools, ads, jobs and the cloud's servers; plan() builds it from the fields above when absent
   * (then it knows no cloud servers, launch digests or retire holds).
   */
  fleet?: Fleet;
  /**
   * Demand classes kept from earlier cycles (demand-cache.ts): classifies only new and changed
   * jobs. The plan is the same with or without it; the cycle keeps one in its memory.
   */
  demandCache?: DemandCache;
}

/** One VM type's arrivals: submit times, oldest first, all of them from `since` to now. */
export interface ArrivalHistory {
  since: number;
  times: readonly number[];
}

/** A server to delete by id: an orphan the sweep found (see orphans.ts). */
export interface ServerDeletion {
  cloud: string;
  id: string;
  name: string;
  reason: string;
}

export interface RetireAction {
  cloud: string;
  /** Pool entry name (CloudSchedulerVM), or an orphan server's name. */
  worker: string;
  /** The name from the worker's own ads that condor_drain / condor_off -name take. */
  machine: string;
  method: "drain" | "peaceful-off";
  reason: string;
}

/** One decision of the plan, for logs, `status` and commit messages. */
export interface Decision {
  kind: ReasonKind;
  cloud?: string;
  vmType?: string;
  /** Pool entries the decision is about, sorted. */
  workers?: string[];
  /** HTCondor machine, for decisions about observed startds. */
  machine?: string;
  /** How many workers or jobs, where the decision is about several. */
  count?: number;
  /** The duration the decision turned on (keep-alive passed, boot timeout), in seconds. */
  seconds?: number;
  /** Human-readable; untrusted text inside it is quoted (see reasons.ts quote()). */
  reason: string;
}

export interface RejectedJob {
  jobId: string;
  owner: string;
  reason: string;
}

export interface PlanResult {
  /**
   * The new desired pool per cloud: every cloud in config plus every cloud of the input pools.
   * A cloud absent from config (or disabled) whose list is empty has a "stack-empty" decision:
   * its pool stack can be destroyed.
   */
  pools: Record<string, PoolWorker[]>;
  /** Workers to stop matching new jobs, sorted by cloud then worker. */
  retire: RetireAction[];
  decisions: Decision[];
  rejectedJobs: RejectedJob[];
  /** Per cloud whose pool changed: a one-line commit message. */
  summary: Record<string, string>;
  /** Orphan servers to delete (absent: none). */
  deleteServers?: ServerDeletion[];
}

/** What a worker can hold: cores, MiB of memory, KiB of disk (HTCondor's units). */
export interface Size {
  cores: number;
  memoryMb: number;
  diskKb: number;
}

/** What a new worker is booted as: the VM type with the image and flavor actually used. */
export interface Shape {
  /** `vmType|image|flavor` */
  key: string;
  vmType: string;
  image: string;
  flavor: string;
  /** Capacity of one worker of the shape: the VM type's cores / ram_mb / disk_gb. */
  capacity: Size;
  cores: number;
  ramMb: number;
  diskGb: number;
}

/** An idle job the planner will try to find room for. */
export interface DemandJob {
  job: Job;
  size: Size;
  /** Seconds the job asks its worker to stay once idle (+VMKeepAlive), capped; 0 when unset. */
  keepAliveSeconds: number;
}

/** Idle jobs that can use exactly the same workers: same shape, same eligible clouds. */
export interface DemandGroup {
  /** `shape.key|cloud,cloud` */
  key: string;
  shape: Shape;
  /** Enabled clouds in config that may serve these jobs, sorted (back-off not considered). */
  clouds: string[];
  jobs: DemandJob[];
}
