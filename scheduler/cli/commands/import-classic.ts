// `cloudscheduler import-classic <cloud_resources.conf> [cloud_scheduler.conf]`: converts a
// classic CloudScheduler configuration, moving credentials to secure.yaml.
import type { Command } from "commander";
import type { CommandContext } from "../context.js";

export function registerImportClassic(program: Command, ctx: CommandContext): void {
  program
    .command("import-classic")
    .description(
      "convert a classic CloudScheduler cloud_resources.conf (and cloud_scheduler.conf) into cloudscheduler.yaml, clouds.yaml and secure.yaml",
    )
    .argument("<cloud_resources.conf>", "the classic clouds file")
    .argument("[cloud_scheduler.conf]", "the classic daemon config (VM type defaults, policy)")
    .option("--out <dir>", "directory to write the three files to", ".")
    .option("--force", "overwrite existing output files")
    .option("--json", "print the result as JSON (never includes secrets)")
    .action(
      async (
        resourcesFile: string,
        schedulerFile: string | undefined,
        opts: { out: string; force?: boolean; json?: boolean },
      ) => {
        const { importClassicCommand } = await import("../actions/import-classic.js");
        await importClassicCommand(resourcesFile, schedulerFile, opts, ctx);
      },
    );
}
