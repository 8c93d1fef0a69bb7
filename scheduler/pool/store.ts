// pool/<cloud>.json in the config repo: read (validated), list, and write atomically with a
// stable format, so an unchanged pool is byte-identical and git sees no change.
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename as renameFile, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { PoolFileError } from "./errors.js";
import type { PoolFile } from "./types.js";

export const POOL_DIR = "pool";

/** Cloud names as the config schema allows them; anything else in pool/ is not a pool file. */
const POOL_FILE_NAME = /^([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)\.json$/;

const unixSeconds = z.number().int().nonnegative();

// Key order here is the key order on disk (zod builds its output in shape order).
const poolWorkerSchema = z
  .object({
    name: z.string().min(1),
    vmType: z.string().min(1),
    image: z.string().min(1),
    flavor: z.string().min(1),
    cores: z.number().int().positive(),
    ramMb: z.number().int().positive(),
    diskGb: z.number().int().positive(),
    state: z.enum(["booting", "registered", "draining", "failed"]),
    createdAt: unixSeconds,
    idleSince: unixSeconds.optional(),
    drainStartedAt: unixSeconds.optional(),
    keepAliveSeconds: z.number().int().nonnegative(),
    // Added after the first release: optional, so pool files written before still read.
    machine: z.string().min(1).max(255).optional(),
    launch: z
      .string()
      .regex(/^[0-9a-f]{8,64}$/)
      .optional(),
    missingSince: unixSeconds.optional(),
  })
  .strict();

const poolFileSchema = z
  .object({
    version: z.literal(1),
    cloud: z.string().min(1),
    workers: z.array(poolWorkerSchema),
  })
  .strict();

export function poolFilePath(repoDir: string, cloud: string): string {
  return join(repoDir, POOL_DIR, `${cloud}.json`);
}

/** The pool file's path relative to the repo root, as git names it. */
export function poolFileGitPath(cloud: string): string {
  return `${POOL_DIR}/${cloud}.json`;
}

/** Validates pool file text; `file` names it in errors. Throws PoolFileError. */
export function parsePoolFile(text: string, file: string, cloud: string): PoolFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PoolFileError(file, `not valid JSON: ${(err as Error).message}`);
  }
  const result = poolFileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new PoolFileError(file, `${where}${issue?.message ?? "invalid pool file"}`);
  }
  if (result.data.cloud !== cloud) {
    throw new PoolFileError(file, `cloud is "${result.data.cloud}", expected "${cloud}"`);
  }
  const names = new Set<string>();
  for (const worker of result.data.workers) {
    if (names.has(worker.name)) throw new PoolFileError(file, `duplicate worker "${worker.name}"`);
    names.add(worker.name);
  }
  return result.data;
}

/** The cloud's pool, or undefined when it has no pool file yet. A corrupt file throws PoolFileError. */
export async function readPoolFile(repoDir: string, cloud: string): Promise<PoolFile | undefined> {
  const file = poolFilePath(repoDir, cloud);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new PoolFileError(file, `cannot read: ${(err as Error).message}`);
  }
  return parsePoolFile(text, file, cloud);
}

/** Clouds that have a pool file, sorted. Temp files of an interrupted write are not pool files. */
export async function listPoolClouds(repoDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(join(repoDir, POOL_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return entries
    .map((entry) => POOL_FILE_NAME.exec(entry)?.[1])
    .filter((cloud): cloud is string => cloud !== undefined)
    .sort();
}

/** The canonical text of a pool: schema key order, workers sorted by name, 2 spaces, final newline. */
export function formatPoolFile(pool: PoolFile): string {
  const canonical = poolFileSchema.parse({
    ...pool,
    workers: [...pool.workers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  });
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

export interface WritePoolOptions {
  /** The final rename; tests pass one that fails to simulate a crash before it. */
  rename?: (from: string, to: string) => Promise<void>;
}

/**
 * Writes the cloud's pool file atomically (temp file in the same directory, fsync, rename, fsync
 * of the directory). Returns false, without touching the file, when the content is unchanged.
 */
export async function writePoolFile(
  repoDir: string,
  pool: PoolFile,
  options: WritePoolOptions = {},
): Promise<boolean> {
  const file = poolFilePath(repoDir, pool.cloud);
  const text = formatPoolFile(pool);
  const current = await readFile(file, "utf8").catch(() => undefined);
  if (current === text) return false;

  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", 0o644);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await (options.rename ?? renameFile)(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDir(dir);
  return true;
}

/** Makes the rename itself durable; some filesystems refuse to fsync a directory, which is fine. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/** Deletes the cloud's pool file (a removed cloud, once its stack is destroyed). False if absent. */
export async function removePoolFile(repoDir: string, cloud: string): Promise<boolean> {
  const file = poolFilePath(repoDir, cloud);
  try {
    await rm(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  await syncDir(dirname(file));
  return true;
}
