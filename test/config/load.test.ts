import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
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
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("accepts the bundled example and fills defaults", () => {
    const config = parseConfig(example, "cloudscheduler.yaml");
    expect(Object.keys(config.clouds)).toEqual(["alberta", "victoria"]);
    expect(config.policy.cycle).toBe(60);
    expect(config.policy.drain_timeout).toBe(86_400);
    expect(config.vm_types["demo-vm"]?.keep_alive).toBe(600);
    expect(config.clouds.alberta?.enabled).toBe(true);
  });

  it("names file, line, column and key of a bad value", () => {
    expect(problemsOf(example.replace("cores: 40", "cores: -4"))).toEqual([
      "cloudscheduler.yaml:12:29 clouds.alberta.quota.cores: expected a positive integer, got -4",
    ]);
  });

  it("rejects unknown keys with a suggestion", () => {
    expect(problemsOf(example.replace("weight: 1\n", "wieght: 1\n"))).toEqual([
      "cloudscheduler.yaml:19:5 clouds.victoria.wieght: unknown key; did you mean 'weight'?",
    ]);
  });

  it("rejects committed credentials without echoing them", () => {
    const problems = problemsOf(
      example.replace("region: RegionTwo", "region: RegionTwo\n    password: hunter2"),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^cloudscheduler\.yaml:18:5 clouds\.victoria\.password: credentials must not be committed/,
    );
    expect(problems.join("\n")).not.toContain("hunter2");
  });
});
