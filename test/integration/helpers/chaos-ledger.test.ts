// The chaos test's rules on their own: a figure that reads 0 must be able to read more.
import { describe, expect, it } from "vitest";
import {
  busyActions,
  busyDuring,
  duplicateNames,
  type HistoryJob,
  jobFigures,
  type QueueSample,
  workerOfHost,
} from "./chaos-ledger.js";

const DOMAIN = "workers.cloudscheduler";
const done = (job: string, worker: string, start: number, end: number): HistoryJob => ({
  job,
  jobStatus: 4,
  numJobStarts: 1,
  worker,
  startedAt: start,
  completedAt: end,
});

describe("chaos ledger", () => {
  it("reads the worker from a RemoteHost in the workers' domain only", () => {
    expect(workerOfHost(`slot1_1@cs-a-demo-vm-0001.${DOMAIN}`, DOMAIN)).toBe("cs-a-demo-vm-0001");
    expect(workerOfHost("slot1_1@other.example.org", DOMAIN)).toBeUndefined();
    expect(workerOfHost(undefined, DOMAIN)).toBeUndefined();
  });

  it("counts a job lost when missing, not completed, run twice or recorded twice", () => {
    const history: HistoryJob[] = [
      done("1.0", "w1", 100, 200),
      { ...done("1.1", "w1", 100, 200), numJobStarts: 2 },
      { ...done("1.2", "w1", 100, 200), jobStatus: 3 },
      done("1.3", "w1", 100, 200),
      done("1.3", "w2", 300, 400),
    ];
    expect(jobFigures(["1.0", "1.1", "1.2", "1.3", "1.4"], history)).toEqual({
      lost: ["1.1", "1.2", "1.3", "1.4"],
      restarted: ["1.1", "1.3"],
    });
    expect(jobFigures(["1.0"], history)).toEqual({ lost: [], restarted: [] });
  });

  it("calls a worker busy only inside a run for sure (1 s resolution of history)", () => {
    const history = [done("1.0", "w1", 100, 200)];
    expect(busyDuring("w1", 101_000, 101_000, history, [])).toBe("1.0");
    expect(busyDuring("w1", 199_999, 199_999, history, [])).toBe("1.0");
    // In the start second or the completion second: maybe not yet or no longer running.
    expect(busyDuring("w1", 100_500, 100_500, history, [])).toBeUndefined();
    expect(busyDuring("w1", 200_000, 200_000, history, [])).toBeUndefined();
    expect(busyDuring("w2", 150_000, 150_000, history, [])).toBeUndefined();
  });

  it("calls a worker busy when condor_q shows the same run on it before and after", () => {
    const run = { job: "2.0", worker: "w1", startedAt: 10 };
    const samples: QueueSample[] = [
      { at: 1000, running: [run] },
      { at: 3000, running: [run] },
      { at: 5000, running: [{ ...run, startedAt: 4 }] },
    ];
    expect(busyDuring("w1", 2000, 2000, [], samples)).toBe("2.0");
    // A new run (another start) after the moment is not the same run.
    expect(busyDuring("w1", 4000, 4000, [], samples)).toBeUndefined();
  });

  it("reports each busy (worker, action) once with its job", () => {
    const history = [done("1.0", "w1", 100, 200)];
    const hits = busyActions(
      [
        { kind: "drain", worker: "w1", from: 150_000, to: 150_000, source: "log" },
        { kind: "drain", worker: "w1", from: 160_000, to: 160_000, source: "git" },
        { kind: "delete", worker: "w1", from: 250_000, to: 250_000, source: "log" },
      ],
      history,
      [],
    );
    expect(hits).toEqual([
      { kind: "drain", worker: "w1", from: 150_000, to: 150_000, source: "log", job: "1.0" },
    ]);
  });

  it("finds a name two live servers carry in one look, ignoring DELETED ones", () => {
    expect(
      duplicateNames([
        {
          at: 1,
          servers: [
            { id: "a", name: "w1", status: "ACTIVE" },
            { id: "b", name: "w1", status: "DELETED" },
            { id: "c", name: "w2", status: "ACTIVE" },
          ],
        },
        {
          at: 2,
          servers: [
            { id: "c", name: "w2", status: "ACTIVE" },
            { id: "d", name: "w2", status: "BUILD" },
          ],
        },
      ]),
    ).toEqual(["w2"]);
  });
});
