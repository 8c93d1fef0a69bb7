// The stacks' ImageFetcher: fills the local cache from a cloud's Glance (the same transfer
// code `image migrate` uses) and describes the image for the Pulumi image-copy resources.
import type { CachedImage, ImageFetcher } from "../../stacks/image-copy.js";
import { customProperties, type GlanceClient } from "../openstack/glance.js";
import { type ProgressReporter, silentProgress } from "./progress.js";
import { downloadToCache } from "./transfer.js";

export interface GlanceFetcherDeps {
  connect(cloud: string): Promise<GlanceClient>;
  cacheDir: string;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export function glanceImageFetcher(deps: GlanceFetcherDeps): ImageFetcher {
  return {
    async fetch({ cloud, image: ref }): Promise<CachedImage> {
      const glance = await deps.connect(cloud);
      const image = await glance.findImage(ref);
      const task = (deps.progress ?? silentProgress).start(
        `fetch ${image.name ?? image.id} from ${cloud}`,
        image.size ?? 0,
      );
      const file = await downloadToCache({
        glance,
        image,
        cacheDir: deps.cacheDir,
        progress: task,
        signal: deps.signal,
      });
      return {
        path: file.path,
        sizeBytes: file.sizeBytes,
        hashAlgo: file.hashAlgo,
        hashValue: file.hashValue,
        checksumMd5: file.md5,
        diskFormat: image.disk_format ?? "raw",
        containerFormat: image.container_format ?? "bare",
        minDiskGb: image.min_disk,
        minRamMb: image.min_ram,
        properties: customProperties(image),
        sourceId: image.id,
      };
    },
  };
}
