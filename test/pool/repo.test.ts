import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RepoFetchError, RepoSyncConflictError } from "../../scheduler/pool/errors.js";
import { ConfigRepo } from "../../scheduler/pool/repo.js";
import { poolFileGitPath, writePoolFile } from "../../scheduler/pool/store.js";
import type { PoolFile } from "../../scheduler/pool/types.js";
import {
  EXAMPLE_CONFIG,
  git,
  humanCommit,
  makeLoneRepo,
  makeRepos,
  type RepoSet,
} from "./git-fixture.js";

function pool(cloud: string, names: string[]): PoolFile {
  return {
    version: 1,
    cloud,
    workers: names.map((name) => ({
      name,
      vmType: "demo-vm",
      image: "cernvm-demo",
      flavor: "m1.small",
      cores: 2,
      ramMb: 4096,
      diskGb: 20,
      state: "booting" as const,
      createdAt: 1_750_000_000,
      keepAliveSeconds: 600,
    })),
  };
}

let repos: RepoSet;
beforeEach(() => {
  repos = makeRepos();
});
afterEach(() => repos.cleanup());

async function schedulerCommits(repo: ConfigRepo, cloud: string, names: string[], message: string) {
  await writePoolFile(repos.scheduler, pool(cloud, names));
  return repo.commitPools([poolFileGitPath(cloud)], message);
}

describe("ConfigRepo.commitPools", () => {
  it("commits changed pool files as cloudscheduler with the given message", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    const sha = await schedulerCommits(
      repo,
      "alberta",
      ["cs-alberta-demo-vm-0001"],
      "alberta: +1 demo-vm for 3 idle jobs",
    );
    expect(sha).toBe(await repo.head());
    expect(git(repos.scheduler, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%B")).toBe(
      "cloudscheduler <cloudscheduler@localhost>|cloudscheduler <cloudscheduler@localhost>|alberta: +1 demo-vm for 3 idle jobs",
    );
    expect(git(repos.scheduler, "show", "--name-only", "--format=", "HEAD")).toBe(
      "pool/alberta.json",
    );
  });

  it("makes no commit when nothing changed", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    await schedulerCommits(repo, "alberta", ["w1"], "alberta: +1");
    const head = await repo.head();
    expect(await schedulerCommits(repo, "alberta", ["w1"], "alberta: nothing")).toBeUndefined();
    expect(await repo.head()).toBe(head);
  });

  it("leaves a human's uncommitted config edit out of the pool commit", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    writeFileSync(join(repos.scheduler, "cloudscheduler.yaml"), `${EXAMPLE_CONFIG}# draft\n`);
    git(repos.scheduler, "add", "cloudscheduler.yaml");
    await schedulerCommits(repo, "alberta", ["w1"], "alberta: +1");
    expect(git(repos.scheduler, "show", "--name-only", "--format=", "HEAD")).toBe(
      "pool/alberta.json",
    );
    expect(git(repos.scheduler, "diff", "--cached", "--name-only")).toBe("cloudscheduler.yaml");
  });

  it("refuses files outside pool/", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    await expect(repo.commitPools(["cloudscheduler.yaml"], "sneaky")).rejects.toThrow(
      /only pool\//,
    );
  });
});

describe("ConfigRepo.sync", () => {
  it("is a no-op without a remote", async () => {
    const lone = makeLoneRepo();
    try {
      const repo = await ConfigRepo.open(lone.dir);
      const result = await repo.sync();
      expect(result.outcome).toBe("no-remote");
      expect(result.after).toBe(result.before);
    } finally {
      lone.cleanup();
    }
  });

  it("fast-forwards to a human's pushed commit", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    const sha = humanCommit(
      repos.human,
      { "cloudscheduler.yaml": EXAMPLE_CONFIG.replace("weight: 2", "weight: 3") },
      "alberta: weight 3",
    );
    git(repos.human, "push", "-q", "origin", "main");
    const result = await repo.sync();
    expect(result.outcome).toBe("fast-forwarded");
    expect(result.after).toBe(sha);
    expect(readFileSync(join(repos.scheduler, "cloudscheduler.yaml"), "utf8")).toContain(
      "weight: 3",
    );
    expect((await repo.sync()).outcome).toBe("up-to-date");
  });

  it("rebases pool commits over a human config commit, keeps the message, and pushes", async () => {
    const repo = await ConfigRepo.open(repos.scheduler, { push: true });
    await schedulerCommits(repo, "alberta", ["w1"], "alberta: +1 demo-vm for 2 idle jobs");
    const human = humanCommit(
      repos.human,
      { "cloudscheduler.yaml": EXAMPLE_CONFIG.replace("weight: 2", "weight: 3") },
      "alberta: weight 3",
    );
    git(repos.human, "push", "-q", "origin", "main");

    const result = await repo.sync();
    expect(result.outcome).toBe("rebased");
    expect(result.pushed).toBe(1);
    expect(result.pushError).toBeUndefined();
    expect(git(repos.scheduler, "rev-parse", "HEAD~1")).toBe(human);
    expect(git(repos.scheduler, "log", "-1", "--format=%s|%an")).toBe(
      "alberta: +1 demo-vm for 2 idle jobs|cloudscheduler",
    );
    expect(git(repos.remote, "rev-parse", "main")).toBe(result.after);
    expect(existsSync(join(repos.scheduler, ".git", "rebase-merge"))).toBe(false);
  });

  it("does not push unless asked to", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    await schedulerCommits(repo, "alberta", ["w1"], "alberta: +1");
    const before = git(repos.remote, "rev-parse", "main");
    const result = await repo.sync();
    expect(result).toMatchObject({ outcome: "ahead", pushed: 0 });
    expect(git(repos.remote, "rev-parse", "main")).toBe(before);
  });

  it("aborts a conflicting rebase cleanly with a typed error", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    await schedulerCommits(repo, "alberta", ["w1"], "alberta: +1");
    const ours = await repo.head();
    // Someone (against the rules) edits the same pool file on the remote.
    await writePoolFile(repos.human, pool("alberta", ["hand-made"]));
    git(repos.human, "add", "pool/alberta.json");
    git(
      repos.human,
      "-c",
      "user.name=Alice",
      "-c",
      "user.email=a@example.org",
      "commit",
      "-qm",
      "hand edit",
    );
    git(repos.human, "push", "-q", "origin", "main");

    const error = await repo.sync().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RepoSyncConflictError);
    expect((error as RepoSyncConflictError).reason).toBe("rebase-conflict");
    expect(await repo.head()).toBe(ours);
    expect(git(repos.scheduler, "status", "--porcelain")).toBe("");
    expect(existsSync(join(repos.scheduler, ".git", "rebase-merge"))).toBe(false);
    expect(existsSync(join(repos.scheduler, ".git", "rebase-apply"))).toBe(false);
  });

  it("never rebases local commits that touch more than pool/", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    humanCommit(
      repos.scheduler,
      { "cloudscheduler.yaml": `${EXAMPLE_CONFIG}# local\n` },
      "local edit",
    );
    humanCommit(
      repos.human,
      { "cloudscheduler.yaml": `${EXAMPLE_CONFIG}# remote\n` },
      "remote edit",
    );
    git(repos.human, "push", "-q", "origin", "main");
    const head = await repo.head();
    const error = await repo.sync().catch((err: unknown) => err);
    expect((error as RepoSyncConflictError).reason).toBe("not-pool-only");
    expect(await repo.head()).toBe(head);
  });

  it("reports a push failure without failing the sync", async () => {
    const repo = await ConfigRepo.open(repos.scheduler, { push: true });
    await schedulerCommits(repo, "alberta", ["w1"], "alberta: +1");
    // A pre-receive hook that refuses everything stands in for a protected branch.
    const hook = join(repos.remote, "hooks", "pre-receive");
    writeFileSync(hook, "#!/bin/sh\necho 'branch is protected' >&2\nexit 1\n", { mode: 0o755 });
    const result = await repo.sync();
    expect(result.outcome).toBe("ahead");
    expect(result.pushed).toBe(0);
    expect(result.pushError).toBeTruthy();
  });

  it("throws RepoFetchError when the remote is gone", async () => {
    const repo = await ConfigRepo.open(repos.scheduler);
    git(repos.scheduler, "remote", "set-url", "origin", join(repos.root, "nowhere.git"));
    await expect(repo.sync()).rejects.toBeInstanceOf(RepoFetchError);
  });
});
