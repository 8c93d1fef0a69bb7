import { describe, expect, it } from "vitest";
import { parseConfig } from "../../scheduler/config/load.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { DeployError, QuotaExceededError } from "../../scheduler/deploy/errors.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import type { PoolStackInput } from "../../scheduler/deploy/types.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import { EXAMPLE_CONFIG } from "../pool/git-fixture.js";

const config = parseConfig(EXAMPLE_CONFIG, "cloudscheduler.yaml");

function input(cloudName: "alberta" | "victoria", names: string[]): PoolStackInput {
  const cloud = config.clouds[cloudName];
  if (!cloud) throw new Error(`no cloud ${cloudName} in the example`);
  const workers: PoolWorker[] = names.map((name) => ({
    name,
    vmType: "demo-vm",
    image: "cernvm-demo",
    flavor: "m1.small",
    cores: 2,
    ramMb: 4096,
    diskGb: 20,
    state: "booting",
    createdAt: 1_750_000_000,
    keepAliveSeconds: 600,
  }));
  return { cloudName, cloud, config, workers };
}

describe("MemoryDeployer", () => {
  it("creates, keeps and deletes instances like a stack, with stable ids", async () => {
    const deployer = new MemoryDeployer();
    expect(await deployer.preview(input("alberta", ["w1", "w2"]))).toEqual({
      create: 2,
      update: 0,
      delete: 0,
      same: 0,
    });
    const first = await deployer.up(input("alberta", ["w2", "w1"]));
    expect(first.changes).toEqual({ create: 2, update: 0, delete: 0, same: 0 });
    expect(first.instances.map((i) => i.name)).toEqual(["w1", "w2"]);
    const idOfW1 = first.instances[0]?.id;

    const second = await deployer.up(input("alberta", ["w1", "w3"]));
    expect(second.changes).toEqual({ create: 1, update: 0, delete: 1, same: 1 });
    expect(second.instances.find((i) => i.name === "w1")?.id).toBe(idOfW1);
    expect(await deployer.instances("alberta")).toEqual(second.instances);
    expect(await deployer.instances("victoria")).toEqual([]);

    await deployer.destroy("alberta");
    expect(deployer.hasStack("alberta")).toBe(false);
    expect(await deployer.instances("alberta")).toEqual([]);
    expect(deployer.calls.map((c) => `${c.operation}:${c.cloud}:${c.outcome}`)).toEqual([
      "preview:alberta:ok",
      "up:alberta:ok",
      "up:alberta:ok",
      "instances:alberta:ok",
      "instances:victoria:ok",
      "destroy:alberta:ok",
      "instances:alberta:ok",
    ]);
    expect(deployer.calls[1]?.workers).toEqual(["w2", "w1"]);
  });

  it("fails the next N calls of a cloud with the given class, which drives the back-off", async () => {
    const deployer = new MemoryDeployer();
    const backoff = new BackoffTracker();
    deployer.failNext("alberta", 2, "quota-exceeded", ["up"]);
    let now = 1_750_000_000;
    const attempt = async () => {
      try {
        await deployer.up(input("alberta", ["w1"]));
        backoff.recordSuccess("alberta");
      } catch (err) {
        if (!(err instanceof DeployError)) throw err;
        backoff.recordFailure("alberta", now, err);
      }
    };

    await expect(deployer.up(input("victoria", ["v1"]))).resolves.toBeTruthy();
    await expect(deployer.instances("alberta")).resolves.toEqual([]); // not an "up": not failed
    await attempt();
    expect(backoff.unavailableClouds(now)).toEqual(["alberta"]);
    now += 30;
    await attempt();
    expect(backoff.snapshot()[0]).toMatchObject({
      failures: 2,
      until: now + 60,
      lastErrorKind: "quota-exceeded",
    });
    now += 60;
    await attempt();
    expect(backoff.unavailableClouds(now)).toEqual([]);
    expect(await deployer.instances("alberta")).toHaveLength(1);
    expect(
      deployer.calls
        .filter((c) => c.cloud === "alberta" && c.operation === "up")
        .map((c) => c.outcome),
    ).toEqual(["quota-exceeded", "quota-exceeded", "ok"]);
  });

  it("throws typed errors", async () => {
    const deployer = new MemoryDeployer();
    deployer.failNext("alberta", 1, "quota-exceeded");
    const error = await deployer.up(input("alberta", ["w1"])).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).cloud).toBe("alberta");
  });
});
