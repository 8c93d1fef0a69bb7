// Builds errors exactly as the Automation API does (its cmd.js CommandResult and errors.js
// createCommandError), so the classifier is tested on the real types, not look-alikes.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cmd = require("@pulumi/pulumi/automation/cmd.js") as {
  CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown;
};
const errors = require("@pulumi/pulumi/automation/errors.js") as {
  createCommandError(result: unknown): Error;
};

/** The error a failed `pulumi` run throws: CommandError, or ConcurrentUpdateError etc. */
export function commandError(stderr: string, stdout = "", code = 255, err?: Error): Error {
  return errors.createCommandError(new cmd.CommandResult(stdout, stderr, code, err));
}
