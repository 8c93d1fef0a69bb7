// Configs the simulator runs with when the user names none: the bundled SWF site
// (trace-site.yaml) and the example site of the README (examples/site).
import { readFile } from "node:fs/promises";
import { assetUrl } from "../assets.js";
import { loadConfigDir, parseConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";

export const TRACE_SITE_URL = assetUrl("scheduler/sim/trace-site.yaml");
export const EXAMPLE_SITE_DIR = assetUrl("examples/site/");

/** The config in `dir` (cloudscheduler.yaml), or the bundled trace site. */
export async function simConfig(dir?: string): Promise<Config> {
  if (dir !== undefined) return loadConfigDir(dir);
  return parseConfig(await readFile(TRACE_SITE_URL, "utf8"), "trace-site.yaml");
}
