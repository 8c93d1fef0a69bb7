// The one interface the rest of cloudscheduler uses to talk to HTCondor, and its command-line
// implementation. A failed or malformed answer is always an error for the cycle, never "zero
// jobs" or "zero workers" (that would tear the pool down).
import type { CondorConfig } from "../config/schema.js";
import { condorEnv } from "../secrets/child-env.js";
import type { AdStreamOptions } from "./ad-stream.js";
import {
  condorDrainArgs,
  condorOffArgs,
  condorQArgs,
  condorStatusArgs,
  condorStatusOfWorkersArgs,
} from "./commands.js";
import { groupWorkers } from "./group-workers.js";
import { readJobs } from "./parse-jobs.js";
import { readStatus } from "./parse-slots.js";
import { type CondorTool, collectText, type RunOptions, runTool } from "./run.js";
import { isTrustedStartd, partitionTrusted, type UntrustedSlot } from "./slot-trust.js";
import type { Job, ObservedWorker } from "./types.js";

export interface CondorClient {
  /** Every job in the queue (all users). */
  jobs(): Promise<Job[]>;
  /** Every startd in the pool, slots grouped per worker. */
  workers(): Promise<ObservedWorker[]>;
  /** condor_drain -graceful: stop new matches, let running jobs finish. */
  drain(machine: string, reason: string): Promise<void>;
  /** condor_off -peaceful -startd: the startd exits once its jobs are done. */
  peacefulOff(machine: string): Promise<void>;
}

export interface CommandLineCondorOptions {
  /**
   * Directory holding the tools; default: PATH. An operator setting
   * (CLOUDSCHEDULER_CONDOR_BIN_DIR / --condor-bin), never from the committed config.
   */
  binDir?: string;
  /**
   * Environment the tools' variables come from (tests point the stand-ins at fixtures); default
   * process.env. A tool sees only HTCondor's variables of it (secrets/child-env.ts).
   */
  env?: NodeJS.ProcessEnv;
  /**
   * "required" (the default): a slot naming a worker counts only when the collector
   * authenticated its sender as that worker (slot-trust.ts); others are ignored and reported to
   * onUntrustedSlot. "unchecked": every slot counts (replaying a personal pool's answers, whose
   * ads are all authenticated as condor@family).
   */
  workerIdentity?: "required" | "unchecked";
  /** Told about every slot ignored for its identity. */
  onUntrustedSlot?: (untrusted: UntrustedSlot) => void;
  /** Overrides config.timeout (seconds) with milliseconds; tests use short ones. */
  timeoutMs?: number;
  maxOutputBytes?: number;
  adStream?: AdStreamOptions;
}

/** config.timeout is whole seconds; 0 would kill every call at once, so at least 1 s. */
const MIN_TIMEOUT_MS = 1000;

export class CommandLineCondor implements CondorClient {
  constructor(
    private readonly config: CondorConfig,
    private readonly options: CommandLineCondorOptions = {},
  ) {}

  async jobs(): Promise<Job[]> {
    return this.run("condor_q", condorQArgs(this.config), (stdout) =>
      readJobs(stdout, this.options.adStream),
    );
  }

  async workers(): Promise<ObservedWorker[]> {
    const { slots, startds } = await this.run(
      "condor_status",
      condorStatusArgs(this.config),
      (stdout) => readStatus(stdout, this.options.adStream),
    );
    if (this.options.workerIdentity === "unchecked") return groupWorkers(slots, startds);
    const { trusted, untrusted } = partitionTrusted(slots);
    for (const slot of untrusted) this.options.onUntrustedSlot?.(slot);
    return groupWorkers(trusted, startds.filter(isTrustedStartd));
  }

  /**
   * Every startd naming one of `workers` (CloudSchedulerVM or Machine), whatever identity sent
   * it: the join fence asks whether any of them joined, and an unproven ad counts as joined.
   */
  async workersNamed(workers: readonly string[]): Promise<ObservedWorker[]> {
    if (workers.length === 0) return [];
    const { slots, startds } = await this.run(
      "condor_status",
      condorStatusOfWorkersArgs(this.config, workers),
      (stdout) => readStatus(stdout, this.options.adStream),
    );
    return groupWorkers(slots, startds);
  }

  async drain(machine: string, reason: string): Promise<void> {
    await this.run(
      "condor_drain",
      condorDrainArgs(this.config, machine, reason),
      collectText(),
      machine,
    );
  }

  async peacefulOff(machine: string): Promise<void> {
    await this.run("condor_off", condorOffArgs(this.config, machine), collectText(), machine);
  }

  private run<T>(
    tool: CondorTool,
    args: string[],
    consume: (stdout: AsyncIterable<Buffer>) => Promise<T>,
    machine?: string,
  ): Promise<T> {
    const options: RunOptions = {
      timeoutMs: this.options.timeoutMs ?? Math.max(MIN_TIMEOUT_MS, this.config.timeout * 1000),
    };
    if (this.options.binDir !== undefined) options.binDir = this.options.binDir;
    options.env = condorEnv(this.options.env ?? process.env);
    if (this.options.maxOutputBytes !== undefined)
      options.maxOutputBytes = this.options.maxOutputBytes;
    if (machine !== undefined) options.machine = machine;
    return runTool(tool, args, options, consume);
  }
}
