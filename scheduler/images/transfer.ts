// Download from a source Glance into the local cache, hashing on the way with the algorithm
// Glance reports. The bytes land in a temp file that is renamed into place only when the
// hash matches; a mismatch or a cut deletes the temp file. A cached file is reused.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import type { GlanceClient, GlanceImage } from "../openstack/glance.js";
import { DigestStream } from "./digest.js";
import type { ProgressTask } from "./progress.js";

export { DEFAULT_CACHE_DIR } from "./cache-dir.js";

/** A verified local copy of an image's bytes. */
export interface CachedFile {
  path: string;
  sizeBytes: number;
  /** The algorithm and value Glance reported (os_hash_*, or md5 from `checksum`). */
  hashAlgo: string;
  hashValue: string;
  /** MD5 of the bytes (Glance's `checksum`), computed on the way. */
  md5: string;
}

/** The bytes do not match the hash Glance reports for them. */
export class HashMismatchError extends Error {
  override readonly name = "HashMismatchError";
  constructor(
    readonly where: string,
    readonly algo: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${where}: ${algo} mismatch: Glance reports ${expected}, the bytes hash to ${actual}`);
  }
}

/** The image cannot be copied as it is (not active, no data, no hash). */
export class ImageNotCopyableError extends Error {
  override readonly name = "ImageNotCopyableError";
}

/** The download ended with a different number of bytes than Glance reports. */
export class SizeMismatchError extends Error {
  override readonly name = "SizeMismatchError";
}

/** The hash to check an image's bytes against: os_hash_* when Glance has it, else md5. */
export function expectedHash(image: GlanceImage, cloud: string): { algo: string; value: string } {
  const label = `image '${image.name ?? ""}' (${image.id}) on cloud '${cloud}'`;
  if (image.status !== "active") {
    throw new ImageNotCopyableError(`${label} is ${image.status}, not active`);
  }
  if (image.os_hash_algo && image.os_hash_value)
    return { algo: image.os_hash_algo, value: image.os_hash_value };
  if (image.checksum) return { algo: "md5", value: image.checksum };
  throw new ImageNotCopyableError(`${label} has neither os_hash_value nor checksum`);
}

const sidecarSchema = z.object({
  sizeBytes: z.number(),
  hashAlgo: z.string(),
  hashValue: z.string(),
  md5: z.string(),
});

export interface DownloadOptions {
  glance: GlanceClient;
  image: GlanceImage;
  cacheDir: string;
  progress?: ProgressTask;
  signal?: AbortSignal;
}

/** The image's bytes in the cache, downloaded and verified unless already there. */
export async function downloadToCache(options: DownloadOptions): Promise<CachedFile> {
  const { glance, image, cacheDir } = options;
  const { algo, value } = expectedHash(image, glance.cloud);
  const key = `${algo}-${value}`;
  const path = join(cacheDir, key);
  await mkdir(cacheDir, { recursive: true });

  const cached = await readCached(path, algo, value);
  if (cached) {
    options.progress?.finish(`reusing verified cache file ${path}`);
    return cached;
  }

  const temp = `${path}.part-${process.pid}-${randomBytes(4).toString("hex")}`;
  const where = `download of image ${image.id} from cloud '${glance.cloud}'`;
  try {
    const { body } = await glance.downloadData(image.id, options.signal);
    const digest = new DigestStream([algo, "md5"], (n) => options.progress?.update(n));
    await pipeline(body, digest, createWriteStream(temp, { flags: "wx" }), {
      signal: options.signal,
    });
    const digests = digest.digests();
    const actual = digests[algo] ?? "";
    if (actual !== value.toLowerCase()) throw new HashMismatchError(where, algo, value, actual);
    if (typeof image.size === "number" && digest.bytes !== image.size) {
      throw new SizeMismatchError(
        `${where}: got ${digest.bytes} bytes, Glance reports ${image.size}`,
      );
    }
    const md5 = digests.md5 ?? "";
    if (image.checksum && md5 !== image.checksum.toLowerCase()) {
      throw new HashMismatchError(where, "md5", image.checksum, md5);
    }
    const file: CachedFile = {
      path,
      sizeBytes: digest.bytes,
      hashAlgo: algo,
      hashValue: value,
      md5,
    };
    // The sidecar first: a data file without one is never trusted.
    await writeFile(`${path}.json`, JSON.stringify({ ...file, path: undefined }));
    await rename(temp, path);
    options.progress?.finish(`downloaded and verified (${algo})`);
    return file;
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function readCached(
  path: string,
  algo: string,
  value: string,
): Promise<CachedFile | undefined> {
  try {
    const [info, text] = await Promise.all([stat(path), readFile(`${path}.json`, "utf8")]);
    const meta = sidecarSchema.parse(JSON.parse(text));
    if (meta.sizeBytes !== info.size || meta.hashAlgo !== algo || meta.hashValue !== value)
      return undefined;
    return { path, ...meta };
  } catch {
    return undefined;
  }
}
