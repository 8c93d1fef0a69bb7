import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyFailure } from "../../scheduler/condor/classify.js";
import {
  CondorCommandError,
  CondorMachineNotFoundError,
  CondorPermissionError,
  CondorRefusalError,
  CondorUnavailableError,
  CondorUnknownHostError,
} from "../../scheduler/condor/errors.js";
import { fixture } from "./helpers.js";

const text = (name: string) => readFileSync(fixture(name), "utf8");

describe("classifyFailure", () => {
  it("schedd down (real stderr) -> CondorUnavailableError with a short excerpt", () => {
    const error = classifyFailure({
      command: "condor_q -allusers",
      exitCode: 1,
      signal: null,
      stderr: text("condor_q.schedd-down.json.stderr"),
    });
    expect(error).toBeInstanceOf(CondorUnavailableError);
    expect(error).not.toBeInstanceOf(CondorMachineNotFoundError);
    expect(error.message).toContain("Can't find address for schedd vm.cloudscheduler.test");
    expect(error.message.length).toBeLessThan(600);
  });

  it("hung schedd's SECMAN read failure -> CondorUnavailableError", () => {
    const stderr =
      "Error: Failed to fetch ads from: <127.0.0.1:9618> : vm\nSECMAN:2007:Read failure during security negotiation.\n";
    expect(
      classifyFailure({ command: "condor_q", exitCode: 1, signal: null, stderr }),
    ).toBeInstanceOf(CondorUnavailableError);
  });

  it("unknown machine for condor_drain / condor_off (real stderr) -> CondorMachineNotFoundError", () => {
    for (const name of [
      "condor_drain.unknown-name.txt.stderr",
      "condor_off.peaceful.unknown-name.txt.stderr",
    ]) {
      const error = classifyFailure({
        command: "x",
        exitCode: 1,
        signal: null,
        stderr: text(name),
        machine: "nosuch-vm.cloudscheduler.test",
      });
      expect(error, name).toBeInstanceOf(CondorMachineNotFoundError);
      expect((error as CondorMachineNotFoundError).machine).toBe("nosuch-vm.cloudscheduler.test");
    }
  });

  it("DENIED and condor_drain's 'Failed to start DRAIN_JOBS' -> CondorPermissionError", () => {
    for (const stderr of [
      'SECMAN:2010:Received "DENIED" from server for user guest@cloudscheduler.test using method FS.\nCan\'t send Set-Peaceful-Shutdown command to startd vm\n',
      "Failed to start DRAIN_JOBS command to vm.cloudscheduler.test\n",
    ]) {
      expect(classifyFailure({ command: "x", exitCode: 1, signal: null, stderr })).toBeInstanceOf(
        CondorPermissionError,
      );
    }
  });

  it("anything else -> CondorCommandError with the command, exit status and first stderr lines", () => {
    const stderr = "line one\n\nline two\nline three\nline four\nline five\n";
    const error = classifyFailure({
      command: "condor_q -allusers -json",
      exitCode: 2,
      signal: null,
      stderr,
    });
    expect(error).toBeInstanceOf(CondorCommandError);
    expect(error.message).toBe(
      "condor_q -allusers -json: exit 2: line one | line two | line three | line four",
    );
    const killed = classifyFailure({
      command: "condor_q",
      exitCode: null,
      signal: "SIGSEGV",
      stderr: "",
    });
    expect(killed.message).toBe("condor_q: killed by SIGSEGV");
  });

  it("condor_drain on a bare short name: 'unknown host' is a refusal of its own (observation 2)", () => {
    const error = classifyFailure({
      command: "condor_drain -graceful cs-alberta-demo-vm-0001",
      exitCode: 1,
      signal: null,
      stderr: "ERROR: unknown host cs-alberta-demo-vm-0001\n",
      machine: "cs-alberta-demo-vm-0001",
    });
    expect(error).toBeInstanceOf(CondorUnknownHostError);
    expect(error).toBeInstanceOf(CondorRefusalError);
    expect((error as CondorRefusalError).reason).toBe("unknown-host");
    expect((error as CondorRefusalError).advice).toMatch(/DEFAULT_DOMAIN_NAME/);
    expect(error.message).toContain('unknown host "cs-alberta-demo-vm-0001"');
  });

  it("every refusal of a retire command names its reason and machine", () => {
    const denied = classifyFailure({
      command: "condor_drain",
      exitCode: 1,
      signal: null,
      stderr: "Failed to start DRAIN_JOBS command to vm.cloudscheduler.test\n",
      machine: "vm.cloudscheduler.test",
    });
    expect(denied).toBeInstanceOf(CondorRefusalError);
    expect(denied).toMatchObject({ reason: "denied", machine: "vm.cloudscheduler.test" });
  });
});
