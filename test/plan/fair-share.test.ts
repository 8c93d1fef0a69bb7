import { describe, expect, it } from "vitest";
import { DemandCache } from "../../scheduler/plan/demand-cache.js";
import { grantRoundRobin } from "../../scheduler/plan/fair-share.js";
import { plan } from "../../scheduler/plan/plan.js";
import { exampleConfig, jobs, world } from "./world.js";

describe("fair share", () => {
  it("hands out grants one per owner per round, smaller owners first", () => {
    const granted: string[] = [];
    let room = 5;
    grantRoundRobin(
      [
        { owner: "big", idleJobs: 1000, wanted: ["b1", "b2", "b3", "b4", "b5", "b6"] },
        { owner: "small", idleJobs: 5, wanted: ["s1", "s2"] },
        { owner: "mid", idleJobs: 5, wanted: ["m1"] },
      ],
      (w) => {
        if (room === 0) return "denied";
        room -= 1;
        granted.push(w);
        return "granted";
      },
    );
    expect(granted).toEqual(["m1", "s1", "b1", "s2", "b2"]);
  });

  it("keeps an owner with 1000 jobs from starving one with 5 when capacity is short", () => {
    const config = exampleConfig();
    delete (config.vm_types["demo-vm"] as { max_instances?: number }).max_instances;
    config.policy.max_boots_per_cycle = 3; // 6 new workers this cycle over two clouds
    const result = plan(
      world({
        config,
        jobs: [
          ...jobs(1000, { owner: "alice", requestCpus: 2, queuedAt: 1 }),
          ...jobs(5, { owner: "bob", requestCpus: 2, vmType: "four-core" }),
        ],
      }),
    );
    const booted = result.decisions.filter((d) => d.kind === "boot");
    const count = (type: string) =>
      booted.filter((d) => d.vmType === type).reduce((n, d) => n + (d.count ?? 0), 0);
    // Round-robin: bob (5 jobs) first, then alice, alternating: 3 each; bob's four-core workers
    // hold two 2-core jobs each, so his 5 jobs need exactly 3.
    expect(count("four-core")).toBe(3);
    expect(count("demo-vm")).toBe(3);
    expect(result.decisions.find((d) => d.kind === "unserved")?.reason).toBe(
      "997 idle jobs for demo-vm wait for room (alberta: max_boots_per_cycle 3 reached; victoria: max_boots_per_cycle 3 reached)",
    );
  });

  it("says why each waiting group got no worker once every cloud is full, whoever asked last", () => {
    const config = exampleConfig();
    delete (config.vm_types["demo-vm"] as { max_instances?: number }).max_instances;
    config.policy.max_boots_per_cycle = 3; // 6 new workers this cycle over two clouds
    const input = world({
      config,
      jobs: [
        ...jobs(1000, { owner: "alice", requestCpus: 2, queuedAt: 1 }),
        ...jobs(20, { owner: "carol", requestCpus: 2, vmType: "four-core" }).map((job, i) => ({
          ...job,
          id: `7.${i}`,
        })),
      ],
    });
    // Carol (fewer jobs) and alice take turns until both clouds are full; carol's next offer is
    // denied, and alice's group, never offered one after that, still says why it waits.
    const full =
      "(alberta: max_boots_per_cycle 3 reached; victoria: max_boots_per_cycle 3 reached)";
    const expected = [
      `997 idle jobs for demo-vm wait for room ${full}`,
      `14 idle jobs for four-core wait for room ${full}`,
    ];
    const unserved = (result: ReturnType<typeof plan>) =>
      result.decisions.filter((d) => d.kind === "unserved").map((d) => d.reason);
    expect(unserved(plan(input))).toEqual(expected);
    // The same with owner queues kept by the demand cache.
    const cache = new DemandCache();
    expect(unserved(plan({ ...input, demandCache: cache }))).toEqual(expected);
    expect(unserved(plan({ ...input, demandCache: cache }))).toEqual(expected);
  });
});
