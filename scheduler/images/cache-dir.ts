// Where downloaded images are cached by default (its own module: `--help` shows it without
// loading the transfer code).
import { homedir } from "node:os";
import { join } from "node:path";

export const DEFAULT_CACHE_DIR = join(homedir(), ".cache", "cloudscheduler", "images");
