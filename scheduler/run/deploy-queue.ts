// Stack operations run in the background so the cycle never waits on Pulumi: at most
// `concurrency` at once over every cloud, one per stack, each cancelled (its AbortSignal: the
// Automation API sends the CLI SIGINT, which finishes and records the resource steps in flight)
// after `timeoutMs`. The queue only runs operations and keeps their results; the cycle applies
// the results (back-off, pool-file undo) at its next deploy step, so pool files are only ever
// written by the cycle, one commit at a time.
import { DeployTimeoutError } from "../deploy/errors.js";
import type { DeployResult } from "../deploy/types.js";
import type { PoolWorker } from "../pool/types.js";

/** deploy: make the stack hold the pool; cleanup: the same after a refusal; destroy: remove it. */
export type DeployPurpose = "deploy" | "cleanup" | "destroy";

export interface DeployTask {
  /** One operation per key at a time: the stack's name. */
  key: string;
  cloud: string;
  purpose: DeployPurpose;
  /** What the stack holds once it succeeds (deployFingerprint); undefined for destroy. */
  fingerprint?: string;
  /** The workers asked for. */
  workers: readonly PoolWorker[];
  /** Workers the cycle that started it planned: taken back if the cloud refuses. */
  fresh: readonly string[];
  /** Unix seconds of the cycle that started it. */
  cycleAt: number;
  run(signal: AbortSignal): Promise<DeployResult | undefined>;
}

export interface FinishedDeploy {
  task: DeployTask;
  result?: DeployResult;
  error?: unknown;
  /** Wall-clock milliseconds from start to finish. */
  durationMs: number;
  /** Cancelled by shutdown (not a failure of the cloud). */
  cancelled: boolean;
}

export interface DeployInFlight {
  stack: string;
  cloud: string;
  purpose: DeployPurpose;
  workers: number;
  /** running, queued (over the concurrency), or cancelling (timed out or shutting down). */
  state: "running" | "queued" | "cancelling";
  /** Unix seconds it started running (queued: when it was queued). */
  since: number;
}

export interface DeployQueueSettings {
  concurrency: number;
  timeoutMs: number;
  /**
   * After a cancel, how long an operation may take to stop before its concurrency slot is given
   * to others (its stack stays busy until it really ends). Default 60 s.
   */
  cancelGraceMs?: number;
}

interface Entry {
  task: DeployTask;
  controller: AbortController;
  state: DeployInFlight["state"];
  since: number;
  startedMs: number;
  /** Counts against the concurrency (false once cancelled past the grace period). */
  holdsSlot: boolean;
  timedOut: boolean;
  /** The timeout it started with, seconds. */
  timeoutS: number;
  cancelled: boolean;
  timers: ReturnType<typeof setTimeout>[];
}

export class DeployQueue {
  private settings: Required<DeployQueueSettings>;
  private readonly entries = new Map<string, Entry>();
  private readonly waiting: Entry[] = [];
  private finished: FinishedDeploy[] = [];
  private idleWaiters: (() => void)[] = [];
  private finishWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    settings: DeployQueueSettings,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.settings = { cancelGraceMs: 60_000, ...settings };
  }

  /** New settings (a config reload); running operations keep the timeout they started with. */
  configure(settings: DeployQueueSettings): void {
    this.settings = { cancelGraceMs: this.settings.cancelGraceMs, ...settings };
    this.pump();
  }

  /** True while an operation on `key` is queued, running or stopping. */
  busy(key: string): boolean {
    return this.entries.has(key);
  }

  /** Queues `task`; it runs when a slot is free. A key already busy is refused (false). */
  submit(task: DeployTask): boolean {
    if (this.closed || this.entries.has(task.key)) return false;
    const entry: Entry = {
      task,
      controller: new AbortController(),
      state: "queued",
      since: this.now(),
      startedMs: performance.now(),
      holdsSlot: false,
      timedOut: false,
      timeoutS: 0,
      cancelled: false,
      timers: [],
    };
    this.entries.set(task.key, entry);
    this.waiting.push(entry);
    this.pump();
    return true;
  }

  /** Results since the last call, in the order they finished. */
  takeFinished(): FinishedDeploy[] {
    const taken = this.finished;
    this.finished = [];
    return taken;
  }

  inFlight(): DeployInFlight[] {
    return [...this.entries.values()]
      .map((e) => ({
        stack: e.task.key,
        cloud: e.task.cloud,
        purpose: e.task.purpose,
        workers: e.task.workers.length,
        state: e.state,
        since: e.since,
      }))
      .sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0));
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves when the next operation finishes (at once when none is in flight). */
  nextFinish(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.finishWaiters.push(resolve));
  }

  /**
   * Stops: nothing new starts, queued operations are dropped (reported cancelled), running ones
   * are cancelled, and the promise resolves once they have all ended.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const entry of this.waiting.splice(0)) {
      this.entries.delete(entry.task.key);
      this.finished.push({ task: entry.task, durationMs: 0, cancelled: true });
    }
    for (const entry of this.entries.values()) {
      entry.cancelled = true;
      entry.state = "cancelling";
      entry.controller.abort(new Error("the scheduler is stopping"));
    }
    await this.idle();
  }

  private slotsInUse(): number {
    let used = 0;
    for (const entry of this.entries.values()) if (entry.holdsSlot) used++;
    return used;
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.slotsInUse() < this.settings.concurrency) {
      const entry = this.waiting.shift();
      if (entry) this.start(entry);
    }
    if (this.entries.size === 0) this.wake();
  }

  private start(entry: Entry): void {
    entry.state = "running";
    entry.holdsSlot = true;
    entry.since = this.now();
    entry.startedMs = performance.now();
    const { timeoutMs, cancelGraceMs } = this.settings;
    entry.timeoutS = Math.round(timeoutMs / 1000);
    entry.timers.push(
      setTimeout(() => {
        entry.timedOut = true;
        entry.state = "cancelling";
        entry.controller.abort(new DeployTimeoutError(entry.timeoutS));
        // An operation that ignores its cancel keeps its stack busy, not everyone's slot.
        entry.timers.push(
          setTimeout(() => {
            entry.holdsSlot = false;
            this.pump();
          }, cancelGraceMs),
        );
      }, timeoutMs),
    );
    let run: Promise<DeployResult | undefined>;
    try {
      run = entry.task.run(entry.controller.signal);
    } catch (err) {
      run = Promise.reject(err);
    }
    run.then(
      (result) => this.end(entry, result === undefined ? {} : { result }),
      (error: unknown) => this.end(entry, { error }),
    );
  }

  private end(entry: Entry, outcome: { result?: DeployResult; error?: unknown }): void {
    for (const timer of entry.timers) clearTimeout(timer);
    this.entries.delete(entry.task.key);
    let error = outcome.error;
    if (error !== undefined && entry.timedOut) {
      error = new DeployTimeoutError(entry.timeoutS, {
        cloud: entry.task.cloud,
        cause: error,
      });
    }
    this.finished.push({
      task: entry.task,
      ...(outcome.result ? { result: outcome.result } : {}),
      ...(error === undefined ? {} : { error }),
      durationMs: performance.now() - entry.startedMs,
      cancelled: entry.cancelled,
    });
    for (const resolve of this.finishWaiters.splice(0)) resolve();
    this.pump();
  }

  private wake(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    for (const resolve of this.finishWaiters.splice(0)) resolve();
  }
}
