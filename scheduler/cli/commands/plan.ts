// `cloudscheduler plan [dir]`: one dry cycle. Asks HTCondor, reads the pool files, runs the
// planner and prints what it would boot, drain and delete, and why. Changes nothing.
import type { Command } from "commander";
import { CommandLineCondor } from "../../condor/client.js";
import { loadConfigDir } from "../../config/load.js";
import {
  OPERATOR_SETTINGS,
  OperatorSettingError,
  resolveOperatorSettings,
} from "../../config/operator-settings.js";
import { ConfigError } from "../../config/problem.js";
import { describePlan } from "../../plan/describe.js";
import { plan } from "../../plan/plan.js";
import { listPoolClouds, readPoolFile } from "../../pool/store.js";
import type { PoolWorker } from "../../pool/types.js";
import type { CommandContext } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";

interface PlanOptions {
  json?: boolean;
  now?: string;
  condorBin?: string;
}

export function registerPlan(program: Command, ctx: CommandContext): void {
  program
    .command("plan")
    .description(
      "one dry cycle: what the scheduler would boot, drain and delete now, and why (changes nothing)",
    )
    .argument("[dir]", "config repo working tree (holds cloudscheduler.yaml and pool/)", ".")
    .option("--json", "print the plan as JSON")
    .option(
      "--now <unix-seconds>",
      "plan as of this time instead of the clock (reproducible plans)",
    )
    .option(
      `${OPERATOR_SETTINGS.condorBinDir.flag} <dir>`,
      `absolute directory of condor_q and condor_status (default: $${OPERATOR_SETTINGS.condorBinDir.env}, else PATH)`,
    )
    .action(async (dir: string, opts: PlanOptions) => {
      ctx.setExitCode(await planCommand(dir, opts, ctx));
    });
}

async function planCommand(dir: string, opts: PlanOptions, ctx: CommandContext): Promise<number> {
  let config: Awaited<ReturnType<typeof loadConfigDir>>;
  try {
    config = await loadConfigDir(dir);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ctx.output.err(err.message);
    return EXIT_USAGE;
  }
  const now = opts.now === undefined ? Math.floor(Date.now() / 1000) : Number(opts.now);
  if (!Number.isInteger(now) || now < 0) {
    ctx.output.err(
      `cloudscheduler plan: --now expects whole unix seconds, got ${JSON.stringify(opts.now)}`,
    );
    return EXIT_USAGE;
  }
  let binDir: string | undefined;
  try {
    binDir = resolveOperatorSettings(ctx.env, { condorBin: opts.condorBin }).condorBinDir;
  } catch (err) {
    if (!(err instanceof OperatorSettingError)) throw err;
    ctx.output.err(`cloudscheduler plan: ${err.message}`);
    return EXIT_USAGE;
  }
  const untrusted: string[] = [];
  const condor = new CommandLineCondor(config.condor, {
    env: ctx.env,
    ...(binDir === undefined ? {} : { binDir }),
    onUntrustedSlot: ({ reason }) => untrusted.push(reason),
  });
  try {
    const [jobs, workers] = await Promise.all([condor.jobs(), condor.workers()]);
    const pools: Record<string, PoolWorker[]> = {};
    const clouds = new Set([...Object.keys(config.clouds), ...(await listPoolClouds(dir))]);
    for (const cloud of [...clouds].sort())
      pools[cloud] = (await readPoolFile(dir, cloud))?.workers ?? [];
    const result = plan({ config, jobs, workers, pools, now, unavailableClouds: new Set() });
    if (opts.json)
      ctx.output.out(
        JSON.stringify({ now, jobs: jobs.length, workers: workers.length, ...result }, null, 2),
      );
    else
      ctx.output.out(
        `${jobs.length} jobs, ${workers.length} workers observed\n${describePlan(result)}`,
      );
    for (const reason of untrusted) ctx.output.err(`ignored [untrusted-ad]: ${reason}`);
    return EXIT_OK;
  } catch (err) {
    ctx.output.err(`cloudscheduler plan: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_FAILURE;
  }
}
