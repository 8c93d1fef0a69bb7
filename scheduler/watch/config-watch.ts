// Watches the config repo: chokidar on cloudscheduler.yaml and on git's HEAD, plus a periodic
// sync with the remote. Only committed config is applied: the file as HEAD has it, never an
// edit not yet committed (that is reported, not used). Every change is validated first; a bad
// one is reported and the last good config keeps running. Nothing thrown inside the loop
// escapes it.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type FSWatcher, watch } from "chokidar";
import { CONFIG_FILE, parseConfig, sizeProblem } from "../config/load.js";
import { ConfigError, type ConfigProblem, formatProblem } from "../config/problem.js";
import type { Config } from "../config/schema.js";

/** What the watcher needs of the config repo (ConfigRepo fits). */
export interface WatchedRepo {
  head(): Promise<string>;
  isDirty(paths?: string[]): Promise<boolean>;
  sync(): Promise<unknown>;
  /** The file as committed at HEAD; undefined when HEAD has no such file. */
  committedText(path: string): Promise<string | undefined>;
  /** Files whose change means HEAD moved (git's HEAD and its log), to watch. */
  headFiles?(): Promise<string[]>;
}

export interface WatchLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface IntervalTimer {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export type ConfigEvent =
  /** A new valid config; `revision` is the commit it was read from. */
  | { type: "config"; config: Config; revision: string }
  /** An invalid change: the last good config stays current. */
  | { type: "rejected"; revision: string; problems: ConfigProblem[] }
  /** The periodic sync failed; the working tree is unchanged. */
  | { type: "sync-failed"; error: Error };

export interface ConfigWatcherOptions {
  /** The config repo's working tree (holds cloudscheduler.yaml). */
  dir: string;
  /** For revisions and the periodic sync; without it revisions are "unversioned" and there is no sync. */
  repo?: WatchedRepo;
  /** Seconds between syncs; 0 turns the sync off. Default 60. */
  syncIntervalSeconds?: number;
  /** How long the file must be still before it is read (editors write in pieces). Default 200 ms. */
  settleMs?: number;
  onEvent: (event: ConfigEvent) => void;
  logger?: WatchLogger;
  timer?: IntervalTimer;
}

const SYSTEM_TIMER: IntervalTimer = {
  setInterval: (run, ms) => setInterval(run, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface CurrentConfig {
  config: Config;
  revision: string;
}

export class ConfigWatcher {
  private watcher: FSWatcher | undefined;
  private syncHandle: unknown;
  private lastText: string | undefined;
  private good: CurrentConfig;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** The uncommitted content last warned about, so it is said once. */
  private warnedUncommitted: string | undefined;

  private constructor(
    private readonly options: ConfigWatcherOptions,
    first: CurrentConfig,
    firstText: string,
  ) {
    this.good = first;
    this.lastText = firstText;
  }

  /**
   * Loads the config once (an invalid config at start-up throws ConfigError: there is nothing
   * good to keep), then watches. The first config is returned by `current()`, not emitted.
   */
  static async start(options: ConfigWatcherOptions): Promise<ConfigWatcher> {
    const text = await readConfigText(options.dir, options.repo);
    const config = parseConfig(text, CONFIG_FILE);
    const revision = await revisionOf(options.repo, text);
    const watcher = new ConfigWatcher(options, { config, revision }, text);
    await watcher.watch();
    return watcher;
  }

  /** The last good config and its revision. */
  current(): CurrentConfig {
    return this.good;
  }

  /** Re-reads the file now (also what a file change does). Serialised; never throws. */
  reload(): Promise<void> {
    this.queue = this.queue.then(() => this.reloadOnce());
    return this.queue;
  }

  /** Syncs with the remote now, then reloads if the commit changed. Serialised; never throws. */
  syncNow(): Promise<void> {
    this.queue = this.queue.then(() => this.syncOnce());
    return this.queue;
  }

  /** Stops the file watcher and the sync timer; pending work finishes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.syncHandle !== undefined) {
      (this.options.timer ?? SYSTEM_TIMER).clearInterval(this.syncHandle);
      this.syncHandle = undefined;
    }
    await this.watcher?.close();
    this.watcher = undefined;
    await this.queue;
  }

  private async watch(): Promise<void> {
    const file = join(this.options.dir, CONFIG_FILE);
    const settle = this.options.settleMs ?? 200;
    // A commit changes no tracked file: watch git's HEAD and its log too.
    const headFiles = (await this.options.repo?.headFiles?.().catch(() => [])) ?? [];
    this.watcher = watch([file, ...headFiles], {
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: settle, pollInterval: Math.max(10, settle / 4) },
    });
    this.watcher.on("all", () => void this.reload());
    this.watcher.on("error", (err) =>
      this.options.logger?.error({ err: String(err) }, "config file watcher error"),
    );
    await new Promise<void>((resolve) => this.watcher?.once("ready", () => resolve()));

    const seconds = this.options.syncIntervalSeconds ?? 60;
    if (this.options.repo && seconds > 0) {
      this.syncHandle = (this.options.timer ?? SYSTEM_TIMER).setInterval(
        () => void this.syncNow(),
        seconds * 1000,
      );
    }
  }

  private async syncOnce(): Promise<void> {
    const repo = this.options.repo;
    if (this.closed || !repo) return;
    try {
      const before = await repo.head();
      await repo.sync();
      if ((await repo.head()) !== before) await this.reloadOnce();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.options.logger?.warn({ err: error.message }, "config repo sync failed");
      this.emit({ type: "sync-failed", error });
    }
  }

  private async reloadOnce(): Promise<void> {
    if (this.closed) return;
    try {
      let text: string;
      try {
        text = await readConfigText(this.options.dir, this.options.repo);
      } catch (err) {
        if (err instanceof ConfigError) return this.reject(err, "");
        throw err;
      }
      await this.warnIfUncommitted(text);
      // The same bytes again (a touch, a sync that only moved pool/): nothing new to say.
      if (text === this.lastText) return;
      const revision = await revisionOf(this.options.repo, text);
      this.lastText = text;
      let config: Config;
      try {
        config = parseConfig(text, CONFIG_FILE);
      } catch (err) {
        if (err instanceof ConfigError) return this.reject(err, revision);
        throw err;
      }
      this.good = { config, revision };
      this.options.logger?.info({ revision }, "config accepted");
      this.emit({ type: "config", config, revision });
    } catch (err) {
      this.options.logger?.error({ err: String(err) }, "config reload failed");
    }
  }

  /** An edit of the working tree not committed yet is not applied: say so, once per edit. */
  private async warnIfUncommitted(committed: string): Promise<void> {
    if (!this.options.repo) return;
    const working = await readFile(join(this.options.dir, CONFIG_FILE), "utf8").catch(
      () => committed,
    );
    if (working === committed || working === this.warnedUncommitted) return;
    this.warnedUncommitted = working;
    this.options.logger?.warn(
      { file: CONFIG_FILE, applied: this.good.revision },
      `${CONFIG_FILE} has uncommitted edits; only committed config is applied: commit them to apply them`,
    );
  }

  private reject(err: ConfigError, revision: string): void {
    this.options.logger?.warn(
      { revision, problems: err.problems.map(formatProblem), keeping: this.good.revision },
      "config rejected; keeping the last good config",
    );
    this.emit({ type: "rejected", revision, problems: err.problems });
  }

  private emit(event: ConfigEvent): void {
    try {
      this.options.onEvent(event);
    } catch (err) {
      this.options.logger?.error({ err: String(err) }, "config event listener failed");
    }
  }
}

/**
 * The config text: as committed at HEAD when there is a repo, else the file. A missing,
 * uncommitted, unreadable or oversized one is a ConfigError like any other problem.
 */
async function readConfigText(dir: string, repo: WatchedRepo | undefined): Promise<string> {
  const file = join(dir, CONFIG_FILE);
  let text: string | undefined;
  try {
    text = repo ? await repo.committedText(CONFIG_FILE) : await readFile(file, "utf8");
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(err);
    throw new ConfigError([{ file, line: 0, column: 0, path: "", message: reason }]);
  }
  if (text === undefined) {
    throw new ConfigError([
      {
        file,
        line: 0,
        column: 0,
        path: "",
        message: "not committed: only committed config is applied",
      },
    ]);
  }
  const tooBig = sizeProblem(file, Buffer.byteLength(text, "utf8"));
  if (tooBig) throw new ConfigError([tooBig]);
  return text;
}

async function revisionOf(repo: WatchedRepo | undefined, text: string): Promise<string> {
  return repo ? repo.head() : `unversioned:${digest(text)}`;
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}
