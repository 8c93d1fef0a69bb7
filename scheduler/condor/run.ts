// Runs one HTCondor tool. No shell (arguments are an array: nothing a job or config says is ever
// interpreted by a shell), our own timeout (a hung schedd takes ~20 s to fail by itself) that
// kills the tool's whole process group, a cap on output size, and stdout streamed to a consumer
// so a large answer is never buffered whole.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { condorEnv } from "../secrets/child-env.js";
import { classifyFailure } from "./classify.js";
import {
  CondorCommandError,
  CondorNotInstalledError,
  CondorTimeoutError,
  stderrExcerpt,
} from "./errors.js";

export type CondorTool =
  | "condor_q"
  | "condor_status"
  | "condor_drain"
  | "condor_off"
  | "condor_token_create"
  | "condor_config_val"
  | "condor_reconfig";

export interface RunOptions {
  /**
   * Where the tools are (the operator's --condor-bin): one directory, or several joined by ':'
   * like PATH, since HTCondor puts some tools in bin/ (condor_q) and others in sbin/ (condor_off,
   * condor_reconfig). Default: PATH.
   */
  binDir?: string;
  /** Kill the tool after this long. */
  timeoutMs: number;
  /** Largest stdout accepted, in bytes; default DEFAULT_MAX_OUTPUT_BYTES. */
  maxOutputBytes?: number;
  /**
   * Environment of the tool; default: this process's, through the HTCondor allow-list (no cloud
   * or Pulumi secret reaches a condor tool: secrets/child-env.ts).
   */
  env?: NodeJS.ProcessEnv;
  /** The machine a drain/off is aimed at, so "can't find" can name it. */
  machine?: string;
}

/** 100k full job ads are ~250 MB; projected ~65 MB. Past this, something is wrong. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024 * 1024;
/** stderr kept for error messages (only an excerpt is ever shown). */
const MAX_STDERR_BYTES = 64 * 1024;

/** Reads stdout as it arrives; its result is returned if the tool succeeds. */
export type StdoutConsumer<T> = (stdout: AsyncIterable<Buffer>) => Promise<T>;

/** The command line as a human would type it, for messages (arguments JSON-quoted if needed). */
export function formatCommand(tool: string, args: readonly string[]): string {
  return [
    tool,
    ...args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))),
  ].join(" ");
}

/** A consumer that keeps stdout as text (small answers: condor_drain, condor_off). */
export function collectText(maxBytes = 64 * 1024): StdoutConsumer<string> {
  return async (stdout) => {
    const pieces: Buffer[] = [];
    let size = 0;
    for await (const chunk of stdout) {
      if (size < maxBytes) pieces.push(chunk.subarray(0, maxBytes - size));
      size += chunk.length;
    }
    return Buffer.concat(pieces).toString("utf8");
  };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** The first executable `tool` in the ':'-separated `dirs` (else the first dir's, to fail on). */
function locate(tool: string, dirs: string): string {
  const candidates = dirs
    .split(":")
    .filter((dir) => dir !== "")
    .map((dir) => path.join(dir, tool));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next directory
    }
  }
  return candidates[0] ?? tool;
}

/**
 * Runs `tool args...` and feeds its stdout to `consume`. Throws CondorNotInstalledError,
 * CondorTimeoutError, CondorCommandError (incl. output over the cap), the classified failure of
 * a non-zero exit (CondorUnavailableError, CondorPermissionError...), or what `consume` threw
 * (e.g. CondorParseError) — in that order of precedence, so a failed tool is never reported as
 * a parse problem of its partial output.
 */
export async function runTool<T>(
  tool: CondorTool,
  args: readonly string[],
  options: RunOptions,
  consume: StdoutConsumer<T>,
): Promise<T> {
  const command = formatCommand(tool, args);
  const executable = options.binDir === undefined ? tool : locate(tool, options.binDir);
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;

  const child = spawn(executable, [...args], {
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so the timeout can kill the tool and anything it started.
    detached: true,
    shell: false,
    env: options.env ?? condorEnv(process.env),
  });
  const stdout = child.stdout as Readable;
  const stderrStream = child.stderr as Readable;

  let spawnError: NodeJS.ErrnoException | undefined;
  let timedOut = false;
  let overflowed = false;
  let stdoutBytes = 0;

  const killGroup = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };

  let stderr = "";
  let stderrBytes = 0;
  stderrStream.on("data", (chunk: Buffer) => {
    if (stderrBytes < MAX_STDERR_BYTES)
      stderr += chunk.subarray(0, MAX_STDERR_BYTES - stderrBytes).toString("utf8");
    stderrBytes += chunk.length;
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      spawnError = error;
      stdout.destroy();
      resolve({ code: null, signal: null });
    });
    child.once("close", (code, signal) => resolve({ code, signal }));
  });

  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);

  async function* counted(): AsyncGenerator<Buffer> {
    // destroyOnReturn: false — if the consumer stops early, the rest is drained below instead of
    // breaking the pipe, so the tool's own exit status still decides what went wrong.
    for await (const chunk of stdout.iterator({
      destroyOnReturn: false,
    }) as AsyncIterable<Buffer>) {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxOutput) {
        overflowed = true;
        killGroup();
        return;
      }
      yield chunk;
    }
  }

  const consumed: Promise<Settled<T>> = consume(counted()).then(
    (value) => ({ ok: true, value }),
    (error: unknown) => {
      stdout.resume();
      return { ok: false, error };
    },
  );

  try {
    const [result, exit] = await Promise.all([consumed, exited]);
    if (spawnError !== undefined) {
      if (spawnError.code === "ENOENT") {
        throw new CondorNotInstalledError(tool, options.binDir ?? "PATH");
      }
      throw new CondorCommandError(
        command,
        `cannot run ${executable}: ${spawnError.code ?? spawnError.message}`,
        "",
      );
    }
    if (timedOut) throw new CondorTimeoutError(command, options.timeoutMs);
    if (overflowed) {
      throw new CondorCommandError(
        command,
        `output larger than ${maxOutput} bytes; killed`,
        stderrExcerpt(stderr),
      );
    }
    if (exit.code !== 0) {
      throw classifyFailure({
        command,
        exitCode: exit.code,
        signal: exit.signal,
        stderr,
        ...(options.machine === undefined ? {} : { machine: options.machine }),
      });
    }
    if (!result.ok) throw result.error;
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}
