// Every subcommand, registered in the order `--help` lists them.
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { registerImage } from "./image.js";
import { registerImportClassic } from "./import-classic.js";
import { registerInit } from "./init.js";
import { registerPlan } from "./plan.js";
import { registerRun } from "./run.js";
import { registerSandbox } from "./sandbox.js";
import { registerSimulate } from "./simulate.js";
import { registerStatus } from "./status.js";
import { registerValidate } from "./validate.js";

export const COMMANDS: ((program: Command, ctx: CommandContext) => void)[] = [
  registerInit,
  registerValidate,
  registerRun,
  registerStatus,
  registerPlan,
  registerImage,
  registerImportClassic,
  registerSimulate,
  registerSandbox,
];
