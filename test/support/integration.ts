// The gate and shared plumbing of the integration tier (test/integration/): tests that drive a
// real Pulumi engine against the real local OpenStack of test/cloud/.
//
// - CI=true: the tier is required. A missing toolchain or cloud FAILS the suite with the reason.
// - otherwise: the suite is skipped, with one line saying why and how to enable it.
//
// Enable by hand:  eval "$(test/cloud/toolchain.sh)"; test/cloud/up.sh;
//                  eval "$(test/cloud/up.sh --print-env)"; npx vitest run test/integration
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { delimiter, join } from "node:path";
import { describe, test } from "vitest";

const KEYSTONE = { host: "127.0.0.1", port: 15000 };

/** Why the tier cannot run here, or undefined when it can. */
export async function missingPrerequisite(): Promise<string | undefined> {
  const onPath = (bin: string) =>
    (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, bin)));
  if (!onPath("pulumi") || !onPath("pulumi-resource-openstack"))
    return 'pulumi and pulumi-resource-openstack are not on PATH (eval "$(test/cloud/toolchain.sh)")';
  const config = process.env.OS_CLIENT_CONFIG_FILE;
  const secure = process.env.OS_CLIENT_SECURE_FILE;
  if (!config || !secure || !existsSync(config) || !existsSync(secure))
    return 'OS_CLIENT_CONFIG_FILE/OS_CLIENT_SECURE_FILE are not set to the local cloud\'s files (eval "$(test/cloud/up.sh --print-env)")';
  if (!(await portOpen(KEYSTONE.host, KEYSTONE.port)))
    return `the local cloud is down: Keystone ${KEYSTONE.host}:${KEYSTONE.port} does not answer (test/cloud/up.sh)`;
  return undefined;
}

/** Does something accept TCP connections at host:port (2 s at the most)? */
export function portOpen(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

// Decided once at import: vitest collects describe blocks synchronously.
const missing = await missingPrerequisite();
const required = process.env.CI === "true";

/** Why the cloud tier cannot run here (decided at import), or undefined when it can. */
export function integrationMissing(): string | undefined {
  return missing;
}

/**
 * describe() for an integration suite: runs when the cloud and toolchain are there; in CI a
 * missing prerequisite is a failing test; elsewhere the suite is skipped with the reason.
 */
export function describeIntegration(name: string, body: () => void): void {
  if (missing === undefined) {
    describe(name, body);
    return;
  }
  if (required) {
    describe(name, () => {
      test("prerequisites (required when CI=true)", () => {
        throw new Error(`integration tier required in CI but cannot run: ${missing}`);
      });
    });
    return;
  }
  console.log(`[integration] skipped "${name}": ${missing}`);
  describe.skip(name, body);
}

export { acquireCloudLock } from "./cloud-lock.js";
export { cloudInitSchema, type PulumiSandbox, pulumiSandbox } from "./pulumi-sandbox.js";
