// The real runDaemon against doubles a test can change between cycles: a CondorClient whose
// jobs and startds are plain arrays, in-memory pool files, the MemoryDeployer, and a clock that
// only moves (and only lets the next cycle start) when the test says so. Used by the browser
// test and for docs/dashboard.png.

import type { CondorClient } from "../../scheduler/condor/client.js";
import type { Job, ObservedWorker } from "../../scheduler/condor/types.js";
import type { Config } from "../../scheduler/config/schema.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import { fixedConfig } from "../../scheduler/run/config-source.js";
import { type Clock, runDaemon } from "../../scheduler/run/daemon.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { MemoryPoolFiles } from "../../scheduler/run/memory-pool-files.js";
import type { StatusService } from "../../scheduler/status/service.js";

export class WorldCondor implements CondorClient {
  jobs_: Job[] = [];
  startds: ObservedWorker[] = [];
  readonly drained: string[] = [];
  async jobs() {
    return structuredClone(this.jobs_);
  }
  async workers() {
    return structuredClone(this.startds);
  }
  async drain(machine: string) {
    this.drained.push(machine);
  }
  async peacefulOff(machine: string) {
    this.drained.push(machine);
  }
}

export { MemoryPoolFiles };

/** A clock the test steps: each sleep advances simulated time by the sleep and waits for step(). */
export class SteppedClock implements Clock {
  private release: (() => void) | undefined;
  private pending = 0;
  constructor(private time: number) {}
  now() {
    return this.time;
  }
  sleep(ms: number, signal: AbortSignal) {
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.time += Math.round(ms / 1000);
        this.release = undefined;
        resolve();
      };
      if (signal.aborted || this.pending > 0) {
        this.pending = Math.max(0, this.pending - 1);
        return done();
      }
      this.release = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }
  /** Lets the daemon start its next cycle (now, or as soon as it goes to sleep). */
  step() {
    if (this.release) this.release();
    else this.pending += 1;
  }
}

export interface LiveWorld {
  condor: WorldCondor;
  deployer: MemoryDeployer;
  clock: SteppedClock;
  status: StatusService;
  /** Resolves after the daemon reported cycle `n`. */
  cycle(n: number): Promise<void>;
  stop(): Promise<void>;
}

export interface LiveWorldOptions {
  config: Config;
  start: number;
  /** Starts the status service on the world's clock and back-off. */
  status: (deps: { now: () => number; backoff: BackoffTracker }) => Promise<StatusService>;
  /** The world before the first cycle. */
  setup?: (condor: WorldCondor) => void;
}

export async function startLiveWorld(options: LiveWorldOptions): Promise<LiveWorld> {
  const condor = new WorldCondor();
  options.setup?.(condor);
  const deployer = new MemoryDeployer();
  const clock = new SteppedClock(options.start);
  const backoff = new BackoffTracker();
  const status = await options.status({ now: () => clock.now(), backoff });
  await status.configLoaded(options.config, REVISION);
  const controller = new AbortController();
  let cycles = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const running = runDaemon({
    deps: { condor, deployer, pools: new MemoryPoolFiles(), backoff, log: recordingLogger() },
    config: fixedConfig(options.config, REVISION),
    clock,
    signal: controller.signal,
    onCycle: async (report) => {
      await status.onCycle(report);
      cycles += 1;
      for (const w of waiters.filter((w) => w.n <= cycles)) w.resolve();
    },
  });
  return {
    condor,
    deployer,
    clock,
    status,
    cycle: (n) =>
      n <= cycles ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    async stop() {
      controller.abort();
      await running;
      await status.close();
    },
  };
}

const REVISION = "0123456789abcdef0123456789abcdef01234567";
