// Finds the Pulumi CLI before the first stack operation, so a missing CLI is one clear error
// (PulumiNotInstalledError, saying how to install it) instead of a failure per cloud.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { basename, delimiter, dirname, join } from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { classifyDeployError, PulumiNotInstalledError } from "./errors.js";

/** The pulumi executable to use: $PULUMI_HOME/bin/pulumi first, then PATH; undefined if none. */
export async function findPulumiCli(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const candidates: string[] = [];
  if (env.PULUMI_HOME) candidates.push(join(env.PULUMI_HOME, "bin", "pulumi"));
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir !== "") candidates.push(join(dir, "pulumi"));
  }
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The Automation API's handle on the CLI, checked (version) once. Throws PulumiNotInstalledError
 * when there is none or it is too old.
 */
export async function loadPulumiCommand(env: NodeJS.ProcessEnv): Promise<PulumiCommand> {
  const cli = await findPulumiCli(env);
  if (cli === undefined) {
    throw new PulumiNotInstalledError({
      detail: `no pulumi executable in ${env.PULUMI_HOME ? "$PULUMI_HOME/bin or " : ""}PATH`,
    });
  }
  const { PulumiCommand } = await import("@pulumi/pulumi/automation/index.js");
  // An install laid out as <root>/bin/pulumi is used by absolute path (its bundled plugins come
  // first on PATH); anything else is run as "pulumi" from PATH, where we just found it.
  const bin = dirname(cli);
  const root = basename(bin) === "bin" ? dirname(bin) : undefined;
  try {
    return await PulumiCommand.get({
      root,
      skipVersionCheck: env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK === "true",
    });
  } catch (err) {
    const classified = classifyDeployError(err);
    if (classified instanceof PulumiNotInstalledError) throw classified;
    throw new PulumiNotInstalledError({
      detail: `${cli} version failed: ${classified.detail ?? ""}`,
      cause: err,
    });
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
