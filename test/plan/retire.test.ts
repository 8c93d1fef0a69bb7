import { describe, expect, it } from "vitest";
import { decideRetirement } from "../../scheduler/plan/retire.js";
import { exampleConfig, NOW, poolWorker, startd } from "./world.js";

const config = exampleConfig(); // demo-vm keep_alive 10m, retire_with drain
const name = "cs-alberta-demo-vm-0001";
const candidate = (idleFor: number, fields: { running?: number; needed?: boolean } = {}) => ({
  cloud: "alberta",
  worker: poolWorker(name, { idleSince: NOW - idleFor, keepAliveSeconds: 600 }),
  seen: startd(name, fields.running ?? 0),
  needed: fields.needed ?? false,
  gone: undefined,
});

describe("decideRetirement", () => {
  it("keeps an idle worker within its keep-alive", () => {
    const outcome = decideRetirement(candidate(599), config, NOW);
    expect(outcome.fate === "keep" && outcome.retire).toBeUndefined();
    expect(outcome.decisions[0]?.reason).toBe("idle 9m 59s of 10m keep-alive");
  });

  it("drains an idle worker past its keep-alive and marks it draining", () => {
    const outcome = decideRetirement(candidate(600), config, NOW);
    if (outcome.fate !== "keep") throw new Error("expected keep");
    expect(outcome.worker).toMatchObject({ state: "draining", drainStartedAt: NOW });
    expect(outcome.retire).toEqual({
      cloud: "alberta",
      worker: name,
      machine: `${name}.cloud.test`,
      method: "drain",
      reason: "idle 10m (keep-alive 10m)",
    });
  });

  it("uses condor_off -peaceful when the policy says so", () => {
    const peaceful = structuredClone(config);
    peaceful.policy.retire_with = "peaceful-off";
    const outcome = decideRetirement(candidate(3600), peaceful, NOW);
    expect(outcome.fate === "keep" && outcome.retire?.method).toBe("peaceful-off");
  });

  it("keeps an idle worker idle jobs need, and never retires a busy one", () => {
    expect(decideRetirement(candidate(3600, { needed: true }), config, NOW)).toMatchObject({
      fate: "keep",
      decisions: [{ kind: "keep-alive", reason: "idle 1h; idle jobs need it" }],
    });
    const busy = decideRetirement(
      { ...candidate(3600, { running: 1 }), gone: "cloud" },
      config,
      NOW,
    );
    expect(busy.fate === "keep" && busy.retire).toBeUndefined();
    expect(busy.decisions[0]?.kind).toBe("kept-busy");
  });

  it("honours a longer keep-alive a job's +VMKeepAlive gave the worker", () => {
    const c = candidate(1200);
    c.worker.keepAliveSeconds = 1800;
    const outcome = decideRetirement(c, config, NOW);
    expect(outcome.fate === "keep" && outcome.retire).toBeUndefined();
  });

  it("retires at once on a removed cloud or VM type, and cancels booting workers there", () => {
    const onGoneCloud = decideRetirement({ ...candidate(0), gone: "cloud" }, config, NOW);
    expect(onGoneCloud.fate === "keep" && onGoneCloud.retire?.reason).toBe(
      "idle on a cloud removed or disabled in config: retired at once",
    );
    const oldType = decideRetirement({ ...candidate(0), gone: "vm-type" }, config, NOW);
    expect(oldType.decisions[0]?.kind).toBe("retire-vm-type-removed");
    const booting = decideRetirement(
      {
        ...candidate(0),
        worker: poolWorker(name, { state: "booting" }),
        seen: undefined,
        gone: "cloud",
      },
      config,
      NOW,
    );
    expect(booting.fate).toBe("remove");
  });
});
