// The status snapshot: what `cloudscheduler status`, the dashboard and /api/status show.
// Aggregated and bounded (never the raw job list), JSON-serialisable, never holding secrets.
// It is a zod schema because `status` reads it from a file or another process: outside data.
import { z } from "zod";

export const LIFECYCLE_STATES = [
  "booting",
  "registered",
  "busy",
  "idle",
  "draining",
  "failed",
] as const;

/** Where a worker is, as an operator says it: pool state refined by what HTCondor reports. */
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

const lifecycleState = z.enum(LIFECYCLE_STATES);
const countsByState = z.object({
  booting: z.number(),
  registered: z.number(),
  busy: z.number(),
  idle: z.number(),
  draining: z.number(),
  failed: z.number(),
});

const usage = z.object({ used: z.number(), total: z.number() });

export const cloudStatusSchema = z.object({
  name: z.string(),
  /** False for a cloud disabled in config or only left as a pool file (being emptied). */
  enabled: z.boolean(),
  inConfig: z.boolean(),
  weight: z.number(),
  backoff: z
    .object({
      failures: z.number(),
      /** Unix seconds; the cloud gets no new workers before then. */
      until: z.number(),
      active: z.boolean(),
      lastErrorKind: z.string().optional(),
      lastError: z.string(),
    })
    .optional(),
  /** Used: the resources of every worker in the cloud's pool. Total: the config's quota. */
  quota: z.object({ instances: usage, cores: usage, ramMb: usage }),
  workers: countsByState,
  runningJobs: z.number(),
});

export const workerStatusSchema = z.object({
  name: z.string(),
  cloud: z.string(),
  vmType: z.string(),
  state: lifecycleState,
  /** The state in pool/<cloud>.json. */
  poolState: z.string(),
  flavor: z.string(),
  cores: z.number(),
  ramMb: z.number(),
  createdAt: z.number(),
  ageSeconds: z.number(),
  runningJobs: z.number(),
  /** HTCondor machine name, once the worker registered. Untrusted text. */
  machine: z.string().optional(),
  /** What is wrong with it (broken slot, drift, retire refused, server gone...). */
  problem: z.string().optional(),
});

export const jobCountsSchema = z.object({
  /** A VM type or an owner; "(none)" for jobs without +VMType. Untrusted text. */
  key: z.string(),
  idle: z.number(),
  running: z.number(),
  held: z.number(),
  other: z.number(),
});

export const decisionStatusSchema = z.object({
  kind: z.string(),
  cloud: z.string().optional(),
  vmType: z.string().optional(),
  workers: z.array(z.string()).optional(),
  /** One line, as logs print it (untrusted text inside is quoted). */
  text: z.string(),
});

export const configProblemSchema = z.object({
  file: z.string(),
  line: z.number(),
  column: z.number(),
  path: z.string(),
  message: z.string(),
});

export const statusSnapshotSchema = z.object({
  version: z.literal(1),
  /** Unix seconds (the daemon's clock) this snapshot describes. */
  generatedAt: z.number(),
  config: z.object({
    /** The revision (git commit) in force; undefined before a config loaded. */
    revision: z.string().optional(),
    loadedAt: z.number().optional(),
    /** The last rejected revision, while no newer config was accepted. */
    rejected: z
      .object({ revision: z.string(), at: z.number(), problems: z.array(configProblemSchema) })
      .optional(),
    syncError: z.object({ message: z.string(), at: z.number() }).optional(),
  }),
  cycle: z
    .object({
      number: z.number(),
      startedAt: z.number(),
      durationSeconds: z.number(),
      /** The revision the cycle ran with (may be older than config.revision). */
      revision: z.string(),
      error: z.string().optional(),
      commit: z.string().optional(),
    })
    .optional(),
  clouds: z.array(cloudStatusSchema),
  workers: z.array(workerStatusSchema),
  /** Startds in condor_status that no pool entry claims. */
  unmanagedStartds: z.number(),
  /** Servers of ours that no pool claims (swept after policy.orphan_grace). */
  orphans: z
    .array(
      z.object({
        cloud: z.string(),
        name: z.string(),
        id: z.string(),
        status: z.string(),
        runningJobs: z.number(),
        orphanSeconds: z.number(),
      }),
    )
    .default([]),
  jobs: z.object({
    total: z.number(),
    idle: z.number(),
    running: z.number(),
    held: z.number(),
    byVmType: z.array(jobCountsSchema),
    byOwner: z.array(jobCountsSchema),
    /** Rows folded into the last "(others)" row of each list. */
    foldedVmTypes: z.number(),
    foldedOwners: z.number(),
  }),
  decisions: z.array(decisionStatusSchema),
  decisionsOmitted: z.number(),
  rejectedJobs: z.object({ count: z.number(), examples: z.array(z.string()) }),
  retired: z.array(
    z.object({ cloud: z.string(), worker: z.string(), method: z.string(), reason: z.string() }),
  ),
  retireFailures: z.array(
    z.object({
      worker: z.string(),
      error: z.string(),
      cloud: z.string().optional(),
      machine: z.string().optional(),
      /** "refused": HTCondor said no (held); "failed": anything else. */
      kind: z.string().optional(),
      reason: z.string().optional(),
      advice: z.string().optional(),
      until: z.number().optional(),
    }),
  ),
  deploys: z.array(
    z.object({
      cloud: z.string(),
      ok: z.boolean(),
      changes: z
        .object({ create: z.number(), update: z.number(), delete: z.number(), same: z.number() })
        .optional(),
      errorKind: z.string().optional(),
      error: z.string().optional(),
      undone: z.array(z.string()).optional(),
    }),
  ),
  /** Stack operations running or queued in the background when the cycle ended. */
  deploysInFlight: z
    .array(
      z.object({
        stack: z.string(),
        cloud: z.string(),
        purpose: z.string(),
        workers: z.number(),
        state: z.string(),
        since: z.number(),
      }),
    )
    .default([]),
  destroyed: z.array(z.string()),
  deletedServers: z
    .array(z.object({ cloud: z.string(), id: z.string(), name: z.string(), reason: z.string() }))
    .default([]),
  recoveries: z
    .array(
      z.object({
        cloud: z.string(),
        killedProcesses: z.number(),
        lockCleared: z.boolean(),
        interruptedCreates: z.array(z.string()),
        pendingCleared: z.number(),
        lockedBy: z.string().optional(),
      }),
    )
    .default([]),
  inventoryErrors: z.array(z.object({ cloud: z.string(), error: z.string() })).default([]),
});

export type StatusSnapshot = z.output<typeof statusSnapshotSchema>;
export type CloudStatus = z.output<typeof cloudStatusSchema>;
export type WorkerStatus = z.output<typeof workerStatusSchema>;
export type JobCounts = z.output<typeof jobCountsSchema>;
export type DecisionStatus = z.output<typeof decisionStatusSchema>;
export type CountsByState = z.output<typeof countsByState>;
