import { describe, expect, it } from "vitest";
import { StackLock } from "../../scheduler/deploy/stack-lock.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("StackLock", () => {
  it("runs operations on one stack one at a time, in order", async () => {
    const lock = new StackLock();
    const events: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const op = (name: string) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      events.push(`${name}:start`);
      await tick();
      events.push(`${name}:end`);
      running--;
      return name;
    };
    const results = await Promise.all([
      lock.run("pool-alberta", op("a")),
      lock.run("pool-alberta", op("b")),
      lock.run("pool-alberta", op("c")),
    ]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(maxRunning).toBe(1);
    expect(events).toEqual(["a:start", "a:end", "b:start", "b:end", "c:start", "c:end"]);
  });

  it("lets different stacks run at the same time", async () => {
    const lock = new StackLock();
    let running = 0;
    let maxRunning = 0;
    const op = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick();
      running--;
    };
    await Promise.all([lock.run("pool-alberta", op), lock.run("pool-victoria", op)]);
    expect(maxRunning).toBe(2);
  });

  it("keeps going after a failed operation and frees the key when idle", async () => {
    const lock = new StackLock();
    const failed = lock.run("pool-alberta", async () => {
      throw new Error("boom");
    });
    const next = lock.run("pool-alberta", async () => "ok");
    expect(lock.isBusy("pool-alberta")).toBe(true);
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ok");
    await tick();
    expect(lock.isBusy("pool-alberta")).toBe(false);
  });
});
