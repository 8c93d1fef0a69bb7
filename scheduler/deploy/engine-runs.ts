// Which Pulumi operations are running, kept in the state directory: a record per CLI process
// ("<stack>.<pid>.json") is written when it starts on a stack and removed when it ends. A record found at start-up belongs to
// an operation whose scheduler died (SIGKILL, power cut): its stack needs recovery, and its
// engine processes, if still alive, are stopped.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";

export interface EngineRun {
  stack: string;
  /** The scheduler process that started it: while it lives, the run is not unfinished. */
  owner: number;
  /** The CLI's pid, which leads its own process group (providers and language host in it). */
  pid: number;
  /** The first CLI argument: up, refresh, destroy, preview... */
  operation: string;
  host: string;
  /** Unix seconds. */
  startedAt: number;
  /** Processes the CLI started (plugins may leave its group), as last seen. */
  children: number[];
}

const runSchema = z.object({
  stack: z.string().min(1),
  owner: z.number().int().nonnegative().default(0),
  pid: z.number().int().positive(),
  operation: z.string(),
  host: z.string(),
  startedAt: z.number(),
  children: z.array(z.number().int().positive()).default([]),
});

const RUN_FILE = /^([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*?)\.(\d+)\.json$/;

export class EngineRuns {
  constructor(private readonly dir: string) {}

  /** Records a started operation. Synchronous: it must be on disk before the engine acts. */
  start(stack: string, pid: number, operation: string): EngineRun {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const run: EngineRun = {
      stack,
      owner: process.pid,
      pid,
      operation,
      host: hostname(),
      startedAt: Math.floor(Date.now() / 1000),
      children: [],
    };
    this.write(run);
    return run;
  }

  /** Records the processes the CLI has started so far (they outlive it if it is killed). */
  update(run: EngineRun, children: readonly number[]): void {
    const known = new Set(run.children);
    if (children.every((pid) => known.has(pid))) return;
    for (const pid of children) known.add(pid);
    run.children = [...known].sort((a, b) => a - b);
    this.write(run);
  }

  private write(run: EngineRun): void {
    writeFileSync(this.file(run.stack, run.pid), `${JSON.stringify(run)}\n`, { mode: 0o600 });
  }

  /** The operation ended (however it ended): nothing to recover. */
  finish(run: EngineRun): void {
    rmSync(this.file(run.stack, run.pid), { force: true });
  }

  /** Every record of `stack` (after its recovery). */
  finishAll(stack: string): void {
    for (const run of this.list()) if (run.stack === stack) this.finish(run);
  }

  /** Operations recorded as running; a corrupt record counts as an unfinished one. */
  list(): EngineRun[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch {
      return [];
    }
    const runs: EngineRun[] = [];
    for (const entry of entries.sort()) {
      const match = RUN_FILE.exec(entry);
      const stack = match?.[1];
      if (stack === undefined) continue;
      const pid = Number(match?.[2]);
      let parsed: EngineRun | undefined;
      try {
        const result = runSchema.safeParse(JSON.parse(readFileSync(join(this.dir, entry), "utf8")));
        if (result.success) parsed = result.data;
      } catch {
        // unreadable: still unfinished
      }
      runs.push(
        parsed ?? {
          stack,
          owner: 0,
          pid,
          operation: "unknown",
          host: "",
          startedAt: 0,
          children: [],
        },
      );
    }
    return runs;
  }

  /** Runs whose scheduler is gone (died during them): what recovery is for. */
  orphaned(alive: (pid: number) => boolean): EngineRun[] {
    return this.list().filter((run) => run.host !== hostname() || !alive(run.owner));
  }

  private file(stack: string, pid: number): string {
    if (!/^[A-Za-z0-9_-]+$/.test(stack)) throw new Error(`not a stack name: ${stack}`);
    return join(this.dir, `${stack}.${pid}.json`);
  }
}
