// The grant walk ends once no cloud can take any worker, and each group still waiting is told
// why at once: over random worlds, the same workers, names and decisions as offering every
// waiting worker to the end, with owner queues ordered per cycle and kept by the demand cache.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { absorbDemand } from "../../scheduler/plan/capacity.js";
import type { Demand } from "../../scheduler/plan/demand.js";
import { classifyDemand } from "../../scheduler/plan/demand.js";
import { DemandCache } from "../../scheduler/plan/demand-cache.js";
import { WorkerNamer } from "../../scheduler/plan/naming.js";
import { provision } from "../../scheduler/plan/provision.js";
import { RoomLedger } from "../../scheduler/plan/quota.js";
import type { PlanInput } from "../../scheduler/plan/types.js";
import { worldArb } from "./arbitrary-world.js";

function provisioned(input: PlanInput, demand: Demand, walkToEnd: boolean) {
  return provision({
    config: input.config,
    demand,
    absorption: absorbDemand(demand.groups, []),
    ledger: new RoomLedger(input.config, input.pools, input.unavailableClouds),
    namer: new WorkerNamer([]),
    now: input.now,
    keepAliveOf: () => 600,
    walkToEnd,
  });
}

describe("provision", () => {
  it("ends the grant walk early with the same outcome as walking to the end (property)", () => {
    let waiting = 0;
    fc.assert(
      fc.property(worldArb, (input) => {
        const fresh = classifyDemand(input.config, input.jobs);
        const cached = new DemandCache().classify(input.config, input.jobs);
        expect(cached.ownerOrder).toBeDefined();
        const reference = provisioned(input, fresh, true);
        expect(provisioned(input, fresh, false)).toEqual(reference);
        expect(provisioned(input, cached, false)).toEqual(reference);
        if (reference.decisions.some((d) => d.kind === "unserved")) waiting++;
      }),
      { numRuns: 300 },
    );
    // The worlds do run out of room.
    expect(waiting).toBeGreaterThan(30);
  });
});
