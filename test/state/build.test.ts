// The one model of each worker: pool entry + ads + condor_q + the cloud's servers, joined once.
import { describe, expect, it } from "vitest";
import type { CloudServer } from "../../scheduler/cloud/inventory.js";
import { buildFleet } from "../../scheduler/state/build.js";
import { launchTable } from "../../scheduler/state/launch.js";
import { idleJob, NOW, poolWorker, startd } from "../plan/world.js";

const name = "cs-alberta-demo-vm-0001";
const server = (fields: Partial<CloudServer> & { name: string }): CloudServer => ({
  id: `id-${fields.name}`,
  status: "ACTIVE",
  metadata: { cloudscheduler: "worker", cloudscheduler_owner: "me" },
  createdAt: NOW - 600,
  ...fields,
});

describe("buildFleet", () => {
  it("finds a worker's running jobs by the machine name its pool entry recorded, without its ads (observation 1)", () => {
    // HTCondor's machine name is not "<worker name>.<domain>": only the recorded name finds it.
    const entry = poolWorker(name, { machine: "vm-17.site.example" });
    const running = idleJob({ state: "running", remoteHost: "slot1_1@vm-17.site.example" });
    const fleet = buildFleet({
      pools: { alberta: [entry] },
      workers: [],
      jobs: [running],
      now: NOW,
    });
    expect(fleet.byName.get(name)).toMatchObject({ queueJobs: 1, runningJobs: 1, ads: undefined });
  });

  it("gives a name two pools hold to the first cloud's entry, once", () => {
    const first = poolWorker(name, { createdAt: NOW - 100 });
    const other = poolWorker("cs-alberta-demo-vm-0002");
    const repeat = poolWorker(name, { createdAt: NOW - 50 });
    const fleet = buildFleet({
      pools: { alberta: [first, other], victoria: [repeat] },
      workers: [],
      jobs: [],
      now: NOW,
    });
    expect(fleet.workers.map((w) => [w.cloud, w.entry.name])).toEqual([
      ["alberta", name],
      ["alberta", "cs-alberta-demo-vm-0002"],
    ]);
    expect(fleet.byName.get(name)?.entry).toBe(first);
    expect([...fleet.byName.keys()]).toEqual([name, "cs-alberta-demo-vm-0002"]);
  });

  it("takes the larger of the two witnesses of running jobs", () => {
    const entry = poolWorker(name);
    const jobs = [1, 2, 3].map(() =>
      idleJob({
        state: "running",
        remoteHost: `slot1_1@${name}.cloud.test`,
        vmKeepAliveMinutes: 30,
      }),
    );
    const fleet = buildFleet({
      pools: { alberta: [entry] },
      workers: [startd(name, 1)],
      jobs,
      now: NOW,
    });
    expect(fleet.byName.get(name)).toMatchObject({
      queueJobs: 3,
      runningJobs: 3,
      jobKeepAliveSeconds: 1800,
    });
  });

  it("merges startds claiming one worker; strangers are kept apart, one per machine", () => {
    const a = startd(name, 1);
    const b = { ...startd(name, 0), machine: "other.cloud.test" };
    const stranger = startd(undefined, 0, { machine: "desk.example.org" });
    const fleet = buildFleet({
      pools: { alberta: [poolWorker(name)] },
      workers: [a, b, stranger, { ...stranger }],
      jobs: [],
      now: NOW,
    });
    expect(fleet.byName.get(name)?.ads?.runningJobs).toBe(1);
    expect(fleet.byName.get(name)?.ads?.slots).toHaveLength(a.slots.length + b.slots.length);
    expect(fleet.strangers.map((s) => s.machine)).toEqual(["desk.example.org"]);
  });

  it("joins the cloud's servers by name; an unread cloud says nothing", () => {
    const fleet = buildFleet({
      pools: { alberta: [poolWorker(name)], victoria: [poolWorker("cs-victoria-demo-vm-0001")] },
      workers: [],
      jobs: [],
      servers: new Map([["alberta", [server({ name, status: "ERROR" })]]]),
      now: NOW,
    });
    expect(fleet.byName.get(name)?.servers?.map((s) => s.status)).toEqual(["ERROR"]);
    expect(fleet.byName.get("cs-victoria-demo-vm-0001")?.servers).toBeUndefined();
    expect([...fleet.cloudsRead]).toEqual(["alberta"]);
  });

  it("calls a server an orphan only when it carries our owner tag and no pool claims it", () => {
    const fleet = buildFleet({
      pools: { alberta: [poolWorker(name)] },
      workers: [startd("cs-alberta-demo-vm-0009", 2)],
      jobs: [],
      servers: new Map([
        [
          "alberta",
          [
            server({ name }),
            server({ name: "cs-alberta-demo-vm-0009" }),
            server({
              name: "cs-alberta-demo-vm-0010",
              metadata: { cloudscheduler: "worker", cloudscheduler_owner: "someone-else" },
            }),
            server({ name: "cs-alberta-demo-vm-0011", metadata: { cloudscheduler: "worker" } }),
          ],
        ],
      ]),
      owner: "me",
      orphanFirstSeen: new Map([["alberta/id-cs-alberta-demo-vm-0009", NOW - 100]]),
      now: NOW,
    });
    expect(fleet.orphans.map((o) => [o.server.name, o.runningJobs, o.firstSeen])).toEqual([
      ["cs-alberta-demo-vm-0009", 2, NOW - 100],
    ]);
    expect(fleet.serverNames.has("cs-alberta-demo-vm-0010")).toBe(true);
  });

  it("marks drift against today's launch digest; an entry without one counts as current", () => {
    const launch = launchTable({ "alberta|demo-vm|cernvm-demo|m1.small": "aaaaaaaaaaaaaaaa" });
    const fleet = buildFleet({
      pools: {
        alberta: [
          poolWorker("cs-alberta-demo-vm-0001", { launch: "bbbbbbbbbbbbbbbb" }),
          poolWorker("cs-alberta-demo-vm-0002", { launch: "aaaaaaaaaaaaaaaa" }),
          poolWorker("cs-alberta-demo-vm-0003"),
        ],
      },
      workers: [],
      jobs: [],
      launch,
      now: NOW,
    });
    expect(fleet.workers.map((w) => [w.entry.name, w.drifted])).toEqual([
      ["cs-alberta-demo-vm-0001", true],
      ["cs-alberta-demo-vm-0002", false],
      ["cs-alberta-demo-vm-0003", false],
    ]);
  });

  it("collects broken slots", () => {
    const ads = startd(name, 0);
    const broken = {
      ...ads,
      slots: ads.slots.map((s) => ({ ...s, broken: { code: 1, reason: "cleanup failed" } })),
    };
    const fleet = buildFleet({
      pools: { alberta: [poolWorker(name)] },
      workers: [broken],
      jobs: [],
      now: NOW,
    });
    expect(fleet.byName.get(name)?.brokenSlots).toEqual([
      { slot: `slot1@${name}.cloud.test`, code: 1, reason: "cleanup failed" },
    ]);
  });
});
