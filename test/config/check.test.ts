// Cross-references between parts of the config, checked after the schema.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkReferences } from "../../scheduler/config/check.js";
import { parseConfig } from "../../scheduler/config/load.js";
import { ConfigError } from "../../scheduler/config/problem.js";

const example = readFileSync(
  new URL("../../examples/site/cloudscheduler.yaml", import.meta.url),
  "utf8",
);

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, "cloudscheduler.yaml");
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split("\n");
    throw err;
  }
  return [];
}

describe("checkReferences", () => {
  it("finds nothing wrong in the bundled example", () => {
    expect(checkReferences(parseConfig(example, "cloudscheduler.yaml"))).toEqual([]);
  });

  it("rejects a VM type restricted to an unknown cloud, without a second complaint", () => {
    expect(
      problemsOf(example.replace("keep_alive: 5m", "keep_alive: 5m\n    clouds: [alberto]")),
    ).toEqual([
      "cloudscheduler.yaml:41:14 vm_types.four-core.clouds[0]: unknown cloud 'alberto'; clouds are: alberta, victoria",
    ]);
  });

  it("rejects a VM type whose image and flavor no cloud allows", () => {
    expect(problemsOf(example.replace("flavor: c4.large", "flavor: c8.huge"))).toEqual([
      "cloudscheduler.yaml:33:3 vm_types.four-core: no cloud allows both image 'debian-12-condor' and flavor 'c8.huge'; add them to a cloud's images and flavors",
    ]);
  });

  it("rejects a VM type limited to clouds that do not allow its image", () => {
    const text = example
      .replace(
        "images: [NEP52-batch, cernvm-demo, debian-12-condor]\n  victoria",
        "images: [cernvm-demo]\n  victoria",
      )
      .replace("keep_alive: 5m", "keep_alive: 5m\n    clouds: [alberta]");
    expect(problemsOf(text)).toEqual([
      "cloudscheduler.yaml:33:3 vm_types.four-core: no cloud allows both image 'debian-12-condor' and flavor 'c4.large'; add them to a cloud's images and flavors",
    ]);
  });

  it("rejects names whose workers' host names would not fit one DNS label (63 characters)", () => {
    // Names hold 40 characters each: cs-victoria-<40>-9999 is 60 characters and fits; with a
    // 17-character cloud name it is 66 and does not.
    const long = "a".repeat(40);
    expect(problemsOf(example.replaceAll("four-core", long))).toEqual([]);
    const text = example.replaceAll("four-core", long).replaceAll("victoria", "victoria-west-one");
    expect(problemsOf(text)).toEqual([
      `cloudscheduler.yaml:33:3 vm_types.${long}: its workers on cloud 'victoria-west-one' would be named like 'cs-victoria-west-one-${long}-9999' (66 characters); a host name label holds at most 63: shorten the cloud or VM type name`,
    ]);
  });

  it("rejects a VM type larger than every usable cloud's quota", () => {
    expect(problemsOf(example.replace("cores: 4\n", "cores: 48\n"))).toEqual([
      "cloudscheduler.yaml:33:3 vm_types.four-core: needs 48 cores and 16384 MB RAM, more than the quota of alberta, victoria allows",
    ]);
    // Fits alberta's 40 cores only if it is not limited to victoria (24 cores).
    expect(problemsOf(example.replace("cores: 4\n", "cores: 32\n"))).toEqual([]);
    expect(
      problemsOf(
        example
          .replace("cores: 4\n", "cores: 32\n")
          .replace("keep_alive: 5m", "keep_alive: 5m\n    clouds: [victoria]"),
      ),
    ).toEqual([
      "cloudscheduler.yaml:33:3 vm_types.four-core: needs 32 cores and 16384 MB RAM, more than the quota of victoria allows",
    ]);
  });

  it("rejects image copies from or to unknown clouds and onto the source", () => {
    expect(problemsOf(example.replace("from: alberta", "from: alberto"))).toEqual([
      "cloudscheduler.yaml:44:5 images.cernvm-demo.from: unknown cloud 'alberto'; clouds are: alberta, victoria",
    ]);
    expect(problemsOf(example.replace("to: [victoria]", "to: [victoria, vancouver]"))).toEqual([
      "cloudscheduler.yaml:45:20 images.cernvm-demo.to[1]: unknown cloud 'vancouver'; clouds are: alberta, victoria",
    ]);
    expect(problemsOf(example.replace("to: [victoria]", "to: [alberta]"))).toEqual([
      "cloudscheduler.yaml:45:10 images.cernvm-demo.to[0]: 'alberta' is the source cloud; an image cannot be copied onto itself",
    ]);
  });

  it("rejects appliances on unknown clouds", () => {
    expect(
      problemsOf(
        example.replace("  scheduler:\n    cloud: alberta", "  scheduler:\n    cloud: yukon"),
      ),
    ).toEqual([
      "cloudscheduler.yaml:49:5 appliances.scheduler.cloud: unknown cloud 'yukon'; clouds are: alberta, victoria",
    ]);
  });
});

describe("policy.boot_timeout", () => {
  it("must be more than two cycles, or workers are replaced before they can register", () => {
    expect(problemsOf(example.replace("boot_timeout: 15m", "boot_timeout: 2m"))).toEqual([
      "cloudscheduler.yaml:69:3 policy.boot_timeout: expected more than two cycles (2 x policy.cycle = 120s), got 120s",
    ]);
  });
});
