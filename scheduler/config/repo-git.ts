// Makes a scaffolded directory a git repo with a first commit (`cloudscheduler init`).
import { CheckRepoActions, simpleGit } from "simple-git";
import { GIT_ENV, gitEnv } from "../secrets/child-env.js";

export interface RepoInitResult {
  /** Hash of the first commit. */
  commit: string;
  branch: string;
  /** True when no git identity was configured and a repo-local one was set. */
  identitySet: boolean;
}

/** Repo-local identity for machines with none (fresh CI runners); the user's wins otherwise. */
export const FALLBACK_IDENTITY = { name: "cloudscheduler", email: "cloudscheduler@localhost" };

/**
 * `git init -b main` (or reuse an existing repo), add the scaffold's files, first commit.
 * `env` is passed to git, so tests control HOME and GIT_CONFIG_* without touching process.env.
 */
export async function initConfigRepo(
  dir: string,
  files: readonly string[],
  env: NodeJS.ProcessEnv,
  message = "cloudscheduler init: config repo scaffold",
): Promise<RepoInitResult> {
  // git sees only its own variables (secrets/child-env.ts); simple-git itself refuses those that
  // can change what git executes.
  const childEnv = gitEnv(env);
  const git = simpleGit({
    baseDir: dir,
    allowEnvironment: GIT_ENV.names.filter((k) => k.startsWith("GIT_")),
    // The user's own GIT_CONFIG_GLOBAL/SYSTEM, passed through as git itself would read them.
    unsafe: {
      allowUnsafeConfigPaths: "GIT_CONFIG_GLOBAL" in childEnv || "GIT_CONFIG_SYSTEM" in childEnv,
    },
  }).env(childEnv);
  const branch = "main";
  if (!(await git.checkIsRepo(CheckRepoActions.IS_REPO_ROOT))) await git.init(["-b", branch]);
  let identitySet = false;
  // An identity from the environment counts as much as one from git config.
  const name =
    (await git.getConfig("user.name")).value ?? (env.GIT_COMMITTER_NAME && env.GIT_AUTHOR_NAME);
  const email =
    (await git.getConfig("user.email")).value ??
    ((env.GIT_COMMITTER_EMAIL && env.GIT_AUTHOR_EMAIL) || env.EMAIL);
  if (!name || !email) {
    if (!name) await git.addConfig("user.name", FALLBACK_IDENTITY.name, false, "local");
    if (!email) await git.addConfig("user.email", FALLBACK_IDENTITY.email, false, "local");
    identitySet = true;
  }
  // Only the scaffold: with --force the directory may hold files nobody meant to commit.
  await git.add([...files]);
  const result = await git.commit(message);
  const current = (await git.revparse(["--abbrev-ref", "HEAD"])).trim();
  return { commit: result.commit, branch: current || branch, identitySet };
}
