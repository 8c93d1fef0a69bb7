// The observed model of each worker, built once per cycle and read by the planner and by
// status alike (Karpenter's controllers/state: one StateNode per node). It joins four
// witnesses: the pool entry (what we asked for), HTCondor's ads (what registered), condor_q's
// RemoteHost (what runs there) and the cloud's server list (what exists).
import type { CloudServer } from "../cloud/inventory.js";
import type { Job, ObservedWorker } from "../condor/types.js";
import type { PoolWorker } from "../pool/types.js";
import type { LaunchDigests } from "./launch.js";

/** HTCondor refused to retire a worker: no new request before `until`. */
export interface RetireHold {
  /** Unix seconds. */
  until: number;
  failures: number;
  /** What HTCondor said and what to do about it, for status and the log. */
  reason: string;
}

export interface StateWorker {
  cloud: string;
  /** The pool entry as read this cycle (before the plan). */
  entry: PoolWorker;
  /** Every startd claiming it, merged (several startds claiming one name keep it busy together). */
  ads: ObservedWorker | undefined;
  /** Jobs condor_q shows running on it (RemoteHost), whatever the collector says. */
  queueJobs: number;
  /** Jobs running on it by either witness: the larger of the slot count and the queue count. */
  runningJobs: number;
  /** The largest +VMKeepAlive (seconds, capped) of the jobs running on it; 0 when none. */
  jobKeepAliveSeconds: number;
  /** Its servers as the cloud lists them; undefined when the cloud was not read this cycle. */
  servers: readonly CloudServer[] | undefined;
  /**
   * When a listing of its cloud first lacked its server (Unix seconds; `now` when none before
   * did, and whatever this listing says), if the builder was given that record; undefined
   * otherwise. One listing can omit a live server: the cloud's word that a server is gone counts
   * once a second listing agrees.
   */
  serverMissingSince?: number;
  /**
   * Cores and MiB its partitionable and unclaimed static slots offer (what new jobs may take),
   * summed over its ads; 0 without ads. Absent in models built by hand: read the slots.
   */
  slotCores?: number;
  slotMemoryMb?: number;
  /** Slots HTCondor marked broken (SlotBrokenCode): they can never run a job. */
  brokenSlots: readonly { slot: string; code: number; reason: string }[];
  /** The launch digest a worker of its shape gets today (undefined: unknown). */
  expectedLaunch: string | undefined;
  /** Booted with other launch settings than a new worker would get now. */
  drifted: boolean;
  /** HTCondor refused to retire it recently: not asked again before the hold ends. */
  retireHold: RetireHold | undefined;
  /** Its create was interrupted by a crash: the server may exist outside the stack. */
  createInterrupted: boolean;
}

/** A worker server tagged with our owner that no pool claims. */
export interface OrphanServer {
  cloud: string;
  server: CloudServer;
  /** Its startd, if one registered (CloudSchedulerVM = the server's name). */
  ads: ObservedWorker | undefined;
  /** Jobs running on it by either witness. */
  runningJobs: number;
  /** Unix seconds the sweep first saw it without a pool. */
  firstSeen: number;
}

export interface Fleet {
  /** Every pool worker, sorted by cloud then name. */
  workers: readonly StateWorker[];
  byName: ReadonlyMap<string, StateWorker>;
  /** Startds no pool entry claims, one per machine, sorted by machine. */
  strangers: readonly ObservedWorker[];
  /**
   * Every CloudSchedulerVM a startd claims that is no pool entry's (strangers' names, including
   * those of startds a machine's other ads hid): with byName, every name a startd uses.
   * Optional for models built by hand; the planner then reads the startds.
   */
  strangerNames?: ReadonlySet<string>;
  orphans: readonly OrphanServer[];
  /**
   * Names of the servers listed that are no pool entry's: with byName, every server name (a
   * fresh worker name must not collide with one).
   */
  serverNames: ReadonlySet<string>;
  /** Clouds whose inventory was read this cycle. */
  cloudsRead: ReadonlySet<string>;
  launch: LaunchDigests;
}

export interface FleetInput {
  /** The pools as read (pool/<cloud>.json). */
  pools: Readonly<Record<string, readonly PoolWorker[]>>;
  /** condor_status, grouped per startd. */
  workers: readonly ObservedWorker[];
  /**
   * condor_q's jobs: only running ones with a RemoteHost matter here, so a caller may pass those
   * alone (the cycle does: it picks them in the walk that counts the queue).
   */
  jobs: readonly Job[];
  /** Per cloud whose inventory was read this cycle: its worker servers (any owner). */
  servers?: ReadonlyMap<string, readonly CloudServer[]>;
  /** Our installation's owner tag; without it no server is called an orphan. */
  owner?: string;
  launch?: LaunchDigests;
  retireHolds?: ReadonlyMap<string, RetireHold>;
  /** Workers whose create a crashed deploy interrupted (deploy recovery). */
  createInterrupted?: ReadonlySet<string>;
  /** When each orphan server ("<cloud>/<id>") was first seen; new ones get `now`. */
  orphanFirstSeen?: ReadonlyMap<string, number>;
  /**
   * Per worker, when a listing of its cloud first lacked its server (kept across cycles by the
   * caller). Absent: no record is kept, and one listing decides (one-shot `plan`).
   */
  serverMissingSince?: ReadonlyMap<string, number>;
  now: number;
}
