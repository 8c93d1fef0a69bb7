// The status service the daemon (`run`) and the sandbox start: one StatusState feeding the
// status file, the history store and the metrics, and (optionally) the HTTP server on top.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import type { CloudBackoffState } from "../deploy/backoff.js";
import type { CycleReport } from "../run/cycle.js";
import { writeStatusFile } from "../run/status-file.js";
import { scrub } from "../secrets/registry.js";
import type { ConfigEvent } from "../watch/config-watch.js";
import { type HistoryLimits, HistoryStore } from "./history.js";
import type { ListenAddress } from "./listen.js";
import { StatusMetrics } from "./metrics.js";
import { type RunningStatusServer, startStatusServer } from "./server.js";
import { StatusState } from "./state.js";

export interface StatusServiceOptions {
  /** Where status.json and history.sqlite go. */
  stateDir: string;
  /** The daemon's back-off tracker (BackoffTracker fits). */
  backoff: { snapshot(): CloudBackoffState[] };
  /** The daemon clock's now, Unix seconds (simulated in the sandbox). */
  now: () => number;
  /** Where to serve the dashboard and /metrics; undefined: no server. */
  listen?: ListenAddress | undefined;
  /** Enables POST /api/cycle (CLOUDSCHEDULER_ADMIN_TOKEN). */
  adminToken?: string | undefined;
  /** What POST /api/cycle calls (WakeableClock.wake). */
  runCycleNow?: () => void;
  /** Node process metrics (memory, event loop) on /metrics too. */
  processMetrics?: boolean;
  historyLimits?: Partial<HistoryLimits>;
  /** Where a failing status sink is reported (it never stops the daemon). */
  log?: { warn(fields: Record<string, unknown>, message: string): void };
}

export interface StatusService {
  readonly state: StatusState;
  readonly metrics: StatusMetrics;
  readonly history: HistoryStore;
  /** The running server, when `listen` was given. */
  readonly server: RunningStatusServer | undefined;
  /** The config the daemon starts with. */
  configLoaded(config: Config, revision: string): Promise<void>;
  /** Pass as runDaemon's onCycle (or call from it). */
  onCycle(report: CycleReport): Promise<void>;
  /** Pass every ConfigWatcher event. */
  onConfigEvent(event: ConfigEvent): Promise<void>;
  close(): Promise<void>;
}

export async function startStatusService(options: StatusServiceOptions): Promise<StatusService> {
  mkdirSync(options.stateDir, { recursive: true });
  const history = HistoryStore.open(
    join(options.stateDir, "history.sqlite"),
    options.historyLimits,
  );
  const metrics = new StatusMetrics({ processMetrics: options.processMetrics ?? false });
  const state = new StatusState({
    now: options.now,
    backoff: options.backoff,
    onListenerError: (err) =>
      options.log?.warn({ err: String(err) }, "status update failed; scheduling goes on"),
  });
  state.subscribe(async (change) => {
    if (change.type === "cycle") {
      metrics.recordCycle(
        change.report,
        change.snapshot,
        Object.keys(state.currentConfig()?.vm_types ?? {}),
      );
      history.recordCycle(change.snapshot);
    } else {
      metrics.recordConfigEvent(change.event);
      metrics.setGauges(change.snapshot);
      history.recordConfigEvent(change.event, change.snapshot.generatedAt);
    }
    await writeStatusFile(options.stateDir, change.snapshot);
  });

  let server: RunningStatusServer | undefined;
  try {
    if (options.listen) {
      server = await startStatusServer({
        listen: options.listen,
        state,
        metrics,
        history,
        now: options.now,
        adminToken: options.adminToken,
        ...(options.runCycleNow ? { runCycleNow: options.runCycleNow } : {}),
      });
    }
  } catch (err) {
    history.close();
    throw err;
  }

  return {
    state,
    metrics,
    history,
    server,
    async configLoaded(config, revision) {
      state.configLoaded(config, revision);
      metrics.setGauges(state.snapshot());
      await writeStatusFile(options.stateDir, state.snapshot());
    },
    async onCycle(report) {
      await state.recordCycle(scrubReport(report));
    },
    onConfigEvent: (event) => state.recordConfigEvent(event),
    async close() {
      await server?.close();
      history.close();
    },
  };
}

/**
 * The report with every secret the process knows removed from the texts that quote other
 * programs (errors): they reach the dashboard, /metrics, history and status.json.
 */
export function scrubReport(report: CycleReport): CycleReport {
  const clean: CycleReport = {
    ...report,
    retireFailures: report.retireFailures.map((f) => ({ ...f, error: scrub(f.error) })),
    deploys: report.deploys.map((d) =>
      d.error === undefined ? d : { ...d, error: scrub(d.error) },
    ),
  };
  if (report.error !== undefined) clean.error = scrub(report.error);
  return clean;
}
