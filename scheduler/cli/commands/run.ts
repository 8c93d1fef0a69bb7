// `cloudscheduler run [dir]`: the daemon. Logs JSON lines to stderr; SIGTERM/SIGINT stop it after
// the cycle in flight.
import type { Command } from "commander";
import { IDENTITY_ENV, OPERATOR_SETTINGS } from "../../config/operator-settings.js";
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
    .option(
      `${OPERATOR_SETTINGS.condorBinDir.flag} <dir>`,
      `absolute directory of the HTCondor tools (default: $${OPERATOR_SETTINGS.condorBinDir.env}, else PATH)`,
    )
    .option(
      `${OPERATOR_SETTINGS.backendUrl.flag} <url>`,
      `Pulumi state backend (default: $${OPERATOR_SETTINGS.backendUrl.env}, else a file backend in the state dir)`,
    )
    .option(
      `${OPERATOR_SETTINGS.secretsProvider.flag} <provider>`,
      `Pulumi secrets provider (default: $${OPERATOR_SETTINGS.secretsProvider.env}, else passphrase)`,
    )
    .addHelpText(
      "after",
      "\nNeeds: the HTCondor tools (condor_q, condor_status, condor_drain, condor_off,\n" +
        "condor_token_create, condor_config_val, condor_reconfig) on PATH or --condor-bin; the\n" +
        "worker-token signing key ($" +
        IDENTITY_ENV.signingKey +
        ", default cloudscheduler-workers, in $" +
        IDENTITY_ENV.keyDirectory +
        "\nor HTCondor's SEC_PASSWORD_DIRECTORY); the Pulumi CLI; OpenStack credentials in\n" +
        "clouds.yaml/secure.yaml (not readable by others); and PULUMI_CONFIG_PASSPHRASE (or _FILE)\n" +
        "for the pool stacks' secrets. These are the operator's: the committed config cannot set them.\n" +
        "State (Pulumi stacks, status.json, lifecycle.json, the owner tag) goes to\n" +
        "$CLOUDSCHEDULER_STATE_DIR or <dir>/../.cloudscheduler. Worker servers are tagged with the\n" +
        "owner tag ($CLOUDSCHEDULER_OWNER to set it); only servers carrying it are ever swept.\n" +
        "Exit status with --once: 0 when the cycle succeeded, 1 when it failed, 2 for bad usage or config.",
    )
    .action(async (dir: string, opts: RunOptions) => {
      const { runCommand } = await import("../actions/run.js");
      ctx.setExitCode(await runCommand(dir, opts, ctx));
    });
}
