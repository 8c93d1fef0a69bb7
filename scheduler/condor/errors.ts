// Typed errors of the HTCondor adapter. A caller branches on the class, never on the text:
// every one of them means "this cycle has no trustworthy answer from HTCondor".

/** stderr excerpts are kept short: enough to diagnose, never a wall of text in a log line. */
const STDERR_LINES = 4;
const STDERR_CHARS = 400;

/** The first lines of a tool's stderr, trimmed and capped, for an error message. */
export function stderrExcerpt(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .slice(0, STDERR_LINES);
  const text = lines.join(" | ");
  return text.length > STDERR_CHARS ? `${text.slice(0, STDERR_CHARS)}…` : text;
}

/** Base class: anything that went wrong talking to HTCondor. */
export class CondorError extends Error {
  override readonly name: string = "CondorError";
  /** The command line as run ("condor_q -allusers -json ..."), when there was one. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** The tool did not finish within our own timeout; its whole process group was killed. */
export class CondorTimeoutError extends CondorError {
  override readonly name = "CondorTimeoutError";
  constructor(
    command: string,
    readonly timeoutMs: number,
  ) {
    super(`${command}: no answer within ${timeoutMs / 1000}s; killed`, command);
  }
}

/** The schedd or collector (or the named daemon) could not be reached. */
export class CondorUnavailableError extends CondorError {
  override readonly name: string = "CondorUnavailableError";
  constructor(
    command: string,
    readonly stderr: string,
  ) {
    super(`${command}: HTCondor unavailable: ${stderr}`, command);
  }
}

/** Why HTCondor refused a retire command (condor_drain / condor_off) aimed at one machine. */
export type CondorRefusalReason = "unknown-host" | "not-found" | "denied";

/**
 * HTCondor answered a condor_drain / condor_off, and the answer was no: the name does not
 * resolve, no such startd is known, or we are not allowed. Asking again the next cycle gets the
 * same answer, so callers back off and report it; the worker is left exactly as it was.
 */
export class CondorRefusalError extends CondorError {
  override readonly name: string = "CondorRefusalError";
  constructor(
    command: string,
    readonly stderr: string,
    readonly reason: CondorRefusalReason,
    /** The machine the command was aimed at ("" when unknown). */
    readonly machine: string,
    summary: string,
  ) {
    super(`${command}: ${summary}: ${stderr}`, command);
  }

  /** What an operator can do about it, for status and the log. */
  get advice(): string {
    return REFUSAL_ADVICE[this.reason];
  }
}

const REFUSAL_ADVICE: Record<CondorRefusalReason, string> = {
  "unknown-host":
    "HTCondor cannot resolve this name; give workers a fully qualified host name or set DEFAULT_DOMAIN_NAME on the central manager",
  "not-found":
    "no startd of that name is in the collector (it left the pool, or the collector restarted)",
  denied:
    "the scheduler's HTCondor identity may not drain or turn off startds; grant it ADMINISTRATOR on the workers",
};

/** condor_drain / condor_off: the name is not a host HTCondor can resolve (a bare short name). */
export class CondorUnknownHostError extends CondorRefusalError {
  override readonly name = "CondorUnknownHostError";
  constructor(command: string, stderr: string, machine: string) {
    super(command, stderr, "unknown-host", machine, `unknown host ${JSON.stringify(machine)}`);
  }
}

/**
 * condor_drain / condor_off could not find the named startd ("Can't find address for startd X").
 * A collector that is down says the same words, so it stays a CondorUnavailableError and nothing
 * is concluded from it about the worker; for a retire it is a refusal (isRetireRefusal): held
 * and asked again later.
 */
export class CondorMachineNotFoundError extends CondorUnavailableError {
  override readonly name = "CondorMachineNotFoundError";
  readonly reason = "not-found" as const;
  constructor(
    command: string,
    stderr: string,
    readonly machine: string,
  ) {
    super(command, stderr);
  }

  get advice(): string {
    return REFUSAL_ADVICE["not-found"];
  }
}

/** What a caller needs of any retire refusal. */
export interface RetireRefusal {
  reason: CondorRefusalReason;
  machine: string;
  advice: string;
  message: string;
}

/** Did HTCondor refuse a retire command (rather than fail to answer)? */
export function isRetireRefusal(err: unknown): err is RetireRefusal {
  return err instanceof CondorRefusalError || err instanceof CondorMachineNotFoundError;
}

/** HTCondor refused: not authorized (DENIED), or condor_drain's "Failed to start DRAIN_JOBS". */
export class CondorPermissionError extends CondorRefusalError {
  override readonly name = "CondorPermissionError";
  constructor(command: string, stderr: string, machine = "") {
    super(command, stderr, "denied", machine, "permission denied by HTCondor");
  }
}

/** Any other failure of a tool: non-zero exit, killed by a signal, or an answer too large. */
export class CondorCommandError extends CondorError {
  override readonly name = "CondorCommandError";
  constructor(
    command: string,
    /** Why, e.g. "exit 2" or "killed by SIGSEGV" or "output over 512 MiB". */
    readonly reason: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${reason}${stderr ? `: ${stderr}` : ""}`, command);
  }
}

/** The answer is not the JSON HTCondor prints: truncated, trailing data, plain text, a bad ad. */
export class CondorParseError extends CondorError {
  override readonly name = "CondorParseError";
  constructor(
    message: string,
    /** Byte offset in the tool's stdout where the problem was seen, when known. */
    readonly byteOffset?: number,
    /** 0-based index of the ad in the answer, when the problem is in one ad. */
    readonly adIndex?: number,
  ) {
    super(message);
  }
}

/** The tool's binary does not exist where we looked (the operator's --condor-bin, else PATH). */
export class CondorNotInstalledError extends CondorError {
  override readonly name = "CondorNotInstalledError";
  constructor(
    readonly binary: string,
    /** Where we looked: the operator's directories, or "PATH". */
    readonly searched: string,
  ) {
    super(
      `${binary} not found in ${searched}: is HTCondor installed (--condor-bin / CLOUDSCHEDULER_CONDOR_BIN_DIR, directories joined by ':')?`,
    );
  }
}

/** A machine name that is not a plain host name; refused before any tool runs. */
export class InvalidMachineNameError extends CondorError {
  override readonly name = "InvalidMachineNameError";
  constructor(readonly machine: string) {
    super(
      `refusing to pass ${JSON.stringify(machine.slice(0, 80))} to HTCondor: not a host name (letters, digits, '.', '-')`,
    );
  }
}

/** An argument we would pass to a tool is malformed (a bad key id, a multi-line value). */
export class InvalidArgumentError extends CondorError {
  override readonly name = "InvalidArgumentError";
}
