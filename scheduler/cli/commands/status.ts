// `cloudscheduler status [dir] [-m] [--watch [s]] [--json] [--url URL]`: what the running
// scheduler sees and decided, from its status file (same machine) or its JSON API.
import type { Command } from "commander";
import type { StatusOptions } from "../actions/status.js";
import type { CommandContext } from "../context.js";

export function registerStatus(program: Command, ctx: CommandContext): void {
  program
    .command("status")
    .description(
      "show clouds, workers, jobs and the last cycle's decisions of the running scheduler",
    )
    .argument(
      "[dir]",
      "config repo working tree the scheduler runs from (finds its state dir)",
      ".",
    )
    .option("-m, --machines", "list every worker, like classic cloud_status -m")
    .option("--watch [seconds]", "redraw every N seconds (default 5) until Ctrl-C")
    .option("--json", "print the status snapshot as JSON")
    .option("--url <url>", "ask a running daemon's status server (e.g. http://127.0.0.1:8787)")
    .addHelpText(
      "after",
      "\nReads <state dir>/status.json ($CLOUDSCHEDULER_STATE_DIR or <dir>/../.cloudscheduler), which\n" +
        "`cloudscheduler run` rewrites after every cycle, unless --url is given.",
    )
    .action(async (dir: string, opts: StatusOptions) => {
      const { statusCommand } = await import("../actions/status.js");
      ctx.setExitCode(await statusCommand(dir, opts, ctx));
    });
}
