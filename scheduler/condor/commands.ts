// The exact command lines cloudscheduler runs (pure). Flag spelling and order follow the
// HTCondor 25 manual pages; see test/fixtures/condor/README.md for the behaviour behind them.
import type { CondorConfig } from "../config/schema.js";
import { isWorkerName } from "../identity/worker-identity.js";
import { InvalidArgumentError, InvalidMachineNameError } from "./errors.js";
import { JOB_ATTRIBUTES } from "./parse-jobs.js";
import { SLOT_ATTRIBUTES, STATUS_CONSTRAINT } from "./parse-slots.js";

function poolArgs(config: CondorConfig): string[] {
  return config.pool === undefined ? [] : ["-pool", config.pool];
}

/**
 * condor_q [-pool P] [-name S] -allusers -json -attributes <list>
 * -allusers: without it a non-root service account sees only its own (no) jobs. Never -global:
 * it prints plain text ("All queues are empty") even when the schedd is down.
 */
export function condorQArgs(config: CondorConfig): string[] {
  return [
    ...poolArgs(config),
    ...(config.schedd === undefined ? [] : ["-name", config.schedd]),
    "-allusers",
    "-json",
    "-attributes",
    JOB_ATTRIBUTES.join(","),
  ];
}

/**
 * condor_status [-pool P] -any -constraint <slot or StartD ad> -json -attributes <list>: the slot
 * ads and each startd's daemon ad (whose Name condor_off -name takes).
 */
export function condorStatusArgs(config: CondorConfig): string[] {
  return [
    ...poolArgs(config),
    "-any",
    "-constraint",
    STATUS_CONSTRAINT,
    "-json",
    "-attributes",
    SLOT_ATTRIBUTES.join(","),
  ];
}

/**
 * condor_status as condorStatusArgs, narrowed to ads that name one of `workers` (as
 * CloudSchedulerVM, or as the Machine a worker advertises, "<name>.<domain>"). The names are
 * worker names (checked), so they need no quoting beyond the ClassAd string literal.
 */
export function condorStatusOfWorkersArgs(
  config: CondorConfig,
  workers: readonly string[],
): string[] {
  for (const name of workers) {
    if (!isWorkerName(name))
      throw new InvalidArgumentError(`not a worker name: ${JSON.stringify(name.slice(0, 80))}`);
  }
  const list = `{${workers.map((w) => `"${w}"`).join(", ")}}`;
  const named = `member(CloudSchedulerVM, ${list}) || regexp("^(${workers.join("|")})([.]|$)", Machine)`;
  return [
    ...poolArgs(config),
    "-any",
    "-constraint",
    `(${STATUS_CONSTRAINT}) && (${named})`,
    "-json",
    "-attributes",
    SLOT_ATTRIBUTES.join(","),
  ];
}

/** condor_drain [-pool P] -graceful -reason <text> <machine> */
export function condorDrainArgs(config: CondorConfig, machine: string, reason: string): string[] {
  assertMachineName(machine);
  return [...poolArgs(config), "-graceful", "-reason", cleanReason(reason), machine];
}

/** condor_off [-pool P] -peaceful -startd -name <machine> */
export function condorOffArgs(config: CondorConfig, machine: string): string[] {
  assertMachineName(machine);
  return [...poolArgs(config), "-peaceful", "-startd", "-name", machine];
}

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

/** Is this a plain host name (letters, digits, '-' inside labels, '.' between them)? */
export function isMachineName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split(".").every((label) => label.length <= 63 && LABEL.test(label));
}

/** Refuses anything but a host name, so a hostile name from an ad can never become an option. */
export function assertMachineName(name: string): void {
  if (!isMachineName(name)) throw new InvalidMachineNameError(name);
}

const MAX_REASON_LENGTH = 200;

/** The drain reason shows up in ads (DrainReason): one short line of printable text. */
export function cleanReason(reason: string): string {
  const line = reason
    .replace(/\p{Cc}+/gu, " ")
    .trim()
    .slice(0, MAX_REASON_LENGTH);
  return line.length > 0 ? line : "cloudscheduler";
}

/**
 * condor_token_create -identity <id> -key <key id> -lifetime <s> -authz … (HTCondor 25,
 * src/condor_tools/token_create.cpp): -key names a file in SEC_PASSWORD_DIRECTORY, not a path;
 * the token goes to stdout when neither -token nor -file is given.
 */
export function condorTokenCreateArgs(
  identity: string,
  keyId: string,
  lifetimeSeconds: number,
  authorizations: readonly string[],
): string[] {
  if (!/^[A-Za-z0-9_.-]+$/.test(keyId)) {
    throw new InvalidArgumentError(`signing key id ${JSON.stringify(keyId)} is not a file name`);
  }
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0) {
    throw new InvalidArgumentError(`token lifetime must be a positive whole number of seconds`);
  }
  return [
    "-identity",
    identity,
    "-key",
    keyId,
    "-lifetime",
    String(lifetimeSeconds),
    ...authorizations.flatMap((authz) => ["-authz", authz]),
  ];
}

/** The config knob the scheduler may set on the collector (SETTABLE_ATTRS_ADMINISTRATOR). */
export const REVOKED_TOKENS_KNOB = "CLOUDSCHEDULER_REVOKED_TOKENS";

/** condor_config_val [-pool P] -collector <knob>: the collector's current value. */
export function condorConfigValGetArgs(config: CondorConfig, knob: string): string[] {
  return [...poolArgs(config), "-collector", knob];
}

/**
 * condor_config_val [-pool P] -collector -set "<knob> = <value>": a persistent setting of the
 * collector (ENABLE_PERSISTENT_CONFIG), which survives its restarts.
 */
export function condorConfigValSetArgs(
  config: CondorConfig,
  knob: string,
  value: string,
): string[] {
  if (/[\r\n\0]/.test(value)) {
    throw new InvalidArgumentError(`${knob}: a config value must be one line`);
  }
  return [...poolArgs(config), "-collector", "-set", `${knob} = ${value}`];
}

/** condor_reconfig [-pool P] -collector: the collector re-reads its configuration. */
export function condorReconfigArgs(config: CondorConfig): string[] {
  return [...poolArgs(config), "-collector"];
}
