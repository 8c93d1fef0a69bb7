// The history behind the dashboard's plots and decision log: <state dir>/history.sqlite, one row
// per cycle, one per cycle per cloud, and an event log. Survives restarts; bounded by age and by
// row count, pruned on every insert so it never grows without limit.
import Database from "better-sqlite3";
import type { ConfigEvent } from "../watch/config-watch.js";
import type { LifecycleState, StatusSnapshot } from "./schema.js";

export interface HistoryLimits {
  /** Rows older than this (relative to the newest insert) are dropped. Default 48 h. */
  retentionSeconds: number;
  /** At most this many cycle rows; cloud rows get 20x, events as set. */
  maxCycles: number;
  maxEvents: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  retentionSeconds: 48 * 3600,
  maxCycles: 10_000,
  maxEvents: 20_000,
};

export interface JobPoint {
  time: number;
  idle: number;
  running: number;
  held: number;
}

export type WorkerPoint = { time: number; total: number } & Record<LifecycleState, number>;

export interface HistoryEvent {
  time: number;
  kind: string;
  cloud?: string;
  text: string;
}

export interface History {
  since: number;
  /** Seconds each point averages over (1 when not downsampled). */
  step: number;
  jobs: JobPoint[];
  clouds: { cloud: string; points: WorkerPoint[] }[];
  /** Newest first. */
  events: HistoryEvent[];
}

/** Decisions repeated every cycle while nothing changes: the live status shows them, the log not. */
const STEADY_KINDS = new Set(["keep-alive", "draining", "not-ours", "kept-busy", "unserved"]);

const STATES: readonly LifecycleState[] = [
  "booting",
  "registered",
  "busy",
  "idle",
  "draining",
  "failed",
];

export class HistoryStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly limits: HistoryLimits,
  ) {}

  static open(file: string, limits: Partial<HistoryLimits> = {}): HistoryStore {
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    // WAL + NORMAL: a crash loses at most the last cycle's row, never the file.
    db.pragma("synchronous = NORMAL");
    db.exec(`
      CREATE TABLE IF NOT EXISTS cycles (
        time INTEGER NOT NULL, idle INTEGER NOT NULL, running INTEGER NOT NULL, held INTEGER NOT NULL,
        duration_ms REAL NOT NULL, ok INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS cycles_time ON cycles (time);
      CREATE TABLE IF NOT EXISTS cloud_samples (
        time INTEGER NOT NULL, cloud TEXT NOT NULL, running_jobs INTEGER NOT NULL,
        ${STATES.map((s) => `${s} INTEGER NOT NULL`).join(", ")});
      CREATE INDEX IF NOT EXISTS cloud_samples_time ON cloud_samples (time);
      CREATE TABLE IF NOT EXISTS events (
        time INTEGER NOT NULL, kind TEXT NOT NULL, cloud TEXT, text TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS events_time ON events (time);
    `);
    return new HistoryStore(db, { ...DEFAULT_HISTORY_LIMITS, ...limits });
  }

  /** One cycle's snapshot: totals, per-cloud worker counts, and what changed. */
  recordCycle(snapshot: StatusSnapshot): void {
    const time = snapshot.generatedAt;
    const insert = this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO cycles VALUES (?, ?, ?, ?, ?, ?)")
        .run(
          time,
          snapshot.jobs.idle,
          snapshot.jobs.running,
          snapshot.jobs.held,
          (snapshot.cycle?.durationSeconds ?? 0) * 1000,
          snapshot.cycle?.error === undefined ? 1 : 0,
        );
      const cloudRow = this.db.prepare(
        `INSERT INTO cloud_samples VALUES (?, ?, ?, ${STATES.map(() => "?").join(", ")})`,
      );
      for (const cloud of snapshot.clouds) {
        cloudRow.run(time, cloud.name, cloud.runningJobs, ...STATES.map((s) => cloud.workers[s]));
      }
      for (const event of cycleEvents(snapshot)) this.insertEvent(event);
      this.prune(time);
    });
    insert();
  }

  /** A config reload, rejection or failed sync, for the log. */
  recordConfigEvent(event: ConfigEvent, time: number): void {
    const text =
      event.type === "config"
        ? `config ${event.revision} accepted`
        : event.type === "rejected"
          ? `config ${event.revision} rejected (${event.problems.length} problem(s)); the last good config keeps running`
          : `config repo sync failed: ${event.error.message}`;
    const kind =
      event.type === "config"
        ? "config-reloaded"
        : event.type === "rejected"
          ? "config-rejected"
          : "sync-failed";
    this.db.transaction(() => {
      this.insertEvent({ time, kind, text });
      this.prune(time);
    })();
  }

  /** Everything since `since` (Unix seconds), each series at most `maxPoints` points. */
  query(since: number, maxPoints = 300, maxEvents = 200): History {
    const range = this.db
      .prepare("SELECT MIN(time) AS lo, MAX(time) AS hi FROM cycles WHERE time >= ?")
      .get(since) as {
      lo: number | null;
      hi: number | null;
    };
    const span = range.lo === null || range.hi === null ? 0 : range.hi - range.lo;
    const step = Math.max(1, Math.ceil(span / Math.max(1, maxPoints)));
    const jobs = this.db
      .prepare(
        `SELECT MAX(time) AS time, ROUND(AVG(idle), 2) AS idle, ROUND(AVG(running), 2) AS running,
                ROUND(AVG(held), 2) AS held
         FROM cycles WHERE time >= ? GROUP BY time / CAST(? AS INTEGER) ORDER BY time`,
      )
      .all(since, step) as JobPoint[];
    const samples = this.db
      .prepare(
        `SELECT cloud, MAX(time) AS time, ${STATES.map((s) => `ROUND(AVG(${s}), 2) AS ${s}`).join(", ")}
         FROM cloud_samples WHERE time >= ? GROUP BY cloud, time / CAST(? AS INTEGER) ORDER BY cloud, time`,
      )
      .all(since, step) as ({ cloud: string } & Omit<WorkerPoint, "total">)[];
    const clouds: History["clouds"] = [];
    for (const { cloud, ...point } of samples) {
      let series = clouds.at(-1);
      if (series?.cloud !== cloud) {
        series = { cloud, points: [] };
        clouds.push(series);
      }
      const total = STATES.reduce((n, s) => n + point[s], 0);
      series.points.push({ ...point, total: Math.round(total * 100) / 100 });
    }
    const events = (
      this.db
        .prepare(
          "SELECT time, kind, cloud, text FROM events WHERE time >= ? ORDER BY rowid DESC LIMIT ?",
        )
        .all(since, maxEvents) as {
        time: number;
        kind: string;
        cloud: string | null;
        text: string;
      }[]
    ).map(({ cloud, ...rest }) => (cloud === null ? rest : { ...rest, cloud }));
    return { since, step, jobs, clouds, events };
  }

  /** Row counts (tests, the bound). */
  counts(): { cycles: number; cloudSamples: number; events: number } {
    const count = (table: string) =>
      (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      cycles: count("cycles"),
      cloudSamples: count("cloud_samples"),
      events: count("events"),
    };
  }

  close(): void {
    this.db.close();
  }

  private insertEvent(event: HistoryEvent): void {
    this.db
      .prepare("INSERT INTO events VALUES (?, ?, ?, ?)")
      .run(event.time, event.kind, event.cloud ?? null, event.text);
  }

  private prune(newest: number): void {
    const cutoff = newest - this.limits.retentionSeconds;
    const caps: [string, number][] = [
      ["cycles", this.limits.maxCycles],
      ["cloud_samples", this.limits.maxCycles * 20],
      ["events", this.limits.maxEvents],
    ];
    for (const [table, cap] of caps) {
      this.db.prepare(`DELETE FROM ${table} WHERE time < ?`).run(cutoff);
      this.db
        .prepare(`DELETE FROM ${table} WHERE rowid <= (SELECT MAX(rowid) FROM ${table}) - ?`)
        .run(cap);
    }
  }
}

/** What a cycle changed, for the log: decisions that are news, failures, the cycle's error. */
function cycleEvents(snapshot: StatusSnapshot): HistoryEvent[] {
  const time = snapshot.generatedAt;
  const events: HistoryEvent[] = [];
  if (snapshot.cycle?.error !== undefined)
    events.push({ time, kind: "cycle-failed", text: snapshot.cycle.error });
  for (const d of snapshot.decisions) {
    if (STEADY_KINDS.has(d.kind)) continue;
    events.push({
      time,
      kind: d.kind,
      ...(d.cloud === undefined ? {} : { cloud: d.cloud }),
      text: d.text,
    });
  }
  for (const f of snapshot.retireFailures)
    events.push({ time, kind: "retire-failed", text: `${f.worker}: ${f.error}` });
  for (const d of snapshot.deploys) {
    if (!d.ok)
      events.push({
        time,
        kind: "deploy-failed",
        cloud: d.cloud,
        text: `${d.cloud}: ${d.errorKind ?? "error"}: ${d.error ?? ""}`,
      });
  }
  return events;
}
