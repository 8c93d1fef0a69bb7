// The work of `cloudscheduler init` (scheduler/cli/commands/init.ts registers it).
import { resolve } from "node:path";
import { parseConfig } from "../../config/load.js";
import { initConfigRepo } from "../../config/repo-git.js";
import {
  DirectoryNotEmptyError,
  readBundledExample,
  writeScaffold,
} from "../../config/scaffold.js";
import type { CommandContext } from "../context.js";
import { EXIT_OK, UsageError } from "../exit-codes.js";

export async function initCommand(
  dir: string,
  opts: { force?: boolean; json?: boolean },
  ctx: CommandContext,
): Promise<void> {
  const example = await readBundledExample();
  // The scaffold must pass `validate` from its first commit.
  parseConfig(example, "cloudscheduler.yaml (bundled example)");
  let files: string[];
  try {
    files = await writeScaffold(dir, example, { force: opts.force });
  } catch (err) {
    if (err instanceof DirectoryNotEmptyError) throw new UsageError(err.message);
    throw err;
  }
  const repo = await initConfigRepo(dir, files, ctx.env);
  const summary = { dir: resolve(dir), files, ...repo };
  if (opts.json) {
    ctx.output.out(JSON.stringify(summary, null, 2));
  } else {
    const lines = [
      `Created a cloudscheduler config repo in ${summary.dir} (branch ${repo.branch}, commit ${repo.commit}):`,
      ...files.map((f) => `  ${f}`),
    ];
    if (repo.identitySet)
      lines.push(
        "No git identity was configured: this repo commits as 'cloudscheduler <cloudscheduler@localhost>' (git config user.name/user.email to change).",
      );
    lines.push(
      "",
      "Next steps:",
      `  1. Edit ${dir}/cloudscheduler.yaml: your clouds (each names a clouds.yaml entry), quotas, VM types.`,
      "  2. Put credentials in ~/.config/openstack/clouds.yaml and secure.yaml, never in this repo.",
      `  3. cloudscheduler validate ${dir}`,
      '  4. git commit -am "..." and push to the remote the scheduler watches.',
    );
    ctx.output.out(lines.join("\n"));
  }
  ctx.setExitCode(EXIT_OK);
}
