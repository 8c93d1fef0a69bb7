// Against the REAL Keystone + two Glance services of test/glance/up.sh. Required when CI=true;
// skipped with a reason otherwise when they are not up.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../scheduler/cli/main.js";
import { memoryOutput } from "../../scheduler/cli/output.js";
import { credentialsForEntry, nodeCredentialSources } from "../../scheduler/config/credentials.js";
import { migrateImage } from "../../scheduler/images/migrate.js";
import { HashMismatchError } from "../../scheduler/images/transfer.js";
import { connectGlance } from "../../scheduler/openstack/connect.js";
import type { GlanceClient } from "../../scheduler/openstack/glance.js";

const DIR = process.env.CS_GLANCE_DIR ?? "/tmp/cs-glance";
const CLOUDS_YAML = join(DIR, "clouds.yaml");

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    socket.once("connect", () => resolve(socket.destroy() === socket));
    socket.once("error", () => resolve(false));
  });
}
const up =
  existsSync(CLOUDS_YAML) &&
  (await portOpen(25000)) &&
  (await portOpen(25292)) &&
  (await portOpen(25293));
if (!up && process.env.CI === "true") {
  throw new Error(
    `CI=true but Keystone + Glance are not up (${CLOUDS_YAML}): run test/glance/up.sh`,
  );
}
if (!up)
  console.warn(`skipping Glance integration tests: run test/glance/up.sh (no ${CLOUDS_YAML})`);

const run = `it-${randomUUID().slice(0, 8)}`;
const sources = () => nodeCredentialSources({ ...process.env, OS_CLIENT_CONFIG_FILE: CLOUDS_YAML });
const connect = async (entry: string) =>
  connectGlance(entry, await credentialsForEntry(entry, sources()));
const stores = (): Record<string, string> =>
  Object.fromEntries(
    readFileSync(join(DIR, "stores"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("=") as [string, string]),
  );

async function sha256Of(glance: GlanceClient, id: string): Promise<string> {
  const { body } = await glance.downloadData(id);
  const hash = createHash("sha256");
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function createSource(glance: GlanceClient, name: string, data: Buffer): Promise<string> {
  const image = await glance.createImage({
    name,
    disk_format: "qcow2",
    container_format: "bare",
    min_disk: 2,
    min_ram: 256,
    os_distro: "debian",
    cs_test_run: run,
  });
  await glance.uploadData(image.id, Readable.from([data]), data.length);
  return image.id;
}

async function cli(args: string[]) {
  const output = memoryOutput();
  const code = await main(["node", "cloudscheduler", ...args], output, process.env);
  return { code, ...output };
}

describe.skipIf(!up)(
  "image migration between two real Glance services",
  { timeout: 120_000 },
  () => {
    let one: GlanceClient;
    let two: GlanceClient;
    let cacheDir: string;
    beforeAll(async () => {
      one = await connect("glance_one");
      two = await connect("glance_two");
      cacheDir = await mkdtemp(join(tmpdir(), "cs-it-cache-"));
    });
    afterAll(async () => {
      for (const glance of [one, two]) {
        for (const image of await glance.listImages({ cs_test_run: run })) {
          await glance.deleteImage(image.id);
        }
      }
      await rm(cacheDir, { recursive: true, force: true });
    });

    it("copies a few MiB through the CLI byte for byte, then skips the identical copy", async () => {
      const data = randomBytes(3 * 1048576 + 7);
      const sourceId = await createSource(one, `${run}-small`, data);
      const first = await cli([
        "image",
        "migrate",
        `${run}-small`,
        "--from",
        "glance_one",
        "--to",
        "glance_two",
        "--clouds-yaml",
        CLOUDS_YAML,
        "--cache-dir",
        cacheDir,
        "--json",
      ]);
      expect(first.stderr).toContain("hash verified");
      expect(first.code).toBe(0);
      const result = JSON.parse(first.stdout);
      expect(result.targets[0].status).toBe("copied");
      const copyId: string = result.targets[0].imageId;
      expect(await sha256Of(two, copyId)).toBe(createHash("sha256").update(data).digest("hex"));
      const copy = await two.getImage(copyId);
      expect(copy).toMatchObject({
        name: `${run}-small`,
        disk_format: "qcow2",
        min_disk: 2,
        min_ram: 256,
        visibility: "private",
        os_distro: "debian",
        cloudscheduler_source_cloud: "glance_one",
        cloudscheduler_source_id: sourceId,
      });

      const again = await cli([
        "image",
        "migrate",
        sourceId,
        "--from",
        "glance_one",
        "--to",
        "glance_two",
        "--clouds-yaml",
        CLOUDS_YAML,
        "--cache-dir",
        cacheDir,
      ]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/glance_two: skipped, already there .*same sha512/);
      expect((await two.listImages({ name: `${run}-small` })).length).toBe(1);
    });

    it("copies an image larger than the HTTP chunk size", async () => {
      const data = randomBytes(40 * 1048576 + 13);
      await createSource(one, `${run}-large`, data);
      const result = await migrateImage(
        { image: `${run}-large`, from: "glance_one", to: ["glance_two"], visibility: "private" },
        { connect, cacheDir },
      );
      expect(result.targets[0]?.status).toBe("copied");
      const copyId = (result.targets[0] as { imageId: string }).imageId;
      expect(await sha256Of(two, copyId)).toBe(createHash("sha256").update(data).digest("hex"));
    });

    it("detects bytes that do not match Glance's hash (corrupted store) and copies nothing", async () => {
      const data = randomBytes(2 * 1048576);
      const id = await createSource(one, `${run}-corrupt`, data);
      const stored = join(stores().glance_one as string, id);
      const bytes = await readFile(stored);
      bytes[1048576] = (bytes[1048576] ?? 0) ^ 0x55;
      await writeFile(stored, bytes);
      const ownCache = await mkdtemp(join(tmpdir(), "cs-it-corrupt-"));
      try {
        const result = await migrateImage(
          { image: id, from: "glance_one", to: ["glance_two"], visibility: "private" },
          { connect, cacheDir: ownCache },
        );
        const target = result.targets[0] as { status: string; error: unknown };
        expect(target.status).toBe("failed");
        expect(target.error).toBeInstanceOf(HashMismatchError);
        expect((target.error as Error).message).toContain("sha512 mismatch");
        expect(await readdir(ownCache)).toEqual([]);
        expect(await two.listImages({ name: `${run}-corrupt` })).toEqual([]);
      } finally {
        await rm(ownCache, { recursive: true, force: true });
      }
    });

    it("an interrupted upload leaves no image on the target", async () => {
      await createSource(one, `${run}-abort`, randomBytes(24 * 1048576));
      const controller = new AbortController();
      const progress = {
        start: (label: string) => ({
          update: (done: number) => {
            if (label.startsWith("upload") && done > 4 * 1048576) controller.abort();
          },
          finish() {},
        }),
        stop() {},
      };
      const result = await migrateImage(
        { image: `${run}-abort`, from: "glance_one", to: ["glance_two"], visibility: "private" },
        { connect, cacheDir, progress, signal: controller.signal },
      );
      expect(result.targets[0]?.status).toBe("failed");
      expect((result.targets[0] as { reason: string }).reason).toMatch(/aborted.*deleted/);
      expect(await two.listImages({ name: `${run}-abort` })).toEqual([]);
    });

    it("missing image, wrong password and unknown cloud give clear errors", async () => {
      const missing = await cli([
        "image",
        "migrate",
        `${run}-nope`,
        "--from",
        "glance_one",
        "--to",
        "glance_two",
        "--clouds-yaml",
        CLOUDS_YAML,
        "--cache-dir",
        cacheDir,
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`image '${run}-nope' not found on cloud 'glance_one'`);

      const unknown = await cli([
        "image",
        "migrate",
        "x",
        "--from",
        "glance_one",
        "--to",
        "glance_three",
        "--clouds-yaml",
        CLOUDS_YAML,
      ]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("unknown cloud 'glance_three'");
      expect(unknown.stderr).toContain("glance_two");

      const wrongDir = await mkdtemp(join(tmpdir(), "cs-it-wrong-"));
      try {
        const wrong = join(wrongDir, "clouds.yaml");
        await writeFile(
          wrong,
          readFileSync(CLOUDS_YAML, "utf8").replace(
            /password: "[^"]*"/g,
            'password: "Wr0ngPassw0rd"',
          ),
          // Credentials readable by others are refused before any login is tried.
          { mode: 0o600 },
        );
        const denied = await cli([
          "image",
          "migrate",
          "x",
          "--from",
          "glance_one",
          "--to",
          "glance_two",
          "--clouds-yaml",
          wrong,
        ]);
        expect(denied.code).toBe(1);
        expect(denied.stderr).toMatch(
          /AuthError: Keystone at http:\/\/127.0.0.1:25000\/v3\/auth\/tokens rejected/,
        );
        expect(denied.stderr).not.toContain("Wr0ngPassw0rd");
      } finally {
        await rm(wrongDir, { recursive: true, force: true });
      }
    });

    it("authenticates with an application credential", async () => {
      const glance = await connect("glance_one_appcred");
      expect(glance.baseUrl).toBe("http://127.0.0.1:25292/v2");
      expect(Array.isArray(await glance.listImages({ cs_test_run: run }))).toBe(true);
    });
  },
);
