// Simulated OpenStack clouds behind the PoolDeployer interface the real deployer implements.
// `up` behaves like `pulumi up` of the pool program against Nova: instances are created one by
// one in name order and the ones no longer wanted are deleted afterwards; a create that would
// exceed the project's quota (instances, cores, RAM — counting every instance that exists,
// including those about to be deleted) fails the update with QuotaExceededError, leaving the
// instances created before it in place and no delete done. Seeded randomness decides boot
// times and failures: API errors (the update fails before changing anything), instances that
// go to ERROR while booting, and instances that boot but never join the pool. Billing counts
// each instance's cores from the create request to the delete.
import type { CloudInventory, CloudServer } from "../cloud/inventory.js";
import type { CloudConfig } from "../config/schema.js";
import { CloudUnreachableError, QuotaExceededError } from "../deploy/errors.js";
import type {
  DeployedInstance,
  DeployResult,
  PoolDeployer,
  PoolStackInput,
  RecoveryReport,
} from "../deploy/types.js";
import type { PoolWorker } from "../pool/types.js";
import { PaidLedger, type StartdUsage } from "./accounting.js";
import { type DeployTiming, MEASURED_TIMING, upSchedule } from "./deploy-timing.js";
import type { EventQueue } from "./event-queue.js";
import { type Distribution, type Random, sample, seededRandom } from "./random.js";
import type { StartdSpec } from "./sim-condor.js";

export type Quota = CloudConfig["quota"];

export interface CloudBehaviour {
  /** Create request (or ACTIVE, when `activeTime` is set) -> the startd joins. */
  bootTime: Distribution;
  /** Create request -> ACTIVE; the boot starts then. Unset: 0. */
  activeTime?: Distribution;
  /** How long ups take (deploy-timing.ts); unset: an up takes no simulated time. */
  timing?: DeployTiming;
  /** Chance that one `up` fails with an API error before changing anything. */
  apiErrorRate: number;
  /** Chance that a created instance goes to ERROR instead of ACTIVE. */
  instanceErrorRate: number;
  /** Chance that an ACTIVE instance never joins the HTCondor pool (bad image, network...). */
  neverJoinRate: number;
  /** The project's real quota, when it differs from what cloudscheduler.yaml says. */
  quota?: Quota;
}

export const DEFAULT_BEHAVIOUR: CloudBehaviour = {
  bootTime: MEASURED_TIMING.guestBoot,
  activeTime: MEASURED_TIMING.active,
  timing: MEASURED_TIMING,
  apiErrorRate: 0,
  instanceErrorRate: 0,
  neverJoinRate: 0,
};

/** Where a booted worker's startd goes (the simulated HTCondor). */
export interface StartdSink {
  join(spec: StartdSpec): void;
  vanish(workerName: string): void;
  /** What the worker's startd did, for the paid-time split (optional). */
  usageOf?(workerName: string): StartdUsage | undefined;
  forget?(workerName: string): void;
  /**
   * Is the worker fenced (its startd, with a token issued at `issuedAt`, refused by the
   * collector)? Optional: never, without it.
   */
  refusesJoin?(workerName: string, issuedAt: number): boolean;
}

/** Which instances the pool program declares for a stack input (default: one per worker). */
export type InstanceProgram = (input: PoolStackInput) => Promise<string[]>;

interface Instance {
  name: string;
  id: string;
  cloud: string;
  worker: PoolWorker;
  status: "BUILD" | "ACTIVE" | "ERROR";
  requestedAt: number;
  /** ACTIVE but its startd never joins. */
  lost?: boolean;
}

export interface CloudCounters {
  ups: number;
  /** Ups that created or deleted something. */
  changingUps: number;
  previews: number;
  destroys: number;
  created: number;
  deleted: number;
  quotaHits: number;
  apiErrors: number;
  instanceErrors: number;
  neverJoined: number;
  joined: number;
  /** VMs deleted after joining without ever running a job (a boot nobody needed). */
  unusedBoots: number;
  /** VMs deleted while booting (before their startd joined), failed ones aside: cancelled boots. */
  cancelledBoots: number;
}

/** The owner tag simulated servers carry (pass it as CycleDeps.owner with this inventory). */
export const SIM_OWNER = "cs-simulated";

export class SimCloud implements PoolDeployer, CloudInventory {
  private readonly instancesByCloud = new Map<string, Map<string, Instance>>();
  private readonly billedCoreSeconds = new Map<string, number>();
  private nextId = 1;
  private live = 0;
  /** Simulated seconds spent in ups. */
  deploySeconds = 0;
  /** Paid core-seconds of deleted VMs, by what each was doing. */
  private readonly paid = new PaidLedger();
  peakInstances = 0;
  readonly counters: CloudCounters = {
    ups: 0,
    changingUps: 0,
    previews: 0,
    destroys: 0,
    created: 0,
    deleted: 0,
    quotaHits: 0,
    apiErrors: 0,
    instanceErrors: 0,
    neverJoined: 0,
    joined: 0,
    unusedBoots: 0,
    cancelledBoots: 0,
  };

  /** API errors draw from their own stream, so how often `up` runs never shifts boot draws. */
  private readonly apiRandom: Random;

  constructor(
    private readonly events: EventQueue,
    private readonly condor: StartdSink,
    private readonly random: Random,
    private readonly behaviour: (cloud: string) => CloudBehaviour = () => DEFAULT_BEHAVIOUR,
    private readonly program?: InstanceProgram,
  ) {
    this.apiRandom = seededRandom(Math.floor(random() * 4_294_967_296));
  }

  async up(input: PoolStackInput): Promise<DeployResult> {
    this.counters.ups++;
    const cloud = input.cloudName;
    const behaviour = this.behaviour(cloud);
    const stack = this.stack(cloud);
    const started = this.events.now();
    // Simulated time passes during the up: the world (jobs, boots) moves on meanwhile.
    const wait = (offset: number) => {
      if (behaviour.timing) this.events.advanceTo(started + offset);
    };
    if (behaviour.apiErrorRate > 0 && this.apiRandom() < behaviour.apiErrorRate) {
      this.counters.apiErrors++;
      if (behaviour.timing) wait(upSchedule(behaviour.timing, stack.size, 0, 0).total);
      throw new CloudUnreachableError({ cloud, detail: "simulated: 503 Service Unavailable" });
    }
    const declared = this.program ? await this.program(input) : input.workers.map((w) => w.name);
    const byName = new Map(input.workers.map((w) => [w.name, w]));
    const wanted = new Set(declared);
    const creates = [...wanted].filter((n) => !stack.has(n)).sort();
    const deletes = [...stack.keys()].filter((n) => !wanted.has(n)).sort();
    const schedule = behaviour.timing
      ? upSchedule(behaviour.timing, stack.size, creates.length, deletes.length)
      : undefined;
    const quota = behaviour.quota ?? input.cloud.quota;
    let created = 0;
    for (const name of creates) {
      if (schedule) wait(schedule.createAt(created));
      const worker = byName.get(name);
      if (!worker)
        throw new Error(`pool program declared ${name}, which is not in the pool of ${cloud}`);
      const used = usage(stack);
      const over = overQuota(used, worker, quota);
      if (over) {
        this.counters.quotaHits++;
        if (created + deletes.length > 0) this.counters.changingUps++;
        throw new QuotaExceededError({
          cloud,
          detail: `Quota exceeded for ${over.resource}: Requested ${over.requested}, but already used ${over.used} of ${over.limit} ${over.resource}`,
        });
      }
      this.create(cloud, stack, worker, behaviour);
      created++;
    }
    deletes.forEach((name, j) => {
      if (schedule) wait(schedule.deleteAt(j));
      this.delete(stack, name);
    });
    if (schedule) wait(schedule.total);
    this.deploySeconds += this.events.now() - started;
    if (created + deletes.length > 0) this.counters.changingUps++;
    return {
      changes: {
        create: created,
        update: 0,
        delete: deletes.length,
        same: wanted.size - created,
      },
      instances: this.listed(stack),
    };
  }

  async preview(input: PoolStackInput): Promise<DeployResult["changes"]> {
    this.counters.previews++;
    const stack = this.stack(input.cloudName);
    const wanted = new Set(input.workers.map((w) => w.name));
    const create = [...wanted].filter((n) => !stack.has(n)).length;
    const remove = [...stack.keys()].filter((n) => !wanted.has(n)).length;
    return { create, update: 0, delete: remove, same: wanted.size - create };
  }

  async instances(cloudName: string): Promise<DeployedInstance[]> {
    return this.listed(this.stack(cloudName));
  }

  /** The cloud's own view of its servers (CloudInventory): every instance, with its status. */
  async listWorkers(cloudName: string): Promise<CloudServer[]> {
    return [...this.stack(cloudName).values()].map((i) => ({
      id: i.id,
      name: i.name,
      status: i.status,
      metadata: { cloudscheduler: "worker", cloudscheduler_owner: SIM_OWNER, cloud: i.cloud },
      createdAt: i.requestedAt,
    }));
  }

  /** Deletes an instance by id, as Nova would (the orphan sweep). */
  async deleteServer(cloudName: string, _cloud: CloudConfig, id: string): Promise<void> {
    const stack = this.stack(cloudName);
    for (const [name, instance] of stack) if (instance.id === id) this.delete(stack, name);
  }

  /** Simulated deploys never die half-way. */
  async unfinished(): Promise<string[]> {
    return [];
  }

  async recover(cloudName: string): Promise<RecoveryReport> {
    return {
      cloud: cloudName,
      killedProcesses: 0,
      lockCleared: false,
      interruptedCreates: [],
      pendingCleared: 0,
    };
  }

  async destroy(cloudName: string): Promise<void> {
    this.counters.destroys++;
    const stack = this.stack(cloudName);
    const timing = this.behaviour(cloudName).timing;
    const started = this.events.now();
    const schedule = timing ? upSchedule(timing, stack.size, 0, stack.size) : undefined;
    [...stack.keys()].forEach((name, j) => {
      if (schedule) this.events.advanceTo(started + schedule.deleteAt(j));
      this.delete(stack, name);
    });
    if (schedule) this.events.advanceTo(started + schedule.total);
    this.instancesByCloud.delete(cloudName);
  }

  // --- what the report needs -----------------------------------------------------------------

  /** Core-seconds paid on `cloud` (or all clouds) up to `now`, running instances included. */
  paidCoreSeconds(now: number, cloud?: string): number {
    let total = 0;
    for (const [name, seconds] of this.billedCoreSeconds)
      if (!cloud || name === cloud) total += seconds;
    for (const [name, stack] of this.instancesByCloud) {
      if (cloud && name !== cloud) continue;
      for (const i of stack.values()) total += (now - i.requestedAt) * i.worker.cores;
    }
    return total;
  }

  /** Paid core-seconds up to `now` by what the VMs were doing (call once, at the end). */
  paidBreakdown(now: number): PaidLedger["coreSeconds"] {
    const ledger = new PaidLedger();
    for (const [use, seconds] of Object.entries(this.paid.coreSeconds))
      ledger.coreSeconds[use as keyof PaidLedger["coreSeconds"]] = seconds;
    for (const stack of this.instancesByCloud.values())
      for (const instance of stack.values()) this.account(ledger, instance, now);
    return ledger.coreSeconds;
  }

  private account(ledger: PaidLedger, instance: Instance, end: number): void {
    const usage = this.condor.usageOf?.(instance.name);
    const failed = instance.status === "ERROR" || instance.lost === true;
    if (ledger === this.paid && usage && usage.busyCoreSeconds === 0) this.counters.unusedBoots++;
    if (ledger === this.paid && !usage && !failed) this.counters.cancelledBoots++;
    ledger.add(instance.worker.cores, instance.requestedAt, end, usage, failed);
  }

  /** Instances that exist per cloud now (any status). */
  liveByCloud(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [cloud, stack] of this.instancesByCloud) out[cloud] = stack.size;
    return out;
  }

  /** Instances and the cores / RAM they hold on `cloud` now (quota usage). */
  usageOf(cloud: string): { instances: number; cores: number; ramMb: number } {
    return usage(this.stack(cloud));
  }

  statusOf(cloud: string, name: string): Instance["status"] | undefined {
    return this.instancesByCloud.get(cloud)?.get(name)?.status;
  }

  // --- inside -------------------------------------------------------------------------------

  private stack(cloud: string): Map<string, Instance> {
    let stack = this.instancesByCloud.get(cloud);
    if (!stack) {
      stack = new Map();
      this.instancesByCloud.set(cloud, stack);
    }
    return stack;
  }

  private create(
    cloud: string,
    stack: Map<string, Instance>,
    worker: PoolWorker,
    behaviour: CloudBehaviour,
  ): void {
    const now = this.events.now();
    const instance: Instance = {
      name: worker.name,
      id: `sim-${cloud}-${this.nextId++}`,
      cloud,
      worker,
      status: "BUILD",
      requestedAt: now,
    };
    stack.set(worker.name, instance);
    this.counters.created++;
    this.live++;
    this.peakInstances = Math.max(this.peakInstances, this.live);
    // Draw every random number now, in a fixed order, so one run's draws never depend on timing.
    const bootSeconds =
      (behaviour.activeTime ? sample(behaviour.activeTime, this.random) : 0) +
      sample(behaviour.bootTime, this.random);
    const goesToError = this.random() < behaviour.instanceErrorRate;
    const neverJoins = this.random() < behaviour.neverJoinRate;
    this.events.at(now + bootSeconds, () => {
      if (stack.get(worker.name) !== instance) return; // deleted while booting
      if (goesToError) {
        instance.status = "ERROR";
        this.counters.instanceErrors++;
        return;
      }
      instance.status = "ACTIVE";
      if (neverJoins) {
        instance.lost = true;
        this.counters.neverJoined++;
        return;
      }
      // A fenced worker's startd is refused: it runs nothing until its delete.
      if (this.condor.refusesJoin?.(worker.name, instance.requestedAt)) return;
      this.counters.joined++;
      this.condor.join({
        workerName: worker.name,
        vmType: worker.vmType,
        cores: worker.cores,
        memoryMb: worker.ramMb,
        plannedAt: worker.createdAt,
        requestedAt: instance.requestedAt,
      });
    });
  }

  private delete(stack: Map<string, Instance>, name: string): void {
    const instance = stack.get(name);
    if (!instance) return;
    stack.delete(name);
    const now = this.events.now();
    this.billedCoreSeconds.set(
      instance.cloud,
      (this.billedCoreSeconds.get(instance.cloud) ?? 0) +
        (now - instance.requestedAt) * instance.worker.cores,
    );
    this.counters.deleted++;
    this.live--;
    this.condor.vanish(name);
    this.account(this.paid, instance, now);
    this.condor.forget?.(name);
  }

  private listed(stack: Map<string, Instance>): DeployedInstance[] {
    return [...stack.values()]
      .map((i) => ({ name: i.name, id: i.id, status: i.status }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function usage(stack: Map<string, Instance>): { instances: number; cores: number; ramMb: number } {
  let cores = 0;
  let ramMb = 0;
  for (const i of stack.values()) {
    cores += i.worker.cores;
    ramMb += i.worker.ramMb;
  }
  return { instances: stack.size, cores, ramMb };
}

function overQuota(
  used: { instances: number; cores: number; ramMb: number },
  worker: PoolWorker,
  quota: Quota,
): { resource: string; requested: number; used: number; limit: number } | undefined {
  if (used.instances + 1 > quota.instances)
    return { resource: "instances", requested: 1, used: used.instances, limit: quota.instances };
  if (used.cores + worker.cores > quota.cores)
    return { resource: "cores", requested: worker.cores, used: used.cores, limit: quota.cores };
  if (used.ramMb + worker.ramMb > quota.ram_mb)
    return { resource: "ram", requested: worker.ramMb, used: used.ramMb, limit: quota.ram_mb };
  return undefined;
}
