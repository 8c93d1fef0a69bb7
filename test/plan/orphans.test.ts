// The orphan sweep: our servers in no pool are deleted after orphan_grace, never while their
// startd runs a job; an idle registered one is drained first.
import { describe, expect, it } from "vitest";
import type { CloudServer } from "../../scheduler/cloud/inventory.js";
import { plan } from "../../scheduler/plan/plan.js";
import { buildFleet } from "../../scheduler/state/build.js";
import { exampleConfig, idleJob, NOW, startd, world } from "./world.js";

const grace = exampleConfig().policy.orphan_grace;
const orphanName = "cs-alberta-demo-vm-0007";
const orphan: CloudServer = {
  id: "srv-7",
  name: orphanName,
  status: "ACTIVE",
  metadata: { cloudscheduler: "worker", cloudscheduler_owner: "me" },
  createdAt: NOW - 2 * grace,
};

function sweep(fields: Parameters<typeof world>[0], firstSeen: number) {
  const input = world(fields);
  const fleet = buildFleet({
    ...input,
    servers: new Map([["alberta", [orphan]]]),
    owner: "me",
    orphanFirstSeen: new Map([[`alberta/${orphan.id}`, firstSeen]]),
  });
  return plan({ ...input, fleet });
}

describe("orphan sweep", () => {
  it("waits out the grace period, then deletes a server that runs nothing", () => {
    const young = sweep({}, NOW - grace + 1);
    expect(young.deleteServers).toBeUndefined();
    expect(young.decisions.find((d) => d.kind === "orphan")?.reason).toMatch(
      /deleted if still unclaimed/,
    );
    const old = sweep({}, NOW - grace);
    expect(old.deleteServers).toEqual([
      expect.objectContaining({ cloud: "alberta", id: "srv-7", name: orphanName }),
    ]);
  });

  it("never deletes one whose startd runs a job, by its ads or by condor_q", () => {
    const byAds = sweep({ workers: [startd(orphanName, 1)] }, NOW - 10 * grace);
    expect(byAds.deleteServers).toBeUndefined();
    expect(byAds.retire).toEqual([]);
    const byQueue = sweep(
      { jobs: [idleJob({ state: "running", remoteHost: `slot1_1@${orphanName}.novalocal` })] },
      NOW - 10 * grace,
    );
    expect(byQueue.deleteServers).toBeUndefined();
  });

  it("drains an orphan's idle startd first; deletes it once drained and empty", () => {
    const idle = sweep({ workers: [startd(orphanName, 0)] }, NOW - 10 * grace);
    expect(idle.deleteServers).toBeUndefined();
    expect(idle.retire).toEqual([
      expect.objectContaining({
        worker: orphanName,
        machine: `${orphanName}.cloud.test`,
        method: "drain",
      }),
    ]);
    const drained = sweep(
      { workers: [startd(orphanName, 0, { draining: true })] },
      NOW - 10 * grace,
    );
    expect(drained.deleteServers?.map((d) => d.id)).toEqual(["srv-7"]);
  });

  it("never gives a new worker the name of a server that still exists", () => {
    const input = world({ jobs: [idleJob()] });
    const taken: CloudServer = { ...orphan, name: "cs-alberta-demo-vm-0001", metadata: {} };
    const fleet = buildFleet({ ...input, servers: new Map([["alberta", [taken]]]), owner: "me" });
    const result = plan({ ...input, fleet });
    const names = Object.values(result.pools)
      .flat()
      .map((w) => w.name);
    expect(names).not.toContain("cs-alberta-demo-vm-0001");
    expect(names.length).toBeGreaterThan(0);
  });
});
