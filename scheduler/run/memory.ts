// What the cycle remembers from one cycle to the next, and what of it must survive a restart
// (kept in the state directory, never in git, never a secret): the config of every cloud seen
// (so a removed cloud can still be emptied), retire holds (HTCondor refusals), when each orphan
// server was first seen, creates a crashed deploy interrupted, and clouds already settled
// (disabled or removed, emptied, stack destroyed). What each stack was last deployed with is
// kept in memory only: after a restart every pool is deployed once, which reconciles it. So are
// the jobs that arrived (arrivals.ts): after a restart they are counted again from the queue;
// and each job's demand class (plan/demand-cache.ts): after a restart every job is classified.
import { z } from "zod";
import type { CloudConfig, Config } from "../config/schema.js";
import { cloudSchema } from "../config/schema.js";
import type { CloudBackoffState } from "../deploy/backoff.js";
import { DemandCache } from "../plan/demand-cache.js";
import { serverEvidence } from "../plan/lifecycle.js";
import type { Fleet, RetireHold } from "../state/types.js";
import { ArrivalRecord } from "./arrivals.js";

/** First wait after HTCondor refuses a retire; doubles per refusal up to RETIRE_HOLD_MAX. */
export const RETIRE_HOLD_BASE = 300;
export const RETIRE_HOLD_MAX = 6 * 3600;

export class CycleMemory {
  /** Per cloud: the fingerprint of what its stack was last deployed with. */
  readonly deployed = new Map<string, string>();
  readonly cloudConfigs = new Map<string, CloudConfig>();
  readonly retireHolds = new Map<string, RetireHold>();
  /** Orphan server ("<cloud>/<id>", see orphanKey) -> Unix seconds first seen in no pool. */
  readonly orphanFirstSeen = new Map<string, number>();
  /**
   * Worker -> Unix seconds a listing of its cloud first lacked its server (in memory only: after
   * a restart the next listing confirms).
   */
  readonly serverMissingSince = new Map<string, number>();
  /** Workers whose create a crashed deploy interrupted, until the plan replaced them. */
  readonly createInterrupted = new Set<string>();
  /** Disabled or removed clouds whose empty pool was settled (stack destroyed, file removed). */
  readonly settled = new Set<string>();
  /** False until the first cycle looked for stacks a dead process left unfinished. */
  recoveryChecked = false;
  /** Jobs that arrived per VM type over the keep-alive window (in memory only, not saved). */
  readonly arrivals = new ArrivalRecord();
  /** Each job's demand class from earlier cycles (in memory only: a restart classifies anew). */
  readonly demand = new DemandCache();

  rememberConfigs(config: Config): void {
    for (const [name, cloud] of Object.entries(config.clouds)) this.cloudConfigs.set(name, cloud);
  }

  /** A refusal: hold further requests, doubling the wait each time. */
  holdRetire(worker: string, now: number, reason: string): RetireHold {
    const failures = (this.retireHolds.get(worker)?.failures ?? 0) + 1;
    const wait = Math.min(RETIRE_HOLD_MAX, RETIRE_HOLD_BASE * 2 ** (failures - 1));
    const hold: RetireHold = { until: now + wait, failures, reason };
    this.retireHolds.set(worker, hold);
    return hold;
  }

  /** Keeps only what still concerns a worker or server of `fleet`; records new orphans. */
  settle(fleet: Fleet, now: number): void {
    const known = new Set<string>(fleet.byName.keys());
    for (const orphan of fleet.orphans) known.add(orphan.server.name);
    for (const name of [...this.retireHolds.keys()]) {
      if (!known.has(name)) this.retireHolds.delete(name);
    }
    for (const name of [...this.createInterrupted]) {
      if (!fleet.byName.has(name)) this.createInterrupted.delete(name);
    }
    // A worker's server missing from its cloud's listing: remember since when. Listed again, or
    // the cloud not read this cycle (it says nothing), or the worker gone: forget.
    for (const worker of fleet.workers) {
      const name = worker.entry.name;
      if (worker.servers !== undefined && serverEvidence(worker) === "missing") {
        if (!this.serverMissingSince.has(name)) this.serverMissingSince.set(name, now);
      } else this.serverMissingSince.delete(name);
    }
    for (const name of [...this.serverMissingSince.keys()]) {
      if (!fleet.byName.has(name)) this.serverMissingSince.delete(name);
    }
    // Forget orphans of clouds read this cycle that are orphans no more; an unread cloud says nothing.
    const current = new Set(fleet.orphans.map((o) => orphanKey(o.cloud, o.server.id)));
    for (const key of [...this.orphanFirstSeen.keys()]) {
      const cloud = key.slice(0, key.indexOf("/"));
      if (fleet.cloudsRead.has(cloud) && !current.has(key)) this.orphanFirstSeen.delete(key);
    }
    for (const key of current)
      if (!this.orphanFirstSeen.has(key)) this.orphanFirstSeen.set(key, now);
  }

  toJSON(backoff: readonly CloudBackoffState[]): SavedMemory {
    return {
      version: 1,
      backoff: [...backoff],
      cloudConfigs: Object.fromEntries([...this.cloudConfigs].sort(([a], [b]) => cmp(a, b))),
      retireHolds: Object.fromEntries(this.retireHolds),
      orphanFirstSeen: Object.fromEntries(this.orphanFirstSeen),
      createInterrupted: [...this.createInterrupted].sort(),
      settled: [...this.settled].sort(),
    };
  }

  static from(saved: SavedMemory): CycleMemory {
    const memory = new CycleMemory();
    for (const [name, cloud] of Object.entries(saved.cloudConfigs)) {
      memory.cloudConfigs.set(name, cloud);
    }
    for (const [name, hold] of Object.entries(saved.retireHolds))
      memory.retireHolds.set(name, hold);
    for (const [id, at] of Object.entries(saved.orphanFirstSeen))
      memory.orphanFirstSeen.set(id, at);
    for (const name of saved.createInterrupted) memory.createInterrupted.add(name);
    for (const cloud of saved.settled) memory.settled.add(cloud);
    return memory;
  }
}

const backoffState = z.object({
  cloud: z.string(),
  failures: z.number().int().nonnegative(),
  until: z.number(),
  lastErrorKind: z
    .enum([
      "lock-held",
      "quota-exceeded",
      "auth",
      "cloud-unreachable",
      "secrets",
      "program",
      "server-state",
      "pulumi-not-installed",
      "identity",
      "timeout",
    ])
    .optional(),
  lastError: z.string(),
});

export const savedMemorySchema = z.object({
  version: z.literal(1),
  backoff: z.array(backoffState),
  cloudConfigs: z.record(z.string(), cloudSchema),
  retireHolds: z.record(
    z.string(),
    z.object({ until: z.number(), failures: z.number().int().positive(), reason: z.string() }),
  ),
  orphanFirstSeen: z.record(z.string(), z.number()),
  createInterrupted: z.array(z.string()),
  settled: z.array(z.string()),
});

export type SavedMemory = z.output<typeof savedMemorySchema>;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How orphan first-seen times are keyed: "<cloud>/<server id>". */
export function orphanKey(cloud: string, id: string): string {
  return `${cloud}/${id}`;
}
