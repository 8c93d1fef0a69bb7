// `cloudscheduler simulate --trace <file>`: replays a workload trace through the real scheduler
// cycle against simulated clouds and a simulated HTCondor, in simulated time, next to two
// baselines; prints the policy table and writes report.json + report.html. Progress on stderr.
import type { Command } from "commander";
import type { SimulateOptions } from "../actions/simulate.js";
import type { CommandContext } from "../context.js";

export function registerSimulate(program: Command, ctx: CommandContext): void {
  program
    .command("simulate")
    .description(
      "replay a job trace through the scheduler against simulated clouds; compare with baselines",
    )
    .requiredOption("--trace <file>", "SWF (.swf, .swf.gz) or job file (.yaml, .json, .jsonl)")
    .option(
      "--config <dir>",
      "config dir holding cloudscheduler.yaml (default: the bundled 2-cloud trace site)",
    )
    .option("--speed <n>", "simulated seconds per real second (default: as fast as possible)")
    .option("--out <dir>", "where report.json and report.html go", "sim-report")
    .option("--seed <n>", "seed of boot times and failures", "1")
    .option("--json", "print the report as JSON instead of the table")
    .option(
      "--procs-per-core <n>",
      "SWF processors per VM core; auto: the smallest power of two at which the largest job fits the largest VM type",
      "auto",
    )
    .option("--jobs <n>", "replay only the first n jobs of the trace")
    .option(
      "--pulumi-every <n>",
      "run the pool Pulumi program under mocks for 1 in n deploys (0: never)",
      "50",
    )
    .option(
      "--condor-json-every <n>",
      "print and parse HTCondor's JSON for 1 in n observations, checked equal to the records the others build directly",
      "25",
    )
    .action(async (opts: SimulateOptions) => {
      const { simulateCommand } = await import("../actions/simulate.js");
      ctx.setExitCode(await simulateCommand(opts, ctx));
    });
}
