import { describe, expect, it } from "vitest";
import {
  InvalidWorkerNameError,
  WORKER_IDENTITY_DOMAIN,
  workerIdentity,
  workerOfIdentity,
} from "../../scheduler/identity/worker-identity.js";
import { workerName } from "../../scheduler/plan/naming.js";

describe("worker identity", () => {
  it("is the worker's name in its own domain, and maps back", () => {
    const name = workerName("alberta", "demo-vm", 7);
    expect(workerIdentity(name)).toBe("cs-alberta-demo-vm-0007@workers.cloudscheduler");
    expect(workerOfIdentity(workerIdentity(name))).toBe(name);
  });

  it("is never an identity HTCondor's own ALLOW lists name", () => {
    for (const identity of [
      "condor@cloudscheduler",
      "condor@workers.cloudscheduler",
      "root@workers.cloudscheduler",
      "cloudscheduler@cm.example.org",
      `cs-alberta-demo-vm-0001@${WORKER_IDENTITY_DOMAIN}.evil.org`,
      `cs-alberta-demo-vm-0001@evil.${WORKER_IDENTITY_DOMAIN}`,
    ]) {
      expect(workerOfIdentity(identity), identity).toBeUndefined();
    }
  });

  it("refuses a name the planner would never make", () => {
    for (const bad of ["condor", "cs-", "cs-a--b", "CS-ALBERTA-1", "cs-a b", "cs-a@x", "cs-a\nb"]) {
      expect(() => workerIdentity(bad), JSON.stringify(bad)).toThrow(InvalidWorkerNameError);
    }
  });
});
