// `cloudscheduler validate [dir]`: checks a config repo without touching any cloud.
import type { Command } from "commander";
import type { CommandContext } from "../context.js";

export function registerValidate(program: Command, ctx: CommandContext): void {
  program
    .command("validate")
    .description(
      "check cloudscheduler.yaml in a config repo (syntax, schema, references, no credentials)",
    )
    .argument("[dir]", "config repo directory", ".")
    .option("--json", "print the result as JSON")
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { validateCommand } = await import("../actions/validate.js");
      await validateCommand(dir, opts, ctx);
    });
}
