import { describe, expect, it } from "vitest";
import {
  adaptiveKeepAlive,
  arrivalsOf,
  medianPerInterval,
} from "../../scheduler/plan/keep-alive.js";
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
    expect(arrivalsOf(undefined, seenJobs, NOW, 3600).get("demo-vm")?.times).toHaveLength(6);
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

  it("break-even with cap_at_reboot: a warm worker keeps a reboot's time (boot_estimate + cycle), never more than its keep-alive", () => {
    const config = withKeepAlive("break-even", { window: 1200, cap_at_reboot: true });
    config.policy.boot_estimate = 240; // reboot: 300 s
    const seenJobs = Array.from({ length: 8 }, (_, i) =>
      idleJob({ state: "running", queuedAt: NOW - 150 * i - 1 }),
    );
    const workers = [idle(1), idle(2), idle(3)];
    const chosen = adaptiveKeepAlive(workers, seenJobs, config, NOW);
    expect(workers.map((w) => chosen?.get(w.worker.name))).toEqual([300, 300, 0]);
    config.policy.boot_estimate = 900; // a reboot longer than the keep-alive: the keep-alive
    const long = adaptiveKeepAlive(workers, seenJobs, config, NOW);
    expect(long?.get(idle(1).worker.name)).toBe(600);
  });

  it("break-even weighs the median arrivals per reboot-long interval, so one burst keeps no worker", () => {
    const reboot = 300;
    const end = Math.floor(NOW / reboot) * reboot; // the grid's last boundary before NOW
    const since = NOW - 1200; // 4 intervals' span: the 3 whole ones before `end` count
    const steady = {
      since,
      times: [end - 850, end - 800, end - 550, end - 500, end - 250, end - 1],
    };
    expect(medianPerInterval(steady, NOW, reboot)).toBe(2);
    // The same 6 jobs in one burst: a mean of 2 per interval, but most intervals brought none.
    const burst = { since, times: Array.from({ length: 6 }, () => end - 250) };
    expect(medianPerInterval(burst, NOW, reboot)).toBe(0);
    // Intervals with 2, 0 and 1 jobs: two of three brought 1 or more, only one brought 2.
    const mixed = { since, times: [end - 850, end - 800, end - 10] };
    expect(medianPerInterval(mixed, NOW, reboot)).toBe(1);
    // Arrivals after the last boundary wait for the grid to move on.
    expect(medianPerInterval({ since, times: [end + 1, end + 2] }, NOW, reboot)).toBe(0);

    const config = withKeepAlive("break-even", { window: 1200 });
    config.policy.boot_estimate = 240; // reboot: 240 + 60 = 300 s
    const workers = [idle(1), idle(2), idle(3)];
    const keep = (recorded: Map<string, typeof steady>) => {
      const chosen = adaptiveKeepAlive(workers, [], config, NOW, recorded);
      return workers.map((w) => chosen?.get(w.worker.name));
    };
    expect(keep(new Map([["demo-vm", steady]]))).toEqual([600, 600, 0]);
    expect(keep(new Map([["demo-vm", burst]]))).toEqual([0, 0, 0]);
    expect(keep(new Map([["other", steady]]))).toEqual([0, 0, 0]);
    // Recorded arrivals are given: jobs still queued are not read on top of them.
    const queued = Array.from({ length: 8 }, (_, i) => idleJob({ queuedAt: NOW - 150 * i - 1 }));
    const chosen = adaptiveKeepAlive(workers, queued, config, NOW, new Map());
    expect(workers.map((w) => chosen?.get(w.worker.name))).toEqual([0, 0, 0]);
  });

  it("in the plan: the input's recorded arrivals reach the break-even keep-alive", () => {
    const config = withKeepAlive("break-even", { window: 1200 });
    const w = idle(2);
    const input = world({ config, pools: { alberta: [w.worker] }, workers: [w.seen] });
    expect(plan(input).retire.map((r) => r.worker)).toEqual([w.worker.name]);
    // A job every 30 s for the last 20 minutes: every 240 s interval brought 8.
    const times = Array.from({ length: 40 }, (_, i) => NOW - 1200 + 30 * (i + 1));
    const arrivals = new Map([["demo-vm", { since: NOW - 1200, times }]]);
    expect(plan({ ...input, arrivals }).retire).toEqual([]);
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
