import { describe, expect, it } from "vitest";
import {
  CloudUnreachableError,
  LockHeldError,
  QuotaExceededError,
  SecretsError,
} from "../../scheduler/deploy/errors.js";
import { type ShardOutcome, settleShards } from "../../scheduler/deploy/shard-outcomes.js";
import type { DeployResult } from "../../scheduler/deploy/types.js";
import { poolWorker } from "../plan/world.js";

const w = (n: number) => poolWorker(`cs-alberta-demo-vm-${String(n).padStart(4, "0")}`);

function stood(...names: number[]): DeployResult {
  return {
    changes: { create: names.length, update: 0, delete: 0, same: 0 },
    instances: names.map((n) => ({ name: w(n).name, id: `id-${n}` })),
  };
}

/** Shard 0 held workers 1 and 2, shard 1 held 3; this deploy adds 4 to shard 1 and 5 to shard 2. */
const heldBefore = new Map([
  [w(1).name, 0],
  [w(2).name, 0],
  [w(3).name, 1],
]);

describe("settleShards", () => {
  it("passes every result through when every shard stood", () => {
    const a = stood(4);
    const b = stood(5);
    const settled = settleShards(
      [
        { shard: 1, workers: [w(3), w(4)], result: a },
        { shard: 2, workers: [w(5)], result: b },
      ],
      heldBefore,
      "alberta",
      false,
    );
    expect(settled).toEqual({ stood: [a, b], refused: [], kept: [] });
  });

  it("takes back only a failed shard's new workers, keeps what it held, and lets the others stand", () => {
    const b = stood(5);
    const error = new CloudUnreachableError({ cloud: "alberta", detail: "dial tcp: i/o timeout" });
    const settled = settleShards(
      [
        { shard: 1, workers: [w(3), w(4)], error },
        { shard: 2, workers: [w(5)], result: b },
      ],
      heldBefore,
      "alberta",
      false,
    );
    expect(settled.stood).toEqual([b]);
    expect(settled.kept).toEqual([w(3).name]);
    expect(settled.refused).toHaveLength(1);
    expect(settled.refused[0]).toMatchObject({
      name: w(4).name,
      op: "create",
      kind: "cloud-unreachable",
    });
    // The message names the stack that failed and why.
    expect(settled.refused[0]?.message).toMatch(/^pool-alberta_1 failed: .*cloud API unreachable/);
  });

  it("classifies a raw error of one shard (a program error) and settles it the same way", () => {
    const settled = settleShards(
      [
        { shard: 0, workers: [w(1)], result: stood() },
        { shard: 2, workers: [w(5)], error: new Error("checkpoint is corrupt") },
      ],
      heldBefore,
      "alberta",
      false,
    );
    expect(settled.refused.map((r) => [r.name, r.kind])).toEqual([[w(5).name, "program"]]);
    expect(settled.kept).toEqual([]);
  });

  it("throws the first error when no shard stood: the whole cloud failed", () => {
    const first = new QuotaExceededError({ cloud: "alberta" });
    const outcomes: ShardOutcome[] = [
      { shard: 1, workers: [w(4)], error: first },
      { shard: 2, workers: [w(5)], error: new CloudUnreachableError({ cloud: "alberta" }) },
    ];
    expect(() => settleShards(outcomes, heldBefore, "alberta", false)).toThrow(first);
  });

  it.each([
    ["a lock (recovered by the caller)", new LockHeldError({ cloud: "alberta" })],
    ["secrets (every cloud alike)", new SecretsError("no passphrase")],
  ])("throws when a shard's error is not its own: %s", (_what, error) => {
    const outcomes: ShardOutcome[] = [
      { shard: 0, workers: [w(1)], result: stood() },
      { shard: 2, workers: [w(5)], error },
    ];
    expect(() => settleShards(outcomes, heldBefore, "alberta", false)).toThrow(error);
  });

  it("throws when the deploy was aborted, whatever stood", () => {
    const error = new CloudUnreachableError({ cloud: "alberta" });
    const outcomes: ShardOutcome[] = [
      { shard: 0, workers: [w(1)], result: stood() },
      { shard: 2, workers: [w(5)], error },
    ];
    expect(() => settleShards(outcomes, heldBefore, "alberta", true)).toThrow(error);
  });
});
