// CondorRevocationList against stand-in condor_config_val / condor_reconfig that keep the
// collector's knob in a file: the commands it runs, reading back, and refusing what it did not
// write. The collector's real behaviour (persistent -set, reconfig, revocation) is checked on a
// real pool (test/htcondor/).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CondorRevocationList } from "../../scheduler/condor/revocation-list.js";
import { RevocationError } from "../../scheduler/identity/errors.js";

let dir: string;
const value = () => join(dir, "knob");
const log = () => join(dir, "calls.log");

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cs-revoke-"));
  // condor_config_val -collector KNOB prints the value, or (as HTCondor 25 does for a knob the
  // collector lacks) "Not defined" on stdout with exit 0; -set "KNOB = v" stores it.
  writeFileSync(
    join(dir, "condor_config_val"),
    `#!/bin/bash
printf '%s|' "condor_config_val" "$@" >> '${log()}'; echo >> '${log()}'
if [ "\${CONDOR_STANDIN_DOWN:-}" = 1 ]; then echo "Can't find address for collector" >&2; exit 1; fi
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  if [ "\${args[i]}" = -set ]; then printf '%s' "\${args[i+1]#* = }" > '${value()}'; exit 0; fi
done
if [ -f '${value()}' ]; then /bin/cat '${value()}'; echo; else echo "Not defined"; fi
`,
  );
  writeFileSync(
    join(dir, "condor_reconfig"),
    `#!/bin/bash
printf '%s|' "condor_reconfig" "$@" >> '${log()}'; echo >> '${log()}'
echo "Sent \\"Reconfig\\" command to local collector"
`,
  );
  chmodSync(join(dir, "condor_config_val"), 0o755);
  chmodSync(join(dir, "condor_reconfig"), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function list(env: Record<string, string> = {}, pool?: string) {
  return new CondorRevocationList(
    { timeout: 30, ...(pool ? { pool } : {}) },
    { binDir: dir, timeoutMs: 5000, env: { PATH: "/usr/bin:/bin", ...env } },
  );
}

const one = {
  identity: "cs-alberta-demo-vm-0001@workers.cloudscheduler",
  issuedUpTo: 1_800_000_000,
};

describe("CondorRevocationList", () => {
  it("reads an unset knob as nothing revoked", async () => {
    expect(await list().read()).toEqual([]);
  });

  it("sets the collector's persistent knob, reconfigures it, and reads the list back", async () => {
    await list({}, "cm.example.org:9618").write([one]);
    expect(readFileSync(log(), "utf8").trim().split("\n")).toEqual([
      `condor_config_val|-pool|cm.example.org:9618|-collector|-set|CLOUDSCHEDULER_REVOKED_TOKENS = (sub =?= "${one.identity}" && iat <= 1800000000)|`,
      "condor_reconfig|-pool|cm.example.org:9618|-collector|",
    ]);
    expect(await list().read()).toEqual([one]);
  });

  it("refuses to take over a list someone else wrote", async () => {
    writeFileSync(value(), 'member(jti, {"abc"})');
    await expect(list().read()).rejects.toBeInstanceOf(RevocationError);
  });

  it("reports an unreachable collector as a RevocationError saying which knob", async () => {
    const error = await list({ CONDOR_STANDIN_DOWN: "1" })
      .write([one])
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RevocationError);
    expect((error as Error).message).toMatch(
      /^token revocation list: cannot set CLOUDSCHEDULER_REVOKED_TOKENS: condor_config_val .*Can't find address for collector/,
    );
  });
});
