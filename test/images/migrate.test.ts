import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { glanceImageFetcher } from "../../scheduler/images/fetcher.js";
import { migrateImage } from "../../scheduler/images/migrate.js";
import { HashMismatchError } from "../../scheduler/images/transfer.js";
import { SOURCE_PROPERTIES, UploadFailedError } from "../../scheduler/images/upload.js";
import { connectGlance } from "../../scheduler/openstack/connect.js";
import { UnreachableError } from "../../scheduler/openstack/errors.js";
import { FakeCloud } from "../openstack/fake-cloud.js";

const cloud = new FakeCloud();
let cacheDir: string;
beforeAll(() => cloud.start());
afterAll(() => cloud.stop());
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "cs-images-"));
  cloud.misbehave = {};
  cloud.regions.r2.clear();
});
afterEach(() => rm(cacheDir, { recursive: true, force: true }));

const connect = (name: string) =>
  connectGlance(name, cloud.credentials(name === "one" ? "RegionOne" : "RegionTwo"));
const deps = () => ({ connect, cacheDir });
const request = (image: string) => ({
  image,
  from: "one",
  to: ["two"],
  visibility: "private" as const,
});

describe("migrateImage against a local fake Glance pair", () => {
  it("copies bytes, formats, minimums and properties, and tags the origin", async () => {
    const data = randomBytes(2_500_000);
    const id = cloud.addImage("r1", data, {
      name: "src",
      disk_format: "qcow2",
      min_disk: 3,
      min_ram: 512,
      os_distro: "debian",
      hw_disk_bus: "virtio",
    });
    const result = await migrateImage(request("src"), deps());
    expect(result.targets).toHaveLength(1);
    const target = result.targets[0];
    expect(target?.status).toBe("copied");
    const copy = [...cloud.regions.r2.values()][0];
    expect(copy?.data?.equals(data)).toBe(true);
    expect(copy?.record).toMatchObject({
      name: "src",
      disk_format: "qcow2",
      min_disk: 3,
      min_ram: 512,
      visibility: "private",
      os_distro: "debian",
      hw_disk_bus: "virtio",
      [SOURCE_PROPERTIES.cloud]: "one",
      [SOURCE_PROPERTIES.id]: id,
    });
    expect(copy?.record).not.toHaveProperty("stores", "fs");
  });

  it("skips a target that already holds the same bytes", async () => {
    const data = randomBytes(1000);
    cloud.addImage("r1", data, { name: "same" });
    const existing = cloud.addImage("r2", data, { name: "other-name" });
    const result = await migrateImage(request("same"), deps());
    expect(result.targets[0]).toMatchObject({ status: "skipped", imageId: existing });
    expect(cloud.regions.r2.size).toBe(1);
    expect(await readdir(cacheDir)).toEqual([]); // nothing downloaded
  });

  it("partial download and hash mismatch are rejected; nothing half-uploaded left behind", async () => {
    const data = randomBytes(1_000_000);
    const badId = cloud.addImage("r1", data, { name: "bad" });
    const corrupt = Buffer.from(data);
    corrupt[500_000] = (corrupt[500_000] ?? 0) ^ 0xff;
    cloud.misbehave.r1 = { serveInstead: corrupt };
    const mismatch = await migrateImage(request("bad"), deps());
    expect(mismatch.targets[0]?.status).toBe("failed");
    const error = (mismatch.targets[0] as { error: unknown }).error;
    expect(error).toBeInstanceOf(HashMismatchError);
    expect((error as HashMismatchError).expected).toBe(
      cloud.regions.r1.get(badId)?.record.os_hash_value,
    );
    cloud.misbehave.r1 = { cutDownloadAfter: 300_000 };
    const cut = await migrateImage(request("bad"), deps());
    expect((cut.targets[0] as { error: unknown }).error).toBeInstanceOf(UnreachableError);
    expect(cloud.regions.r2.size).toBe(0);
    expect(await readdir(cacheDir)).toEqual([]); // no temp file, no cache entry
  });

  it("deletes the target image when the upload fails or the target reports another hash", async () => {
    cloud.addImage("r1", randomBytes(200_000), { name: "up" });
    cloud.misbehave.r2 = { uploadStatus: 413 };
    const refused = await migrateImage(request("up"), deps());
    const err = (refused.targets[0] as { error: unknown }).error as UploadFailedError;
    expect(err).toBeInstanceOf(UploadFailedError);
    expect(err.cleanup).toBe("deleted");
    expect(err.message).toMatch(/HTTP 413.*deleted/);
    cloud.misbehave.r2 = { corruptOnStore: true };
    const corrupted = await migrateImage(request("up"), deps());
    expect((corrupted.targets[0] as { reason: string }).reason).toMatch(/md5 mismatch.*deleted/);
    cloud.misbehave.r2 = { cutUploadAfter: 100_000 };
    const cut = await migrateImage(request("up"), deps());
    expect(cut.targets[0]?.status).toBe("failed");
    expect(cloud.regions.r2.size).toBe(0);
    expect(cloud.deleted.length).toBeGreaterThanOrEqual(3);
  });

  it("an abort mid-upload deletes the copy", async () => {
    cloud.addImage("r1", randomBytes(8_000_000), { name: "abort" });
    const controller = new AbortController();
    const progress = {
      start: (label: string) => ({
        update: (done: number) => {
          if (label.startsWith("upload") && done > 2_000_000) controller.abort();
        },
        finish() {},
      }),
      stop() {},
    };
    const result = await migrateImage(request("abort"), {
      ...deps(),
      progress,
      signal: controller.signal,
    });
    expect(result.targets[0]?.status).toBe("failed");
    expect((result.targets[0] as { reason: string }).reason).toMatch(/aborted.*deleted/);
    expect(cloud.regions.r2.size).toBe(0);
  });

  it("the fetcher fills the cache once and describes the image", async () => {
    const data = randomBytes(50_000);
    const id = cloud.addImage("r1", data, { name: "fetch", min_ram: 128, os_type: "linux" });
    const fetcher = glanceImageFetcher(deps());
    const first = await fetcher.fetch({ cloud: "one", image: "fetch" });
    expect((await readFile(first.path)).equals(data)).toBe(true);
    expect(first).toMatchObject({
      sourceId: id,
      minRamMb: 128,
      hashAlgo: "sha512",
      sizeBytes: 50_000,
    });
    expect(first.properties).toEqual({ os_distro: "debian", os_type: "linux" });
    cloud.misbehave.r1 = { cutDownloadAfter: 0 }; // a second download would fail
    const again = await fetcher.fetch({ cloud: "one", image: id });
    expect(again.path).toBe(first.path);
  });
});
