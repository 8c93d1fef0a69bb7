// What the compiled build in dist/ was made from, and whether the sources still match it.
// Shared by bin/build.js (writes dist/build-info.json) and bin/cloudscheduler.js (runs dist/
// only when it matches, so a stale build never runs old code). Plain JavaScript: it must run
// before anything is compiled.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const DIST = join(ROOT, "dist");
export const BUILD_INFO = join(DIST, "build-info.json");
export const BUILD_INFO_FILE = "build-info.json";

/** Size, time and hash of a file (path from `root`), as the build records it. */
export function fingerprint(file, root = ROOT) {
  const path = join(root, file);
  const { size, mtimeMs } = statSync(path);
  return { size, mtimeMs, sha1: sha1(path) };
}

function sha1(path) {
  return createHash("sha1").update(readFileSync(path)).digest("hex");
}

/**
 * Why dist/ cannot be run (a sentence), or undefined when every file it was built from is as it
 * was (a file the build did not read cannot change it; a new file matters only through an
 * import, i.e. through a changed file). Sizes and times decide for unchanged files; a file whose
 * time changed is hashed, so a checkout that only touched it does not count as a change.
 */
export function staleReason(buildInfo = BUILD_INFO, root = ROOT) {
  let info;
  try {
    info = JSON.parse(readFileSync(buildInfo, "utf8"));
  } catch (err) {
    return err.code === "ENOENT" ? "there is no build in dist/" : `${buildInfo}: ${err}`;
  }
  for (const [file, before] of Object.entries(info.files ?? {})) {
    let now;
    try {
      now = statSync(join(root, file));
    } catch {
      return `${file} is gone since the build`;
    }
    if (now.size !== before.size) return `${file} changed since the build`;
    if (now.mtimeMs !== before.mtimeMs && sha1(join(root, file)) !== before.sha1)
      return `${file} changed since the build`;
  }
  return undefined;
}
