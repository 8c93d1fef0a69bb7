// `cloudscheduler sandbox` (and `npm start`): the whole loop on a fresh machine without
// credentials: the real scheduler daemon against two simulated clouds and the demo jobs, with a
// live status screen; ends when every job is done and every worker retired.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSandbox } from "../../sim/sandbox.js";
import { type ListenAddress, parseListen } from "../../status/listen.js";
import { type StatusService, startStatusService } from "../../status/service.js";
import type { CommandContext } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";

export interface SandboxOptions {
  speed: string;
  cycles?: string;
  seed: string;
  listen?: string;
}

export async function sandboxCommand(opts: SandboxOptions, ctx: CommandContext): Promise<number> {
  const speed = Number(opts.speed);
  const cycles = opts.cycles === undefined ? undefined : Number(opts.cycles);
  const seed = Number(opts.seed);
  if (
    !(speed > 0) ||
    (cycles !== undefined && !(Number.isInteger(cycles) && cycles > 0)) ||
    !Number.isInteger(seed)
  ) {
    ctx.output.err(
      "cloudscheduler sandbox: --speed expects a positive number, --cycles and --seed whole numbers",
    );
    return EXIT_USAGE;
  }
  let listen: ListenAddress | undefined;
  try {
    listen = opts.listen === undefined ? undefined : parseListen(opts.listen, true);
  } catch (err) {
    ctx.output.err(`cloudscheduler sandbox: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_USAGE;
  }
  let service: StatusService | undefined;
  const live = process.stdout.isTTY === true;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  try {
    const result = await runSandbox({
      speed,
      start: Math.floor(Date.now() / 1000),
      seed,
      signal: controller.signal,
      ...(cycles === undefined ? {} : { maxCycles: cycles }),
      ...(listen === undefined
        ? {}
        : {
            status: async (now, backoff) => {
              service = await startStatusService({
                stateDir: mkdtempSync(join(tmpdir(), "cloudscheduler-sandbox-state-")),
                backoff,
                now,
                listen,
              });
              ctx.output.err(`dashboard: http://${listen?.host}:${listen?.port}/`);
              return service;
            },
          }),
      // On a terminal each screen replaces the last; piped, screens follow each other.
      show: (screen) => ctx.output.out(live ? `\x1b[2J\x1b[H${screen}` : `${screen}\n`),
    });
    ctx.output.out(
      [
        "",
        result.finished
          ? `done: ${result.jobsDone}/${result.totalJobs} jobs ran on ${result.boots} worker(s) across ${result.cloudsUsed.join(", ")}; every worker retired after ${result.cycles} cycles.`
          : `stopped after ${result.cycles} cycles: ${result.jobsDone}/${result.totalJobs} jobs done.`,
        `The sandbox's config repo is ${result.dir}; its pool history: git -C ${result.dir} log --stat -- pool/`,
      ].join("\n"),
    );
    return EXIT_OK;
  } catch (err) {
    ctx.output.err(`cloudscheduler sandbox: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_FAILURE;
  } finally {
    await service?.close();
    process.removeListener("SIGINT", stop);
  }
}
