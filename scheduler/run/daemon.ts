// The daemon loop: a cycle every policy.cycle seconds with the last good config, until the
// signal aborts. A stop request waits for the cycle in flight, so no file is half-written.
import type { ConfigEvent } from "../watch/config-watch.js";
import type { CurrentConfigSource } from "./config-source.js";
import { type CycleDeps, CycleMemory, type CycleReport, runCycle } from "./cycle.js";

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
}

export async function runDaemon(options: DaemonOptions): Promise<void> {
  const { deps, clock, signal } = options;
  const memory = new CycleMemory();
  let cycles = 0;
  while (!signal.aborted) {
    const { config, revision } = options.config.current();
    const started = clock.now();
    const startedMs = performance.now();
    const report = await runCycle(deps, memory, config, revision, started);
    report.durationMs = performance.now() - startedMs;
    cycles++;
    await options.onCycle?.(report);
    if (options.maxCycles !== undefined && cycles >= options.maxCycles) break;
    await clock.sleep(config.policy.cycle * 1000, signal);
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
