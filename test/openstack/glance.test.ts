import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectGlance } from "../../scheduler/openstack/connect.js";
import {
  AmbiguousImageError,
  AuthError,
  ImageNotFoundError,
  UnreachableError,
} from "../../scheduler/openstack/errors.js";
import { customProperties, glanceV2Url } from "../../scheduler/openstack/glance.js";
import { readText } from "../../scheduler/openstack/http.js";
import { FakeCloud, fixture } from "./fake-cloud.js";

const cloud = new FakeCloud();
beforeAll(() => cloud.start());
afterAll(() => cloud.stop());

describe("glance client", () => {
  it("finds the catalog endpoint of its region", async () => {
    const one = await connectGlance("one", cloud.credentials("RegionOne"));
    const two = await connectGlance("two", cloud.credentials("RegionTwo"));
    expect(one.baseUrl).toBe(`${cloud.base}/r1/v2`);
    expect(two.baseUrl).toBe(`${cloud.base}/r2/v2`);
  });

  it("rejects wrong credentials with AuthError", async () => {
    await expect(connectGlance("one", cloud.credentials("RegionOne", "nope"))).rejects.toThrow(
      AuthError,
    );
  });

  it("finds images by id or name; ambiguity lists ids; missing names the cloud", async () => {
    const glance = await connectGlance("one", cloud.credentials("RegionOne"));
    const id = cloud.addImage("r1", randomBytes(10), { name: "unique" });
    expect((await glance.findImage(id)).id).toBe(id);
    expect((await glance.findImage("unique")).id).toBe(id);
    const a = cloud.addImage("r1", randomBytes(10), { name: "twice" });
    const b = cloud.addImage("r1", randomBytes(10), { name: "twice" });
    const err = await glance.findImage("twice").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmbiguousImageError);
    expect((err as Error).message).toContain(a);
    expect((err as Error).message).toContain(b);
    await expect(glance.findImage("nothing-like-it")).rejects.toThrow(
      new ImageNotFoundError("one", "nothing-like-it"),
    );
  });

  it("creates, uploads a stream, reads back, sets properties and deletes", async () => {
    const glance = await connectGlance("two", cloud.credentials("RegionTwo"));
    const created = await glance.createImage({ name: "up", disk_format: "raw", os_distro: "x" });
    expect(created.status).toBe("queued");
    const data = randomBytes(300_000);
    await glance.uploadData(
      created.id,
      Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
      data.length,
    );
    const got = await glance.getImage(created.id);
    expect(got.status).toBe("active");
    expect(got.size).toBe(data.length);
    const down = await glance.downloadData(created.id);
    const chunks: Buffer[] = [];
    for await (const c of down.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    await glance.deleteImage(created.id);
    await glance.deleteImage(created.id); // already gone: fine
    await expect(glance.getImage(created.id)).rejects.toThrow(ImageNotFoundError);
  });

  it("a connection cut mid-body errors the stream with UnreachableError", async () => {
    const glance = await connectGlance("one", cloud.credentials("RegionOne"));
    const id = cloud.addImage("r1", randomBytes(500_000));
    cloud.misbehave.r1 = { cutDownloadAfter: 100_000 };
    try {
      const down = await glance.downloadData(id);
      await expect(readText({ status: 200, headers: {}, body: down.body })).rejects.toThrow(
        UnreachableError,
      );
    } finally {
      cloud.misbehave.r1 = {};
    }
  });

  it("normalises endpoints and separates custom properties (recorded image)", () => {
    expect(glanceV2Url("http://g:9292/")).toBe("http://g:9292/v2");
    expect(glanceV2Url("http://g:9292/v2.1")).toBe("http://g:9292/v2");
    const image = JSON.parse(fixture("glance-image-active.json"));
    expect(customProperties(image)).toEqual({ os_distro: "debian" });
  });
});
