import { describe, expect, it } from "vitest";
import { parseConfig } from "../../scheduler/config/load.js";
import { cloudChanges } from "../../scheduler/watch/cloud-changes.js";
import { EXAMPLE_CONFIG } from "../pool/git-fixture.js";

const both = parseConfig(EXAMPLE_CONFIG, "cloudscheduler.yaml");
// victoria removed (its image copy goes with it, or the config would not validate)
const albertaOnly = parseConfig(
  EXAMPLE_CONFIG.replace(/ {2}victoria:\n(?: {4}.*\n)+/, "").replace(
    /images:\n {2}cernvm-demo:[\s\S]*?\n\n/,
    "images: {}\n\n",
  ),
  "cloudscheduler.yaml",
);

describe("cloudChanges", () => {
  it("finds a removed cloud and an added one", () => {
    expect(Object.keys(albertaOnly.clouds)).toEqual(["alberta"]);
    expect(cloudChanges(both, albertaOnly, ["alberta", "victoria"])).toEqual({
      added: [],
      removed: ["victoria"],
    });
    expect(cloudChanges(albertaOnly, both, ["alberta"])).toEqual({
      added: ["victoria"],
      removed: [],
    });
  });

  it("finds clouds removed while the scheduler was down from their pool files", () => {
    expect(cloudChanges(undefined, albertaOnly, ["alberta", "victoria"])).toEqual({
      added: ["alberta"],
      removed: ["victoria"],
    });
  });
});
