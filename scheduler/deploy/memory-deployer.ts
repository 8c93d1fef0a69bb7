// An in-memory PoolDeployer: instances per cloud with generated ids, every call recorded. For
// tests, `cloudscheduler plan --dry-run` and the sandbox; it can be told to fail like a cloud.
import {
  AuthError,
  CloudUnreachableError,
  type DeployError,
  type DeployErrorKind,
  LockHeldError,
  ProgramError,
  PulumiNotInstalledError,
  QuotaExceededError,
  SecretsError,
  WorkerIdentityError,
} from "./errors.js";
import { StackLock } from "./stack-lock.js";
import type { DeployedInstance, DeployResult, PoolDeployer, PoolStackInput } from "./types.js";
import { poolStackName } from "./workspace-settings.js";

export type DeployOperation = "up" | "preview" | "instances" | "destroy";

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
  const options = { cloud, detail: `simulated ${kind}` };
  switch (kind) {
    case "lock-held":
      return new LockHeldError(options);
    case "quota-exceeded":
      return new QuotaExceededError(options);
    case "auth":
      return new AuthError(options);
    case "cloud-unreachable":
      return new CloudUnreachableError(options);
    case "secrets":
      return new SecretsError("simulated secrets failure", options);
    case "program":
      return new ProgramError(options);
    case "pulumi-not-installed":
      return new PulumiNotInstalledError({ detail: "simulated" });
    case "identity":
      return new WorkerIdentityError(options);
  }
}

interface Failure {
  remaining: number;
  kind: DeployErrorKind;
  operations: readonly DeployOperation[] | undefined;
}

export class MemoryDeployer implements PoolDeployer {
  /** Every call, in order. */
  readonly calls: DeployCall[] = [];
  private readonly stacks = new Map<string, Map<string, DeployedInstance>>();
  private readonly failures = new Map<string, Failure>();
  private readonly lock = new StackLock();
  private nextId = 1;

  /** The next `count` calls on `cloud` (of `operations`, default all) fail with `kind`. */
  failNext(
    cloud: string,
    count: number,
    kind: DeployErrorKind,
    operations?: readonly DeployOperation[],
  ): void {
    this.failures.set(cloud, { remaining: count, kind, operations });
  }

  /** Whether the cloud's stack exists (created by up, removed by destroy). */
  hasStack(cloud: string): boolean {
    return this.stacks.has(cloud);
  }

  async up(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult> {
    const workers = input.workers.map((w) => w.name);
    return this.call("up", input.cloudName, workers, signal, () => {
      const stack = this.stacks.get(input.cloudName) ?? new Map<string, DeployedInstance>();
      const changes = diff(stack, workers);
      const wanted = new Set(workers);
      for (const name of [...stack.keys()]) if (!wanted.has(name)) stack.delete(name);
      for (const name of workers) {
        if (!stack.has(name)) {
          stack.set(name, {
            name,
            id: `mem-${input.cloudName}-${this.nextId++}`,
            status: "ACTIVE",
          });
        }
      }
      this.stacks.set(input.cloudName, stack);
      return { changes, instances: sorted(stack) };
    });
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
