// The gate of the real-HTCondor tier: tests that drive a real personal pool (test/htcondor/up.sh)
// and real execute nodes (guests.ts).
//
// - CI=true: the tier is required. A missing HTCondor build or pool FAILS the suite with the reason.
// - otherwise: the suite is skipped, with one line saying why and how to enable it.
//
// Enable by hand:  test/htcondor/up.sh; npx vitest run test/htcondor
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "vitest";
import { acquireDirLock } from "../support/cloud-lock.js";
import { integrationMissing } from "../support/integration.js";
import { CondorPool, POOL_DIR } from "./pool.js";

const HERE = new URL(".", import.meta.url).pathname;

/** Why the tier cannot run here, or undefined when it can. */
function missingPool(pool: CondorPool | undefined): string | undefined {
  if (pool) {
    try {
      execFileSync(pool.bin("condor_status"), ["-schedd", "-af", "Name"], {
        env: pool.env(),
        timeout: 15_000,
        stdio: ["ignore", "pipe", "pipe"],
      });
      return undefined;
    } catch {
      return `the pool under ${POOL_DIR} does not answer (test/htcondor/up.sh)`;
    }
  }
  try {
    execFileSync(join(HERE, "build.sh"), ["--check"], { stdio: "ignore" });
    return `no HTCondor pool under ${POOL_DIR} (start one: test/htcondor/up.sh)`;
  } catch {
    return "HTCondor is not built here (test/htcondor/build.sh builds it from htcondor-25.0.13-src.tar.gz, then test/htcondor/up.sh)";
  }
}

// Decided once at import: vitest collects describe blocks synchronously.
export const realPool = CondorPool.fromEnvironment();
const missing = missingPool(realPool);
const required = process.env.CI === "true";

/** Why the real pool cannot be used here, or undefined. */
export function realPoolMissing(): string | undefined {
  return missing;
}

/**
 * describe() for a real-HTCondor suite: runs when the pool is up; in CI a missing pool is a
 * failing test; elsewhere the suite is skipped with the reason.
 */
export function describeRealCondor(name: string, body: (pool: CondorPool) => void): void {
  if (missing === undefined && realPool) {
    describe(name, () => body(realPool));
    return;
  }
  if (required) {
    describe(name, () => {
      test("prerequisites (required when CI=true)", () => {
        throw new Error(`real-HTCondor tier required in CI but cannot run: ${missing}`);
      });
    });
    return;
  }
  console.log(`[htcondor] skipped "${name}": ${missing}`);
  describe.skip(name, () => body(undefined as unknown as CondorPool));
}

/**
 * describe() for a suite that needs the real pool AND the local cloud with the Pulumi engine
 * (test/cloud/): the same rules, with both reasons.
 */
export function describeRealWorld(name: string, body: (pool: CondorPool) => void): void {
  const reasons = [missing, integrationMissing()].filter((r): r is string => r !== undefined);
  if (reasons.length === 0 && realPool) {
    describe(name, () => body(realPool));
    return;
  }
  if (required) {
    describe(name, () => {
      test("prerequisites (required when CI=true)", () => {
        throw new Error(`real tier required in CI but cannot run: ${reasons.join("; ")}`);
      });
    });
    return;
  }
  console.log(`[htcondor+cloud] skipped "${name}": ${reasons.join("; ")}`);
  describe.skip(name, () => body(undefined as unknown as CondorPool));
}

/**
 * One suite at a time on the pool (vitest runs files in parallel): their jobs would be each
 * other's demand and their startds each other's strangers.
 */
export function acquirePoolLock(timeoutMs = 20 * 60_000): Promise<() => void> {
  return acquireDirLock(join(POOL_DIR, "tests.lock"), timeoutMs);
}
