// One scheduler cycle: recover -> observe -> plan -> retire -> commit -> deploy -> sweep.
// Nothing here decides policy (that is scheduler/plan/); each step is its own module, and this
// is their order and what a failure of one means for the rest: a failed observation or commit
// ends the cycle having changed nothing after it, so a failure never loses work or leaks a VM.
import type { CloudInventory } from "../cloud/inventory.js";
import type { CondorClient } from "../condor/client.js";
import type { Job, ObservedWorker } from "../condor/types.js";
import type { Config } from "../config/schema.js";
import type { BackoffTracker } from "../deploy/backoff.js";
import type { DeployResult, PoolDeployer, RecoveryReport } from "../deploy/types.js";
import type { JoinFence } from "../identity/types.js";
import { ARRIVAL_MODES } from "../plan/keep-alive.js";
import { plan } from "../plan/plan.js";
import type {
  ArrivalHistory,
  PlanInput,
  PlanResult,
  RetireAction,
  ServerDeletion,
} from "../plan/types.js";
import type { PoolWorker } from "../pool/types.js";
import { buildFleet } from "../state/build.js";
import type { LaunchDigests } from "../state/launch.js";
import { tallyJobs } from "../state/queue-tally.js";
import type { Fleet } from "../state/types.js";
import { commitPools } from "./commit.js";
import { deployPools } from "./deploy.js";
import type { DeployInFlight, DeployQueue } from "./deploy-queue.js";
import { fenceUnjoined } from "./fence.js";
import type { CycleLogger } from "./logger.js";
import { CycleMemory } from "./memory.js";
import { observeWorld, type World } from "./observe.js";
import type { PoolFiles } from "./pool-files.js";
import { recoverUnfinished } from "./recover.js";
import { retireWorkers } from "./retire.js";
import { deleteOrphans } from "./sweep.js";

export { CycleMemory };

export interface CycleDeps {
  condor: CondorClient;
  deployer: PoolDeployer;
  pools: PoolFiles;
  backoff: BackoffTracker;
  log: CycleLogger;
  /** The planner; default plan(). The simulator passes baseline policies here to compare. */
  planner?: (input: PlanInput) => PlanResult;
  /** The clouds' own view of the workers; without it the plan has no cloud evidence, no sweep. */
  inventory?: CloudInventory;
  /** This installation's owner tag (servers carry it; only ours are ever swept). */
  owner?: string;
  /** Today's launch digests for a config (stacks/launch-settings.ts); default: unknown. */
  launch?: (config: Config) => LaunchDigests;
  /** Limit of one cloud's server listing, ms. */
  inventoryTimeoutMs?: number;
  /**
   * Runs stack operations in the background (the daemon): the cycle starts them and applies
   * their results next cycle, never waiting. Without it each operation is awaited in the cycle.
   */
  deploys?: DeployQueue;
  /**
   * Makes sure workers deleted before they joined cannot join any more (fence.ts); the daemon's
   * revokes their IDTOKENs. Without it they are deleted as the plan says.
   */
  fence?: JoinFence;
}

export interface DeployOutcome {
  cloud: string;
  ok: boolean;
  changes?: DeployResult["changes"];
  errorKind?: string;
  error?: string;
  /** Workers taken back out of the pool because the cloud refused them. */
  undone?: string[];
  /** After a refusal: an up with only the kept workers removed what the refused ones left. */
  cleanedUp?: boolean;
  /** The stack's lock was left by a dead deploy and has been recovered. */
  recovered?: boolean;
  /** How long the operation ran, ms (background deploys). */
  durationMs?: number;
}

export interface RetireFailure {
  cloud: string;
  worker: string;
  /** The name the command was given. Untrusted text. */
  machine: string;
  /** "refused": HTCondor said no (held, asked again later); "failed": anything else. */
  kind: "refused" | "failed";
  error: string;
  /** Why HTCondor refused: unknown-host, not-found, denied. */
  reason?: string;
  /** What an operator can do about it. */
  advice?: string;
  /** Unix seconds before which the retire is not asked again. */
  until?: number;
}

export interface CycleReport {
  revision: string;
  startedAt: number;
  /** Set when the cycle stopped early or a step failed; nothing was changed after that point. */
  error?: string;
  jobs?: { total: number; idle: number; running: number };
  workersObserved?: number;
  plan?: PlanResult;
  retired: RetireAction[];
  retireFailures: RetireFailure[];
  /** The join fence of this cycle, when workers left before they joined (fence.ts). */
  fence?: { closed: string[]; kept: string[]; error?: string };
  commit?: string;
  /** Stack operations that ended since the last cycle (or in this one, when awaited). */
  deploys: DeployOutcome[];
  /** Stack operations still running or queued when the cycle ended (background deploys). */
  deploysInFlight?: DeployInFlight[];
  destroyed: string[];
  /** Stacks recovered after a dead deploy. */
  recoveries: RecoveryReport[];
  /** Orphan servers deleted, and deletions that failed. */
  deletedServers: ServerDeletion[];
  sweepFailures: (ServerDeletion & { error: string })[];
  /** Clouds whose server list could not be read this cycle. */
  inventoryErrors: { cloud: string; error: string }[];
  /** What the cycle observed, for status (aggregated there; never serialise it raw). */
  observation?: { jobs: Job[]; workers: ObservedWorker[] };
  /** The model of every worker the cycle planned with (read by status; never serialise it raw). */
  fleet?: Fleet;
  /** The desired pools after the cycle (retire failures and refused boots taken back). */
  pools?: Record<string, PoolWorker[]>;
  /** Wall-clock time the cycle took (set by the daemon). */
  durationMs?: number;
}

export function emptyReport(revision: string, startedAt: number): CycleReport {
  return {
    revision,
    startedAt,
    retired: [],
    retireFailures: [],
    deploys: [],
    destroyed: [],
    recoveries: [],
    deletedServers: [],
    sweepFailures: [],
    inventoryErrors: [],
  };
}

export async function runCycle(
  deps: CycleDeps,
  memory: CycleMemory,
  config: Config,
  revision: string,
  now: number,
): Promise<CycleReport> {
  const report = emptyReport(revision, now);
  memory.rememberConfigs(config);

  // 0. Stacks a dead deploy left unfinished are recovered before anything plans on them.
  await recoverUnfinished(deps, memory, report);

  // 1. Observe. A failed or malformed answer ends the cycle: never plan on a partial world.
  let world: World;
  try {
    world = await observeWorld(deps, memory, config);
  } catch (err) {
    report.error = `observation failed, nothing changed this cycle: ${messageOf(err)}`;
    deps.log.error({ err: messageOf(err) }, report.error);
    return report;
  }
  const queue = tallyJobs(world.jobs);
  report.jobs = { total: world.jobs.length, idle: queue.idle, running: queue.running.length };
  report.workersObserved = world.workers.length;
  report.observation = { jobs: world.jobs, workers: world.workers };
  report.inventoryErrors = world.inventoryErrors;

  // 2. Plan (pure), on one model of each worker.
  const fleet = buildFleet({
    pools: world.pools,
    workers: world.workers,
    jobs: queue.running, // all the model reads of the queue
    servers: world.servers,
    ...(deps.owner === undefined ? {} : { owner: deps.owner }),
    ...(deps.launch ? { launch: deps.launch(config) } : {}),
    retireHolds: memory.retireHolds,
    createInterrupted: memory.createInterrupted,
    orphanFirstSeen: memory.orphanFirstSeen,
    serverMissingSince: memory.serverMissingSince,
    now,
  });
  memory.settle(fleet, now);
  report.fleet = fleet;
  const unavailableClouds = new Set(deps.backoff.unavailableClouds(now));
  const arrivals = recordArrivals(memory, config, world.jobs, now);
  const result = (deps.planner ?? plan)({
    config,
    jobs: world.jobs,
    workers: world.workers,
    pools: world.pools,
    now,
    unavailableClouds,
    fleet,
    demandCache: memory.demand,
    ...(arrivals === undefined ? {} : { arrivals }),
  });
  report.plan = result;
  for (const decision of result.decisions)
    deps.log.info(
      {
        decision: decision.kind,
        cloud: decision.cloud,
        ...(decision.workers ? { workers: decision.workers } : {}),
      },
      decision.reason,
    );

  // 3. Retire. A worker HTCondor would not drain stays as it was.
  const retiredOnly = await retireWorkers(deps, memory, result, world.pools, now, report);
  // 3b. Fence workers leaving before they joined; any that joined first stay.
  const retired = await fenceUnjoined(
    deps,
    world.pools,
    retiredOnly.pools,
    retiredOnly.decisions,
    now,
    report,
  );
  report.pools = retired.pools;

  // 4. Commit what is wanted before acting on it, saying what really happened.
  try {
    report.commit = await commitPools(deps, world.pools, retired.pools, retired.decisions);
  } catch (err) {
    report.error = `commit of the pool files failed, nothing deployed this cycle: ${messageOf(err)}`;
    deps.log.error({ err: messageOf(err) }, report.error);
    return report;
  }

  // 5. Apply the deploys that ended; start one for every cloud whose stack would change.
  await deployPools(deps, memory, config, retired.pools, now, report);

  // 6. Delete orphan servers the plan swept.
  await deleteOrphans(deps, memory, config, result.deleteServers ?? [], report);
  return report;
}

/**
 * The keep-alive modes that weigh the arrival rate get it from every queue seen, jobs since
 * finished included (condor_q alone forgets them); the others record nothing.
 */
function recordArrivals(
  memory: CycleMemory,
  config: Config,
  jobs: readonly Job[],
  now: number,
): Map<string, ArrivalHistory> | undefined {
  const { mode, window } = config.policy.keep_alive;
  if (!ARRIVAL_MODES.has(mode)) return undefined;
  memory.arrivals.observe(jobs, now, window, (vmType) => Object.hasOwn(config.vm_types, vmType));
  return memory.arrivals.history(now, window);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
