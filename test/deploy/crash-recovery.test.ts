// The pieces of crash recovery that need no Pulumi engine: telling a stale lock from a live one
// (real lock error text), the record of running engine operations, and the engine's process
// group dying with its deploy. The whole recovery on the real engine (SIGKILL during up) is in
// test/integration/recovery.integration.test.ts.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { EngineRuns } from "../../scheduler/deploy/engine-runs.js";
import { classifyDeployError, LockHeldError } from "../../scheduler/deploy/errors.js";
import { isAlive } from "../../scheduler/deploy/processes.js";
import { isStale, parseLockHolders } from "../../scheduler/deploy/stale-lock.js";
import { trackedPulumiCommand } from "../../scheduler/deploy/tracked-command.js";

const lockText = readFileSync(
  new URL("../fixtures/deploy/lock-held.stderr.txt", import.meta.url),
  "utf8",
);

describe("stale locks", () => {
  it("reads the holders Pulumi's DIY backend names in its lock error", () => {
    expect(parseLockHolders(lockText)).toEqual([
      { user: "cloudscheduler", host: "scheduler-1", pid: 4242 },
    ]);
    const error = classifyDeployError(new Error(lockText), "alberta");
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as LockHeldError).holders).toHaveLength(1);
  });

  it("is stale only when every holder ran here and is gone", () => {
    const here = "scheduler-1";
    const dead = () => false;
    const alive = () => true;
    const holders = parseLockHolders(lockText);
    expect(isStale(holders, here, dead)).toBe(true);
    expect(isStale(holders, here, alive)).toBe(false);
    expect(isStale(holders, "another-host", dead)).toBe(false);
    expect(isStale([], here, dead)).toBe(false);
  });
});

describe("engine runs", () => {
  it("records a running operation and forgets it when it ends; a corrupt record is still unfinished", () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-engine-"));
    const runs = new EngineRuns(dir);
    const run = runs.start("pool-alberta", 1234, "up");
    // Another CLI on the same stack meanwhile (the SDK's "stack select"): its own record.
    const other = runs.start("pool-alberta", 1235, "stack");
    runs.finish(other);
    expect(runs.list()).toEqual([
      expect.objectContaining({
        stack: "pool-alberta",
        pid: 1234,
        operation: "up",
        host: hostname(),
      }),
    ]);
    // Its scheduler (this process) lives: a live deploy, not one to recover.
    expect(runs.orphaned(isAlive)).toEqual([]);
    expect(runs.orphaned(() => false).map((r) => r.stack)).toEqual(["pool-alberta"]);
    runs.finish(run);
    expect(runs.list()).toEqual([]);
    writeFileSync(join(dir, "pool-victoria.4321.json"), "{half");
    expect(runs.list().map((r) => [r.stack, r.pid])).toEqual([["pool-victoria", 4321]]);
  });
});

describe("the tracked engine command", () => {
  /** A stand-in `pulumi` that starts a child (a "provider") and waits, or exits at once. */
  function fakeCli(dir: string): string {
    const cli = join(dir, "pulumi");
    writeFileSync(
      cli,
      '#!/bin/sh\nif [ "$1" = quick ]; then echo done; exit 0; fi\nsleep 60 &\necho $! > "$CHILD_PID"\necho started\nwait\n',
      { mode: 0o755 },
    );
    return cli;
  }

  it("runs the engine in its own process group, recorded while it runs; an abort stops the whole group", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-tracked-"));
    const runs = new EngineRuns(join(dir, "engine"));
    const base = { command: fakeCli(dir), version: null } as unknown as PulumiCommand;
    const tracked = trackedPulumiCommand(base, runs, { PATH: process.env.PATH }) as unknown as {
      run(
        args: string[],
        cwd: string,
        env: Record<string, string>,
        onOutput?: (s: string) => void,
        onError?: (s: string) => void,
        signal?: AbortSignal,
      ): Promise<{ stdout: string }>;
    };
    const childPid = join(dir, "child.pid");
    const controller = new AbortController();
    let output = "";
    const running = tracked.run(
      ["up", "--stack", "pool-alberta"],
      dir,
      { CHILD_PID: childPid },
      (text) => {
        output += text;
      },
      undefined,
      controller.signal,
    );
    await expect.poll(() => output, { timeout: 5000 }).toContain("started");
    const [run] = runs.list();
    expect(run).toMatchObject({ stack: "pool-alberta", operation: "up" });
    const provider = Number(readFileSync(childPid, "utf8"));
    expect(isAlive(provider)).toBe(true);

    controller.abort();
    await expect(running).rejects.toThrow();
    await expect.poll(() => isAlive(provider), { timeout: 5000 }).toBe(false);
    expect(isAlive(run?.pid ?? 0)).toBe(false);
    expect(runs.list()).toEqual([]);

    const quick = await tracked.run(["quick", "--stack", "pool-alberta"], dir, {});
    expect(quick.stdout).toContain("done");
  });

  it("kills what the engine left in its group when the engine itself exits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-tracked-"));
    const cli = join(dir, "pulumi");
    // The CLI exits while a provider it started keeps running (as after a CLI crash).
    writeFileSync(cli, '#!/bin/sh\nsleep 60 &\necho $! > "$CHILD_PID"\nexit 3\n', { mode: 0o755 });
    const tracked = trackedPulumiCommand(
      { command: cli, version: null } as unknown as PulumiCommand,
      new EngineRuns(join(dir, "engine")),
      { PATH: process.env.PATH },
    ) as unknown as {
      run(args: string[], cwd: string, env: Record<string, string>): Promise<unknown>;
    };
    const childPid = join(dir, "child.pid");
    await expect(
      tracked.run(["up", "--stack", "pool-x"], dir, { CHILD_PID: childPid }),
    ).rejects.toThrow();
    const provider = Number(readFileSync(childPid, "utf8"));
    await expect.poll(() => isAlive(provider), { timeout: 5000 }).toBe(false);
  });
});
