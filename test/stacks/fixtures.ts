// Config fixtures for the stack tests: the bundled example (copied into test/fixtures) and
// variants of it built through the real parser, so every one is a valid config.
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import type { CloudCredentials } from "../../scheduler/config/credentials.js";
import { parseConfig } from "../../scheduler/config/load.js";
import type { Config } from "../../scheduler/config/schema.js";
import { Secret } from "../../scheduler/config/secret.js";

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

/** Password credentials for a cloud, as credentialsForCloud would resolve them. */
export function testCredentials(cloudName: string): CloudCredentials {
  return {
    source: `test credentials for ${cloudName}`,
    auth_url: "http://keystone.test:5000/v3",
    region: cloudName === "victoria" ? "RegionTwo" : "RegionOne",
    interface: "public",
    verify: true,
    auth: {
      type: "password",
      username: `${cloudName}-member`,
      password: new Secret(`pw-${cloudName}`),
      project_name: cloudName,
      user_domain_name: "Default",
      project_domain_name: "Default",
    },
  };
}
