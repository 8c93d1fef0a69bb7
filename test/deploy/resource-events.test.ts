// Per-worker results from the engine's events: a refused create is named with the diagnostic
// the engine printed for it; a failure of anything but a worker server is not a partial success.
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { ResourceEventLog, WORKER_TYPE } from "../../scheduler/deploy/resource-events.js";

const STACK = "urn:pulumi:pool-alberta::cloudscheduler-pool";
const workerUrn = (name: string) => `${STACK}::${WORKER_TYPE}::${name}`;

function failed(urn: string, type: string, op = "create"): EngineEvent {
  return {
    sequence: 0,
    timestamp: 0,
    resOpFailedEvent: { metadata: { op, urn, type, provider: "" }, status: 1, steps: 1 },
  } as unknown as EngineEvent;
}

function diagnostic(urn: string, message: string): EngineEvent {
  return {
    sequence: 0,
    timestamp: 0,
    diagnosticEvent: { urn, message, color: "never", severity: "error" },
  } as EngineEvent;
}

describe("ResourceEventLog", () => {
  it("names each refused worker with its own diagnostic and kind", () => {
    const log = new ResourceEventLog("alberta", ["s3cret"]);
    log.add(
      diagnostic(
        workerUrn("cs-alberta-vm-0002"),
        "error: Error creating OpenStack server: Expected HTTP response code [202] when accessing [POST http://nova/v2.1/servers], but got 403 instead: Quota exceeded for instances: Requested 1, but already used 10 of 10 instances",
      ),
    );
    log.add(failed(workerUrn("cs-alberta-vm-0002"), WORKER_TYPE));
    log.add(
      diagnostic(
        workerUrn("cs-alberta-vm-0001"),
        "1 error occurred:\n\t* Unable to find flavor s3cret-big: no flavor found\n\n",
      ),
    );
    log.add(failed(workerUrn("cs-alberta-vm-0001"), WORKER_TYPE));
    log.add({
      sequence: 0,
      timestamp: 0,
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: 3,
        resourceChanges: { create: 3, same: 1 },
        policyPacks: {},
      },
    } as EngineEvent);
    expect(log.onlyWorkersFailed()).toBe(true);
    expect(log.onlyWorkersRefused()).toBe(true);
    const refused = log.refused();
    expect(refused.map((r) => [r.name, r.op, r.kind])).toEqual([
      ["cs-alberta-vm-0001", "create", "program"],
      ["cs-alberta-vm-0002", "create", "quota-exceeded"],
    ]);
    expect(refused[0]?.message).not.toContain("s3cret");
    expect(refused[0]?.message).toMatch(/^Unable to find flavor \S+: no flavor found$/);
    expect(refused[1]?.message).toMatch(/Quota exceeded for instances/);
    expect(log.changes()).toEqual({ create: 3, same: 1 });
  });

  it("is no partial success when a resource other than a worker failed", () => {
    const log = new ResourceEventLog("alberta");
    log.add(failed(workerUrn("cs-alberta-vm-0001"), WORKER_TYPE));
    log.add(failed(`${STACK}::pulumi:providers:openstack::alberta`, "pulumi:providers:openstack"));
    expect(log.onlyWorkersFailed()).toBe(false);
    expect(new ResourceEventLog("alberta").onlyWorkersFailed()).toBe(false);
  });

  it("is no per-worker refusal when the workers failed for the cloud's credentials or reachability", () => {
    const auth = new ResourceEventLog("alberta");
    for (const name of ["cs-alberta-vm-0001", "cs-alberta-vm-0002"]) {
      auth.add(
        diagnostic(
          workerUrn(name),
          "error: Error creating OpenStack compute client: Authentication failed (HTTP 401)",
        ),
      );
      auth.add(failed(workerUrn(name), WORKER_TYPE));
    }
    expect(auth.onlyWorkersFailed()).toBe(true);
    expect(auth.onlyWorkersRefused()).toBe(false);

    const mixed = new ResourceEventLog("alberta");
    mixed.add(
      diagnostic(
        workerUrn("cs-alberta-vm-0001"),
        "error: Quota exceeded for instances: Requested 1, but already used 2 of 2 instances",
      ),
    );
    mixed.add(failed(workerUrn("cs-alberta-vm-0001"), WORKER_TYPE));
    mixed.add(
      diagnostic(
        workerUrn("cs-alberta-vm-0002"),
        'error: Post "http://127.0.0.1:15999/v3/auth/tokens": dial tcp 127.0.0.1:15999: connect: connection refused',
      ),
    );
    mixed.add(failed(workerUrn("cs-alberta-vm-0002"), WORKER_TYPE));
    expect(mixed.onlyWorkersRefused()).toBe(false);

    // A server that went to ERROR while booting is that worker's own failure.
    const errored = new ResourceEventLog("alberta");
    errored.add(
      diagnostic(
        workerUrn("cs-alberta-vm-0003"),
        "error: Error waiting for instance (abc) to become ready: unexpected state 'ERROR', wanted target 'ACTIVE'",
      ),
    );
    errored.add(failed(workerUrn("cs-alberta-vm-0003"), WORKER_TYPE));
    expect(errored.refused().map((r) => r.kind)).toEqual(["server-state"]);
    expect(errored.onlyWorkersRefused()).toBe(true);
  });
});
