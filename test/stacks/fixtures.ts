// Config fixtures for the stack tests: the bundled example (copied into test/fixtures) and
// variants of it built through the real parser, so every one is a valid config.
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { parseConfig } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";

const EXAMPLE = readFileSync(
  new URL("../fixtures/templates/example-site.yaml", import.meta.url),
  "utf8",
);

export function exampleConfig(): Config {
  return parseConfig(EXAMPLE, "example-site.yaml");
}

/** Raw YAML data, edited freely by tests before it is validated. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary config paths
type RawConfig = Record<string, any>;

/** The example with `change` applied to its raw YAML data, then validated. */
export function variantConfig(change: (raw: RawConfig) => void): Config {
  const raw = parse(EXAMPLE) as RawConfig;
  change(raw);
  return parseConfig(stringify(raw), "variant.yaml");
}
