// Typed errors of a pool stack operation, and the classifier that maps what the Automation API
// throws (ConcurrentUpdateError, CommandError with the CLI's stderr/stdout) onto them.
//
// Message texts matched below come from real sources:
// - Pulumi sdk/nodejs/automation/errors.ts: "[409] Conflict: Another update is currently in
//   progress." (Pulumi Cloud) and "the stack is currently locked by" (file/S3 backends,
//   pkg/backend/diy/lock.go: "...by 1 lock(s). Either wait for the other process(es) to end or
//   delete the lock file with `pulumi cancel`.").
// - Nova via gophercloud: 403 {"forbidden": {"code": 403, "message": "Quota exceeded for
//   instances: Requested 1, but already used 10 of 10 instances"}}, older Nova 413 OverLimit,
//   Neutron 409 OverQuota, Cinder "VolumeLimitExceeded".
// - Keystone: 401 {"error": {"message": "The request you have made requires authentication.",
//   "code": 401, "title": "Unauthorized"}}; gophercloud's "Authentication failed".
// - Go's net package: "dial tcp 192.0.2.1:5000: connect: connection refused", "i/o timeout",
//   "lookup keystone.example.org: no such host", TLS handshake timeouts; Nova/Keystone 503.
// - Pulumi passphrase secrets manager: "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or
//   PULUMI_CONFIG_PASSPHRASE_FILE environment variables", "incorrect passphrase".
import { IdentityError } from "../identity/errors.js";
import { scrubSecrets } from "./scrub.js";
import { type LockHolder, parseLockHolders } from "./stale-lock.js";

export type DeployErrorKind =
  | "lock-held"
  | "quota-exceeded"
  | "auth"
  | "cloud-unreachable"
  | "secrets"
  | "program"
  | "server-state"
  | "pulumi-not-installed"
  | "identity"
  | "timeout";

export interface DeployErrorOptions {
  /** The cloud whose stack failed; undefined for errors that are not about one cloud. */
  cloud?: string;
  /** The scrubbed CLI output line(s) that told us what happened. */
  detail?: string;
  cause?: unknown;
}

/** Base of every classified deploy error. Messages never hold credentials. */
export abstract class DeployError extends Error {
  abstract readonly kind: DeployErrorKind;
  readonly cloud: string | undefined;
  readonly detail: string | undefined;

  constructor(summary: string, options: DeployErrorOptions = {}) {
    const where = options.cloud ? `pool-${options.cloud}: ` : "";
    super(`${where}${summary}${options.detail ? `: ${options.detail}` : ""}`, {
      cause: options.cause,
    });
    this.cloud = options.cloud;
    this.detail = options.detail;
  }
}

/** Another operation holds the stack's lock (another process, or a crashed one: `pulumi cancel`). */
export class LockHeldError extends DeployError {
  override readonly name = "LockHeldError";
  readonly kind = "lock-held";
  /** Who holds it, when the backend says (DIY backends name user, host and pid). */
  readonly holders: LockHolder[];
  constructor(options: DeployErrorOptions & { holders?: LockHolder[] } = {}) {
    super("the stack is locked by another operation", options);
    this.holders = options.holders ?? [];
  }
}

/** The cloud refused to create more (instances, cores, RAM, ports, volumes). */
export class QuotaExceededError extends DeployError {
  override readonly name = "QuotaExceededError";
  readonly kind = "quota-exceeded";
  constructor(options: DeployErrorOptions = {}) {
    super("cloud quota exceeded", options);
  }
}

/** The cloud rejected our credentials (Keystone 401) or our role (403 policy). */
export class AuthError extends DeployError {
  override readonly name = "AuthError";
  readonly kind = "auth";
  constructor(options: DeployErrorOptions = {}) {
    super("the cloud rejected the credentials (check clouds.yaml / OS_* variables)", options);
  }
}

/** The cloud's API could not be reached or answered "unavailable". */
export class CloudUnreachableError extends DeployError {
  override readonly name = "CloudUnreachableError";
  readonly kind = "cloud-unreachable";
  constructor(options: DeployErrorOptions = {}) {
    super("cloud API unreachable", options);
  }
}

/** Stack secrets cannot be encrypted or decrypted: passphrase missing or wrong, provider down. */
export class SecretsError extends DeployError {
  override readonly name = "SecretsError";
  readonly kind = "secrets";
  constructor(summary: string, options: DeployErrorOptions = {}) {
    super(summary, options);
  }
}

/**
 * The cloud refused an operation on a server in the state it was in (seen: deleting a server in
 * ERROR answers "unexpected state 'ERROR', wanted target 'DELETED, SOFT_DELETED'"). Not a fault of
 * the pool program; the next deploy retries it, and the orphan sweep deletes by id meanwhile.
 */
export class ServerStateError extends DeployError {
  override readonly name = "ServerStateError";
  readonly kind = "server-state";
  constructor(options: DeployErrorOptions = {}) {
    super("the cloud refused an operation on a server in its current state", options);
  }
}

/** Anything else: the pool program failed, bad outputs, an unexpected CLI error. */
export class ProgramError extends DeployError {
  override readonly name = "ProgramError";
  readonly kind = "program";
  constructor(options: DeployErrorOptions = {}) {
    super("pool stack operation failed", options);
  }
}

/**
 * New workers could not be given their identity (an IDTOKEN could not be minted): not the
 * cloud's fault, and every cloud would fail the same way (the signing key, condor_token_create).
 */
export class WorkerIdentityError extends DeployError {
  override readonly name = "WorkerIdentityError";
  readonly kind = "identity";
  constructor(options: DeployErrorOptions = {}) {
    super("cannot give new workers their IDTOKEN", options);
  }
}

/**
 * The operation ran past policy.deploy.timeout and was cancelled (Pulumi got SIGINT: it finishes
 * the resource steps in flight, records them and stops). A slow or hung cloud, not a refusal.
 */
export class DeployTimeoutError extends DeployError {
  override readonly name = "DeployTimeoutError";
  readonly kind = "timeout";
  readonly seconds: number;
  constructor(seconds: number, options: DeployErrorOptions = {}) {
    super(`stack operation cancelled after the deploy timeout (${seconds}s)`, options);
    this.seconds = seconds;
  }
}

/** What deployErrorOfKind needs beyond the common options, for the kinds that carry more. */
export interface DeployErrorFields extends DeployErrorOptions {
  holders?: LockHolder[];
  seconds?: number;
  /** The secrets error's summary (its message before the detail). */
  summary?: string;
}

/** A new error of `kind`: the class the classifier gives that kind. */
export function deployErrorOfKind(kind: DeployErrorKind, fields: DeployErrorFields): DeployError {
  const { holders, seconds, summary, ...options } = fields;
  switch (kind) {
    case "lock-held":
      return new LockHeldError({ ...options, holders: holders ?? [] });
    case "quota-exceeded":
      return new QuotaExceededError(options);
    case "auth":
      return new AuthError(options);
    case "cloud-unreachable":
      return new CloudUnreachableError(options);
    case "secrets":
      return new SecretsError(summary ?? "cannot use the stack's secrets provider", options);
    case "program":
      return new ProgramError(options);
    case "server-state":
      return new ServerStateError(options);
    case "pulumi-not-installed":
      return new PulumiNotInstalledError(options);
    case "identity":
      return new WorkerIdentityError(options);
    case "timeout":
      return new DeployTimeoutError(seconds ?? 0, options);
  }
}

export const PULUMI_INSTALL_ADVICE =
  "install the Pulumi CLI (curl -fsSL https://get.pulumi.com | sh, or see " +
  "https://www.pulumi.com/docs/install/) and put it on PATH, or set PULUMI_HOME to a directory " +
  "holding bin/pulumi";

/** No usable Pulumi CLI: not installed, not on PATH, or too old for this SDK. Not about one cloud. */
export class PulumiNotInstalledError extends DeployError {
  override readonly name = "PulumiNotInstalledError";
  readonly kind = "pulumi-not-installed";
  constructor(options: DeployErrorOptions = {}) {
    super(`Pulumi CLI not usable; ${PULUMI_INSTALL_ADVICE}`, options);
  }
}

interface Rule {
  test: RegExp;
  make: (options: DeployErrorOptions) => DeployError;
}

// First match wins: quota before auth (Nova quota errors are 403s), lock before everything.
const RULES: Rule[] = [
  {
    test: /the stack is currently locked by|Another update is currently in progress|\[409\] Conflict/i,
    make: (o) => new LockHeldError(o),
  },
  {
    test: /Quota exceeded|exceeds? (?:the )?quota|OverQuota|OverLimit|LimitExceeded|Maximum number of \w+ (?:exceeded|allowed)|but got 413 instead/i,
    make: (o) => new QuotaExceededError(o),
  },
  {
    test: /passphrase must be set|incorrect passphrase|constructing secrets manager|getting secrets manager/i,
    make: (o) =>
      new SecretsError(
        "cannot use the stack's secrets provider (PULUMI_CONFIG_PASSPHRASE[_FILE]?)",
        o,
      ),
  },
  {
    test: /requires authentication|Authentication failed|but got 401 instead|\(HTTP 401\)|"code":\s*401|Unauthorized|Policy doesn't allow|is not authorized|but got 403 instead/i,
    make: (o) => new AuthError(o),
  },
  {
    test: /unexpected state '[A-Z_]+', wanted target/i,
    make: (o) => new ServerStateError(o),
  },
  {
    test: /dial tcp|connection refused|i\/o timeout|no such host|no route to host|network is unreachable|TLS handshake timeout|connection reset by peer|context deadline exceeded|Client\.Timeout exceeded|Unable to establish connection|but got (?:502|503|504) instead|\(HTTP 50[234]\)|temporary overloading or maintenance/i,
    make: (o) => new CloudUnreachableError(o),
  },
];

/** Classifies anything a stack operation threw. Already-classified errors pass through. */
export function classifyDeployError(
  err: unknown,
  cloud?: string,
  knownSecrets: readonly string[] = [],
): DeployError {
  if (err instanceof DeployError) return err;
  if (err instanceof IdentityError) {
    return new WorkerIdentityError({ cloud, detail: scrubSecrets(err.message), cause: err });
  }
  if (isMissingCli(err)) return new PulumiNotInstalledError({ detail: messageOf(err), cause: err });

  const text = outputOf(err);
  const errorName = err instanceof Error ? err.name : "";
  if (errorName === "ConcurrentUpdateError" || RULES[0]?.test.test(text)) {
    return new LockHeldError({
      cloud,
      detail: telling(text, RULES[0]?.test, knownSecrets),
      cause: err,
      holders: parseLockHolders(text),
    });
  }
  for (const rule of RULES) {
    if (rule.test.test(text)) {
      return rule.make({ cloud, detail: telling(text, rule.test, knownSecrets), cause: err });
    }
  }
  return new ProgramError({ cloud, detail: telling(text, /error:/i, knownSecrets), cause: err });
}

/** ENOENT spawning `pulumi`, or the SDK's CLI version check. */
function isMissingCli(err: unknown): boolean {
  const text = outputOf(err);
  const code = codeOf(err);
  return (
    (code === "ENOENT" && /pulumi/.test(text)) ||
    /spawn \S*pulumi ENOENT|Command failed with ENOENT: \S*pulumi|Minimum version requirement failed|Failed to parse Pulumi CLI version/.test(
      text,
    )
  );
}

/** All text the error carries: the CLI's stderr and stdout when it is a CommandError. */
function outputOf(err: unknown): string {
  // The CLI's own output first, so the quoted line is the CLI's, not CommandError's summary.
  const parts: string[] = [];
  if (typeof err === "object" && err !== null && "commandResult" in err) {
    const result = (err as { commandResult: unknown }).commandResult;
    if (typeof result === "object" && result !== null) {
      const { stderr, stdout } = result as { stderr?: unknown; stdout?: unknown };
      if (typeof stderr === "string") parts.push(stderr);
      if (typeof stdout === "string") parts.push(stdout);
    }
  }
  parts.push(messageOf(err));
  return parts.join("\n");
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The errno-style code of the error, of the execa error a CommandResult wraps, or of its cause. */
function codeOf(err: unknown): string | undefined {
  const candidates: unknown[] = [err];
  if (typeof err === "object" && err !== null) {
    const { commandResult, cause } = err as { commandResult?: { err?: unknown }; cause?: unknown };
    candidates.push(commandResult?.err, cause);
  }
  for (const candidate of candidates) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

const MAX_DETAIL = 400;

/** The line that matched (scrubbed, shortened): enough for a human to act on, no credentials. */
function telling(
  text: string,
  pattern: RegExp | undefined,
  knownSecrets: readonly string[],
): string {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const line = (pattern && lines.find((l) => pattern.test(l))) ?? lines[0] ?? "";
  const clean = scrubSecrets(line, knownSecrets);
  return clean.length > MAX_DETAIL ? `${clean.slice(0, MAX_DETAIL - 3)}...` : clean;
}
