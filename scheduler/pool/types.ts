// The desired worker pool of one cloud: pool/<cloud>.json in the config repo.
// The scheduler owns these files; humans may read them.

/** Where a worker is in its life (see docs/architecture.md). */
export type WorkerState = "booting" | "registered" | "draining" | "failed";

export interface PoolWorker {
  /** Stable name, "cs-<cloud>-<vmtype>-<nnnn>": the instance name and CloudSchedulerVM. */
  name: string;
  vmType: string;
  image: string;
  flavor: string;
  cores: number;
  ramMb: number;
  diskGb: number;
  state: WorkerState;
  /** Unix seconds the worker was first planned. */
  createdAt: number;
  /**
   * Unix seconds it was first seen idle since its last job (absent while it runs jobs or before
   * it registers). Set on the transition only, so a busy pool's file does not change every cycle.
   */
  idleSince?: number;
  /** Unix seconds the scheduler asked HTCondor to retire it. */
  drainStartedAt?: number;
  /** Seconds to keep it once idle (VM type's keep-alive or the jobs' +VMKeepAlive). */
  keepAliveSeconds: number;
  /**
   * The name HTCondor knows it by (its ads' Machine), recorded once seen: jobs' RemoteHost still
   * finds it when the collector loses its ads, and retire commands use it. Untrusted text.
   */
  machine?: string;
  /**
   * Digest of what it was booted with (image, flavor, template, CONDOR_HOST, token version,
   * network, key pair...; see scheduler/state/launch.ts). A different digest now means drift.
   */
  launch?: string;
  /** Unix seconds it was first missing from condor_status with no job in condor_q. */
  missingSince?: number;
}

export interface PoolFile {
  version: 1;
  cloud: string;
  workers: PoolWorker[];
}
