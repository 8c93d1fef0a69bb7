// The Pulumi CLI with exactly the environment we choose. The Automation API runs the CLI with
// our whole environment plus its own variables (execa's extendEnv), so an OS_PASSWORD or a
// second cloud's secret would reach the CLI and every plugin it starts. This wraps the CLI's
// one entry point (PulumiCommand.run, which LocalWorkspace and Stack call for every command)
// with a spawn that passes only the allow-listed variables (secrets/child-env.ts).
import { spawn } from "node:child_process";
import { delimiter, dirname, isAbsolute } from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation/index.js";

type Output = ((data: string) => void) | undefined;

/** The Automation API's (internal, stable since 3.x) shape of a CLI run. */
interface Runner {
  run(
    args: string[],
    cwd: string,
    additionalEnv: Record<string, string>,
    onOutput?: Output,
    onError?: Output,
    signal?: AbortSignal,
  ): Promise<unknown>;
}

interface AutomationInternals {
  CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown;
  createCommandError(result: unknown): Error;
}

async function internals(): Promise<AutomationInternals> {
  const cmd = (await import("@pulumi/pulumi/automation/cmd.js")) as unknown as {
    CommandResult: AutomationInternals["CommandResult"];
  };
  const errors = (await import("@pulumi/pulumi/automation/errors.js")) as unknown as {
    createCommandError: AutomationInternals["createCommandError"];
  };
  return { CommandResult: cmd.CommandResult, createCommandError: errors.createCommandError };
}

/**
 * `cli` whose every run sees `baseEnv` plus the variables the Automation API adds for that run
 * (backend URL, passphrase, PULUMI_HOME), and nothing else of this process's environment.
 */
export async function isolatedPulumiCommand(
  cli: PulumiCommand,
  baseEnv: Record<string, string>,
): Promise<PulumiCommand> {
  const { CommandResult, createCommandError } = await internals();
  const runner: Runner = {
    run(args, cwd, additionalEnv, onOutput, onError, signal) {
      // As the Automation API does: never prompt; the install's own plugins first on PATH.
      const argv = args.includes("--non-interactive") ? args : [...args, "--non-interactive"];
      const env: Record<string, string> = {
        ...baseEnv,
        ...additionalEnv,
        PULUMI_AUTOMATION_API: "true",
      };
      if (isAbsolute(cli.command)) {
        env.PATH = `${dirname(cli.command)}${delimiter}${additionalEnv.PATH ?? baseEnv.PATH ?? ""}`;
      }
      return new Promise((resolve, reject) => {
        const child = spawn(cli.command, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (data: string) => {
          stdout += data;
          onOutput?.(data);
        });
        child.stderr.setEncoding("utf8").on("data", (data: string) => {
          stderr += data;
          onError?.(data);
        });
        const abort = () => child.kill("SIGINT");
        signal?.addEventListener("abort", abort, { once: true });
        child.once("error", (err) => {
          signal?.removeEventListener("abort", abort);
          reject(createCommandError(new CommandResult("", err.message, -2, err)));
        });
        child.once("close", (code) => {
          signal?.removeEventListener("abort", abort);
          const result = new CommandResult(stdout, stderr, code ?? -2);
          if (code === 0) resolve(result);
          else reject(createCommandError(result));
        });
      });
    },
  };
  // Everything else (command, version) is the real CLI's.
  return Object.assign(Object.create(cli) as PulumiCommand, runner);
}
