// What every command gets from the CLI: where to write, how to set the exit code.
import type { Output } from "./output.js";

export interface CommandContext {
  output: Output;
  env: NodeJS.ProcessEnv;
  setExitCode(code: number): void;
}
