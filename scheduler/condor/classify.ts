// What a failed HTCondor tool means, from its exit status and stderr (pure). The texts matched are
// the ones real HTCondor prints (see test/fixtures/condor/README.md).
import {
  CondorCommandError,
  type CondorError,
  CondorMachineNotFoundError,
  CondorPermissionError,
  CondorUnavailableError,
  CondorUnknownHostError,
  stderrExcerpt,
} from "./errors.js";

/** Not allowed: an authorization failure, or condor_drain's only word for it. */
const PERMISSION = [/\bDENIED\b/, /Failed to start DRAIN_JOBS command/i, /not authorized/i];

/** condor_drain / condor_off on a name that does not resolve (fixtures/README.md, "Names"). */
const UNKNOWN_HOST = /unknown host/i;

/** The daemon (schedd, collector, startd) could not be reached, or stopped answering. */
const UNAVAILABLE = [
  /Can't find address/i,
  /Failed to connect/i,
  /Unable to connect/i,
  /Couldn't contact the condor_collector/i,
  /Connection refused/i,
  /SECMAN:2007/,
  /Read failure/i,
  /Failed to fetch ads/i,
  /Perhaps you need to query another pool/i,
];

export interface ToolFailure {
  /** The command line, for messages. */
  command: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** The machine a condor_drain / condor_off was aimed at, if any. */
  machine?: string;
}

/** The typed error for a tool that exited non-zero or was killed by a signal. */
export function classifyFailure(failure: ToolFailure): CondorError {
  const excerpt = stderrExcerpt(failure.stderr);
  if (PERMISSION.some((pattern) => pattern.test(failure.stderr))) {
    return new CondorPermissionError(failure.command, excerpt, failure.machine);
  }
  // A name HTCondor cannot resolve (a bare short host name without DEFAULT_DOMAIN_NAME).
  if (failure.machine !== undefined && UNKNOWN_HOST.test(failure.stderr)) {
    return new CondorUnknownHostError(failure.command, excerpt, failure.machine);
  }
  if (UNAVAILABLE.some((pattern) => pattern.test(failure.stderr))) {
    const machine = failure.machine;
    if (
      machine !== undefined &&
      failure.stderr.includes(`Can't find address for startd ${machine}`)
    ) {
      return new CondorMachineNotFoundError(failure.command, excerpt, machine);
    }
    return new CondorUnavailableError(failure.command, excerpt);
  }
  const reason =
    failure.signal !== null
      ? `killed by ${failure.signal}`
      : `exit ${failure.exitCode ?? "unknown"}`;
  return new CondorCommandError(failure.command, reason, excerpt);
}
