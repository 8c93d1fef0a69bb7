// `cloudscheduler status [dir] [-m] [--watch [s]] [--json] [--url URL]`: what the running
// scheduler sees and decided, from its status file (same machine) or its JSON API.
import { resolveStateDir } from "../../deploy/workspace-settings.js";
import { systemClock } from "../../run/daemon.js";
import { StatusUnavailableError } from "../../status/errors.js";
import { formatStatus } from "../../status/format-text.js";
import { fileSource, type SnapshotSource, urlSource } from "../../status/read.js";
import type { StatusSnapshot } from "../../status/schema.js";
import { watchStatus } from "../../status/watch-loop.js";
import type { CommandContext } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";

export interface StatusOptions {
  machines?: boolean;
  watch?: string | true;
  json?: boolean;
  url?: string;
}

export async function statusCommand(
  dir: string,
  opts: StatusOptions,
  ctx: CommandContext,
): Promise<number> {
  let read: SnapshotSource;
  try {
    read = opts.url
      ? urlSource(new URL(opts.url).toString())
      : fileSource(resolveStateDir(dir, ctx.env));
  } catch {
    ctx.output.err(
      `cloudscheduler status: --url ${JSON.stringify(opts.url)} is not a URL (e.g. http://127.0.0.1:8787)`,
    );
    return EXIT_USAGE;
  }
  const render = (s: StatusSnapshot) =>
    opts.json
      ? `${JSON.stringify(s, null, 2)}\n`
      : formatStatus(s, { machines: Boolean(opts.machines) });

  if (opts.watch !== undefined) {
    const seconds = opts.watch === true ? 5 : Number(opts.watch);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      ctx.output.err(
        `cloudscheduler status: --watch ${opts.watch}: expected a number of seconds > 0`,
      );
      return EXIT_USAGE;
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    try {
      await watchStatus({
        read,
        render,
        write: (text) => process.stdout.write(text),
        tty: Boolean(process.stdout.isTTY),
        intervalMs: seconds * 1000,
        signal: controller.signal,
        sleep: systemClock.sleep,
      });
    } finally {
      process.off("SIGINT", stop);
    }
    return EXIT_OK;
  }

  try {
    ctx.output.out(render(await read()));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof StatusUnavailableError) {
      ctx.output.err(`cloudscheduler status: ${err.message}`);
      return EXIT_FAILURE;
    }
    throw err;
  }
}
