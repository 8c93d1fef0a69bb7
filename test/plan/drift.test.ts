// Drift without eviction (observation 3): workers booted with launch settings that changed since
// are replaced only when idle, at most the disruption budget at a time; busy ones never.
import { describe, expect, it } from "vitest";
import type { Config } from "../../scheduler/config/schema.js";
import { disruptionBudget } from "../../scheduler/plan/drift.js";
import { plan } from "../../scheduler/plan/plan.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { buildFleet } from "../../scheduler/state/build.js";
import { launchTable } from "../../scheduler/state/launch.js";
import { exampleConfig, jobs, NOW, poolWorker, startd, world } from "./world.js";

const OLD = "0000000000000000";
const NEW = "1111111111111111";
const launch = launchTable({ "alberta|demo-vm|cernvm-demo|m1.small": NEW });

function worker(n: number, fields: Partial<PoolWorker> = {}): PoolWorker {
  return poolWorker(`cs-alberta-demo-vm-${String(n).padStart(4, "0")}`, {
    launch: OLD,
    idleSince: NOW - 60,
    ...fields,
  });
}

function planWith(pool: PoolWorker[], running: (name: string) => number, config?: Config) {
  const workers = pool.map((w) => startd(w.name, running(w.name)));
  const input = world({ pools: { alberta: pool }, workers, ...(config ? { config } : {}) });
  const fleet = buildFleet({ ...input, launch });
  return plan({ ...input, fleet });
}

describe("drift", () => {
  it("a new token, CONDOR_HOST, image or template (any launch change) disturbs 0 busy workers", () => {
    const pool = [1, 2, 3, 4].map((n) => worker(n));
    const result = planWith(pool, () => 2);
    expect(result.retire).toEqual([]);
    expect(result.pools.alberta?.map((w) => w.name)).toEqual(pool.map((w) => w.name));
    expect(result.pools.alberta?.every((w) => w.state === "registered")).toBe(true);
    expect(result.decisions.filter((d) => d.kind === "drifted")).toHaveLength(4);
    expect(result.decisions.find((d) => d.kind === "drifted")?.reason).toMatch(
      /kept until its 2 jobs finish/,
    );
  });

  it("drains idle drifted workers within the budget, oldest first, and boots their replacement for waiting jobs", () => {
    const config = exampleConfig();
    config.policy.disruption_budget = 1;
    const pool = [
      worker(1, { createdAt: NOW - 100 }),
      worker(2, { createdAt: NOW - 5000 }),
      worker(3, { createdAt: NOW - 3000 }),
    ];
    const input = world({
      config,
      jobs: jobs(2),
      pools: { alberta: pool },
      workers: pool.map((w) => startd(w.name, 0)),
    });
    const result = plan({ ...input, fleet: buildFleet({ ...input, launch }) });
    expect(result.retire.map((r) => r.worker)).toEqual(["cs-alberta-demo-vm-0002"]);
    expect(result.decisions.find((d) => d.kind === "retire-drifted")?.workers).toEqual([
      "cs-alberta-demo-vm-0002",
    ]);
    // The others wait for the budget; the new worker carries today's launch digest.
    expect(result.decisions.filter((d) => d.kind === "drifted").map((d) => d.workers?.[0])).toEqual(
      ["cs-alberta-demo-vm-0001", "cs-alberta-demo-vm-0003"],
    );
    const fresh = Object.values(result.pools)
      .flat()
      .filter((w) => w.state === "booting");
    for (const w of fresh) expect(w.launch ?? NEW).toBe(NEW);
  });

  it("counts drifted workers already draining against the budget", () => {
    const config = exampleConfig();
    config.policy.disruption_budget = 1;
    const pool = [worker(1, { state: "draining", drainStartedAt: NOW - 30 }), worker(2)];
    const result = planWith(pool, () => 0, config);
    expect(result.retire).toEqual([]);
  });

  it("a percentage budget rounds down but never below one", () => {
    const policy = exampleConfig().policy;
    expect(disruptionBudget({ ...policy, disruption_budget: "10%" }, 3)).toBe(1);
    expect(disruptionBudget({ ...policy, disruption_budget: "10%" }, 250)).toBe(25);
    expect(disruptionBudget({ ...policy, disruption_budget: 4 }, 2)).toBe(4);
  });

  it("new workers record today's launch digest", () => {
    const input = world({ jobs: jobs(3) });
    const result = plan({ ...input, fleet: buildFleet({ ...input, launch }) });
    const booted = result.pools.alberta ?? [];
    expect(booted.length).toBeGreaterThan(0);
    expect(booted.every((w) => w.launch === NEW)).toBe(true);
  });
});
