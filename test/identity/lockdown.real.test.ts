// The worker lockdown the product renders into every worker's user-data, run for real on this
// machine's kernel: in a throwaway network and mount namespace (lockdown-probe.sh), a job's user
// reaches the metadata service and reads cloud-init's copies of the user-data and the token
// before it runs, and none of them after, while root still reaches the metadata service.
// Both firewall paths of the script run: nftables, and iptables on an image without nft.
// Needs root, util-linux's unshare, python3 and the firewall tools: required under CI=true
// (.ci/run installs them), skipped with one line elsewhere.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { createRenderer } from "../../scheduler/render/render.js";
import { workerUserData } from "../../stacks/user-data.js";

const JOB_USER = "nobody";
const LOCKDOWN_PATH = /lockdown/;

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  for (const tool of ["unshare", "runuser", "python3", "ip", "nft", "iptables"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `no ${tool}`;
  }
  return undefined;
}

const why = missing();
if (why !== undefined && process.env.CI === "true") {
  throw new Error(`worker lockdown test: required under CI=true, but ${why}`);
}
if (why !== undefined) console.log(`worker lockdown test skipped: ${why}`);

function renderedLockdown(): string {
  const userData = workerUserData(createRenderer(), "worker", {
    name: "cs-alberta-demo-vm-0001",
    vmType: "demo-vm",
    cloud: "alberta",
    condorHost: "cm.cloudscheduler.test",
    idToken: "eyJhbGciOiJIUzI1NiJ9.payload.signature",
    lifeEndsAt: 1_796_201_200,
    cvmfs: null,
  });
  const files = (parse(userData) as { write_files: { path: string; content: string }[] })
    .write_files;
  const script = files.find((f) => LOCKDOWN_PATH.test(f.path));
  if (!script) throw new Error("the worker user-data writes no lockdown script");
  return script.content;
}

describe.skipIf(why !== undefined)("the worker lockdown on a real kernel", () => {
  test.each(["nft", "iptables"])(
    "with %s: a job's user loses the metadata service, the user-data copies and the token; root keeps the metadata service",
    (firewall) => {
      const scratch = mkdtempSync(join(tmpdir(), "cs-lockdown-"));
      try {
        const lockdown = join(scratch, "lockdown.sh");
        writeFileSync(lockdown, renderedLockdown(), { mode: 0o755 });
        const out = execFileSync(
          "unshare",
          [
            "--net",
            "--mount",
            "--propagation",
            "private",
            "bash",
            join(import.meta.dirname, "lockdown-probe.sh"),
            scratch,
            lockdown,
            JOB_USER,
            firewall,
          ],
          { encoding: "utf8", timeout: 60_000 },
        );
        const [before, after] = out
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as Record<string, string>);
        // Before: everything open, so the test can tell the lockdown did it.
        expect(before).toEqual({
          phase: "before",
          root_metadata: "200",
          job_metadata: "200",
          job_reads_token: "yes",
          job_reads_user_data: "yes",
          job_reads_instance_data: "yes",
          job_reads_boot_log: "yes",
        });
        expect(after).toEqual({
          phase: "after",
          root_metadata: "200",
          job_metadata: "refused",
          job_reads_token: "no",
          job_reads_user_data: "no",
          job_reads_instance_data: "no",
          job_reads_boot_log: "no",
        });
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
