// The exact command lines cloudscheduler runs (pure). Flag spelling and order follow the
// HTCondor 25 manual pages; see test/fixtures/condor/README.md for the behaviour behind them.
import type { CondorConfig } from "../config/schema.js";
import { InvalidMachineNameError } from "./errors.js";
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
