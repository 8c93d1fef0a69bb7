// `image list`: for each image cloudscheduler.yaml copies, where it exists and whether the
// copies hold the same bytes as the source.
import type { Config } from "../config/schema.js";
import type { GlanceClient } from "../openstack/glance.js";
import { findSameBytes } from "./migrate.js";
import { expectedHash } from "./transfer.js";

export type CopyState =
  | { cloud: string; role: "source"; state: "present"; id: string; hash: string }
  | { cloud: string; role: "target"; state: "match"; id: string }
  | { cloud: string; role: "target"; state: "differs"; id: string; hash: string }
  | { cloud: string; role: "source" | "target"; state: "missing" }
  | { cloud: string; role: "source" | "target"; state: "error"; reason: string };

export interface ImageStatus {
  image: string;
  copies: CopyState[];
}

export async function listImageCopies(
  images: Config["images"],
  connect: (cloud: string) => Promise<GlanceClient>,
  onlyCloud?: string,
): Promise<ImageStatus[]> {
  const entries = Object.entries(images).filter(
    ([, copy]) => onlyCloud === undefined || copy.from === onlyCloud || copy.to.includes(onlyCloud),
  );
  return Promise.all(
    entries.map(async ([key, copy]) => {
      const name = copy.source_name ?? key;
      const source = await sourceState(copy.from, name, connect);
      const hash = source.state === "present" ? source.hash : undefined;
      const targets = await Promise.all(
        copy.to
          .filter(
            (cloud) => onlyCloud === undefined || cloud === onlyCloud || copy.from === onlyCloud,
          )
          .map((cloud) => targetState(cloud, name, hash, connect)),
      );
      return { image: key, copies: [source, ...targets] };
    }),
  );
}

async function sourceState(
  cloud: string,
  name: string,
  connect: (cloud: string) => Promise<GlanceClient>,
): Promise<CopyState> {
  try {
    const glance = await connect(cloud);
    const found = (await glance.listImages({ name })).filter((i) => i.status === "active");
    const image = found[0];
    if (!image) return { cloud, role: "source", state: "missing" };
    const hash = expectedHash(image, cloud);
    return {
      cloud,
      role: "source",
      state: "present",
      id: image.id,
      hash: `${hash.algo}:${hash.value}`,
    };
  } catch (err) {
    return { cloud, role: "source", state: "error", reason: message(err) };
  }
}

async function targetState(
  cloud: string,
  name: string,
  sourceHash: string | undefined,
  connect: (cloud: string) => Promise<GlanceClient>,
): Promise<CopyState> {
  try {
    const glance = await connect(cloud);
    if (sourceHash) {
      const [algo = "", value = ""] = sourceHash.split(":");
      const same = await findSameBytes(glance, { algo, value });
      if (same) return { cloud, role: "target", state: "match", id: same.id };
    }
    const named = (await glance.listImages({ name })).find((i) => i.status === "active");
    if (!named) return { cloud, role: "target", state: "missing" };
    const hash = expectedHash(named, cloud);
    return {
      cloud,
      role: "target",
      state: "differs",
      id: named.id,
      hash: `${hash.algo}:${hash.value}`,
    };
  } catch (err) {
    return { cloud, role: "target", state: "error", reason: message(err) };
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
