// An in-memory PoolDeployer: instances per cloud with generated ids, every call recorded. For
// tests, `cloudscheduler plan --dry-run` and the sandbox; it can be told to fail like a cloud,
// or to die in the middle of an `up` (a stale lock and creates pending, as after a SIGKILL).
// With a MemoryInventory it also keeps that inventory's servers, as Nova would.
import type { MemoryInventory } from "../cloud/memory-inventory.js";
import {
  type DeployError,
  type DeployErrorKind,
  deployErrorOfKind,
  LockHeldError,
  ProgramError,
} from "./errors.js";
import type { RefusedWorker } from "./resource-events.js";
import { StackLock } from "./stack-lock.js";
import type {
  DeployedInstance,
  DeployResult,
  PoolDeployer,
  PoolStackInput,
  RecoveryReport,
} from "./types.js";
import { poolStackName } from "./workspace-settings.js";

export type DeployOperation = "up" | "preview" | "instances" | "destroy" | "recover";

export interface DeployCall {
  operation: DeployOperation;
  cloud: string;
  /** Worker names asked for (up and preview). */
  workers?: string[];
  /** How the call ended. */
  outcome: "ok" | DeployErrorKind;
}

/** Builds the error a failing call throws, as the real deployer would classify it. */
export function deployErrorOf(kind: DeployErrorKind, cloud: string): DeployError {
  if (kind === "pulumi-not-installed") return deployErrorOfKind(kind, { detail: "simulated" });
  return deployErrorOfKind(kind, {
    cloud,
    detail: `simulated ${kind}`,
    summary: "simulated secrets failure",
    seconds: 60,
  });
}

interface Failure {
  remaining: number;
  kind: DeployErrorKind;
  operations: readonly DeployOperation[] | undefined;
}

export interface MemoryDeployerOptions {
  /** Servers are created and deleted here too, tagged like the pool program tags them. */
  inventory?: MemoryInventory;
  /** Unix seconds, for the servers' created time. */
  now?: () => number;
}

/** A stack whose operation "died": locked by a gone process, with creates pending. */
interface Crashed {
  pendingCreates: string[];
}

export class MemoryDeployer implements PoolDeployer {
  /** Every call, in order. */
  readonly calls: DeployCall[] = [];
  private readonly stacks = new Map<string, Map<string, DeployedInstance>>();
  private readonly failures = new Map<string, Failure>();
  private readonly crashed = new Map<string, Crashed>();
  private readonly lock = new StackLock();
  private nextId = 1;

  constructor(private readonly options: MemoryDeployerOptions = {}) {}

  /**
   * The next `up` of `cloud` dies after creating the servers of `created` (named workers of
   * its input): they exist on the cloud but not in the stack, the stack stays locked by the dead
   * operation and the creates pending, until recover() runs.
   */
  crashDuringNextUp(cloud: string, created: readonly string[]): void {
    this.crashPlan.set(cloud, [...created]);
  }
  private readonly crashPlan = new Map<string, string[]>();

  /** The next `count` calls on `cloud` (of `operations`, default all) fail with `kind`. */
  failNext(
    cloud: string,
    count: number,
    kind: DeployErrorKind,
    operations?: readonly DeployOperation[],
  ): void {
    this.failures.set(cloud, { remaining: count, kind, operations });
  }

  /**
   * The next `up` of `cloud` refuses to create the named workers (as Nova refusing a flavor or
   * over quota) and creates the others, as the engine does with continueOnError.
   */
  refuseWorkers(cloud: string, names: readonly string[], kind: DeployErrorKind): void {
    this.refusals.set(cloud, { names: new Set(names), kind });
  }
  private readonly refusals = new Map<string, { names: Set<string>; kind: DeployErrorKind }>();

  /** Whether the cloud's stack exists (created by up, removed by destroy). */
  hasStack(cloud: string): boolean {
    return this.stacks.has(cloud);
  }

  async up(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult> {
    const workers = input.workers.map((w) => w.name);
    return this.call("up", input.cloudName, workers, signal, () => {
      const cloud = input.cloudName;
      const stack = this.stacks.get(cloud) ?? new Map<string, DeployedInstance>();
      const dying = this.crashPlan.get(cloud);
      if (dying) {
        // Creates reach the cloud, the process dies before the stack records them.
        this.crashPlan.delete(cloud);
        for (const name of dying) this.createServer(input, name);
        this.crashed.set(cloud, { pendingCreates: dying });
        this.stacks.set(cloud, stack);
        throw new ProgramError({ cloud, detail: "simulated: the scheduler died during up" });
      }
      const changes = diff(stack, workers);
      const wanted = new Set(workers);
      for (const name of [...stack.keys()]) {
        if (wanted.has(name)) continue;
        const id = stack.get(name)?.id;
        if (id !== undefined) this.options.inventory?.remove(cloud, id);
        stack.delete(name);
      }
      const refusal = this.refusals.get(cloud);
      this.refusals.delete(cloud);
      const refused: RefusedWorker[] = [];
      for (const name of workers) {
        if (stack.has(name)) continue;
        if (refusal?.names.has(name)) {
          refused.push({
            name,
            op: "create",
            kind: refusal.kind,
            message: `simulated ${refusal.kind}`,
          });
          changes.create -= 1;
          continue;
        }
        stack.set(name, this.createServer(input, name));
      }
      this.stacks.set(cloud, stack);
      return { changes, instances: sorted(stack), ...(refused.length > 0 ? { refused } : {}) };
    });
  }

  async unfinished(): Promise<string[]> {
    return [...this.crashed.keys()].sort();
  }

  async recover(cloudName: string): Promise<RecoveryReport> {
    return this.call("recover", cloudName, undefined, undefined, () => {
      const crash = this.crashed.get(cloudName);
      this.crashed.delete(cloudName);
      return {
        cloud: cloudName,
        killedProcesses: 0,
        lockCleared: crash !== undefined,
        interruptedCreates: crash ? [...crash.pendingCreates].sort() : [],
        pendingCleared: 0,
      };
    });
  }

  private createServer(input: PoolStackInput, name: string): DeployedInstance {
    const id = `mem-${input.cloudName}-${this.nextId++}`;
    const worker = input.workers.find((w) => w.name === name);
    const metadata: Record<string, string> = {
      cloudscheduler: "worker",
      cloud: input.cloudName,
      vm_type: worker?.vmType ?? "",
    };
    if (input.owner !== undefined) metadata.cloudscheduler_owner = input.owner;
    this.options.inventory?.add(input.cloudName, {
      id,
      name,
      status: "ACTIVE",
      metadata,
      createdAt: this.options.now?.() ?? 0,
    });
    return { name, id, status: "ACTIVE" };
  }

  async preview(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult["changes"]> {
    const workers = input.workers.map((w) => w.name);
    return this.call("preview", input.cloudName, workers, signal, () =>
      diff(this.stacks.get(input.cloudName) ?? new Map(), workers),
    );
  }

  async instances(cloudName: string): Promise<DeployedInstance[]> {
    return this.call("instances", cloudName, undefined, undefined, () => {
      const stack = this.stacks.get(cloudName);
      return stack ? sorted(stack) : [];
    });
  }

  async destroy(cloudName: string, signal?: AbortSignal): Promise<void> {
    return this.call("destroy", cloudName, undefined, signal, () => {
      for (const instance of this.stacks.get(cloudName)?.values() ?? []) {
        this.options.inventory?.remove(cloudName, instance.id);
      }
      this.stacks.delete(cloudName);
    });
  }

  private call<T>(
    operation: DeployOperation,
    cloud: string,
    workers: string[] | undefined,
    signal: AbortSignal | undefined,
    body: () => T,
  ): Promise<T> {
    return this.lock.run(poolStackName(cloud), async () => {
      const record: DeployCall = { operation, cloud, outcome: "ok" };
      if (workers) record.workers = workers;
      this.calls.push(record);
      if (this.crashed.has(cloud) && operation !== "recover" && operation !== "instances") {
        // The dead operation's lock: every operation fails as Pulumi's would.
        record.outcome = "lock-held";
        throw new LockHeldError({
          cloud,
          detail: "simulated: the stack is currently locked by 1 lock(s)",
          holders: [{ user: "cloudscheduler", host: "here", pid: 0 }],
        });
      }
      const failure = this.failures.get(cloud);
      if (failure && (failure.operations?.includes(operation) ?? true)) {
        failure.remaining -= 1;
        if (failure.remaining <= 0) this.failures.delete(cloud);
        record.outcome = failure.kind;
        throw deployErrorOf(failure.kind, cloud);
      }
      if (signal?.aborted) {
        record.outcome = "program";
        throw new ProgramError({ cloud, detail: "operation aborted" });
      }
      return body();
    });
  }
}

function diff(stack: Map<string, DeployedInstance>, workers: string[]): DeployResult["changes"] {
  const wanted = new Set(workers);
  const create = workers.filter((name) => !stack.has(name)).length;
  const same = workers.length - create;
  const remove = [...stack.keys()].filter((name) => !wanted.has(name)).length;
  return { create, update: 0, delete: remove, same };
}

function sorted(stack: Map<string, DeployedInstance>): DeployedInstance[] {
  return [...stack.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
