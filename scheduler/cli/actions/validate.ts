// The work of `cloudscheduler validate` (scheduler/cli/commands/validate.ts registers it).
import { loadConfigDir } from "../../config/load.js";
import { ConfigError } from "../../config/problem.js";
import type { CommandContext } from "../context.js";
import { EXIT_OK, EXIT_USAGE } from "../exit-codes.js";

export async function validateCommand(
  dir: string,
  opts: { json?: boolean },
  ctx: CommandContext,
): Promise<void> {
  try {
    const config = await loadConfigDir(dir);
    const summary = {
      valid: true,
      clouds: Object.keys(config.clouds),
      vm_types: Object.keys(config.vm_types),
      images: Object.keys(config.images),
    };
    if (opts.json) ctx.output.out(JSON.stringify(summary, null, 2));
    else
      ctx.output.out(
        `${dir}: valid (${summary.clouds.length} clouds: ${summary.clouds.join(", ")}; ${summary.vm_types.length} VM types: ${summary.vm_types.join(", ")})`,
      );
    ctx.setExitCode(EXIT_OK);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (opts.json)
      ctx.output.out(JSON.stringify({ valid: false, problems: err.problems }, null, 2));
    else ctx.output.err(err.message);
    ctx.setExitCode(EXIT_USAGE);
  }
}
