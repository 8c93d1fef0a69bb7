// The watcher on real temp git repos with real chokidar file watching.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../scheduler/config/problem.js";
import { ConfigRepo } from "../../scheduler/pool/repo.js";
import {
  type ConfigEvent,
  ConfigWatcher,
  type IntervalTimer,
} from "../../scheduler/watch/config-watch.js";
import { EXAMPLE_CONFIG, git, humanCommit, makeRepos, type RepoSet } from "../pool/git-fixture.js";

let repos: RepoSet;
let watcher: ConfigWatcher | undefined;
beforeEach(() => {
  repos = makeRepos();
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  repos.cleanup();
});

async function waitFor<T>(find: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error("timed out waiting for a watcher event");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A timer the test fires by hand. */
function manualTimer(): IntervalTimer & { fire(): void; active(): number } {
  const runs = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval: (run) => {
      runs.set(next, run);
      return next++;
    },
    clearInterval: (handle) => {
      runs.delete(handle as number);
    },
    fire: () => {
      for (const run of runs.values()) run();
    },
    active: () => runs.size,
  };
}

const configFile = () => join(repos.scheduler, "cloudscheduler.yaml");

describe("ConfigWatcher", () => {
  it("applies only committed config: an uncommitted edit is reported, not applied (observation 7); a broken commit is rejected keeping the last good; the fix is accepted", async () => {
    const events: ConfigEvent[] = [];
    const warnings: string[] = [];
    const repo = await ConfigRepo.open(repos.scheduler);
    watcher = await ConfigWatcher.start({
      dir: repos.scheduler,
      repo,
      syncIntervalSeconds: 0,
      settleMs: 50,
      onEvent: (e) => events.push(e),
      logger: {
        info: () => undefined,
        warn: (_fields, message) => warnings.push(message),
        error: () => undefined,
      },
    });
    const head = await repo.head();
    expect(watcher.current().revision).toBe(head);
    expect(watcher.current().config.clouds.alberta?.weight).toBe(2);

    // Edited, not committed: never applied, said once.
    writeFileSync(configFile(), EXAMPLE_CONFIG.replace("weight: 2", "weight: 5"));
    await waitFor(() => (warnings.some((w) => /uncommitted edits/.test(w)) ? true : undefined));
    expect(events).toEqual([]);
    expect(watcher.current()).toMatchObject({ revision: head });
    expect(watcher.current().config.clouds.alberta?.weight).toBe(2);

    // Committed: applied, with the commit as its revision (never "+dirty").
    const weight5 = humanCommit(
      repos.scheduler,
      { "cloudscheduler.yaml": EXAMPLE_CONFIG.replace("weight: 2", "weight: 5") },
      "weight 5",
    );
    const accepted = await waitFor(() => events.find((e) => e.type === "config"));
    expect(accepted.type === "config" && accepted.config.clouds.alberta?.weight).toBe(5);
    expect(accepted.type === "config" && accepted.revision).toBe(weight5);

    const broken = humanCommit(
      repos.scheduler,
      { "cloudscheduler.yaml": EXAMPLE_CONFIG.replace("cores: 40", "cores: -4") },
      "broken",
    );
    const rejected = await waitFor(() => events.find((e) => e.type === "rejected"));
    expect(rejected.type === "rejected" && rejected.revision).toBe(broken);
    expect(
      rejected.type === "rejected" &&
        rejected.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}`),
    ).toEqual(["cloudscheduler.yaml:12:29 clouds.alberta.quota.cores"]);
    expect(watcher.current().config.clouds.alberta?.weight).toBe(5);
    expect(watcher.current().config.clouds.alberta?.quota.cores).toBe(40);

    humanCommit(
      repos.scheduler,
      { "cloudscheduler.yaml": EXAMPLE_CONFIG.replace("cores: 40", "cores: 48") },
      "fix",
    );
    await waitFor(() =>
      events.filter((e) => e.type === "config").length === 2 ? true : undefined,
    );
    expect(watcher.current().config.clouds.alberta?.quota.cores).toBe(48);
    expect(watcher.current().config.clouds.alberta?.weight).toBe(2);
  });

  it("reports a deleted file as rejected and keeps running", async () => {
    const events: ConfigEvent[] = [];
    watcher = await ConfigWatcher.start({
      dir: repos.scheduler,
      syncIntervalSeconds: 0,
      settleMs: 50,
      onEvent: (e) => events.push(e),
    });
    git(repos.scheduler, "rm", "-q", "cloudscheduler.yaml");
    const rejected = await waitFor(() => events.find((e) => e.type === "rejected"));
    expect(rejected.type === "rejected" && rejected.problems[0]?.message).toBe("file not found");
    expect(watcher.current().config.clouds.victoria).toBeDefined();
  });

  it("picks up a commit pushed to the remote on the periodic sync", async () => {
    const events: ConfigEvent[] = [];
    const timer = manualTimer();
    const repo = await ConfigRepo.open(repos.scheduler);
    watcher = await ConfigWatcher.start({
      dir: repos.scheduler,
      repo,
      timer,
      syncIntervalSeconds: 30,
      settleMs: 50,
      onEvent: (e) => events.push(e),
    });
    expect(timer.active()).toBe(1);
    const sha = humanCommit(
      repos.human,
      {
        "cloudscheduler.yaml": EXAMPLE_CONFIG.replace(
          "max_boots_per_cycle: 5",
          "max_boots_per_cycle: 2",
        ),
      },
      "policy: fewer boots",
    );
    git(repos.human, "push", "-q", "origin", "main");

    timer.fire();
    const accepted = await waitFor(() => events.find((e) => e.type === "config"));
    expect(accepted.type === "config" && accepted.revision).toBe(sha);
    expect(watcher.current().config.policy.max_boots_per_cycle).toBe(2);
    // The file watcher saw the same change: still one event.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.filter((e) => e.type === "config")).toHaveLength(1);

    await watcher.close();
    expect(timer.active()).toBe(0);
  });

  it("reports a pushed invalid commit as rejected with its sha and keeps the last good", async () => {
    const events: ConfigEvent[] = [];
    const repo = await ConfigRepo.open(repos.scheduler);
    watcher = await ConfigWatcher.start({
      dir: repos.scheduler,
      repo,
      timer: manualTimer(),
      settleMs: 50,
      onEvent: (e) => events.push(e),
    });
    const bad = humanCommit(
      repos.human,
      { "cloudscheduler.yaml": EXAMPLE_CONFIG.replace("weight: 1\n", "wieght: 1\n") },
      "typo",
    );
    git(repos.human, "push", "-q", "origin", "main");
    await watcher.syncNow();
    const rejected = await waitFor(() => events.find((e) => e.type === "rejected"));
    expect(rejected.type === "rejected" && rejected.revision).toBe(bad);
    expect(rejected.type === "rejected" && rejected.problems[0]?.message).toMatch(
      /did you mean 'weight'/,
    );
    expect(watcher.current().config.clouds.victoria?.weight).toBe(1);
  });

  it("reports a failed sync as an event, not an exception", async () => {
    const events: ConfigEvent[] = [];
    const repo = await ConfigRepo.open(repos.scheduler);
    git(repos.scheduler, "remote", "set-url", "origin", join(repos.root, "gone.git"));
    watcher = await ConfigWatcher.start({
      dir: repos.scheduler,
      repo,
      timer: manualTimer(),
      settleMs: 50,
      onEvent: (e) => events.push(e),
    });
    await watcher.syncNow();
    expect(events.map((e) => e.type)).toEqual(["sync-failed"]);
  });

  it("refuses to start on an invalid config", async () => {
    writeFileSync(configFile(), "version: 1\nclouds: {}\n");
    await expect(
      ConfigWatcher.start({
        dir: repos.scheduler,
        syncIntervalSeconds: 0,
        onEvent: () => undefined,
      }),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
