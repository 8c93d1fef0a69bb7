// `cloudscheduler run [dir]`: the daemon. Logs JSON lines to stderr; SIGTERM/SIGINT stop it after
// the cycle in flight.
import type { Command } from "commander";
import type { RunOptions } from "../actions/run.js";
import type { CommandContext } from "../context.js";

export function registerRun(program: Command, ctx: CommandContext): void {
  program
    .command("run")
    .description(
      "run the scheduler: every cycle, boot workers for idle jobs and retire idle workers",
    )
    .argument("[dir]", "config repo working tree (holds cloudscheduler.yaml and pool/)", ".")
    .option("--once", "run one cycle and exit")
    .option("--push", "push pool commits to the config repo's remote")
    .option(
      "--sync-interval <seconds>",
      "seconds between `git pull`s of the config repo (0: never)",
      "60",
    )
    .option("--log-level <level>", "trace, debug, info, warn or error", "info")
    .option(
      "--listen <host:port>",
      "serve the dashboard, /metrics, /healthz, /readyz here (default 127.0.0.1:8787; not with --once)",
    )
    .option("--no-listen", "serve no status over HTTP (status.json is still written)")
    .addHelpText(
      "after",
      "\nNeeds: the HTCondor tools (condor_q, condor_status, condor_drain, condor_off) on PATH or\n" +
        "condor.bin_dir; the Pulumi CLI; OpenStack credentials in clouds.yaml/secure.yaml; and\n" +
        "PULUMI_CONFIG_PASSPHRASE (or _FILE) for the pool stacks' secrets.\n" +
        "State (Pulumi stacks, status.json) goes to $CLOUDSCHEDULER_STATE_DIR or <dir>/../.cloudscheduler.",
    )
    .action(async (dir: string, opts: RunOptions) => {
      const { runCommand } = await import("../actions/run.js");
      ctx.setExitCode(await runCommand(dir, opts, ctx));
    });
}
