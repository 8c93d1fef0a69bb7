// `cloudscheduler init [dir]`: scaffolds a config repo and makes its first commit.
import type { Command } from "commander";
import type { CommandContext } from "../context.js";

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command("init")
    .description(
      "create a config repo: commented cloudscheduler.yaml, pool/, README, .gitignore, git init + first commit",
    )
    .argument("[dir]", "directory to create the repo in", ".")
    .option("--force", "write into a non-empty directory (overwrites the scaffold's files)")
    .option("--json", "print the result as JSON")
    .action(async (dir: string, opts: { force?: boolean; json?: boolean }) => {
      const { initCommand } = await import("../actions/init.js");
      await initCommand(dir, opts, ctx);
    });
}
