// The real PoolDeployer: one Pulumi stack per cloud ("pool-<cloud>", project
// "cloudscheduler-pool"), the pool program run inline through the Automation API.
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
import { pulumiEnv } from "../secrets/child-env.js";
import { EngineRuns } from "./engine-runs.js";
import { classifyDeployError, LockHeldError, ProgramError } from "./errors.js";
import { isAlive, isPulumiProcess, stopGroup } from "./processes.js";
import { loadPulumiCommand } from "./pulumi-cli.js";
import { ResourceEventLog } from "./resource-events.js";
import { scrubSecrets } from "./scrub.js";
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
  poolStackName,
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

export class AutomationDeployer implements PoolDeployer {
  private readonly env: NodeJS.ProcessEnv;
  private readonly lock: StackLock;
  private readonly stateDir: string;
  private readonly backendUrl: string;
  private readonly runs: EngineRuns;
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
    return this.operate(input.cloudName, async () => {
      const stack = await this.stack(input.cloudName, await this.program(input));
      const events = new ResourceEventLog(input.cloudName, this.knownSecrets());
      try {
        const result = await stack.up({
          onOutput: this.output(input.cloudName, "up"),
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
        if (signal?.aborted || !events.onlyWorkersFailed()) throw err;
        // Only workers failed: the rest of the update stands. Say which, and why.
        const refused = events.refused();
        const names = new Set(refused.map((r) => r.name));
        const outputs = await stack.outputs().catch(() => ({}));
        return {
          changes: countChanges(events.changes()),
          instances: parseInstances(outputs, input.cloudName).filter((i) => !names.has(i.name)),
          refused,
        };
      }
    });
  }

  async preview(input: PoolStackInput, signal?: AbortSignal): Promise<DeployResult["changes"]> {
    return this.operate(input.cloudName, async () => {
      const stack = await this.stack(input.cloudName, await this.program(input));
      const result = await stack.preview({
        onOutput: this.output(input.cloudName, "preview"),
        signal,
      });
      return countChanges(result.changeSummary);
    });
  }

  async instances(cloudName: string): Promise<DeployedInstance[]> {
    return this.operate(cloudName, async () => {
      const stack = await this.existingStack(cloudName);
      return stack ? parseInstances(await stack.outputs(), cloudName) : [];
    });
  }

  async destroy(cloudName: string, signal?: AbortSignal): Promise<void> {
    return this.operate(cloudName, async () => {
      const stack = await this.existingStack(cloudName);
      if (!stack) return;
      // Destroy works from the stack's state; the (empty) program is not run.
      await stack.destroy({ onOutput: this.output(cloudName, "destroy"), signal });
      await stack.workspace.removeStack(stack.name);
    });
  }

  async unfinished(): Promise<string[]> {
    return this.runs
      .orphaned(isAlive)
      .map((run) => run.stack)
      .filter((stack) => stack.startsWith("pool-") && !this.lock.isBusy(stack))
      .map((stack) => stack.slice("pool-".length))
      .sort();
  }

  async recover(cloudName: string, signal?: AbortSignal): Promise<RecoveryReport> {
    const stackName = poolStackName(cloudName);
    return this.operate(cloudName, async () => {
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
      const stack = await this.existingStack(cloudName);
      if (!stack) {
        for (const r of dead) this.runs.finish(r);
        return report;
      }
      // 2. Its lock, if the holder is gone. A live holder is a real concurrent operation.
      const holders = await this.lockHolders(cloudName);
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
          onOutput: this.output(cloudName, "refresh"),
          signal,
        });
      }
      for (const r of dead) this.runs.finish(r);
      return report;
    });
  }

  /** Who holds the stack's lock: the file backend's lock files, else the last lock error. */
  private async lockHolders(cloud: string): Promise<LockHolder[]> {
    const stackName = poolStackName(cloud);
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
  private async operate<T>(cloud: string, operation: () => Promise<T>): Promise<T> {
    await this.pulumi();
    return this.lock.run(poolStackName(cloud), async () => {
      try {
        return await operation();
      } catch (err) {
        const classified = classifyDeployError(err, cloud, this.knownSecrets());
        if (classified instanceof LockHeldError && classified.holders.length > 0) {
          this.lastHolders.set(poolStackName(cloud), classified.holders);
        }
        throw classified;
      }
    });
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

  private async workspaceOptions(cloud: string, program: PulumiFn): Promise<LocalWorkspaceOptions> {
    const secrets = resolveSecrets(this.options.deploy, this.env);
    const workDir = join(this.stateDir, "workspaces", poolStackName(cloud));
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const backendDir = fileBackendDir(this.backendUrl);
    if (backendDir) await mkdir(backendDir, { recursive: true, mode: 0o700 });
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
      projectSettings: {
        name: POOL_PROJECT,
        runtime: "nodejs",
        backend: { url: this.backendUrl },
      },
    };
  }

  private async stack(cloud: string, program: PulumiFn): Promise<Stack> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
    return LocalWorkspace.createOrSelectStack(
      { stackName: poolStackName(cloud), projectName: POOL_PROJECT, program },
      await this.workspaceOptions(cloud, program),
    );
  }

  /** The cloud's stack, or undefined when it was never created. */
  private async existingStack(cloud: string): Promise<Stack | undefined> {
    const { LocalWorkspace, StackNotFoundError } = await import(
      "@pulumi/pulumi/automation/index.js"
    );
    try {
      return await LocalWorkspace.selectStack(
        { stackName: poolStackName(cloud), projectName: POOL_PROJECT, program: NO_PROGRAM },
        await this.workspaceOptions(cloud, NO_PROGRAM),
      );
    } catch (err) {
      if (err instanceof StackNotFoundError) return undefined;
      throw err;
    }
  }

  /** Forwards CLI progress to the logger, a line at a time, without secrets. */
  private output(cloud: string, operation: string): (text: string) => void {
    const logger = this.options.logger;
    const secrets = this.knownSecrets();
    return (text) => {
      if (!logger) return;
      for (const line of text.split("\n")) {
        if (line.trim() !== "") {
          logger.info(
            { cloud, stack: poolStackName(cloud), operation },
            scrubSecrets(line, secrets),
          );
        }
      }
    };
  }

  private knownSecrets(): string[] {
    const passphrase = this.env.PULUMI_CONFIG_PASSPHRASE;
    return passphrase ? [passphrase] : [];
  }
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
