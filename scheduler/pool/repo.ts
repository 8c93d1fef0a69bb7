// The config repo's working tree as the scheduler uses it: which commit is checked out, commit
// the pool files, and keep in step with the remote (policy: scheduler/pool/README.md).
import { type SimpleGit, simpleGit } from "simple-git";
import { gitEnv } from "../secrets/child-env.js";
import { RepoFetchError, RepoSyncConflictError } from "./errors.js";
import { RepoLock } from "./repo-lock.js";
import { POOL_DIR } from "./store.js";

export interface GitIdentity {
  name: string;
  email: string;
}

export const SCHEDULER_IDENTITY: GitIdentity = {
  name: "cloudscheduler",
  email: "cloudscheduler@localhost",
};

export interface ConfigRepoOptions {
  /** Remote to follow; default "origin". */
  remote?: string;
  /** Branch to follow on the remote; default the branch checked out. */
  branch?: string;
  /** Push our pool commits to the remote after syncing; default false. */
  push?: boolean;
  /** Author and committer of pool commits; default cloudscheduler <cloudscheduler@localhost>. */
  identity?: GitIdentity;
}

export type SyncOutcome =
  /** No such remote: nothing to follow. */
  | "no-remote"
  | "up-to-date"
  | "fast-forwarded"
  /** Our pool-only commits were replayed on top of the remote's. */
  | "rebased"
  /** Only we have new commits. */
  | "ahead";

export interface SyncResult {
  outcome: SyncOutcome;
  before: string;
  after: string;
  /** Commits pushed; 0 when pushing is off or there was nothing to push. */
  pushed: number;
  /** Why the push failed; the cycle carries on and the next sync tries again. */
  pushError?: string;
}

/** What a task holding the repo's lock may do (ConfigRepo.exclusive). */
export interface RepoTransaction {
  head(): Promise<string>;
  changed(paths?: string[]): Promise<string[]>;
  commitPools(files: string[], message: string): Promise<string | undefined>;
}

export class ConfigRepo {
  private readonly git: SimpleGit;
  private readonly remote: string;
  private readonly push: boolean;
  /** Every git command of this working tree goes through it (see repo-lock.ts). */
  private readonly lock = new RepoLock();

  private constructor(
    readonly dir: string,
    options: ConfigRepoOptions,
    private readonly branch: string,
  ) {
    const identity = options.identity ?? SCHEDULER_IDENTITY;
    this.remote = options.remote ?? "origin";
    this.push = options.push ?? false;
    // -c sets author and committer for every command, whatever the host's git config says.
    // git sees only its own variables (secrets/child-env.ts): no cloud password, no passphrase.
    const env = gitEnv(process.env);
    this.git = simpleGit({
      baseDir: dir,
      config: [`user.name=${identity.name}`, `user.email=${identity.email}`],
      unsafe: { allowUnsafeConfigPaths: "GIT_CONFIG_GLOBAL" in env || "GIT_CONFIG_SYSTEM" in env },
    }).env(env);
  }

  /** Opens the working tree at `dir`; it must be a git repo with a branch checked out. */
  static async open(dir: string, options: ConfigRepoOptions = {}): Promise<ConfigRepo> {
    const git = simpleGit({ baseDir: dir }).env(gitEnv(process.env));
    const branch = options.branch ?? (await git.raw(["symbolic-ref", "--short", "HEAD"])).trim();
    return new ConfigRepo(dir, options, branch);
  }

  /** Runs `task` holding the repo's lock: no sync or commit interleaves with it. */
  exclusive<T>(task: (tx: RepoTransaction) => Promise<T>): Promise<T> {
    return this.lock.run(() =>
      task({
        head: () => this.headLocked(),
        changed: (paths = []) => this.changedPaths(paths),
        commitPools: (files, message) => this.commitPoolsLocked(files, message),
      }),
    );
  }

  /** The commit checked out. */
  head(): Promise<string> {
    return this.lock.run(() => this.headLocked());
  }

  private async headLocked(): Promise<string> {
    return (await this.git.raw(["rev-parse", "HEAD"])).trim();
  }

  /** True when tracked files under `paths` (default: all) differ from HEAD, or are untracked. */
  isDirty(paths: string[] = []): Promise<boolean> {
    return this.lock.run(async () => (await this.changedPaths(paths)).length > 0);
  }

  /** Paths under `paths` that differ from HEAD or are untracked (deletions included). */
  changed(paths: string[] = []): Promise<string[]> {
    return this.lock.run(() => this.changedPaths(paths));
  }

  /** git's HEAD and its log: they change whenever HEAD moves (commit, merge, checkout). */
  headFiles(): Promise<string[]> {
    return this.lock.run(async () => {
      const gitDir = (await this.git.raw(["rev-parse", "--absolute-git-dir"])).trim();
      return [`${gitDir}/HEAD`, `${gitDir}/logs/HEAD`];
    });
  }

  /** The committed (HEAD) content of `path`, or undefined when HEAD has no such file. */
  committedText(path: string): Promise<string | undefined> {
    return this.lock.run(async () => {
      try {
        return await this.git.raw(["show", `HEAD:${path}`]);
      } catch {
        return undefined;
      }
    });
  }

  private async changedPaths(paths: string[]): Promise<string[]> {
    const out = await this.git.raw([
      "status",
      "--porcelain",
      "--untracked-files=all",
      "--",
      ...paths,
    ]);
    return out
      .split("\n")
      .filter((line) => line.length > 3)
      .map((line) => line.slice(3).replace(/^"|"$/g, ""))
      .map((path) => (path.includes(" -> ") ? (path.split(" -> ")[1] ?? path) : path));
  }

  /**
   * Commits the given pool files (paths relative to the repo, under pool/; deletions included)
   * with `message`. Other staged or modified files are left alone. Returns the new commit, or
   * undefined when none of the files changed.
   */
  commitPools(files: string[], message: string): Promise<string | undefined> {
    return this.lock.run(() => this.commitPoolsLocked(files, message));
  }

  private async commitPoolsLocked(files: string[], message: string): Promise<string | undefined> {
    const outside = files.filter((file) => !file.startsWith(`${POOL_DIR}/`) || file.includes(".."));
    if (outside.length > 0) {
      throw new Error(
        `commitPools: only ${POOL_DIR}/ files may be committed, got ${outside.join(", ")}`,
      );
    }
    if (files.length === 0) return undefined;
    await this.git.raw(["add", "--all", "--", ...files]);
    const staged = await this.git.raw(["diff", "--cached", "--name-only", "--", ...files]);
    if (staged.trim() === "") return undefined;
    // "--only" with a pathspec commits just these files even if a human staged something else.
    await this.git.raw([
      "commit",
      "--quiet",
      "--no-verify",
      "--only",
      "-m",
      message,
      "--",
      ...files,
    ]);
    return this.headLocked();
  }

  /**
   * Follows the remote: fetch; fast-forward when only the remote moved; replay our pool-only
   * commits on top when both moved (aborting cleanly on conflict); push when enabled.
   */
  sync(): Promise<SyncResult> {
    return this.lock.run(() => this.syncLocked());
  }

  private async syncLocked(): Promise<SyncResult> {
    const before = await this.headLocked();
    const remotes = (await this.git.raw(["remote"])).split("\n").map((r) => r.trim());
    if (!remotes.includes(this.remote)) {
      return { outcome: "no-remote", before, after: before, pushed: 0 };
    }
    try {
      await this.git.raw(["fetch", "--quiet", this.remote, this.branch]);
    } catch (err) {
      throw new RepoFetchError(this.remote, firstLine(err));
    }
    const upstream = `${this.remote}/${this.branch}`;
    const [ahead, behind] = await this.aheadBehind(upstream);

    let outcome: SyncOutcome = ahead > 0 ? "ahead" : "up-to-date";
    if (behind > 0 && ahead === 0) {
      try {
        await this.git.raw(["merge", "--ff-only", "--quiet", upstream]);
      } catch (err) {
        throw new RepoSyncConflictError("ff-failed", firstLine(err));
      }
      outcome = "fast-forwarded";
    } else if (behind > 0) {
      await this.rebasePoolCommits(upstream);
      outcome = "rebased";
    }

    const after = await this.headLocked();
    const result: SyncResult = { outcome, before, after, pushed: 0 };
    const [toPush] = await this.aheadBehind(upstream);
    if (this.push && toPush > 0) {
      try {
        await this.git.raw(["push", "--quiet", this.remote, `HEAD:refs/heads/${this.branch}`]);
        result.pushed = toPush;
      } catch (err) {
        result.pushError = firstLine(err);
      }
    }
    return result;
  }

  private async aheadBehind(upstream: string): Promise<[number, number]> {
    const out = await this.git.raw(["rev-list", "--left-right", "--count", `HEAD...${upstream}`]);
    const [ahead = 0, behind = 0] = out.trim().split(/\s+/).map(Number);
    return [ahead, behind];
  }

  private async rebasePoolCommits(upstream: string): Promise<void> {
    const base = (await this.git.raw(["merge-base", "HEAD", upstream])).trim();
    const touched = (await this.git.raw(["diff", "--name-only", base, "HEAD"]))
      .split("\n")
      .filter((file) => file !== "");
    const foreign = touched.filter((file) => !file.startsWith(`${POOL_DIR}/`));
    if (foreign.length > 0) {
      throw new RepoSyncConflictError(
        "not-pool-only",
        `local commits touch ${foreign.join(", ")}; resolve by hand (git pull --rebase)`,
      );
    }
    if ((await this.changedPaths([])).length > 0) {
      throw new RepoSyncConflictError(
        "dirty-work-tree",
        "uncommitted changes in the working tree; commit or discard them to let the scheduler sync",
      );
    }
    try {
      await this.git.raw(["rebase", "--quiet", upstream]);
    } catch (err) {
      await this.git.raw(["rebase", "--abort"]).catch(() => undefined);
      throw new RepoSyncConflictError("rebase-conflict", firstLine(err));
    }
  }
}

/** The telling line of a git error (a CONFLICT line if any), without credentials in URLs. */
function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const line = lines.find((l) => l.startsWith("CONFLICT")) ?? lines[0] ?? text;
  return line.replace(/:\/\/[^/@\s]+@/g, "://***@");
}
