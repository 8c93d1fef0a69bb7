// StatusState: what the daemon (or the sandbox) knows for status, updated on every cycle and
// config event. Holds the current snapshot and tells its listeners (status file, history,
// metrics) about each change; it does no I/O itself.
import type { Config } from "../config/schema.js";
import type { CloudBackoffState } from "../deploy/backoff.js";
import type { CycleReport } from "../run/cycle.js";
import type { ConfigEvent } from "../watch/config-watch.js";
import type { StatusSnapshot } from "./schema.js";
import { buildStatus, type ConfigStatus, DEFAULT_LIMITS, type StatusLimits } from "./snapshot.js";

export type StatusChange =
  | { type: "cycle"; report: CycleReport; snapshot: StatusSnapshot }
  | { type: "config"; event: ConfigEvent; snapshot: StatusSnapshot };

export type StatusListener = (change: StatusChange) => void | Promise<void>;

export interface Readiness {
  ready: boolean;
  /** Why not ready, or what ready rests on. */
  reason: string;
}

export interface StatusStateOptions {
  /** The daemon clock's now (Unix seconds; simulated in the sandbox). */
  now: () => number;
  backoff: { snapshot(): CloudBackoffState[] };
  limits?: StatusLimits;
  /** Not ready when the last cycle started longer ago than this; default max(10 cycles, 30 min). */
  staleAfterSeconds?: number;
  /** Told when a listener throws (the daemon logs it). */
  onListenerError?: (err: unknown) => void;
}

export class StatusState {
  private config: Config | undefined;
  private configStatus: ConfigStatus = {};
  private last: { number: number; report: CycleReport } | undefined;
  /** The last cycle that observed HTCondor (see StatusInput.world). */
  private lastWorld: CycleReport | undefined;
  private cycles = 0;
  private snapshotNow: StatusSnapshot;
  private readonly listeners: StatusListener[] = [];

  constructor(private readonly options: StatusStateOptions) {
    this.snapshotNow = this.build();
  }

  /** The config the daemon started with (the watcher's first config is not an event). */
  configLoaded(config: Config, revision: string): void {
    this.config = config;
    this.configStatus = { revision, loadedAt: this.options.now() };
    this.snapshotNow = this.build();
  }

  /** A watcher event: a new config, a rejected one, or a failed sync. */
  async recordConfigEvent(event: ConfigEvent): Promise<void> {
    const at = this.options.now();
    if (event.type === "config") {
      this.config = event.config;
      // A newer good config supersedes an older rejection.
      this.configStatus = { revision: event.revision, loadedAt: at };
    } else if (event.type === "rejected") {
      this.configStatus = {
        ...this.configStatus,
        rejected: { revision: event.revision, at, problems: event.problems },
      };
    } else {
      this.configStatus = { ...this.configStatus, syncError: { message: event.error.message, at } };
    }
    this.snapshotNow = this.build();
    await this.tell({ type: "config", event, snapshot: this.snapshotNow });
  }

  /** A completed cycle; `config` is the config it ran with, when the caller knows it. */
  async recordCycle(report: CycleReport, config?: Config): Promise<StatusSnapshot> {
    if (config) this.config = config;
    this.cycles += 1;
    this.last = { number: this.cycles, report };
    if (report.observation) this.lastWorld = report;
    if (this.configStatus.revision === undefined) {
      this.configStatus = { ...this.configStatus, revision: report.revision };
    }
    this.snapshotNow = this.build();
    await this.tell({ type: "cycle", report, snapshot: this.snapshotNow });
    return this.snapshotNow;
  }

  snapshot(): StatusSnapshot {
    return this.snapshotNow;
  }

  /** The config in force, as far as status knows (the start-up one or the last accepted). */
  currentConfig(): Config | undefined {
    return this.config;
  }

  /** Ready = a config loaded and a cycle completed that observed HTCondor, recently. */
  readiness(): Readiness {
    if (this.configStatus.revision === undefined && !this.config) {
      return { ready: false, reason: "no config loaded yet" };
    }
    if (!this.last) return { ready: false, reason: "no cycle completed yet" };
    const { report, number } = this.last;
    if (report.error !== undefined) {
      return { ready: false, reason: `cycle ${number} failed: ${report.error}` };
    }
    const age = this.options.now() - report.startedAt;
    const staleAfter =
      this.options.staleAfterSeconds ?? Math.max(10 * (this.config?.policy.cycle ?? 60), 1800);
    if (age > staleAfter) {
      return {
        ready: false,
        reason: `no cycle started for ${age}s (cycle ${number} was the last)`,
      };
    }
    return {
      ready: true,
      reason: `config ${this.configStatus.revision ?? "?"}, cycle ${number} completed`,
    };
  }

  /** Listeners run in order; one that throws does not stop the others or the daemon. */
  subscribe(listener: StatusListener): void {
    this.listeners.push(listener);
  }

  private async tell(change: StatusChange): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(change);
      } catch (err) {
        // A status sink failing (disk full, sqlite locked) must never stop scheduling.
        this.options.onListenerError?.(err);
      }
    }
  }

  private build(): StatusSnapshot {
    return buildStatus({
      now: this.options.now(),
      config: this.config,
      configStatus: this.configStatus,
      cycle: this.last,
      world: this.lastWorld,
      backoff: this.options.backoff.snapshot(),
      limits: this.options.limits ?? DEFAULT_LIMITS,
    });
  }
}
