// The history store: one row per cycle and per cloud, the decision log, bounded by age and by
// row count, and still there after the store is closed and reopened.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HistoryStore } from "../../scheduler/status/history.js";
import { buildStatus } from "../../scheduler/status/snapshot.js";
import { exampleConfig, knownReport, NOW } from "./world.js";

const CONFIG = exampleConfig();

function snapshotAt(now: number, idleJobs = 4) {
  const report = knownReport();
  report.startedAt = now;
  const jobs = report.observation?.jobs ?? [];
  const idle = jobs.filter((j) => j.state === "idle");
  const extra = Array.from({ length: Math.max(0, idleJobs - idle.length) }, (_, i) => ({
    ...(idle[0] as (typeof jobs)[number]),
    id: `x${i}.0`,
  }));
  report.observation = {
    jobs: [...jobs.filter((j) => j.state !== "idle"), ...idle.slice(0, idleJobs), ...extra],
    workers: report.observation?.workers ?? [],
  };
  return buildStatus({
    now,
    config: CONFIG,
    configStatus: {},
    cycle: { number: 1, report },
    backoff: [],
  });
}

async function tempFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), "cs-history-")), "history.sqlite");
}

describe("HistoryStore", () => {
  it("records cycles per cloud and the decisions that are news, and survives a reopen", async () => {
    const file = await tempFile();
    const store = HistoryStore.open(file);
    store.recordCycle(snapshotAt(NOW - 120, 4));
    store.recordCycle(snapshotAt(NOW - 60, 7));
    store.recordConfigEvent({ type: "rejected", revision: "bad1", problems: [] }, NOW - 30);
    store.close();

    const reopened = HistoryStore.open(file);
    const history = reopened.query(NOW - 3600);
    expect(history.step).toBe(1);
    expect(history.jobs).toEqual([
      { time: NOW - 120, idle: 4, running: 3, held: 1 },
      { time: NOW - 60, idle: 7, running: 3, held: 1 },
    ]);
    expect(history.clouds.map((c) => c.cloud)).toEqual(["alberta", "victoria"]);
    expect(history.clouds[0]?.points[1]).toEqual({
      time: NOW - 60,
      booting: 1,
      registered: 0,
      busy: 1,
      idle: 1,
      draining: 1,
      failed: 0,
      total: 4,
    });
    // Newest first; steady-state decisions (keep-alive, draining, not-ours) are not news.
    expect(history.events.map((e) => e.kind)).toEqual([
      "config-rejected",
      "deploy-failed",
      "boot",
      "deploy-failed",
      "boot",
    ]);
    expect(history.events[2]).toEqual({
      time: NOW - 60,
      kind: "boot",
      cloud: "alberta",
      text: "alberta: boot 1 demo-vm for 4 idle jobs (cs-alberta-demo-vm-0003) [boot]",
    });
    expect(reopened.query(NOW - 90).jobs).toHaveLength(1);
    reopened.close();
  });

  it("drops rows older than the retention and keeps at most maxCycles rows", async () => {
    const store = HistoryStore.open(await tempFile(), {
      retentionSeconds: 3600,
      maxCycles: 50,
      maxEvents: 30,
    });
    for (let i = 0; i < 200; i++) store.recordCycle(snapshotAt(NOW + i * 10));
    let counts = store.counts();
    expect(counts.cycles).toBe(50);
    expect(counts.cloudSamples).toBe(400); // 200 cycles x 2 clouds, under the 50 x 20 cap
    expect(counts.events).toBe(30);
    expect(store.query(0).jobs[0]?.time).toBe(NOW + 150 * 10);

    store.recordCycle(snapshotAt(NOW + 200 * 10 + 3600));
    counts = store.counts();
    expect(counts.cycles).toBe(1);
    expect(counts.cloudSamples).toBe(2);
    store.close();
  });

  it("downsamples a long window to at most maxPoints points", async () => {
    const store = HistoryStore.open(await tempFile());
    for (let i = 0; i < 1000; i++) store.recordCycle(snapshotAt(NOW + i * 60, i % 2 === 0 ? 2 : 4));
    const history = store.query(0, 100);
    expect(history.jobs.length).toBeLessThanOrEqual(101);
    expect(history.step).toBe(600);
    expect(history.jobs[1]?.idle).toBe(3);
    store.close();
  });
});
