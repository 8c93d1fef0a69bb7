// A stack workspace's Pulumi.yaml, written so that a concurrent reader never sees it half-written.
// LocalWorkspace's own projectSettings option rewrites the file in place (truncate, then write) on
// every workspace it creates: a second deployer opening the workspace while the first one's
// `pulumi up` starts can make that up read an empty project file and fail. Written here once,
// atomically (temp file + rename), and left alone while its content is unchanged.
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ProjectFileSettings {
  name: string;
  runtime: string;
  backendUrl: string;
}

/** The Pulumi.yaml text: JSON-quoted scalars, which YAML reads as the same strings. */
export function projectFileText(settings: ProjectFileSettings): string {
  return [
    `name: ${JSON.stringify(settings.name)}`,
    `runtime: ${JSON.stringify(settings.runtime)}`,
    "backend:",
    `  url: ${JSON.stringify(settings.backendUrl)}`,
    "",
  ].join("\n");
}

/** Makes `<workDir>/Pulumi.yaml` say `settings`; readers see the old file or the new, never a part. */
export async function ensureProjectFile(
  workDir: string,
  settings: ProjectFileSettings,
): Promise<void> {
  const path = join(workDir, "Pulumi.yaml");
  const text = projectFileText(settings);
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === text) return;
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
