// Copies of the worker images: for each image in config, a Glance image on every target
// cloud whose bytes come from a local cache file. The cache is filled by an ImageFetcher
// (scheduler/images/), which streams the source Glance image to disk once and verifies its
// hash; this module only declares the copies. An unchanged source image gives unchanged
// inputs, so Pulumi copies nothing again.
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { Config } from "../scheduler/config/schema.js";
import { SOURCE_PROPERTIES } from "../scheduler/images/upload.js";
import { GLANCE_OWNED } from "../scheduler/openstack/glance.js";

export interface CachedImage {
  /** Local file holding the image bytes. */
  path: string;
  sizeBytes: number;
  /** Glance's os_hash_algo / os_hash_value of the source, verified against the file. */
  hashAlgo: string;
  hashValue: string;
  checksumMd5?: string;
  diskFormat: string;
  containerFormat: string;
  minDiskGb: number;
  minRamMb: number;
  properties: Record<string, string>;
  sourceId: string;
}

export interface ImageFetcher {
  /** Makes sure `image` of `cloud` is in the local cache and describes it. */
  fetch(req: { cloud: string; image: string }): Promise<CachedImage>;
}

/** One copy to make: image `name` (the config key) from `from` to `to`. */
export interface ImageCopyPlan {
  name: string;
  sourceName: string;
  from: string;
  to: string;
  visibility: string;
}

/** The copies the config asks for, skipping disabled clouds, in a stable order. Pure. */
export function imageCopyPlans(
  config: Config,
  enabled: (cloud: string) => boolean,
): ImageCopyPlan[] {
  const plans: ImageCopyPlan[] = [];
  for (const [name, copy] of Object.entries(config.images)) {
    if (!enabled(copy.from)) continue;
    for (const to of copy.to) {
      if (!enabled(to) || to === copy.from) continue;
      plans.push({
        name,
        sourceName: copy.source_name ?? name,
        from: copy.from,
        to,
        visibility: copy.visibility,
      });
    }
  }
  return plans;
}

/** The Glance properties of a copy: the source's, minus reserved ones, plus provenance. */
export function copyProperties(plan: ImageCopyPlan, cached: CachedImage): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(cached.properties)) {
    if (!GLANCE_OWNED.has(key) && !key.startsWith("os_glance")) properties[key] = value;
  }
  properties[SOURCE_PROPERTIES.cloud] = plan.from;
  properties[SOURCE_PROPERTIES.id] = cached.sourceId;
  properties[SOURCE_PROPERTIES.hash] = `${cached.hashAlgo}:${cached.hashValue}`;
  return properties;
}

export interface ImageCopyDeps {
  providers: ReadonlyMap<string, pulumi.ProviderResource>;
  fetcher: ImageFetcher;
  /** True during `pulumi preview`: nothing is downloaded, the copies' inputs stay unknown. */
  dryRun: boolean;
}

export interface DeclaredImageCopy {
  plan: ImageCopyPlan;
  image: openstack.images.Image;
}

export function declareImageCopies(config: Config, deps: ImageCopyDeps): DeclaredImageCopy[] {
  const fetched = new Map<string, pulumi.Output<CachedImage>>();
  const cachedOf = (plan: ImageCopyPlan): pulumi.Output<CachedImage> => {
    const key = `${plan.from}\u0000${plan.sourceName}`;
    let cached = fetched.get(key);
    if (cached === undefined) {
      // One fetch per source image, however many clouds it goes to.
      cached = deps.dryRun
        ? unknownOutput<CachedImage>()
        : pulumi.output(deps.fetcher.fetch({ cloud: plan.from, image: plan.sourceName }));
      fetched.set(key, cached);
    }
    return cached;
  };

  return imageCopyPlans(config, (cloud) => deps.providers.has(cloud)).map((plan) => {
    const provider = deps.providers.get(plan.to);
    const cached = cachedOf(plan);
    const image = new openstack.images.Image(
      `image-${plan.to}-${plan.name}`,
      {
        name: plan.name,
        localFilePath: cached.path,
        verifyChecksum: true,
        diskFormat: cached.diskFormat,
        containerFormat: cached.containerFormat,
        minDiskGb: cached.minDiskGb,
        minRamMb: cached.minRamMb,
        visibility: plan.visibility,
        properties: cached.apply((c) => copyProperties(plan, c)),
      },
      { provider, deleteBeforeReplace: false },
    );
    return { plan, image };
  });
}

/** An output whose value is not known yet, as during preview. */
function unknownOutput<T>(): pulumi.Output<T> {
  return pulumi.output(pulumi.unknown) as unknown as pulumi.Output<T>;
}
