// `image migrate`: resolve the image on the source, skip targets that already hold the same
// bytes, download once into the cache, upload to the remaining targets in parallel.
import type { GlanceClient, GlanceImage } from "../openstack/glance.js";
import { type ProgressReporter, silentProgress } from "./progress.js";
import { type CachedFile, downloadToCache, expectedHash } from "./transfer.js";
import { uploadCopy, type Visibility } from "./upload.js";

export interface MigrateRequest {
  /** Name or id on the source cloud. */
  image: string;
  from: string;
  to: string[];
  visibility: Visibility;
}

export interface MigrateDeps {
  connect(cloud: string): Promise<GlanceClient>;
  cacheDir: string;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export type TargetResult =
  | { cloud: string; status: "copied"; imageId: string }
  | { cloud: string; status: "skipped"; imageId: string; reason: string }
  | { cloud: string; status: "failed"; reason: string; error: unknown };

export interface MigrateResult {
  source: {
    cloud: string;
    id: string;
    name: string;
    sizeBytes: number;
    hashAlgo: string;
    hashValue: string;
  };
  targets: TargetResult[];
}

/** Source failures (not found, auth, unreachable) throw; target failures are per-target results. */
export async function migrateImage(
  request: MigrateRequest,
  deps: MigrateDeps,
): Promise<MigrateResult> {
  const progress = deps.progress ?? silentProgress;
  const source = await deps.connect(request.from);
  const image = await source.findImage(request.image);
  const hash = expectedHash(image, request.from);
  const summary: MigrateResult["source"] = {
    cloud: request.from,
    id: image.id,
    name: image.name ?? "",
    sizeBytes: image.size ?? 0,
    hashAlgo: hash.algo,
    hashValue: hash.value,
  };

  // Connect and look for an existing copy on every target at once.
  const checks = await Promise.all(
    [...new Set(request.to)].map(async (cloud) => {
      try {
        const target = await deps.connect(cloud);
        const existing = await findSameBytes(target, hash);
        return { cloud, target, existing };
      } catch (error) {
        return { cloud, error };
      }
    }),
  );

  const needCopy = checks.filter(
    (c): c is { cloud: string; target: GlanceClient; existing: undefined } =>
      "target" in c && c.existing === undefined,
  );
  let file: CachedFile | undefined;
  let downloadError: unknown;
  if (needCopy.length > 0) {
    const task = progress.start(
      `download ${summary.name || image.id} from ${request.from}`,
      summary.sizeBytes,
    );
    try {
      file = await downloadToCache({
        glance: source,
        image,
        cacheDir: deps.cacheDir,
        progress: task,
        signal: deps.signal,
      });
    } catch (err) {
      task.finish(`failed: ${err instanceof Error ? err.message : String(err)}`);
      downloadError = err;
    }
  }

  const targets = await Promise.all(
    checks.map(async (check): Promise<TargetResult> => {
      if ("error" in check) return failed(check.cloud, check.error);
      if (check.existing) {
        return {
          cloud: check.cloud,
          status: "skipped",
          imageId: check.existing.id,
          reason: `already there as '${check.existing.name ?? ""}' (${check.existing.id}) with the same ${hash.algo}`,
        };
      }
      if (!file) return failed(check.cloud, downloadError);
      const task = progress.start(`upload to ${check.cloud}`, file.sizeBytes);
      try {
        const copy = await uploadCopy({
          target: check.target,
          origin: { cloud: request.from, image, file },
          visibility: request.visibility,
          progress: task,
          signal: deps.signal,
        });
        return { cloud: check.cloud, status: "copied", imageId: copy.id };
      } catch (err) {
        return failed(check.cloud, err);
      }
    }),
  );
  return { source: summary, targets };
}

/** An active image on `target` whose bytes have this hash, if any. */
export async function findSameBytes(
  target: GlanceClient,
  hash: { algo: string; value: string },
): Promise<GlanceImage | undefined> {
  const filter: Record<string, string> =
    hash.algo === "md5" ? { checksum: hash.value } : { os_hash_value: hash.value };
  const images = await target.listImages(filter);
  return images.find(
    (i) =>
      i.status === "active" &&
      (hash.algo === "md5" ? i.checksum === hash.value : i.os_hash_algo === hash.algo),
  );
}

function failed(cloud: string, error: unknown): TargetResult {
  return {
    cloud,
    status: "failed",
    reason: error instanceof Error ? error.message : String(error),
    error,
  };
}
