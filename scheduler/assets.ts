// Files the code reads at run time (templates, the bundled example site, the simulator's trace
// site), found from the repository root. This module sits one level below the root, and so does
// every file of the compiled build (dist/*.js, one flat directory), so "../" is the root either
// way: the build needs no copies of these files.

/** The repository (package) root, as a directory URL. */
export const ROOT_URL = new URL("../", import.meta.url);

/** A file or directory (end it with "/") of the repository, by its path from the root. */
export function assetUrl(path: string): URL {
  return new URL(path, ROOT_URL);
}
