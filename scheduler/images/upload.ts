// Upload a verified cache file as a new image on a target Glance: the record keeps the
// source's formats, minimums and custom properties and says where it came from; the target
// must then report the same hash. Any failure or abort deletes the target image.
import { createReadStream } from "node:fs";
import { customProperties, type GlanceClient, type GlanceImage } from "../openstack/glance.js";
import type { ProgressTask } from "./progress.js";
import { type CachedFile, HashMismatchError } from "./transfer.js";

export const SOURCE_PROPERTIES = {
  cloud: "cloudscheduler_source_cloud",
  id: "cloudscheduler_source_id",
  hash: "cloudscheduler_source_hash",
} as const;

export type Visibility = "private" | "shared" | "community" | "public";

export interface CopyOrigin {
  cloud: string;
  image: GlanceImage;
  file: CachedFile;
}

/** The POST /v2/images body for a copy of `origin` (pure). */
export function copyRecord(origin: CopyOrigin, visibility: Visibility): Record<string, unknown> {
  const { image, file } = origin;
  return {
    ...customProperties(image),
    name: image.name ?? image.id,
    disk_format: image.disk_format ?? "raw",
    container_format: image.container_format ?? "bare",
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    visibility,
    tags: image.tags,
    [SOURCE_PROPERTIES.cloud]: origin.cloud,
    [SOURCE_PROPERTIES.id]: image.id,
    [SOURCE_PROPERTIES.hash]: `${file.hashAlgo}:${file.hashValue}`,
  };
}

/** The upload failed; `cleanup` says whether the half image was deleted. */
export class UploadFailedError extends Error {
  override readonly name = "UploadFailedError";
  constructor(
    readonly cloud: string,
    readonly imageId: string | undefined,
    readonly cleanup: "deleted" | "nothing to delete" | `delete failed: ${string}`,
    override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const what = imageId ? `image ${imageId} ${cleanup}` : cleanup;
    super(`upload to cloud '${cloud}' failed: ${reason}; ${what}`);
  }
}

export interface UploadOptions {
  target: GlanceClient;
  origin: CopyOrigin;
  visibility: Visibility;
  progress?: ProgressTask;
  signal?: AbortSignal;
}

/** Creates the copy on `target`, streams the file up and checks the target's hash. */
export async function uploadCopy(options: UploadOptions): Promise<GlanceImage> {
  const { target, origin } = options;
  let created: GlanceImage | undefined;
  try {
    created = await target.createImage(copyRecord(origin, options.visibility));
    const data = createReadStream(origin.file.path, { highWaterMark: 1 << 20 });
    let sent = 0;
    data.on("data", (chunk) => {
      sent += chunk.length;
      options.progress?.update(sent);
    });
    await target.uploadData(created.id, data, origin.file.sizeBytes, options.signal);
    const uploaded = await target.getImage(created.id);
    verifyCopy(uploaded, origin.file, target.cloud);
    options.progress?.finish(`uploaded as ${uploaded.id}, hash verified`);
    return uploaded;
  } catch (err) {
    const cleanup = await removeHalfImage(target, created?.id);
    options.progress?.finish(`failed (${cleanup})`);
    throw new UploadFailedError(target.cloud, created?.id, cleanup, err);
  }
}

/** The target must hold exactly the cached bytes: status, size, md5 and (same algo) os_hash. */
export function verifyCopy(image: GlanceImage, file: CachedFile, cloud: string): void {
  const where = `copy ${image.id} on cloud '${cloud}'`;
  if (image.status !== "active") throw new Error(`${where} is ${image.status} after upload`);
  if (image.size !== file.sizeBytes) {
    throw new Error(`${where} has ${image.size} bytes, the source has ${file.sizeBytes}`);
  }
  if (image.checksum && image.checksum !== file.md5) {
    throw new HashMismatchError(where, "md5", file.md5, image.checksum);
  }
  if (image.os_hash_algo === file.hashAlgo && image.os_hash_value !== file.hashValue) {
    throw new HashMismatchError(where, file.hashAlgo, file.hashValue, image.os_hash_value ?? "");
  }
}

async function removeHalfImage(
  target: GlanceClient,
  id: string | undefined,
): Promise<UploadFailedError["cleanup"]> {
  if (!id) return "nothing to delete";
  try {
    // Not under the caller's signal: an abort must still clean up.
    await target.deleteImage(id);
    return "deleted";
  } catch (err) {
    return `delete failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
