// `cloudscheduler sandbox` (and `npm start`): the whole loop on a fresh machine without
// credentials: the real scheduler daemon against two simulated clouds and the demo jobs, with a
// live status screen; ends when every job is done and every worker retired.
import type { Command } from "commander";
import type { SandboxOptions } from "../actions/sandbox.js";
import type { CommandContext } from "../context.js";

export function registerSandbox(program: Command, ctx: CommandContext): void {
  program
    .command("sandbox")
    .description(
      "watch the scheduler boot, use and retire workers on two simulated clouds (no credentials needed)",
    )
    .option("--speed <n>", "simulated seconds per real second", "60")
    .option("--cycles <n>", "stop after this many cycles")
    .option("--seed <n>", "seed of simulated boot times", "1")
    .option(
      "--listen <host:port>",
      "also serve the dashboard, /metrics and /api/status there while the sandbox runs (e.g. 127.0.0.1:8787)",
    )
    .action(async (opts: SandboxOptions) => {
      const { sandboxCommand } = await import("../actions/sandbox.js");
      ctx.setExitCode(await sandboxCommand(opts, ctx));
    });
}
