// CondorTokenIssuer against a stand-in condor_token_create that logs how it was run and prints
// the token the test chose: the command line, the key directory, the environment it gets, and
// what is refused (a token for someone else, wider, or with another expiry). HTCondor's own
// behaviour is checked on a real pool (test/htcondor/).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CondorTokenIssuer } from "../../scheduler/condor/token-issuer.js";
import { TokenIssueError } from "../../scheduler/identity/errors.js";
import { knownSecrets } from "../../scheduler/secrets/registry.js";

const NOW = 1_800_000_000;
const WORKER = "cs-alberta-demo-vm-0001";
const IDENTITY = `${WORKER}@workers.cloudscheduler`;
const SCOPE = "condor:/ADVERTISE_STARTD condor:/ADVERTISE_MASTER condor:/READ";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cs-token-"));
  writeFileSync(
    join(dir, "condor_token_create"),
    `#!/bin/sh
{
  printf '%s\\n' "$@"
  echo "keydir=\${_CONDOR_SEC_PASSWORD_DIRECTORY:-unset} os=\${OS_PASSWORD:-} passphrase=\${PULUMI_CONFIG_PASSPHRASE:-}"
} > "${join(dir, "call.log")}"
if [ -n "\${CONDOR_STANDIN_FAIL:-}" ]; then echo "$CONDOR_STANDIN_FAIL" >&2; exit 1; fi
/bin/cat "${join(dir, "token")}"
`,
  );
  chmodSync(join(dir, "condor_token_create"), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", kid: "cloudscheduler-workers" })}.${part(claims)}.c2lnbmF0dXJlLWJ5dGVz`;
}

function printing(claims: Record<string, unknown>): string {
  const token = jwt({
    iat: NOW,
    iss: "cloudscheduler",
    jti: "4f2b1c0e9a8d7f6e5d4c3b2a19081726",
    scope: SCOPE,
    sub: IDENTITY,
    exp: NOW + 8 * 86_400,
    ...claims,
  });
  writeFileSync(join(dir, "token"), `${token}\n`);
  return token;
}

function issuer(env: NodeJS.ProcessEnv = {}, keyDir?: string): CondorTokenIssuer {
  return new CondorTokenIssuer({
    binDir: dir,
    timeoutMs: 5000,
    env: { PATH: "/usr/bin:/bin", ...env },
    ...(keyDir === undefined ? {} : { passwordDirectory: keyDir }),
  });
}

describe("CondorTokenIssuer", () => {
  it("runs condor_token_create with the worker's identity, the startd's authorizations and the lifetime", async () => {
    const token = printing({});
    const issued = await issuer(
      { OS_PASSWORD: "os-secret-value", PULUMI_CONFIG_PASSPHRASE: "passphrase-value" },
      "/var/lib/cloudscheduler/signing-keys",
    ).issue({ worker: WORKER, expiresAt: NOW + 8 * 86_400 }, NOW);
    expect(readFileSync(join(dir, "call.log"), "utf8").split("\n")).toEqual([
      "-identity",
      IDENTITY,
      "-key",
      "cloudscheduler-workers",
      "-lifetime",
      String(8 * 86_400),
      "-authz",
      "ADVERTISE_STARTD",
      "-authz",
      "ADVERTISE_MASTER",
      "-authz",
      "READ",
      // The key directory it was told, and not one secret of ours.
      "keydir=/var/lib/cloudscheduler/signing-keys os= passphrase=",
      "",
    ]);
    expect(issued).toMatchObject({
      worker: WORKER,
      identity: IDENTITY,
      tokenId: "4f2b1c0e9a8d7f6e5d4c3b2a19081726",
      issuedAt: NOW,
      expiresAt: NOW + 8 * 86_400,
    });
    expect(issued.token.reveal()).toBe(token);
    // The token is a Secret: it prints as [redacted] and the scrubber knows its value.
    expect(JSON.stringify(issued)).not.toContain(token);
    expect(knownSecrets.scrub(`user-data: ${token}`)).toBe("user-data: ***");
  });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    [
      "another worker's identity",
      { sub: "cs-alberta-demo-vm-0002@workers.cloudscheduler" },
      /is for cs-alberta-demo-vm-0002/,
    ],
    ["a pool-wide identity", { sub: "condor@cloudscheduler" }, /is for condor@cloudscheduler/],
    [
      "more authorizations",
      { scope: `${SCOPE} condor:/WRITE` },
      /grants \[ADVERTISE_MASTER, ADVERTISE_STARTD, READ, WRITE\]/,
    ],
    ["no scope at all (every authorization)", { scope: undefined }, /grants \[\]/],
    ["no expiry", { exp: undefined }, /expires at never/],
    ["another expiry", { exp: NOW + 30 * 86_400 }, /expires at 1802592000, not 1800691200/],
  ];
  it.each(refusals)("refuses a token with %s, never quoting it", async (_, claims, reason) => {
    const token = printing(claims);
    const error = await issuer()
      .issue({ worker: WORKER, expiresAt: NOW + 8 * 86_400 }, NOW)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TokenIssueError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain(token.split(".")[2]);
  });

  it("refuses output that is not a token", async () => {
    writeFileSync(join(dir, "token"), "Token file written to /etc/condor/tokens.d/x\n");
    await expect(issuer().issue({ worker: WORKER, expiresAt: NOW + 86_400 }, NOW)).rejects.toThrow(
      "cannot mint the IDTOKEN of worker cs-alberta-demo-vm-0001: condor_token_create printed something that is not a token",
    );
  });

  it("says why HTCondor refused, from its stderr", async () => {
    printing({});
    const error = await issuer({
      CONDOR_STANDIN_FAIL: "Failed to generate a token.",
    })
      .issue({ worker: WORKER, expiresAt: NOW + 86_400 }, NOW)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TokenIssueError);
    expect((error as Error).message).toMatch(
      /^cannot mint the IDTOKEN of worker cs-alberta-demo-vm-0001: condor_token_create .*Failed to generate a token\./,
    );
  });

  it("mints nothing for a worker whose life is (nearly) over, or for a name it would not make", async () => {
    printing({});
    await expect(issuer().issue({ worker: WORKER, expiresAt: NOW + 60 }, NOW)).rejects.toThrow(
      /60s from now/,
    );
    await expect(
      issuer().issue({ worker: "condor", expiresAt: NOW + 86_400 }, NOW),
    ).rejects.toThrow(/not a worker name/);
  });
});
