// Invariants of plan() over random worlds (fast-check).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ObservedWorker } from "../../scheduler/condor/types.js";
import { summarize } from "../../scheduler/plan/describe.js";
import { plan } from "../../scheduler/plan/plan.js";
import type { PlanInput, PlanResult } from "../../scheduler/plan/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { worldArb } from "./arbitrary-world.js";

const RUNS = { numRuns: 200 };

function inputNames(input: PlanInput): Map<string, { cloud: string; worker: PoolWorker }> {
  const names = new Map<string, { cloud: string; worker: PoolWorker }>();
  for (const [cloud, workers] of Object.entries(input.pools)) {
    for (const worker of workers) names.set(worker.name, { cloud, worker });
  }
  return names;
}

/** New workers per cloud: result entries whose name was in no input pool. */
function boots(input: PlanInput, result: PlanResult): Map<string, PoolWorker[]> {
  const before = inputNames(input);
  const booted = new Map<string, PoolWorker[]>();
  for (const [cloud, workers] of Object.entries(result.pools)) {
    booted.set(
      cloud,
      workers.filter((w) => !before.has(w.name)),
    );
  }
  return booted;
}

function busyNames(workers: readonly ObservedWorker[]): Set<string> {
  return new Set(workers.flatMap((w) => (w.runningJobs > 0 && w.workerName ? [w.workerName] : [])));
}

describe("plan over random worlds", () => {
  it("never boots past a cloud's quota (current pool plus new workers)", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const result = plan(input);
        for (const [cloud, booted] of boots(input, result)) {
          if (booted.length === 0) continue;
          const quota = input.config.clouds[cloud]?.quota;
          expect(quota).toBeDefined();
          if (!quota) return;
          const all = [...(input.pools[cloud] ?? []), ...booted];
          expect(all.length).toBeLessThanOrEqual(quota.instances);
          expect(all.reduce((n, w) => n + w.cores, 0)).toBeLessThanOrEqual(quota.cores);
          expect(all.reduce((n, w) => n + w.ramMb, 0)).toBeLessThanOrEqual(quota.ram_mb);
        }
      }),
      RUNS,
    );
  });

  it("never boots past a VM type's max_instances across clouds", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const result = plan(input);
        const booted = [...boots(input, result).values()].flat();
        for (const [type, settings] of Object.entries(input.config.vm_types)) {
          const mine = booted.filter((w) => w.vmType === type).length;
          if (mine === 0 || settings.max_instances === undefined) continue;
          const existing = Object.values(input.pools)
            .flat()
            .filter((w) => w.vmType === type).length;
          expect(existing + mine).toBeLessThanOrEqual(settings.max_instances);
        }
      }),
      RUNS,
    );
  });

  it("never removes or retires a worker that runs a job", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const result = plan(input);
        const kept = new Set(Object.values(result.pools).flatMap((ws) => ws.map((w) => w.name)));
        for (const name of busyNames(input.workers)) {
          if (!inputNames(input).has(name)) continue;
          expect(kept.has(name)).toBe(true);
          expect(result.retire.some((r) => r.worker === name)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("boots at most max_boots_per_cycle per cloud, and only on enabled, available clouds", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const result = plan(input);
        for (const [cloud, booted] of boots(input, result)) {
          if (booted.length === 0) continue;
          expect(booted.length).toBeLessThanOrEqual(input.config.policy.max_boots_per_cycle);
          expect(input.config.clouds[cloud]?.enabled).toBe(true);
          expect(input.unavailableClouds.has(cloud)).toBe(false);
          for (const w of booted) {
            expect(input.config.clouds[cloud]?.images).toContain(w.image);
            expect(input.config.clouds[cloud]?.flavors).toContain(w.flavor);
            const allowed = input.config.vm_types[w.vmType]?.clouds;
            if (allowed) expect(allowed).toContain(cloud);
          }
        }
      }),
      RUNS,
    );
  });

  it("gives every worker a unique name and retires each worker at most once", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const result = plan(input);
        const names = Object.values(result.pools).flatMap((ws) => ws.map((w) => w.name));
        expect(new Set(names).size).toBe(names.length);
        const retired = result.retire.map((r) => r.worker);
        expect(new Set(retired).size).toBe(retired.length);
        for (const r of result.retire) {
          const worker = result.pools[r.cloud]?.find((w) => w.name === r.worker);
          expect(worker?.state).toBe("draining");
        }
      }),
      RUNS,
    );
  });

  it("summarizes each cloud as summarize does pairing its pools by name (idle changes too)", () => {
    let idleChanges = 0;
    fc.assert(
      fc.property(worldArb, (input) => {
        const result = plan(input);
        expect(result.summary).toEqual(summarize(input.pools, result.pools, result.decisions));
        for (const line of Object.values(result.summary)) {
          if (/went idle|busy again/.test(line)) idleChanges++;
        }
      }),
      RUNS,
    );
    // The worlds must move workers between idle and busy for this to say anything.
    expect(idleChanges).toBeGreaterThan(5);
  });

  it("is deterministic: the same world gives a deep-equal plan", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const copy: PlanInput = {
          ...structuredClone({ ...input, unavailableClouds: undefined }),
          config: structuredClone(input.config),
          unavailableClouds: new Set([...input.unavailableClouds].reverse()),
          jobs: structuredClone(input.jobs).reverse(),
          workers: structuredClone(input.workers).reverse(),
        };
        expect(plan(copy)).toEqual(plan(input));
      }),
      RUNS,
    );
  });

  it("is idempotent: planning again on its own pools changes nothing when demand was met", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const first = plan(input);
        if (first.decisions.some((d) => d.kind === "unserved")) return;
        const second = plan({ ...input, pools: first.pools });
        // An unneeded boot is cancelled only on a cloud the plan boots nothing on (plan.ts
        // cancelBoots): one the first plan kept beside its own boots may go now, and then the
        // plan settles.
        const deferred = second.decisions.filter((d) => d.kind === "cancel-unneeded");
        for (const d of deferred) {
          expect(first.decisions.some((b) => b.kind === "boot" && b.cloud === d.cloud)).toBe(true);
        }
        const cancelled = new Set(deferred.flatMap((d) => d.workers ?? []));
        const kept = Object.fromEntries(
          Object.entries(first.pools).map(([cloud, workers]) => [
            cloud,
            workers.filter((w) => !cancelled.has(w.name)),
          ]),
        );
        expect(second.pools).toEqual(kept);
        expect(second.retire).toEqual([]);
        expect(second.decisions.filter((d) => d.kind === "boot")).toEqual([]);
        const settled = cancelled.size === 0 ? second : plan({ ...input, pools: second.pools });
        expect(settled.pools).toEqual(kept);
        expect(settled.retire).toEqual([]);
        expect(settled.summary).toEqual({});
      }),
      RUNS,
    );
  });
});
