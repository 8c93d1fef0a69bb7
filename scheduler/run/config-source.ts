// Where the daemon gets the config it runs with: the watcher (last good config) or a fixed one.
import type { Config } from "../config/schema.js";

export interface CurrentConfigSource {
  current(): { config: Config; revision: string };
}

export function fixedConfig(config: Config, revision: string): CurrentConfigSource {
  return { current: () => ({ config, revision }) };
}
