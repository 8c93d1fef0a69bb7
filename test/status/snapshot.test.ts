// buildStatus and its terminal rendering for a known world: the asserted table, the -m listing
// and the JSON snapshot.
import { describe, expect, it } from "vitest";
import { formatStatus } from "../../scheduler/status/format-text.js";
import { statusSnapshotSchema } from "../../scheduler/status/schema.js";
import { buildStatus } from "../../scheduler/status/snapshot.js";
import {
  exampleConfig,
  HOSTILE_OWNER,
  knownBackoff,
  knownConfigStatus,
  knownReport,
  NOW,
} from "./world.js";

function known() {
  return buildStatus({
    now: NOW,
    config: exampleConfig(),
    configStatus: knownConfigStatus,
    cycle: { number: 42, report: knownReport() },
    backoff: knownBackoff,
  });
}

const HEAD = `cloudscheduler status  config in force: 3f2a1c9d0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3  cycle 42 at 2026-11-25 10:06:38Z, took 1.23s

! config 9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d rejected at 2026-11-25 10:06:10Z; the last good config keeps running:
    cloudscheduler.yaml:12:17 clouds.alberta.quota.cores: expected a positive integer

CLOUDS
CLOUD     ENABLED  BACK-OFF                                        INSTANCES  CORES      RAM MIB  BOOTING  REGISTERED  BUSY  IDLE  DRAINING  FAILED
alberta   yes      -                                                    4/10  10/40  28672/81920        1           0     1     1         1       0
victoria  yes      until 2026-11-25 10:07:40Z (quota-exceeded x2)        2/6   4/24   8192/49152        0           1     0     0         0       1
`;

const TAIL = `
JOBS  8 total: 4 idle, 3 running, 1 held
VM TYPE    IDLE  RUNNING  HELD
demo-vm       4        2     0
(none)        0        0     1
four-core     0        1     0

OWNER                                          IDLE  RUNNING  HELD
guest                                             3        2     0
\\u001b[31mmallory<img src=x onerror=alert(1)>     1        0     0
alice                                             0        1     0
bob                                               0        0     1

LAST CYCLE
  alberta: boot 1 demo-vm for 4 idle jobs (cs-alberta-demo-vm-0003) [boot]
  alberta: idle for 5m, kept for its 10m keep-alive (cs-alberta-demo-vm-0002) [keep-alive]
  alberta: draining, still runs 1 job (cs-alberta-four-core-0001) [draining]
  startd stranger.cloud.test was not booted by cloudscheduler: left alone [not-ours]
  1 job(s) rejected, e.g.:
    9.0 ("bob"): asks for VM type "gpu-huge", which no cloud offers
  deploy alberta: ok (+1 ~0 -0)
  deploy victoria: FAILED quota-exceeded: victoria: quota exceeded: Quota exceeded for instances
  committed 77aa88bb
`;

describe("status text", () => {
  it("summarises clouds, workers per VM type, jobs and the last cycle", () => {
    expect(formatStatus(known())).toBe(`${HEAD}
WORKERS
CLOUD     VM TYPE    BOOTING  REGISTERED  BUSY  IDLE  DRAINING  FAILED
alberta   demo-vm          1           0     1     1         0       0
alberta   four-core        0           0     0     0         1       0
victoria  demo-vm          0           1     0     0         0       1
${TAIL}`);
  });

  it("-m lists every worker like classic cloud_status -m", () => {
    expect(formatStatus(known(), { machines: true })).toBe(`${HEAD}
WORKERS
ID                         HOSTNAME                              VMTYPE     STATUS      CLOUD         AGE  JOBS
cs-alberta-demo-vm-0001    cs-alberta-demo-vm-0001.cloud.test    demo-vm    busy        alberta        1h     2
cs-alberta-demo-vm-0002    cs-alberta-demo-vm-0002.cloud.test    demo-vm    idle        alberta       30m     0
cs-alberta-demo-vm-0003    -                                     demo-vm    booting     alberta        0s     0
cs-alberta-four-core-0001  cs-alberta-four-core-0001.cloud.test  four-core  draining    alberta        2h     1
cs-victoria-demo-vm-0001   cs-victoria-demo-vm-0001.cloud.test   demo-vm    failed      victoria  16m 40s     0
cs-victoria-demo-vm-0002   -                                     demo-vm    registered  victoria    1d 1h     0
(1 startd(s) in the pool not booted by cloudscheduler)
${TAIL}`);
  });

  it("never prints a terminal escape from job text", () => {
    const text = formatStatus(known(), { machines: true });
    expect(text).not.toContain("\u001b");
    expect(text).toContain("\\u001b[31mmallory");
  });

  it("says so when there was no cycle yet", () => {
    const text = formatStatus(
      buildStatus({
        now: NOW,
        config: exampleConfig(),
        configStatus: { revision: "abc" },
        backoff: [],
      }),
    );
    expect(text).toBe(`cloudscheduler status  config in force: abc  no cycle yet

CLOUDS
CLOUD     ENABLED  BACK-OFF  INSTANCES  CORES  RAM MIB  BOOTING  REGISTERED  BUSY  IDLE  DRAINING  FAILED
alberta   yes      -              0/10   0/40  0/81920        0           0     0     0         0       0
victoria  yes      -               0/6   0/24  0/49152        0           0     0     0         0       0

WORKERS
(none)

JOBS  0 total: 0 idle, 0 running, 0 held
`);
  });
});

describe("status JSON", () => {
  it("is a bounded, schema-valid aggregate of the world", () => {
    const snapshot = known();
    const json = JSON.parse(JSON.stringify(snapshot));
    expect(statusSnapshotSchema.parse(json)).toEqual(snapshot);
    expect(
      json.clouds.map(
        (c: { name: string; quota: unknown; workers: unknown; runningJobs: number }) => [
          c.name,
          c.quota,
          c.workers,
          c.runningJobs,
        ],
      ),
    ).toEqual([
      [
        "alberta",
        {
          instances: { used: 4, total: 10 },
          cores: { used: 10, total: 40 },
          ramMb: { used: 28672, total: 81920 },
        },
        { booting: 1, registered: 0, busy: 1, idle: 1, draining: 1, failed: 0 },
        3,
      ],
      [
        "victoria",
        {
          instances: { used: 2, total: 6 },
          cores: { used: 4, total: 24 },
          ramMb: { used: 8192, total: 49152 },
        },
        { booting: 0, registered: 1, busy: 0, idle: 0, draining: 0, failed: 1 },
        0,
      ],
    ]);
    expect(json.clouds[1].backoff).toEqual({
      failures: 2,
      until: NOW + 60,
      active: true,
      lastErrorKind: "quota-exceeded",
      lastError: "victoria: quota exceeded: Quota exceeded for instances",
    });
    expect(
      json.workers.map((w: { name: string; state: string; ageSeconds: number }) => [
        w.name,
        w.state,
        w.ageSeconds,
      ]),
    ).toEqual([
      ["cs-alberta-demo-vm-0001", "busy", 3600],
      ["cs-alberta-demo-vm-0002", "idle", 1800],
      ["cs-alberta-demo-vm-0003", "booting", 0],
      ["cs-alberta-four-core-0001", "draining", 7200],
      ["cs-victoria-demo-vm-0001", "failed", 1000],
      ["cs-victoria-demo-vm-0002", "registered", 90000],
    ]);
    expect(json.jobs).toEqual({
      total: 8,
      idle: 4,
      running: 3,
      held: 1,
      foldedVmTypes: 0,
      foldedOwners: 0,
      byVmType: [
        { key: "demo-vm", idle: 4, running: 2, held: 0, other: 0 },
        { key: "(none)", idle: 0, running: 0, held: 1, other: 0 },
        { key: "four-core", idle: 0, running: 1, held: 0, other: 0 },
      ],
      byOwner: [
        { key: "guest", idle: 3, running: 2, held: 0, other: 0 },
        { key: HOSTILE_OWNER, idle: 1, running: 0, held: 0, other: 0 },
        { key: "alice", idle: 0, running: 1, held: 0, other: 0 },
        { key: "bob", idle: 0, running: 0, held: 1, other: 0 },
      ],
    });
    expect(json.unmanagedStartds).toBe(1);
    expect(json.config.rejected.revision).toBe("9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d");
    expect(json.cycle).toEqual({
      number: 42,
      startedAt: NOW - 2,
      durationSeconds: 1.23,
      revision: "3f2a1c9d0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3",
      commit: "77aa88bb",
    });
    expect(json.decisions[0]).toEqual({
      kind: "boot",
      cloud: "alberta",
      vmType: "demo-vm",
      workers: ["cs-alberta-demo-vm-0003"],
      text: "alberta: boot 1 demo-vm for 4 idle jobs (cs-alberta-demo-vm-0003) [boot]",
    });
    // Aggregated: no job ids or per-job records.
    expect(JSON.stringify(json)).not.toContain('"requestCpus"');
  });

  it("folds the long tail of 10 000 distinct owners into one row", () => {
    const report = knownReport();
    const many = Array.from({ length: 10_000 }, (_, i) => ({
      ...(report.observation?.jobs[0] as NonNullable<typeof report.observation>["jobs"][number]),
      id: `${i}.0`,
      owner: `user${i}`,
    }));
    report.observation = { jobs: many, workers: [] };
    const snapshot = buildStatus({
      now: NOW,
      config: exampleConfig(),
      configStatus: {},
      cycle: { number: 1, report },
      backoff: [],
    });
    expect(snapshot.jobs.byOwner).toHaveLength(25);
    expect(snapshot.jobs.foldedOwners).toBe(10_000 - 24);
    expect(snapshot.jobs.byOwner.at(-1)).toEqual({
      key: "(others)",
      idle: 10_000 - 24,
      running: 0,
      held: 0,
      other: 0,
    });
    expect(snapshot.jobs.idle).toBe(10_000);
  });
});
