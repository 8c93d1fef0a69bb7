// The personal HTCondor pool of test/htcondor/up.sh as the tests use it: its environment, the
// real condor tools run as root (the scheduler's side) or as the unprivileged submitter, and the
// central manager's daemons by pid (for the tests that restart or freeze one).
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const POOL_DIR = process.env.CS_CONDOR_DIR ?? "/tmp/cs-condor";
export const CM_ADDRESS = "127.0.0.1";
export const POOL_DOMAIN = "cloudscheduler.test";
export const SUBMIT_USER = "csjob";

export interface ToolResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class CondorPool {
  readonly config = join(POOL_DIR, "condor_config");

  constructor(
    /** The HTCondor install prefix (bin/, sbin/, libexec/). */
    readonly prefix: string,
    /** The central manager's port on 127.0.0.1. */
    readonly port = 9618,
  ) {}

  /** CONDOR_HOST as a worker must name it (the port only when it is not HTCondor's own). */
  get condorHost(): string {
    return this.port === 9618 ? CM_ADDRESS : `${CM_ADDRESS}:${this.port}`;
  }

  /** The pool of up.sh, or undefined when its env file or config is missing. */
  static fromEnvironment(): CondorPool | undefined {
    const envFile = join(POOL_DIR, "env.sh");
    if (!existsSync(envFile)) return undefined;
    const text = readFileSync(envFile, "utf8");
    const prefix = /PATH="([^"]+)\/bin:/.exec(text)?.[1];
    const port = Number(/CS_CONDOR_PORT=(\d+)/.exec(text)?.[1] ?? 9618);
    return prefix ? new CondorPool(prefix, port) : undefined;
  }

  /** What the product's condor adapter needs: CONDOR_CONFIG and the tools on PATH. */
  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      CONDOR_CONFIG: this.config,
      PATH: `${this.prefix}/bin:${this.prefix}/sbin:${process.env.PATH ?? ""}`,
    };
  }

  bin(tool: string): string {
    const inBin = join(this.prefix, "bin", tool);
    return existsSync(inBin) ? inBin : join(this.prefix, "sbin", tool);
  }

  /** A condor tool as root (the central manager's administrator); never throws on exit codes. */
  async tool(tool: string, args: string[], timeoutMs = 30_000): Promise<ToolResult> {
    try {
      const { stdout, stderr } = await run(this.bin(tool), args, {
        env: this.env(),
        timeout: timeoutMs,
        maxBuffer: 256 * 1024 * 1024,
      });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number | string };
      return {
        stdout: e.stdout ?? "",
        stderr: e.stderr ?? String(err),
        code: typeof e.code === "number" ? e.code : 1,
      };
    }
  }

  /** A condor tool as the unprivileged submitter, in `cwd` (which it must be able to write). */
  async asSubmitter(tool: string, args: string[], cwd: string): Promise<ToolResult> {
    const quoted = [this.bin(tool), ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`);
    return this.shell("su", [
      SUBMIT_USER,
      "-s",
      "/bin/sh",
      "-c",
      `cd '${cwd}' && ${quoted.join(" ")}`,
    ]);
  }

  /** condor_submit of `submitFile` (in `dir`) as the submitter; returns the cluster id. */
  async submit(dir: string, submitFile: string): Promise<number> {
    const result = await this.asSubmitter("condor_submit", [submitFile], dir);
    const match = /submitted to cluster (\d+)/.exec(result.stdout);
    if (result.code !== 0 || !match?.[1]) {
      throw new Error(`condor_submit ${submitFile}: exit ${result.code}: ${result.stderr}`);
    }
    return Number(match[1]);
  }

  /** The pid of one of the central manager's daemons (a child of its condor_master). */
  daemonPid(daemon: "condor_collector" | "condor_schedd" | "condor_negotiator"): number {
    const master = Number(readFileSync(join(POOL_DIR, "pids", "master"), "utf8"));
    for (const pid of childrenOf(master)) {
      if (commandOf(pid) === daemon) return pid;
    }
    throw new Error(`${daemon}: not running under the central manager's condor_master ${master}`);
  }

  /** Ads of `condor_status <args> -json` as plain objects ([] when it prints nothing). */
  async statusAds(args: string[]): Promise<Record<string, unknown>[]> {
    const result = await this.tool("condor_status", [...args, "-json"]);
    if (result.code !== 0) throw new Error(`condor_status ${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim() === ""
      ? []
      : (JSON.parse(result.stdout) as Record<string, unknown>[]);
  }

  /** Ads of `condor_q -allusers <args> -json`. */
  async queueAds(args: string[] = []): Promise<Record<string, unknown>[]> {
    const result = await this.tool("condor_q", ["-allusers", ...args, "-json"]);
    if (result.code !== 0) throw new Error(`condor_q ${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim() === ""
      ? []
      : (JSON.parse(result.stdout) as Record<string, unknown>[]);
  }

  /** Ads of `condor_history <args> -json`. */
  async historyAds(args: string[] = []): Promise<Record<string, unknown>[]> {
    const result = await this.tool("condor_history", [...args, "-json"]);
    if (result.code !== 0) throw new Error(`condor_history ${args.join(" ")}: ${result.stderr}`);
    const text = result.stdout.trim();
    return text === "" ? [] : (JSON.parse(text) as Record<string, unknown>[]);
  }

  private async shell(cmd: string, args: string[]): Promise<ToolResult> {
    try {
      const { stdout, stderr } = await run(cmd, args, { env: this.env(), timeout: 60_000 });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? "", stderr: e.stderr ?? String(err), code: e.code ?? 1 };
    }
  }
}

/** Direct children of `pid`, from /proc. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (stat?.ppid === pid) children.push(Number(entry));
  }
  return children;
}

function statOf(pid: number): { comm: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const ppid = Number(text.slice(close + 2).split(" ")[1]);
    return { comm, ppid };
  } catch {
    return undefined;
  }
}

/** The process's command name (15 characters at most, as the kernel keeps it). */
export function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]?.split("/").pop();
  } catch {
    return undefined;
  }
}

/** Polls `probe` until it returns a value other than undefined; throws with `what` on timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
