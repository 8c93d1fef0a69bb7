// The background deploy queue: bounded concurrency over every stack, one operation per stack,
// a timeout that cancels through the AbortSignal, and a shutdown that cancels and waits.
import { describe, expect, it } from "vitest";
import { DeployTimeoutError } from "../../scheduler/deploy/errors.js";
import type { DeployResult } from "../../scheduler/deploy/types.js";
import { DeployQueue, type DeployTask } from "../../scheduler/run/deploy-queue.js";

const RESULT: DeployResult = {
  changes: { create: 1, update: 0, delete: 0, same: 0 },
  instances: [],
};

/** A task that runs until released, or rejects when its signal aborts. */
function gatedTask(key: string) {
  let release: () => void = () => {};
  const state = { started: false, aborted: false, reason: undefined as unknown };
  const task: DeployTask = {
    key,
    cloud: key.replace(/^pool-/, ""),
    purpose: "deploy",
    workers: [],
    fresh: [],
    cycleAt: 0,
    run: (signal) =>
      new Promise<DeployResult>((resolve, reject) => {
        state.started = true;
        release = () => resolve(RESULT);
        signal.addEventListener("abort", () => {
          state.aborted = true;
          state.reason = signal.reason;
          reject(new Error("pulumi: update canceled"));
        });
      }),
  };
  return { task, state, release: () => release() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("DeployQueue", () => {
  it("runs at most `concurrency` operations and starts the next when one ends", async () => {
    const queue = new DeployQueue({ concurrency: 2, timeoutMs: 60_000 });
    const a = gatedTask("pool-a");
    const b = gatedTask("pool-b");
    const c = gatedTask("pool-c");
    for (const t of [a, b, c]) expect(queue.submit(t.task)).toBe(true);
    await tick();
    expect([a.state.started, b.state.started, c.state.started]).toEqual([true, true, false]);
    expect(queue.inFlight().map((d) => [d.stack, d.state])).toEqual([
      ["pool-a", "running"],
      ["pool-b", "running"],
      ["pool-c", "queued"],
    ]);
    a.release();
    await queue.nextFinish();
    await tick();
    expect(c.state.started).toBe(true);
    expect(queue.takeFinished().map((f) => [f.task.key, f.result?.changes.create])).toEqual([
      ["pool-a", 1],
    ]);
    b.release();
    c.release();
    await queue.idle();
    expect(queue.takeFinished().map((f) => f.task.key)).toEqual(["pool-b", "pool-c"]);
  });

  it("refuses a second operation on a stack in flight", async () => {
    const queue = new DeployQueue({ concurrency: 4, timeoutMs: 60_000 });
    const first = gatedTask("pool-a");
    expect(queue.submit(first.task)).toBe(true);
    expect(queue.submit(gatedTask("pool-a").task)).toBe(false);
    expect(queue.busy("pool-a")).toBe(true);
    first.release();
    await queue.idle();
    expect(queue.busy("pool-a")).toBe(false);
  });

  it("cancels an operation past the timeout and reports a DeployTimeoutError", async () => {
    const queue = new DeployQueue({ concurrency: 1, timeoutMs: 30 });
    const hung = gatedTask("pool-slow");
    const next = gatedTask("pool-next");
    queue.submit(hung.task);
    queue.submit(next.task);
    await queue.nextFinish();
    expect(hung.state.aborted).toBe(true);
    expect(hung.state.reason).toBeInstanceOf(DeployTimeoutError);
    const [done] = queue.takeFinished();
    expect(done?.error).toBeInstanceOf(DeployTimeoutError);
    expect(String((done?.error as Error | undefined)?.message)).toMatch(
      /^pool-slow: stack operation cancelled after the deploy timeout/,
    );
    expect(done?.cancelled).toBe(false);
    // The slot is free again: the queued operation runs.
    await tick();
    expect(next.state.started).toBe(true);
    next.release();
    await queue.idle();
  });

  it("gives the slot of an operation that ignores its cancel to others, keeping its stack busy", async () => {
    const queue = new DeployQueue({ concurrency: 1, timeoutMs: 20, cancelGraceMs: 20 });
    let releaseDeaf: () => void = () => {};
    const deaf: DeployTask = {
      key: "pool-deaf",
      cloud: "deaf",
      purpose: "deploy",
      workers: [],
      fresh: [],
      cycleAt: 0,
      run: () => new Promise((resolve) => (releaseDeaf = () => resolve(RESULT))),
    };
    const other = gatedTask("pool-other");
    queue.submit(deaf);
    queue.submit(other.task);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(other.state.started).toBe(true);
    expect(queue.busy("pool-deaf")).toBe(true);
    expect(queue.inFlight().find((d) => d.stack === "pool-deaf")?.state).toBe("cancelling");
    releaseDeaf();
    other.release();
    await queue.idle();
  });

  it("on shutdown cancels running operations, drops queued ones and waits for both", async () => {
    const queue = new DeployQueue({ concurrency: 1, timeoutMs: 60_000 });
    const running = gatedTask("pool-a");
    const queued = gatedTask("pool-b");
    queue.submit(running.task);
    queue.submit(queued.task);
    await tick();
    await queue.shutdown();
    expect(running.state.aborted).toBe(true);
    expect(queued.state.started).toBe(false);
    expect(queue.inFlight()).toEqual([]);
    expect(queue.takeFinished().map((f) => [f.task.key, f.cancelled])).toEqual([
      ["pool-b", true],
      ["pool-a", true],
    ]);
    expect(queue.submit(gatedTask("pool-c").task)).toBe(false);
  });
});
