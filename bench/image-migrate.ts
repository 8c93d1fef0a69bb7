// Migrating a 1 GiB random image between the two local Glance services of test/glance/up.sh,
// beside a plain curl download + upload of the same bytes with the same token (the reference);
// peak RSS beside the image's size.
// Needs the pair up (test/glance/up.sh); otherwise returns no rows and says why.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { credentialsForEntry, nodeCredentialSources } from "../scheduler/config/credentials.js";
import { migrateImage } from "../scheduler/images/migrate.js";
import { connectGlance } from "../scheduler/openstack/connect.js";
import { nodeTransport } from "../scheduler/openstack/http.js";
import { authenticate } from "../scheduler/openstack/keystone.js";
import type { BenchRow } from "./lib/row.js";

const exec = promisify(execFile);
const DIR = process.env.CS_GLANCE_DIR ?? "/tmp/cs-glance";
const CLOUDS_YAML = join(DIR, "clouds.yaml");
const SIZE = Number(process.env.BENCH_IMAGE_BYTES ?? 1024 * 1024 * 1024);
const MiB = 1024 * 1024;

export async function run(): Promise<BenchRow[]> {
  if (!existsSync(CLOUDS_YAML)) {
    console.log(`skipped: Keystone + Glance are not up (no ${CLOUDS_YAML}); run test/glance/up.sh`);
    return [];
  }
  const sources = nodeCredentialSources({ ...process.env, OS_CLIENT_CONFIG_FILE: CLOUDS_YAML });
  const creds = {
    one: await credentialsForEntry("glance_one", sources),
    two: await credentialsForEntry("glance_two", sources),
  };
  const one = await connectGlance("glance_one", creds.one);
  const two = await connectGlance("glance_two", creds.two);
  const work = await mkdtemp(join(tmpdir(), "cs-bench-"));
  const tag = `bench-${Date.now()}`;
  try {
    const file = join(work, "random.img");
    await writeRandom(file, SIZE);
    const source = await one.createImage({
      name: tag,
      disk_format: "raw",
      container_format: "bare",
      cs_bench: tag,
    });
    await one.uploadData(source.id, createReadStream(file, { highWaterMark: MiB }), SIZE);

    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const t0 = performance.now();
    const result = await migrateImage(
      { image: source.id, from: "glance_one", to: ["glance_two"], visibility: "private" },
      { connect: async (c) => (c === "glance_one" ? one : two), cacheDir: join(work, "cache") },
    );
    const migrateSeconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    if (result.targets[0]?.status !== "copied") throw new Error(JSON.stringify(result.targets[0]));

    // curl with the same token: GET to a file, then PUT that file into a fresh record.
    const token = (await authenticate(creds.one, nodeTransport())).token.reveal();
    const plain = await two.createImage({
      name: `${tag}-curl`,
      disk_format: "raw",
      container_format: "bare",
      cs_bench: tag,
    });
    const t1 = performance.now();
    await exec("curl", [
      "-sSf",
      "-o",
      join(work, "curl.img"),
      "-H",
      `X-Auth-Token: ${token}`,
      `${one.baseUrl}/images/${source.id}/file`,
    ]);
    await exec("curl", [
      "-sSf",
      "-X",
      "PUT",
      "-T",
      join(work, "curl.img"),
      "-H",
      `X-Auth-Token: ${token}`,
      "-H",
      "Content-Type: application/octet-stream",
      `${two.baseUrl}/images/${plain.id}/file`,
    ]);
    const curlSeconds = (performance.now() - t1) / 1000;

    const curlRate = {
      name: "curl download + upload of the same bytes",
      value: SIZE / MiB / curlSeconds,
    };
    return [
      {
        name: `migrate ${SIZE / MiB} MiB (download + verify + upload + verify)`,
        value: SIZE / MiB / migrateSeconds,
        unit: "MiB/s",
        reference: curlRate,
      },
      {
        name: "migrate wall time",
        value: migrateSeconds,
        unit: "s",
        reference: { name: "curl wall time", value: curlSeconds },
      },
      {
        name: "peak RSS during migrate (sampled every 50 ms)",
        value: peak / MiB,
        unit: "MiB",
        reference: { name: "the image's size", value: SIZE / MiB },
      },
      {
        name: "max RSS of the process (getrusage)",
        value: process.resourceUsage().maxRSS / 1024,
        unit: "MiB",
        reference: { name: "the image's size", value: SIZE / MiB },
      },
    ];
  } finally {
    for (const glance of [one, two]) {
      for (const image of await glance.listImages({ cs_bench: tag }))
        await glance.deleteImage(image.id);
      for (const image of await glance.listImages({ name: tag }))
        await glance.deleteImage(image.id);
    }
    await rm(work, { recursive: true, force: true });
  }
}

async function writeRandom(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  for (let done = 0; done < size; ) {
    const n = Math.min(MiB, size - done);
    if (!out.write(randomBytes(n))) await new Promise<void>((r) => out.once("drain", () => r()));
    done += n;
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}
