// Real git repos in a temp dir: a bare "remote", a human's clone and the scheduler's clone.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const EXAMPLE_CONFIG = readFileSync(
  new URL("../fixtures/pool/cloudscheduler.yaml", import.meta.url),
  "utf8",
);

/** Git without the host's config, so tests behave the same everywhere. */
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    env: GIT_ENV,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** Commits as a human would, with their own identity. */
export function humanCommit(dir: string, files: Record<string, string>, message: string): string {
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  git(dir, "add", "--", ...Object.keys(files));
  git(
    dir,
    "-c",
    "user.name=Alice Admin",
    "-c",
    "user.email=alice@example.org",
    "commit",
    "-qm",
    message,
  );
  return git(dir, "rev-parse", "HEAD");
}

export interface RepoSet {
  root: string;
  remote: string;
  human: string;
  scheduler: string;
  cleanup(): void;
}

/** A bare remote holding one commit of the example config, cloned twice. */
export function makeRepos(): RepoSet {
  const root = mkdtempSync(join(tmpdir(), "cs-repo-"));
  const remote = join(root, "remote.git");
  const human = join(root, "human");
  const scheduler = join(root, "scheduler");
  git(root, "init", "-q", "--bare", "-b", "main", remote);
  git(root, "clone", "-q", remote, human);
  git(human, "checkout", "-q", "-b", "main");
  humanCommit(human, { "cloudscheduler.yaml": EXAMPLE_CONFIG }, "Initial site config");
  git(human, "push", "-q", "origin", "main");
  git(root, "clone", "-q", remote, scheduler);
  return {
    root,
    remote,
    human,
    scheduler,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A repo without a remote. */
export function makeLoneRepo(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "cs-lone-"));
  git(dir, "init", "-q", "-b", "main");
  humanCommit(dir, { "cloudscheduler.yaml": EXAMPLE_CONFIG }, "Initial site config");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
