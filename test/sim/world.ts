// Shared setup of the simulator tests: the README's example site and a small world on it.
import { readFileSync } from "node:fs";
import { parseConfig } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";
import type { SimJobSpec } from "../../scheduler/sim/trace-map.js";

export const START = 1_795_596_400;

export function exampleConfig(): Config {
  return parseConfig(
    readFileSync(new URL("../fixtures/traces/example-site.yaml", import.meta.url), "utf8"),
    "example-site.yaml",
  );
}

export function demoJob(n: number, over: Partial<SimJobSpec> = {}): SimJobSpec {
  return {
    id: String(n),
    submit: START,
    runtime: 600,
    cores: 1,
    memoryMb: 1024,
    vmType: "demo-vm",
    owner: "guest",
    ...over,
  };
}
