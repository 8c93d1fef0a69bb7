import { expect, test } from "vitest";
import { deployFingerprint } from "../../scheduler/run/fingerprint.js";
import { exampleConfig, poolWorker } from "../plan/world.js";

test("the deploy fingerprint follows what the program declares, whatever was hashed just before", () => {
  const cloud = exampleConfig().clouds.alberta;
  if (cloud === undefined) throw new Error("example config has no alberta");
  const a = poolWorker("cs-alberta-demo-vm-0001");
  const b = poolWorker("cs-alberta-demo-vm-0002");
  const both = deployFingerprint(cloud, "owner", [a, b]);
  const one = deployFingerprint(cloud, "owner", [a]);
  expect(one).not.toBe(both);
  // A state or idle time is not declared: same digest; asked again in turn, each its own.
  expect(deployFingerprint(cloud, "owner", [a, { ...b, state: "draining", idleSince: 5 }])).toBe(
    both,
  );
  expect(deployFingerprint(cloud, "owner", [a])).toBe(one);
  // Each declared field, and the owner, change it.
  for (const change of [{ name: "x" }, { vmType: "x" }, { image: "x" }, { flavor: "x" }])
    expect(deployFingerprint(cloud, "owner", [a, { ...b, ...change }])).not.toBe(both);
  expect(deployFingerprint(cloud, "other", [a, b])).not.toBe(both);
  expect(deployFingerprint(cloud, undefined, [a, b])).not.toBe(both);
  expect(deployFingerprint(cloud, "owner", [a, b])).toBe(both);
});
