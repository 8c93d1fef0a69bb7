// The cycle's one walk over condor_q's answer: the report's counts and the running jobs the
// worker model reads, which must build the same model as the whole queue does.
import { describe, expect, it } from "vitest";
import type { Job } from "../../scheduler/condor/types.js";
import { buildFleet } from "../../scheduler/state/build.js";
import { tallyJobs } from "../../scheduler/state/queue-tally.js";
import { idleJob } from "../plan/world.js";

describe("tallyJobs", () => {
  const running = (id: string, remoteHost: string, vmKeepAliveMinutes?: number): Job => ({
    ...idleJob({ id }),
    state: "running",
    remoteHost,
    ...(vmKeepAliveMinutes === undefined ? {} : { vmKeepAliveMinutes }),
  });
  const jobs: Job[] = [
    idleJob({ id: "1.0" }),
    running("1.1", "slot1_1@cs-alberta-demo-vm-0001.example.org", 30),
    { ...idleJob({ id: "1.2" }), state: "held" },
    running("1.3", "slot1_2@cs-alberta-demo-vm-0001.example.org"),
    idleJob({ id: "2.0" }),
    running("2.1", "slot1_1@elsewhere.example.org"),
  ];

  it("counts idle jobs and lists the running ones in order", () => {
    const tally = tallyJobs(jobs);
    expect(tally.idle).toBe(2);
    expect(tally.running.map((j) => j.id)).toEqual(["1.1", "1.3", "2.1"]);
  });

  it("gives buildFleet the same model as the whole queue", () => {
    const pools = {
      alberta: [
        {
          name: "cs-alberta-demo-vm-0001",
          vmType: "demo-vm",
          image: "img",
          flavor: "m1",
          cores: 4,
          ramMb: 8192,
          diskGb: 20,
          state: "registered" as const,
          createdAt: 0,
          keepAliveSeconds: 600,
        },
      ],
    };
    const whole = buildFleet({ pools, workers: [], jobs, now: 100 });
    const tallied = buildFleet({ pools, workers: [], jobs: tallyJobs(jobs).running, now: 100 });
    expect(tallied.workers).toEqual(whole.workers);
    const worker = tallied.workers[0];
    expect(worker?.runningJobs).toBe(2);
    expect(worker?.jobKeepAliveSeconds).toBe(1800);
  });
});
