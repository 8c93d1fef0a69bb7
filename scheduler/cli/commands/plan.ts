// `cloudscheduler plan [dir]`: one dry cycle. Asks HTCondor, reads the pool files, runs the
// planner and prints what it would boot, drain and delete, and why. Changes nothing.
import type { Command } from "commander";
import { OPERATOR_SETTINGS } from "../../config/operator-settings.js";
import type { PlanOptions } from "../actions/plan.js";
import type { CommandContext } from "../context.js";

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
      const { planCommand } = await import("../actions/plan.js");
      ctx.setExitCode(await planCommand(dir, opts, ctx));
    });
}
