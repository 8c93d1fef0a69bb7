// The `cloudscheduler` command line.
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/problem.js";
import { COMMANDS } from "./commands/index.js";
import type { CommandContext } from "./context.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./exit-codes.js";
import { type Output, processOutput } from "./output.js";

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command("cloudscheduler")
    .description(
      "Boots OpenStack worker VMs for idle HTCondor jobs and retires them when the queue empties.\n" +
        "Clouds, quotas and VM types live in a git config repo (cloudscheduler.yaml).",
    )
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.output.out(s), writeErr: (s) => ctx.output.err(s) });
  for (const register of COMMANDS) register(program, ctx);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit code (0 ok, 1 failure, 2 usage or invalid config). */
export async function main(
  argv: string[],
  output: Output = processOutput,
  env = process.env,
): Promise<number> {
  let exitCode = EXIT_OK;
  const ctx: CommandContext = {
    output,
    env,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    output.err(`cloudscheduler: ${err instanceof Error ? err.message : String(err)}`);
    // Bad input (arguments, a config file) is the user's to fix: exit 2, as for a usage error.
    return err instanceof UsageError || err instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE;
  }
  return exitCode;
}
