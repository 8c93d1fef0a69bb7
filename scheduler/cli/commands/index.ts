// Every subcommand, registered in the order `--help` lists them.
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { registerValidate } from "./validate.js";

export const COMMANDS: ((program: Command, ctx: CommandContext) => void)[] = [registerValidate];
