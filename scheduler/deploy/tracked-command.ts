// The Pulumi CLI as the Automation API runs it, with exactly the environment we choose (the
// SDK would pass our whole environment, secrets included, to the CLI and every plugin: only
// the allow-listed variables of secrets/child-env.ts go), and two additions crash recovery needs:
// each engine runs in its own process group (the CLI, its language host and provider plugins),
// which is stopped as a whole when the operation is aborted or ends, so no provider outlives
// its deploy; and each operation on a stack is recorded in the state directory while it runs
// (engine-runs.ts), so a scheduler killed mid-deploy finds, after a restart, the stack to
// recover and any engine process still running.
//
// It stands in for the SDK's PulumiCommand, whose run() (internal to the SDK, used by
// LocalWorkspace and Stack) it reimplements the same way: --non-interactive, the CLI's own
// directory first on PATH, PULUMI_AUTOMATION_API=true, and the SDK's own error classes.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { delimiter, dirname, isAbsolute } from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import type { EngineRun, EngineRuns } from "./engine-runs.js";
import { descendants, isPulumiProcess, signalGroup } from "./processes.js";

/** After an abort, how long the engine gets to stop cleanly (SIGINT) before SIGKILL. */
const ABORT_GRACE_MS = 60_000;
/** How often the CLI's child processes are looked up and recorded while it runs. */
const CHILDREN_EVERY_MS = 2_000;

interface SdkInternals {
  CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown;
  createCommandError: (result: unknown) => Error;
}

function sdkInternals(): SdkInternals | undefined {
  const require = createRequire(import.meta.url);
  try {
    const cmd = require("@pulumi/pulumi/automation/cmd.js") as Partial<SdkInternals>;
    const errors = require("@pulumi/pulumi/automation/errors.js") as Partial<SdkInternals>;
    if (
      typeof cmd.CommandResult === "function" &&
      typeof errors.createCommandError === "function"
    ) {
      return { CommandResult: cmd.CommandResult, createCommandError: errors.createCommandError };
    }
  } catch {
    // fall through
  }
  return undefined;
}

type Run = (
  args: string[],
  cwd: string,
  additionalEnv: Record<string, string>,
  onOutput?: (data: string) => void,
  onError?: (data: string) => void,
  signal?: AbortSignal,
) => Promise<unknown>;

function kill(pid: number): boolean {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/**
 * `cli` with tracked, grouped engine processes; `cli` itself when this SDK version does not
 * have the internals it needs (then a crash leaves a lock that recovery still clears).
 */
export function trackedPulumiCommand(
  cli: PulumiCommand,
  runs: EngineRuns,
  /** The only variables of ours the CLI sees (plus those the Automation API adds per run). */
  baseEnv: Readonly<Record<string, string | undefined>>,
): PulumiCommand {
  const sdk = sdkInternals();
  if (!sdk) return cli;
  const run: Run = (args, cwd, additionalEnv, onOutput, onError, signal) => {
    const argv = args.includes("--non-interactive") ? [...args] : [...args, "--non-interactive"];
    const env: Record<string, string | undefined> = {
      ...baseEnv,
      ...additionalEnv,
      PULUMI_AUTOMATION_API: "true",
    };
    if (isAbsolute(cli.command)) {
      env.PATH = `${dirname(cli.command)}${delimiter}${additionalEnv.PATH ?? baseEnv.PATH ?? ""}`;
    }
    const stackAt = argv.indexOf("--stack");
    const stack = stackAt >= 0 ? argv[stackAt + 1] : undefined;
    return new Promise((resolve, reject) => {
      const child = spawn(cli.command, argv, {
        cwd,
        env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const pid = child.pid;
      let run: EngineRun | undefined;
      if (pid !== undefined && stack !== undefined) run = runs.start(stack, pid, argv[0] ?? "");
      // Plugins may run in process groups of their own: remember them to stop them later.
      let seen: number[] = [];
      const watch =
        pid === undefined
          ? undefined
          : setInterval(() => {
              seen = descendants(pid);
              if (run) runs.update(run, seen);
            }, CHILDREN_EVERY_MS);
      watch?.unref();
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        const text = chunk.toString();
        stdout += text;
        onOutput?.(text);
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        const text = chunk.toString();
        stderr += text;
        onError?.(text);
      });
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (pid === undefined) return;
        // The CLI alone, as the SDK does: it cancels cleanly, letting in-flight resource
        // operations finish (its providers must not be interrupted under it).
        try {
          process.kill(pid, "SIGINT");
        } catch {
          // already gone
        }
        killTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), ABORT_GRACE_MS);
        killTimer.unref();
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      let settled = false;
      const settle = (code: number, err?: Error) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        if (killTimer) clearTimeout(killTimer);
        if (watch) clearInterval(watch);
        if (run) runs.finish(run);
        const result = new sdk.CommandResult(stdout, err ? err.message : stderr, code, err);
        if (code === 0) resolve(result);
        else reject(sdk.createCommandError(result));
      };
      let exitCode = -2;
      // The CLI is gone: whatever it left in its group (a provider it did not stop) goes with
      // it, which also closes the pipes those processes held open.
      child.once("exit", (code, signalName) => {
        exitCode = code ?? (signalName ? 128 : -2);
        if (pid !== undefined) signalGroup(pid, "SIGKILL");
        for (const leftover of [...seen, ...(run?.children ?? [])]) {
          if (isPulumiProcess(leftover)) signalGroup(leftover, "SIGKILL") || kill(leftover);
        }
      });
      child.once("error", (err) => settle(-2, err));
      child.once("close", () => settle(exitCode));
    });
  };
  return Object.assign(Object.create(Object.getPrototypeOf(cli) as object) as object, cli, {
    run,
  }) as PulumiCommand;
}
