// The real PoolDeployer: a cloud's workers in Pulumi stacks of at most policy.deploy.shard_size
// workers ("pool-<cloud>", "pool-<cloud>_1", …, project "cloudscheduler-pool"; shards.ts), the
// pool program run inline through the Automation API. An `up` deploys only the shards whose
// workers changed, in parallel; which shard holds which worker is read from the stacks' outputs
// once per process and kept.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  LocalWorkspaceOptions,
  OpMap,
  OutputMap,
  PulumiCommand,
  PulumiFn,
  Stack,
} from "@pulumi/pulumi/automation/index.js";
import { z } from "zod";
import type { PoolWorker } from "../pool/types.js";
import { pulumiEnv } from "../secrets/child-env.js";
import { EngineRuns } from "./engine-runs.js";
import { classifyDeployError, LockHeldError, ProgramError } from "./errors.js";
import { isAlive, isPulumiProcess, stopGroup } from "./processes.js";
import { ensureProjectFile } from "./project-file.js";
import { loadPulumiCommand } from "./pulumi-cli.js";
import { type RefusedWorker, ResourceEventLog, WORKER_TYPE } from "./resource-events.js";
import { scrubSecrets } from "./scrub.js";
import { type ShardOutcome, settleShards } from "./shard-outcomes.js";
import { assignShards, parseShardStack, shardStackName } from "./shards.js";
import { StackLock } from "./stack-lock.js";
import { isStale, type LockHolder } from "./stale-lock.js";
import { trackedPulumiCommand } from "./tracked-command.js";
import type {
  DeployedInstance,
  DeployResult,
  PoolDeployer,
  PoolStackInput,
  RecoveryReport,
} from "./types.js";
import {
  type DeploySettings,
  fileBackendDir,
  POOL_PROJECT,
  resolveBackendUrl,
  resolveSecrets,
  resolveStateDir,
} from "./workspace-settings.js";

/** The subset of a pino logger the deployer uses. */
export interface DeployLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export type PoolProgramFactory = (input: PoolStackInput) => PulumiFn;

export interface AutomationDeployerOptions {
  /** The config repo's working tree (the state dir defaults to a sibling of it). */
  configDir: string;
  /**
   * Backend and secrets provider (operator settings); fixed for the deployer's life (a new
   * backend = new stacks).
   */
  deploy: DeploySettings;
  /**
   * Environment the CLI's settings come from (PATH, PULUMI_*, CLOUDSCHEDULER_STATE_DIR); default
   * process.env. The CLI itself sees only its allow-list of it (secrets/child-env.ts).
   */
  env?: NodeJS.ProcessEnv;
  logger?: DeployLogger;
  /** The pool program; default poolProgram from stacks/pool.ts. */
  program?: PoolProgramFactory;
  /** How to get the CLI; default: find it on $PULUMI_HOME/bin or PATH and check its version. */
  pulumiCommand?: () => Promise<PulumiCommand>;
  /** Shared with other deployers of this process, if any. */
  lock?: StackLock;
}

/** The pool program's outputs: `instances: { [name]: { id, status?, addresses? } }`. */
const instancesOutput = z.record(
  z.string(),
  z.object({
    id: z.string(),
    status: z.string().optional(),
    addresses: z.array(z.string()).optional(),
  }),
);

const NO_PROGRAM: PulumiFn = async () => ({});

const NO_CHANGES: DeployResult = {
  changes: { create: 0, update: 0, delete: 0, same: 0 },
  instances: [],
};

export class AutomationDeployer implements PoolDeployer {
  private readonly env: NodeJS.ProcessEnv;
  private readonly lock: StackLock;
  private readonly stateDir: string;
  private readonly backendUrl: string;
  private readonly runs: EngineRuns;
  /** Per cloud: which shard holds each worker, and what each shard was last deployed with. */
  private readonly members = new Map<string, CloudShards>();
  /** The holders named by the last lock error of each stack (non-file backends). */
  private readonly lastHolders = new Map<string, LockHolder[]>();
  private cli: Promise<PulumiCommand> | undefined;

  constructor(private readonly options: AutomationDeployerOptions) {
    this.env = options.env ?? process.env;
    this.lock = options.lock ?? new StackLock();
    this.stateDir = resolveStateDir(options.configDir, this.env);
    this.backendUrl = resolveBackendUrl(options.deploy, this.stateDir);
    this.runs = new EngineRuns(join(this.stateDir, "engine"));
  }

  async up(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult> {
    await this.pulumi();
    const cloud = input.cloudName;
    const { shard_size: shardSize, concurrency } = input.config.policy.deploy;
    const known = await this.membership(cloud);
    const plan = assignShards(input.workers, known.members, known.shards, shardSize);
    // The same pool asked again (a reconcile, another writer suspected): every shard runs.
    // Otherwise only shards whose workers changed since this process deployed them.
    const whole = shardFingerprint(input, input.workers);
    const again = known.lastInput === whole;
    known.lastInput = undefined;
    const changed = [...plan].filter(
      ([shard, workers]) => again || known.deployed.get(shard) !== shardFingerprint(input, workers),
    );
    const heldBefore = new Map(known.members);
    const outcomes: ShardOutcome[] = [];
    // Shards of one cloud deploy in parallel, at most `concurrency` at once.
    const pending = [...changed];
    const worker = async () => {
      for (let next = pending.shift(); next; next = pending.shift()) {
        const [shard, workers] = next;
        const fingerprint = shardFingerprint(input, workers);
        known.deployed.delete(shard);
        try {
          const result = await this.upShard({ ...input, workers }, shard, signal);
          outcomes.push({ shard, workers, result });
          if (!known.shards.includes(shard)) known.shards.push(shard);
          for (const [name, at] of [...known.members]) {
            if (at === shard) {
              known.members.delete(name);
              known.ids.delete(name);
            }
          }
          for (const instance of result.instances) {
            known.members.set(instance.name, shard);
            known.ids.set(instance.name, instance.id);
          }
          if ((result.refused ?? []).length === 0) known.deployed.set(shard, fingerprint);
        } catch (error) {
          outcomes.push({ shard, workers, error });
          // What the shard holds now is unknown: read again next time.
          this.members.delete(cloud);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, changed.length) }, worker));
    // A shard that failed alone takes back only its new workers; the others stand.
    const settled = settleShards(outcomes, heldBefore, cloud, signal?.aborted === true);
    const results = settled.stood;
    if (settled.refused.length > 0) results.push({ ...NO_CHANGES, refused: settled.refused });
    if (results.every((r) => (r.refused ?? []).length === 0)) known.lastInput = whole;
    const unchanged = [...plan].filter(([shard]) => !changed.some(([c]) => c === shard));
    return mergeResults(
      results,
      [...unchanged.flatMap(([, workers]) => workers.map((w) => w.name)), ...settled.kept],
      known,
    );
  }

  /** One shard's `up`. */
  private async upShard(
    input: PoolStackInput,
    shard: number,
    signal: AbortSignal | undefined,
  ): Promise<DeployResult> {
    const stackName = shardStackName(input.cloudName, shard);
    return this.operate(input.cloudName, stackName, async () => {
      const stack = await this.stack(stackName, await this.program(input));
      const events = new ResourceEventLog(input.cloudName, this.knownSecrets());
      try {
        const result = await stack.up({
          onOutput: this.output(stackName, "up"),
          onEvent: (event) => events.add(event),
          // A refused create takes back only that worker: the engine goes on with the others.
          continueOnError: true,
          parallel: input.config.policy.deploy.parallelism,
          signal,
        });
        return {
          changes: countChanges(result.summary.resourceChanges),
          instances: parseInstances(result.outputs, input.cloudName),
        };
      } catch (err) {
        // A credential or reachability error fails each worker's create alike: it is the
        // whole stack failing (classified by operate), never a set of refused workers.
        if (signal?.aborted || !events.onlyWorkersRefused()) throw err;
        // Only workers were refused: the rest of the update stands. Say which, and why.
        const refused = events.refused();
        const names = new Set(refused.map((r) => r.name));
        // The program's outputs of a failed update are not to be trusted: read the state.
        const held = instancesInState(await stack.exportStack());
        return {
          changes: countChanges(events.changes()),
          instances: held.filter((i) => !names.has(i.name)),
          refused,
        };
      }
    });
  }

  async preview(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult["changes"]> {
    await this.pulumi();
    const known = await this.membership(input.cloudName);
    const plan = assignShards(
      input.workers,
      known.members,
      known.shards,
      input.config.policy.deploy.shard_size,
    );
    const total = { create: 0, update: 0, delete: 0, same: 0 };
    for (const [shard, workers] of plan) {
      const stackName = shardStackName(input.cloudName, shard);
      const changes = await this.operate(input.cloudName, stackName, async () => {
        const stack = await this.stack(stackName, await this.program({ ...input, workers }));
        const result = await stack.preview({ onOutput: this.output(stackName, "preview"), signal });
        return countChanges(result.changeSummary);
      });
      for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += changes[key];
    }
    return total;
  }

  async instances(cloudName: string): Promise<DeployedInstance[]> {
    await this.pulumi();
    const all: DeployedInstance[] = [];
    for (const shard of await this.shardsOf(cloudName)) {
      const stackName = shardStackName(cloudName, shard);
      all.push(
        ...(await this.operate(cloudName, stackName, async () => {
          const stack = await this.existingStack(stackName);
          return stack ? parseInstances(await stack.outputs(), cloudName) : [];
        })),
      );
    }
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async destroy(cloudName: string, signal?: AbortSignal): Promise<void> {
    await this.pulumi();
    for (const shard of await this.shardsOf(cloudName)) {
      const stackName = shardStackName(cloudName, shard);
      await this.operate(cloudName, stackName, async () => {
        const stack = await this.existingStack(stackName);
        if (!stack) return;
        // Destroy works from the stack's state; the (empty) program is not run.
        await stack.destroy({ onOutput: this.output(stackName, "destroy"), signal });
        await stack.workspace.removeStack(stack.name);
      });
    }
    this.members.delete(cloudName);
  }

  async unfinished(): Promise<string[]> {
    const clouds = this.runs
      .orphaned(isAlive)
      .map((run) => run.stack)
      .filter((stack) => !this.lock.isBusy(stack))
      .map((stack) => parseShardStack(stack)?.cloud)
      .filter((cloud): cloud is string => cloud !== undefined);
    return [...new Set(clouds)].sort();
  }

  async recover(cloudName: string, signal?: AbortSignal): Promise<RecoveryReport> {
    await this.pulumi();
    this.members.delete(cloudName);
    const report: RecoveryReport = {
      cloud: cloudName,
      killedProcesses: 0,
      lockCleared: false,
      interruptedCreates: [],
      pendingCleared: 0,
    };
    const dead = new Set(
      this.runs
        .orphaned(isAlive)
        .map((r) => parseShardStack(r.stack))
        .filter((ref) => ref?.cloud === cloudName)
        .map((ref) => ref?.shard ?? 0),
    );
    const shards = [...new Set([...(await this.shardsOf(cloudName)), ...dead])].sort(
      (a, b) => a - b,
    );
    for (const shard of shards) {
      const one = await this.recoverShard(cloudName, shard, signal);
      report.killedProcesses += one.killedProcesses;
      report.lockCleared ||= one.lockCleared;
      report.interruptedCreates.push(...one.interruptedCreates);
      report.pendingCleared += one.pendingCleared;
      if (one.lockedBy !== undefined) {
        report.lockedBy = report.lockedBy ? `${report.lockedBy}, ${one.lockedBy}` : one.lockedBy;
      }
    }
    report.interruptedCreates.sort();
    return report;
  }

  private async recoverShard(
    cloudName: string,
    shard: number,
    signal: AbortSignal | undefined,
  ): Promise<RecoveryReport> {
    const stackName = shardStackName(cloudName, shard);
    return this.operate(cloudName, stackName, async () => {
      const report: RecoveryReport = {
        cloud: cloudName,
        killedProcesses: 0,
        lockCleared: false,
        interruptedCreates: [],
        pendingCleared: 0,
      };
      // 1. The dead operation's engine, if it still runs (its scheduler was SIGKILLed). An
      // operation whose scheduler lives is someone's live deploy: never touched.
      const dead = this.runs.orphaned(isAlive).filter((r) => r.stack === stackName);
      const run = dead[0];
      for (const pid of dead.flatMap((r) => [r.pid, ...r.children])) {
        if (pid <= 0 || !isAlive(pid) || !isPulumiProcess(pid)) continue;
        await stopGroup(pid);
        if (isAlive(pid)) process.kill(pid, "SIGKILL");
        report.killedProcesses += 1;
        this.options.logger?.warn(
          { cloud: cloudName, pid },
          "stopped an engine process of a deploy whose scheduler died",
        );
      }
      const stack = await this.existingStack(stackName);
      if (!stack) {
        for (const r of dead) this.runs.finish(r);
        return report;
      }
      // 2. Its lock, if the holder is gone. A live holder is a real concurrent operation.
      const holders = await this.lockHolders(stackName);
      if (holders.length > 0) {
        if (!isStale(holders)) {
          report.lockedBy = holders.map((h) => `${h.user}@${h.host} (pid ${h.pid})`).join(", ");
          return report;
        }
        await stack.cancel();
        this.lastHolders.delete(stackName);
        report.lockCleared = true;
        this.options.logger?.warn(
          { cloud: cloudName, holders: report.lockedBy },
          "cleared the stack lock of a dead deploy (pulumi cancel)",
        );
      }
      // 3. What the dead operation left half-done, settled against the cloud.
      const state = (await stack.exportStack()) as {
        deployment?: { pending_operations?: { type?: string; resource?: { urn?: string } }[] };
      };
      const pending = state.deployment?.pending_operations ?? [];
      for (const op of pending) {
        const urn = op.resource?.urn ?? "";
        if (op.type === "creating" && urn.includes("openstack:compute/instance:Instance::")) {
          report.interruptedCreates.push(urn.slice(urn.lastIndexOf("::") + 2));
        } else report.pendingCleared += 1;
      }
      report.interruptedCreates.sort();
      if (pending.length > 0 && !run && holders.length === 0) {
        // Pending operations but no dead operation of ours and no lock: a live operation of
        // another process may be writing them right now. Leave them to it.
        return { ...report, interruptedCreates: [], pendingCleared: 0 };
      }
      if (pending.length > 0) {
        // Pending creates are dropped from the state (their servers, if any, are orphans the
        // sweep deletes); other pending operations are resolved by reading the cloud.
        await stack.refresh({
          clearPendingCreates: true,
          onOutput: this.output(stackName, "refresh"),
          signal,
        });
      }
      for (const r of dead) this.runs.finish(r);
      return report;
    });
  }

  /** Who holds the stack's lock: the file backend's lock files, else the last lock error. */
  private async lockHolders(stackName: string): Promise<LockHolder[]> {
    const backendDir = fileBackendDir(this.backendUrl);
    if (!backendDir) return this.lastHolders.get(stackName) ?? [];
    const holders: LockHolder[] = [];
    for (const dir of [
      join(backendDir, ".pulumi", "locks", "organization", POOL_PROJECT, stackName),
      join(backendDir, ".pulumi", "locks", POOL_PROJECT, stackName),
      join(backendDir, ".pulumi", "locks", stackName),
    ]) {
      const files = await readdir(dir).catch(() => [] as string[]);
      for (const file of files.filter((f) => f.endsWith(".json"))) {
        const text = await readFile(join(dir, file), "utf8").catch(() => "");
        try {
          const lock = JSON.parse(text) as {
            pid?: unknown;
            username?: unknown;
            hostname?: unknown;
          };
          holders.push({
            user: String(lock.username ?? ""),
            host: String(lock.hostname ?? ""),
            pid: Number(lock.pid ?? 0),
          });
        } catch {
          // A half-written lock file: its writer died mid-write, so it holds nothing.
          holders.push({ user: "", host: "", pid: 0 });
        }
      }
    }
    return holders;
  }

  /** Serialises per stack, checks the CLI first, and classifies every failure. */
  private async operate<T>(
    cloud: string,
    stackName: string,
    operation: () => Promise<T>,
  ): Promise<T> {
    await this.pulumi();
    return this.lock.run(stackName, async () => {
      try {
        return await operation();
      } catch (err) {
        const classified = classifyDeployError(err, cloud, this.knownSecrets());
        if (classified instanceof LockHeldError && classified.holders.length > 0) {
          this.lastHolders.set(stackName, classified.holders);
        }
        throw classified;
      }
    });
  }

  /** The shards a cloud has (stacks in the backend; shard 0 first); [] when none exists. */
  private async shardsOf(cloud: string): Promise<number[]> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
    const workspace = await LocalWorkspace.create(
      await this.workspaceOptions(shardStackName(cloud, 0), NO_PROGRAM),
    );
    const stacks = await workspace.listStacks().catch((err: unknown) => {
      throw classifyDeployError(err, cloud, this.knownSecrets());
    });
    return stacks
      .map((summary) => parseShardStack(summary.name.slice(summary.name.lastIndexOf("/") + 1)))
      .filter((ref) => ref?.cloud === cloud)
      .map((ref) => ref?.shard ?? 0)
      .sort((a, b) => a - b);
  }

  /** Which shard holds each worker of the cloud, read from the stacks once and then kept. */
  private async membership(cloud: string): Promise<CloudShards> {
    const cached = this.members.get(cloud);
    if (cached) return cached;
    const known: CloudShards = {
      members: new Map(),
      ids: new Map(),
      shards: [],
      deployed: new Map(),
    };
    for (const shard of await this.shardsOf(cloud)) {
      const stackName = shardStackName(cloud, shard);
      // From the state, not the outputs: after a partial update only the state says what is held.
      const instances = await this.operate(cloud, stackName, async () => {
        const stack = await this.existingStack(stackName);
        return stack ? instancesInState(await stack.exportStack()) : [];
      });
      known.shards.push(shard);
      for (const instance of instances) {
        known.members.set(instance.name, shard);
        known.ids.set(instance.name, instance.id);
      }
    }
    this.members.set(cloud, known);
    return known;
  }

  /**
   * The CLI, found once, run with only the variables it needs; a failed lookup is retried next
   * time (someone may install it).
   */
  private async pulumi(): Promise<PulumiCommand> {
    this.cli ??= (this.options.pulumiCommand ?? (() => loadPulumiCommand(this.env)))().then((cli) =>
      trackedPulumiCommand(
        cli,
        this.runs,
        pulumiEnv(this.env, this.options.deploy.secretsProvider),
      ),
    );
    try {
      return await this.cli;
    } catch (err) {
      this.cli = undefined;
      throw classifyDeployError(err);
    }
  }

  private async program(input: PoolStackInput): Promise<PulumiFn> {
    if (this.options.program) return this.options.program(input);
    const { poolProgram } = await import("../../stacks/pool.js");
    return poolProgram(input);
  }

  private async workspaceOptions(
    stackName: string,
    program: PulumiFn,
  ): Promise<LocalWorkspaceOptions> {
    const secrets = resolveSecrets(this.options.deploy, this.env);
    const workDir = join(this.stateDir, "workspaces", stackName);
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const backendDir = fileBackendDir(this.backendUrl);
    if (backendDir) await mkdir(backendDir, { recursive: true, mode: 0o700 });
    // Our own atomic Pulumi.yaml, not LocalWorkspace's projectSettings (project-file.ts).
    await ensureProjectFile(workDir, {
      name: POOL_PROJECT,
      runtime: "nodejs",
      backendUrl: this.backendUrl,
    });
    const envVars: Record<string, string> = {
      PULUMI_BACKEND_URL: this.backendUrl,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      ...secrets.env,
    };
    return {
      workDir,
      program,
      pulumiCommand: await this.pulumi(),
      ...(this.env.PULUMI_HOME ? { pulumiHome: this.env.PULUMI_HOME } : {}),
      envVars,
      secretsProvider: secrets.secretsProvider,
    };
  }

  private async stack(stackName: string, program: PulumiFn): Promise<Stack> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
    return LocalWorkspace.createOrSelectStack(
      { stackName, projectName: POOL_PROJECT, program },
      await this.workspaceOptions(stackName, program),
    );
  }

  /** The stack, or undefined when it was never created. */
  private async existingStack(stackName: string): Promise<Stack | undefined> {
    const { LocalWorkspace, StackNotFoundError } = await import(
      "@pulumi/pulumi/automation/index.js"
    );
    try {
      return await LocalWorkspace.selectStack(
        { stackName, projectName: POOL_PROJECT, program: NO_PROGRAM },
        await this.workspaceOptions(stackName, NO_PROGRAM),
      );
    } catch (err) {
      if (err instanceof StackNotFoundError) return undefined;
      throw err;
    }
  }

  /** Forwards CLI progress to the logger, a line at a time, without secrets. */
  private output(stackName: string, operation: string): (text: string) => void {
    const logger = this.options.logger;
    const secrets = this.knownSecrets();
    const cloud = parseShardStack(stackName)?.cloud;
    return (text) => {
      if (!logger) return;
      for (const line of text.split("\n")) {
        if (line.trim() !== "") {
          logger.info({ cloud, stack: stackName, operation }, scrubSecrets(line, secrets));
        }
      }
    };
  }

  private knownSecrets(): string[] {
    const passphrase = this.env.PULUMI_CONFIG_PASSPHRASE;
    return passphrase ? [passphrase] : [];
  }
}

/** What the deployer knows of a cloud's shards. */
interface CloudShards {
  /** Worker name -> shard holding it. */
  members: Map<string, number>;
  /** Worker name -> server id, as the stacks' outputs last said. */
  ids: Map<string, string>;
  /** Shards that exist. */
  shards: number[];
  /** Shard -> fingerprint of what its last successful up deployed (this process only). */
  deployed: Map<number, string>;
  /** Fingerprint of the whole pool of the last up that fully succeeded. */
  lastInput?: string;
}

/** What a shard's up would deploy: its workers and the settings the program reads of them. */
function shardFingerprint(input: PoolStackInput, workers: readonly PoolWorker[]): string {
  const hash = createHash("sha1").update(
    JSON.stringify([
      input.cloud.cloud,
      input.cloud.auth_url,
      input.cloud.region,
      input.cloud.network,
      input.cloud.key_pair,
      input.owner ?? "",
    ]),
  );
  for (const w of [...workers].sort((a, b) => (a.name < b.name ? -1 : 1)))
    hash.update(`\n${w.name}\t${w.vmType}\t${w.image}\t${w.flavor}`);
  return hash.digest("hex");
}

/** The shards' results as one: counts summed, instances of the unchanged shards added. */
function mergeResults(
  results: readonly DeployResult[],
  unchangedWorkers: readonly string[],
  known: CloudShards,
): DeployResult {
  const changes = { create: 0, update: 0, delete: 0, same: 0 };
  const instances: DeployedInstance[] = [];
  const refused: RefusedWorker[] = [];
  for (const result of results) {
    for (const key of Object.keys(changes) as (keyof typeof changes)[])
      changes[key] += result.changes[key];
    instances.push(...result.instances);
    refused.push(...(result.refused ?? []));
  }
  changes.same += unchangedWorkers.length;
  const ids = known.ids;
  for (const name of unchangedWorkers) {
    const id = ids.get(name);
    if (id) instances.push({ name, id });
  }
  instances.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { changes, instances, ...(refused.length > 0 ? { refused } : {}) };
}

/** The worker servers a stack's state holds (`pulumi stack export`), sorted by name. */
export function instancesInState(state: unknown): DeployedInstance[] {
  const resources =
    (state as { deployment?: { resources?: { urn?: unknown; type?: unknown; id?: unknown }[] } })
      ?.deployment?.resources ?? [];
  const instances: DeployedInstance[] = [];
  for (const r of resources) {
    if (r.type !== WORKER_TYPE || typeof r.urn !== "string" || typeof r.id !== "string") continue;
    if (r.id === "") continue;
    instances.push({ name: r.urn.slice(r.urn.lastIndexOf("::") + 2), id: r.id });
  }
  return instances.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Pulumi's per-operation counts folded into ours: a replacement counts as an update. */
export function countChanges(ops: OpMap | undefined): DeployResult["changes"] {
  const n = (key: keyof OpMap) => ops?.[key] ?? 0;
  return {
    create: n("create"),
    update: n("update") + n("replace"),
    delete: n("delete"),
    same: n("same"),
  };
}

/** The `instances` output as DeployedInstances sorted by name; bad outputs are a ProgramError. */
export function parseInstances(outputs: OutputMap, cloud: string): DeployedInstance[] {
  const value = outputs.instances?.value;
  if (value === undefined) return [];
  const parsed = instancesOutput.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProgramError({
      cloud,
      detail: `stack output "instances" is malformed at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? ""}`,
    });
  }
  return Object.entries(parsed.data)
    .map(([name, instance]) => ({ name, ...instance }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
