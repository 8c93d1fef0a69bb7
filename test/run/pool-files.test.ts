// The pool files on a real git repo: write-and-commit is one step under the repo's lock, so the
// watcher's sync never finds them half-made (observation 7: two writers shared the working tree
// with no lock), and a change a failed commit left behind is committed by the next save.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigRepo } from "../../scheduler/pool/repo.js";
import { readPoolFile } from "../../scheduler/pool/store.js";
import { RepoPoolFiles } from "../../scheduler/run/pool-files.js";
import { NOW, poolWorker } from "../plan/world.js";
import { EXAMPLE_CONFIG, git, humanCommit, makeRepos, type RepoSet } from "../pool/git-fixture.js";

let repos: RepoSet;
beforeEach(() => {
  repos = makeRepos();
});
afterEach(() => repos.cleanup());

describe("RepoPoolFiles", () => {
  it("never lets a sync run between writing pool files and committing them", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    const files = new RepoPoolFiles(repo);
    // Our earlier pool commit and a human's config commit on the remote: the sync must rebase,
    // which it refuses to do over uncommitted pool files (RepoSyncConflictError dirty-work-tree).
    await files.save({ alberta: [poolWorker("cs-alberta-demo-vm-0001")] }, () => "first");
    humanCommit(
      repos.human,
      { "cloudscheduler.yaml": EXAMPLE_CONFIG.replace("weight: 2", "weight: 3") },
      "weight 3",
    );
    git(repos.human, "push", "-q", "origin", "main");

    // The cycle's step holds the lock from writing to committing; the watcher's sync arrives
    // in between and must wait for it.
    let synced: Promise<unknown> | undefined;
    let settledEarly = false;
    await repo.exclusive(async (tx) => {
      writeFileSync(
        join(repos.scheduler, "pool", "alberta.json"),
        `${JSON.stringify({ version: 1, cloud: "alberta", workers: [poolWorker("cs-alberta-demo-vm-0002", { createdAt: NOW })] }, null, 2)}\n`,
      );
      synced = repo.sync();
      const mark = () => {
        settledEarly = true;
      };
      synced.then(mark, mark);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await tx.commitPools(["pool/alberta.json"], "second");
    });
    expect(settledEarly).toBe(false);
    await expect(synced).resolves.toMatchObject({ outcome: "rebased" });
    expect(git(repos.scheduler, "status", "--porcelain")).toBe("");
    expect(git(repos.scheduler, "log", "--format=%s", "-3").split("\n")).toEqual([
      "second",
      "first",
      "weight 3",
    ]);
  });

  it("commits a change a failed commit left in the working tree, and creates no empty pool file", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    const files = new RepoPoolFiles(repo);
    // A pool file written by a cycle whose commit failed (left uncommitted).
    const leftover = poolWorker("cs-alberta-demo-vm-0001");
    mkdirSync(join(repos.scheduler, "pool"), { recursive: true });
    writeFileSync(
      join(repos.scheduler, "pool", "alberta.json"),
      `${JSON.stringify({ version: 1, cloud: "alberta", workers: [leftover] }, null, 2)}\n`,
    );
    const saved = await files.save(
      { alberta: [leftover], victoria: [] },
      (paths) => `commit ${paths.join(" ")}`,
    );
    expect(saved.paths).toEqual(["pool/alberta.json"]);
    expect(git(repos.scheduler, "log", "-1", "--format=%s")).toBe("commit pool/alberta.json");
    expect(await readPoolFile(repos.scheduler, "victoria")).toBeUndefined();
  });

  it("fails a save whose pool file cannot be written, naming it, with the other files whole and nothing committed", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    const files = new RepoPoolFiles(repo);
    await files.save({ alberta: [poolWorker("cs-alberta-demo-vm-0001")] }, () => "first");
    // victoria's pool file is a directory: renaming the written file over it fails.
    mkdirSync(join(repos.scheduler, "pool", "victoria.json", "blocked"), { recursive: true });
    const save = files.save(
      {
        alberta: [poolWorker("cs-alberta-demo-vm-0001"), poolWorker("cs-alberta-demo-vm-0002")],
        victoria: [poolWorker("cs-victoria-demo-vm-0001")],
      },
      () => "second",
    );
    await expect(save).rejects.toThrow(/victoria\.json/);
    // The other write ended (its file is whole), and nothing was committed.
    expect((await readPoolFile(repos.scheduler, "alberta"))?.workers.map((w) => w.name)).toEqual([
      "cs-alberta-demo-vm-0001",
      "cs-alberta-demo-vm-0002",
    ]);
    expect(git(repos.scheduler, "log", "-1", "--format=%s")).toBe("first");
  });
});
