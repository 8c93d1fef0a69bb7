// "The simulator finds the same plan as `cloudscheduler plan` for the same world": mid-run, the
// simulated HTCondor's JSON is replayed by the condor stand-ins (test/bin) to the real
// CommandLineCondor, planned with the same pools and time, and compared with the plan the
// simulator's own cycle made.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { CommandLineCondor } from "../../scheduler/condor/client.js";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { plan } from "../../scheduler/plan/plan.js";
import { CycleMemory, runCycle } from "../../scheduler/run/cycle.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { EventQueue } from "../../scheduler/sim/event-queue.js";
import { seededRandom } from "../../scheduler/sim/random.js";
import { SimCloud } from "../../scheduler/sim/sim-cloud.js";
import { SimCondor } from "../../scheduler/sim/sim-condor.js";
import { MemoryPoolFiles } from "../../scheduler/sim/sim-pools.js";
import { demoJob, exampleConfig, START } from "./world.js";

const STANDINS = fileURLToPath(new URL("../bin", import.meta.url));

test("mid-run, the real condor adapter + plan over the rendered world equals the simulator's cycle plan", async () => {
  const config = exampleConfig();
  const events = new EventQueue(START);
  const condor = new SimCondor(events);
  const cloud = new SimCloud(events, condor, seededRandom(2));
  const pools = new MemoryPoolFiles();
  const deps = {
    condor,
    deployer: cloud,
    pools,
    backoff: new BackoffTracker(),
    log: recordingLogger(),
  };
  for (let i = 0; i < 12; i++)
    events.at(START + i * 20, () =>
      condor.submit(demoJob(i, { submit: START + i * 20, runtime: 400 + i * 60 })),
    );
  for (let i = 0; i < 3; i++)
    events.at(START + 30, () =>
      condor.submit(
        demoJob(100 + i, {
          submit: START + 30,
          runtime: 900,
          cores: 4,
          memoryMb: 8192,
          vmType: "four-core",
        }),
      ),
    );
  const memory = new CycleMemory();
  const dir = await mkdtemp(path.join(tmpdir(), "sim-same-plan-"));
  let compared = 0;
  for (let cycle = 0; cycle < 30; cycle++) {
    const now = START + cycle * 60;
    events.advanceTo(now);
    // The world as this cycle will see it.
    const queueText = condor.renderQueue();
    const statusText = condor.renderStatus();
    const poolsBefore = await pools.readAll(Object.keys(config.clouds));
    const report = await runCycle(deps, memory, config, "sim", now);
    if (![4, 9, 15].includes(cycle)) continue;
    await writeFile(path.join(dir, "condor_q.stdout"), queueText);
    await writeFile(path.join(dir, "condor_status.stdout"), statusText);
    const real = new CommandLineCondor(config.condor, {
      binDir: STANDINS,
      // The simulator's ads carry no AuthenticatedIdentity (no collector authenticated them).
      workerIdentity: "unchecked",
      env: { ...process.env, CONDOR_STANDIN_DIR: dir },
    });
    const [jobs, workers] = await Promise.all([real.jobs(), real.workers()]);
    const fromCli = plan({
      config,
      jobs,
      workers,
      pools: poolsBefore,
      now,
      unavailableClouds: new Set(),
    });
    expect(fromCli).toEqual(report.plan);
    compared++;
  }
  expect(compared).toBe(3);
  // The compared cycles saw a busy world, not an empty one.
  expect(condor.counters.started).toBeGreaterThan(5);
});
