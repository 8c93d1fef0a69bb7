import { describe, expect, it } from "vitest";
import type { VmTypeConfig } from "../../scheduler/config/schema.js";
import { shapeOf } from "../../scheduler/plan/match.js";
import { RoomLedger } from "../../scheduler/plan/quota.js";
import { pickCloud } from "../../scheduler/plan/spread.js";
import { exampleConfig, poolWorker } from "./world.js";

const config = exampleConfig();
config.policy.max_boots_per_cycle = 100;
function vmType(name: string): VmTypeConfig {
  const type = config.vm_types[name];
  if (!type) throw new Error(`no VM type ${name} in the example`);
  return type;
}
const demo = shapeOf("demo-vm", vmType("demo-vm"), "cernvm-demo", "m1.small");
const fourCore = shapeOf("four-core", vmType("four-core"), "debian-12-condor", "c4.large");
const clouds = ["alberta", "victoria"];

function place(ledger: RoomLedger, count: number, shape = demo): string[] {
  const placed: string[] = [];
  for (let i = 0; i < count; i++) {
    const pick = pickCloud(config, ledger, clouds, shape);
    if (!("cloud" in pick)) break;
    ledger.take(pick.cloud, shape);
    placed.push(pick.cloud);
  }
  return placed;
}

describe("spread and quota", () => {
  it("spreads new workers by weight (alberta 2 : victoria 1)", () => {
    const placed = place(new RoomLedger(config, {}, new Set()), 6);
    expect(placed.filter((c) => c === "alberta")).toHaveLength(4);
    expect(placed.filter((c) => c === "victoria")).toHaveLength(2);
    expect(placed[0]).toBe("alberta");
  });

  it("counts the workers clouds already have", () => {
    const pools = { alberta: [0, 1, 2, 3].map((i) => poolWorker(`cs-alberta-demo-vm-000${i}`)) };
    expect(place(new RoomLedger(config, pools, new Set()), 2)).toEqual(["victoria", "victoria"]);
  });

  it("stops at the VM type's max_instances across clouds, and says why", () => {
    const ledger = new RoomLedger(config, {}, new Set());
    expect(place(ledger, 10, fourCore)).toHaveLength(4);
    expect(pickCloud(config, ledger, clouds, fourCore)).toEqual({
      blockers: {
        alberta: "VM type four-core max_instances 4 reached",
        victoria: "VM type four-core max_instances 4 reached",
      },
    });
  });

  it("stops at each cloud's quota of instances, cores and RAM", () => {
    const big = structuredClone(config);
    delete (big.vm_types["demo-vm"] as { max_instances?: number }).max_instances;
    const ledger = new RoomLedger(big, {}, new Set());
    for (let i = 0; i < 16; i++) {
      const pick = pickCloud(big, ledger, clouds, demo);
      if ("cloud" in pick) ledger.take(pick.cloud, demo);
    }
    // alberta: 10 instances x 2 cores = 20 <= 40 cores; victoria: 6 instances.
    expect(ledger.instances("alberta")).toBe(10);
    expect(ledger.instances("victoria")).toBe(6);
    expect(pickCloud(big, ledger, clouds, demo)).toEqual({
      blockers: { alberta: "quota instances 10 full", victoria: "quota instances 6 full" },
    });
    const cores = new RoomLedger(big, {}, new Set());
    for (let i = 0; i < 6; i++) cores.take("victoria", fourCore);
    expect(cores.blocker("victoria", fourCore)).toBe("quota instances 6 full");
    const ram = new RoomLedger(
      big,
      { victoria: [poolWorker("x", { cores: 1, ramMb: 40_000 })] },
      new Set(),
    );
    expect(ram.blocker("victoria", fourCore)).toBe(
      "quota ram_mb 49152 full (40000 used, four-core needs 16384)",
    );
  });

  it("boots nothing on a cloud in back-off or past max_boots_per_cycle", () => {
    const limited = structuredClone(config);
    limited.policy.max_boots_per_cycle = 2;
    const ledger = new RoomLedger(limited, {}, new Set(["alberta"]));
    expect(ledger.blocker("alberta", demo)).toBe("in back-off after deploy errors");
    ledger.take("victoria", demo);
    ledger.take("victoria", demo);
    expect(ledger.blocker("victoria", demo)).toBe("max_boots_per_cycle 2 reached");
  });
});
