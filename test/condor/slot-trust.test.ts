import { describe, expect, it } from "vitest";
import { isTrustedStartd, partitionTrusted } from "../../scheduler/condor/slot-trust.js";
import type { Slot } from "../../scheduler/condor/types.js";

const slot = (fields: Partial<Slot>): Slot => ({
  name: "slot1@cs-alberta-demo-vm-0001",
  machine: "cs-alberta-demo-vm-0001",
  slotType: "Partitionable",
  state: "Unclaimed",
  activity: "Idle",
  cpus: 2,
  memoryMb: 4096,
  draining: false,
  ...fields,
});

describe("which slot ads the scheduler believes", () => {
  it("a worker's ad sent with that worker's identity", () => {
    const own = slot({
      workerName: "cs-alberta-demo-vm-0001",
      authenticatedIdentity: "cs-alberta-demo-vm-0001@workers.cloudscheduler",
    });
    expect(partitionTrusted([own])).toEqual({ trusted: [own], untrusted: [] });
  });

  it("a startd cloudscheduler did not boot, whoever it is", () => {
    const site = slot({
      name: "slot1@node7.example.org",
      authenticatedIdentity: "condor@example.org",
    });
    expect(partitionTrusted([site]).trusted).toEqual([site]);
  });

  const refused: [string, Partial<Slot>, string][] = [
    [
      "another worker's identity",
      {
        workerName: "cs-alberta-demo-vm-0002",
        authenticatedIdentity: "cs-alberta-demo-vm-0001@workers.cloudscheduler",
      },
      'slot "slot1@cs-alberta-demo-vm-0001" names worker cs-alberta-demo-vm-0002 but was sent by "cs-alberta-demo-vm-0001@workers.cloudscheduler"',
    ],
    [
      "a pool-wide identity",
      { workerName: "cs-alberta-demo-vm-0001", authenticatedIdentity: "condor@cloudscheduler" },
      'slot "slot1@cs-alberta-demo-vm-0001" names worker cs-alberta-demo-vm-0001 but was sent by "condor@cloudscheduler"',
    ],
    [
      "no authentication",
      { workerName: "cs-alberta-demo-vm-0001" },
      'slot "slot1@cs-alberta-demo-vm-0001" names worker cs-alberta-demo-vm-0001 but its sender was not authenticated',
    ],
    [
      "a worker identity hiding its name",
      { authenticatedIdentity: "cs-alberta-demo-vm-0001@workers.cloudscheduler" },
      'slot "slot1@cs-alberta-demo-vm-0001" was sent by worker cs-alberta-demo-vm-0001 but names no worker',
    ],
    [
      "a hostile worker name",
      { workerName: "cs-x\n\u202e", authenticatedIdentity: "cs-x@workers.cloudscheduler" },
      'slot "slot1@cs-alberta-demo-vm-0001" names "cs-x\\n\\u202e", which is not a worker name',
    ],
  ];
  it.each(refused)("not an ad with %s", (_, fields, reason) => {
    const bad = slot(fields);
    expect(partitionTrusted([bad])).toEqual({ trusted: [], untrusted: [{ slot: bad, reason }] });
  });
});

describe("isTrustedStartd", () => {
  const ad = { name: "vm.workers.cloudscheduler", machine: "vm.workers.cloudscheduler" };
  it("believes a StartD daemon ad naming a worker only from that worker's identity", () => {
    const name = "cs-alberta-demo-vm-0001";
    expect(
      isTrustedStartd({
        ...ad,
        workerName: name,
        authenticatedIdentity: `${name}@workers.cloudscheduler`,
      }),
    ).toBe(true);
    expect(
      isTrustedStartd({
        ...ad,
        workerName: name,
        authenticatedIdentity: "cs-alberta-demo-vm-0002@workers.cloudscheduler",
      }),
    ).toBe(false);
    expect(isTrustedStartd({ ...ad, workerName: name })).toBe(false);
    // A startd that names no worker is not ours to judge (left alone as not-ours).
    expect(isTrustedStartd(ad)).toBe(true);
  });
});
