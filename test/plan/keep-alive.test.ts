import { describe, expect, it } from "vitest";
import { adaptiveKeepAlive, expectedArrivals } from "../../scheduler/plan/keep-alive.js";
import { plan } from "../../scheduler/plan/plan.js";
import { exampleConfig, idleJob, NOW, poolWorker, startd, world } from "./world.js";

function withKeepAlive(mode: "fixed" | "adaptive" | "per-core" | "break-even", fields = {}) {
  const config = exampleConfig(); // demo-vm: 2 cores, keep_alive 10m; cycle 60 s
  config.policy.keep_alive = { ...config.policy.keep_alive, mode, ...fields };
  return config;
}

const idle = (n: number, fields = {}) => {
  const name = `cs-alberta-demo-vm-000${n}`;
  return {
    worker: poolWorker(name, { idleSince: NOW - 60 * n, ...fields }),
    seen: startd(name, 0),
  };
};

describe("adaptive keep-alive", () => {
  it("fixed: every worker keeps its own keep-alive (no override)", () => {
    expect(adaptiveKeepAlive([idle(1)], [], withKeepAlive("fixed"), NOW)).toBeUndefined();
  });

  it("per-core: the core-second budget split by the worker's cores, in the whole cycles it pays for, capped by the VM type's keep-alive", () => {
    const config = withKeepAlive("per-core", { core_seconds: 240 });
    expect(adaptiveKeepAlive([idle(1)], [], config, NOW)?.get(idle(1).worker.name)).toBe(120);
    config.policy.keep_alive.core_seconds = 50; // 25 s for 2 cores: under a cycle, none
    expect(adaptiveKeepAlive([idle(1)], [], config, NOW)?.get(idle(1).worker.name)).toBe(0);
    config.policy.keep_alive.core_seconds = 230; // 115 s: one whole cycle, never over the budget
    expect(adaptiveKeepAlive([idle(1)], [], config, NOW)?.get(idle(1).worker.name)).toBe(60);
    config.policy.keep_alive.core_seconds = 1e6;
    expect(adaptiveKeepAlive([idle(1)], [], config, NOW)?.get(idle(1).worker.name)).toBe(600);
  });

  it("a job's own +VMKeepAlive (stored above the VM type's) is honoured", () => {
    const config = withKeepAlive("per-core", { core_seconds: 0 });
    const own = idle(1, { keepAliveSeconds: 3600 });
    expect(adaptiveKeepAlive([own], [], config, NOW)?.get(own.worker.name)).toBe(3600);
  });

  it("adaptive: only as many idle workers as arrivals expected keep it, the most recently idle", () => {
    const config = withKeepAlive("adaptive", { window: 3600, min: 0 });
    // 6 arrivals of demo-vm in the last hour: 1 expected within the 10 min keep-alive.
    const seenJobs = Array.from({ length: 6 }, (_, i) =>
      idleJob({ state: "running", queuedAt: NOW - 600 * i - 1 }),
    );
    expect(expectedArrivals(seenJobs, NOW, 3600, 600).get("demo-vm")).toBeCloseTo(1, 6);
    const chosen = adaptiveKeepAlive([idle(1), idle(2), idle(3)], seenJobs, config, NOW);
    expect(chosen?.get(idle(1).worker.name)).toBe(600);
    expect(chosen?.get(idle(2).worker.name)).toBe(0);
    expect(chosen?.get(idle(3).worker.name)).toBe(0);
  });

  it("break-even: the k-th most recently idle worker keeps its keep-alive while k arrivals come within a reboot (boot_estimate + cycle), whatever its cores", () => {
    const config = withKeepAlive("break-even", { window: 1200 });
    config.policy.boot_estimate = 240; // a reboot costs 240 + 60 = 300 s of the worker's cores
    // 8 arrivals in the last 20 minutes: 2 expected within a reboot.
    const seenJobs = Array.from({ length: 8 }, (_, i) =>
      idleJob({ state: "running", queuedAt: NOW - 150 * i - 1 }),
    );
    const workers = [idle(1), idle(2), idle(3)];
    const chosen = adaptiveKeepAlive(workers, seenJobs, config, NOW);
    expect(workers.map((w) => chosen?.get(w.worker.name))).toEqual([600, 600, 0]);
    // Half the arrivals: one within a reboot; none: every idle worker goes at once.
    const fewer = adaptiveKeepAlive(workers, seenJobs.slice(0, 4), config, NOW);
    expect(workers.map((w) => fewer?.get(w.worker.name))).toEqual([600, 0, 0]);
    const none = adaptiveKeepAlive(workers, [], config, NOW);
    expect(workers.map((w) => none?.get(w.worker.name))).toEqual([0, 0, 0]);
    // Arrivals of another VM type keep none of these.
    const other = seenJobs.map((j) => ({ ...j, vmType: "other" }));
    expect(adaptiveKeepAlive(workers, other, config, NOW)?.get(idle(1).worker.name)).toBe(0);
  });

  it("break-even given the arrival rate: the rate, not the jobs still queued, sets the warm pool", () => {
    const config = withKeepAlive("break-even", { window: 1200 });
    config.policy.boot_estimate = 240; // reboot: 300 s
    const workers = [idle(1), idle(2), idle(3)];
    const keep = (rates: Map<string, number>) => {
      const chosen = adaptiveKeepAlive(workers, [], config, NOW, rates);
      return workers.map((w) => chosen?.get(w.worker.name));
    };
    // 2 jobs per 300 s: the two most recently idle are worth keeping; just under: one.
    expect(keep(new Map([["demo-vm", 2 / 300]]))).toEqual([600, 600, 0]);
    expect(keep(new Map([["demo-vm", 1.99 / 300]]))).toEqual([600, 0, 0]);
    expect(keep(new Map([["other", 1]]))).toEqual([0, 0, 0]);
    // A rate is given: queued jobs (here 8 within the window) are not counted on top of it.
    const queued = Array.from({ length: 8 }, (_, i) => idleJob({ queuedAt: NOW - 150 * i - 1 }));
    const chosen = adaptiveKeepAlive(workers, queued, config, NOW, new Map());
    expect(workers.map((w) => chosen?.get(w.worker.name))).toEqual([0, 0, 0]);
  });

  it("in the plan: the input's arrival rates reach the break-even keep-alive", () => {
    const config = withKeepAlive("break-even", { window: 1200 });
    const w = idle(2);
    const input = world({ config, pools: { alberta: [w.worker] }, workers: [w.seen] });
    expect(plan(input).retire.map((r) => r.worker)).toEqual([w.worker.name]);
    const rates = new Map([["demo-vm", 1 / 60]]);
    expect(plan({ ...input, arrivalRates: rates }).retire).toEqual([]);
  });

  it("in the plan: a per-core keep-alive retires a 2-core worker idle 2 minutes; fixed keeps it", () => {
    const w = idle(2);
    const input = (config: ReturnType<typeof exampleConfig>) =>
      world({ config, pools: { alberta: [w.worker] }, workers: [w.seen] });
    const perCore = plan(input(withKeepAlive("per-core", { core_seconds: 120 })));
    expect(perCore.retire.map((r) => r.worker)).toEqual([w.worker.name]);
    expect(plan(input(withKeepAlive("fixed"))).retire).toEqual([]);
  });
});
