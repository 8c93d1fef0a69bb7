import { describe, expect, it } from "vitest";
import { plan } from "../../scheduler/plan/plan.js";
import { expectedFrees } from "../../scheduler/plan/ramp.js";
import { exampleConfig, idleJob, NOW, poolWorker, startd, world } from "./world.js";

function rampConfig(maxHold: number, minCores = 0) {
  const config = exampleConfig();
  config.policy.ramp = { max_hold: maxHold, min_cores: minCores };
  config.policy.boot_estimate = 180;
  return config;
}

// One busy demo-vm worker (2 cores, both used) running two jobs that just started.
const busy = poolWorker("cs-alberta-demo-vm-0001", { idleSince: undefined });
const running = [0, 1].map((i) =>
  idleJob({
    id: `9${i}.0`,
    state: "running",
    stateSince: NOW - 10,
    remoteHost: `slot1_${i + 1}@cs-alberta-demo-vm-0001.cloud.test`,
  }),
);

function input(config: ReturnType<typeof exampleConfig>, waitingFor: number) {
  return world({
    config,
    jobs: [...running, idleJob({ id: "50.0", stateSince: NOW - waitingFor })],
    pools: { alberta: [busy] },
    workers: [startd(busy.name, 2)],
  });
}

describe("pressure-based ramp", () => {
  it("expected frees: a running job of age a ends within h with probability h / (a + h)", () => {
    const frees = expectedFrees(running, NOW, 180);
    expect(frees.get("demo-vm")).toBeCloseTo(2 * (180 / 190), 6);
    expect(expectedFrees(running, NOW, 0).size).toBe(0);
  });

  it("holds a young idle job for a busy worker about to free, with an unserved (ramp) decision", () => {
    const result = plan(input(rampConfig(120), 30));
    expect(result.decisions.some((d) => d.kind === "boot")).toBe(false);
    expect(result.decisions.find((d) => d.kind === "unserved")?.reason).toMatch(/\(ramp\)$/);
  });

  it("boots once the job has waited max_hold, when the ramp is off, or for VM types under min_cores", () => {
    const booted = (r: ReturnType<typeof plan>) => r.decisions.some((d) => d.kind === "boot");
    expect(booted(plan(input(rampConfig(120), 120)))).toBe(true);
    expect(booted(plan(input(rampConfig(0), 30)))).toBe(true);
    expect(booted(plan(input(rampConfig(120, 4), 30)))).toBe(true);
  });
});
