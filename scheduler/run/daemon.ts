// The daemon loop: a cycle every policy.cycle seconds (start to start) with the last good config,
// until the signal aborts. A stop request waits for the cycle in flight, so no file is
// half-written, then cancels the background deploys (deps.deploys) and waits for them to end.
// Nothing a cycle throws ends the daemon: it becomes that cycle's error. What the cycle must
// remember across restarts is loaded from the store at start and saved after every cycle.
import type { ConfigEvent } from "../watch/config-watch.js";
import type { CurrentConfigSource } from "./config-source.js";
import { type CycleDeps, type CycleReport, emptyReport, runCycle } from "./cycle.js";
import { CycleMemory } from "./memory.js";
import type { MemoryStore } from "./memory-store.js";

export interface Clock {
  /** Unix seconds. */
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Math.floor(Date.now() / 1000),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    }),
};

export interface DaemonOptions {
  deps: CycleDeps;
  config: CurrentConfigSource;
  clock: Clock;
  signal: AbortSignal;
  /** Called after every cycle (status file, metrics, the sandbox's screen). */
  onCycle?: (report: CycleReport) => void | Promise<void>;
  /** Stop after this many cycles (tests, `run --once`). */
  maxCycles?: number;
  /** Keeps the cycle's memory (back-offs, holds, orphans, removed clouds) across restarts. */
  store?: MemoryStore;
}

/** Runs cycles until stopped; returns the last cycle's report (undefined if none ran). */
export async function runDaemon(options: DaemonOptions): Promise<CycleReport | undefined> {
  const { deps, clock, signal } = options;
  const memory = await loadMemory(options);
  let cycles = 0;
  let last: CycleReport | undefined;
  while (!signal.aborted) {
    const { config, revision } = options.config.current();
    const started = clock.now();
    const startedMs = performance.now();
    let report: CycleReport;
    try {
      report = await runCycle(deps, memory, config, revision, started);
    } catch (err) {
      // A bug or an unexpected failure in a step: this cycle failed, the daemon goes on.
      report = emptyReport(revision, started);
      report.error = `cycle failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`;
      deps.log.error({ err: String(err) }, report.error);
    }
    report.durationMs = performance.now() - startedMs;
    last = report;
    cycles++;
    await saveMemory(options, memory);
    try {
      await options.onCycle?.(report);
    } catch (err) {
      deps.log.error({ err: String(err) }, "reporting the cycle failed");
    }
    if (options.maxCycles !== undefined && cycles >= options.maxCycles) break;
    // The period runs start to start: a cycle that took 2 s sleeps 58 s of a 60 s period.
    const elapsedMs = performance.now() - startedMs;
    await clock.sleep(Math.max(0, config.policy.cycle * 1000 - elapsedMs), signal);
  }
  await stopDeploys(options);
  return last;
}

/** Cancels the deploys still running (Pulumi records the steps in flight) and waits for them. */
async function stopDeploys(options: DaemonOptions): Promise<void> {
  const queue = options.deps.deploys;
  if (!queue) return;
  const running = queue.inFlight();
  if (running.length > 0) {
    options.deps.log.info(
      { stacks: running.map((d) => d.stack) },
      options.signal.aborted
        ? "cancelling the deploys in flight and waiting for them to stop"
        : "waiting for the deploys in flight",
    );
  }
  if (options.signal.aborted) await queue.shutdown();
  else await queue.idle();
  for (const done of queue.takeFinished()) {
    const error = done.error instanceof Error ? done.error.message : done.error;
    options.deps.log.info(
      { stack: done.task.key, cancelled: done.cancelled, ...(error ? { err: String(error) } : {}) },
      done.cancelled ? "deploy cancelled" : error ? "deploy failed" : "deploy finished",
    );
  }
}

async function loadMemory(options: DaemonOptions): Promise<CycleMemory> {
  if (!options.store) return new CycleMemory();
  try {
    const saved = await options.store.load();
    if (!saved) return new CycleMemory();
    options.deps.backoff.restore(
      saved.backoff.map((b) => ({ ...b, lastErrorKind: b.lastErrorKind })),
    );
    return CycleMemory.from(saved);
  } catch (err) {
    options.deps.log.error(
      { err: String(err) },
      "the saved scheduler memory is unusable; starting with an empty one (back-offs and orphan grace periods start again)",
    );
    return new CycleMemory();
  }
}

async function saveMemory(options: DaemonOptions, memory: CycleMemory): Promise<void> {
  if (!options.store) return;
  try {
    await options.store.save(memory.toJSON(options.deps.backoff.snapshot()));
  } catch (err) {
    options.deps.log.error({ err: String(err) }, "saving the scheduler memory failed");
  }
}

/** Logs what the watcher reports; the daemon itself always reads `current()`. */
export function logConfigEvent(log: CycleDeps["log"], event: ConfigEvent): void {
  if (event.type === "config") log.info({ revision: event.revision }, "config reloaded");
  else if (event.type === "rejected")
    log.error(
      { revision: event.revision, problems: event.problems.length },
      `config rejected, the last good config keeps running:\n${event.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}: ${p.message}`).join("\n")}`,
    );
  else log.warn({ err: event.error.message }, "config repo sync failed");
}
