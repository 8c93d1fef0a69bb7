import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PoolFileError } from "../../scheduler/pool/errors.js";
import {
  formatPoolFile,
  listPoolClouds,
  poolFilePath,
  readPoolFile,
  removePoolFile,
  writePoolFile,
} from "../../scheduler/pool/store.js";
import type { PoolFile, PoolWorker } from "../../scheduler/pool/types.js";

function worker(name: string, extra: Partial<PoolWorker> = {}): PoolWorker {
  return {
    name,
    vmType: "demo-vm",
    image: "cernvm-demo",
    flavor: "m1.small",
    cores: 2,
    ramMb: 4096,
    diskGb: 20,
    state: "booting",
    createdAt: 1_750_000_000,
    keepAliveSeconds: 600,
    ...extra,
  };
}

const pool = (workers: PoolWorker[]): PoolFile => ({ version: 1, cloud: "alberta", workers });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cs-pool-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("pool store", () => {
  it("writes and reads back a pool", async () => {
    const written = pool([worker("cs-alberta-demo-vm-0002"), worker("cs-alberta-demo-vm-0001")]);
    expect(await writePoolFile(dir, written)).toBe(true);
    const read = await readPoolFile(dir, "alberta");
    expect(read?.workers.map((w) => w.name)).toEqual([
      "cs-alberta-demo-vm-0001",
      "cs-alberta-demo-vm-0002",
    ]);
    expect(await listPoolClouds(dir)).toEqual(["alberta"]);
  });

  it("formats stably: sorted workers, 2-space JSON, trailing newline, same bytes for same pool", async () => {
    const a = worker("b-worker", { idleSince: 1_750_000_100 });
    // Same worker, keys in another order: the file must not change.
    const { name, ...rest } = a;
    const reordered: PoolWorker = { ...rest, name };
    const text = formatPoolFile(pool([a, worker("a-worker")]));
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('\n  "version": 1,\n');
    expect(text.indexOf("a-worker")).toBeLessThan(text.indexOf("b-worker"));
    expect(formatPoolFile(pool([worker("a-worker"), reordered]))).toBe(text);

    expect(await writePoolFile(dir, pool([a]))).toBe(true);
    const before = readFileSync(poolFilePath(dir, "alberta"));
    expect(await writePoolFile(dir, pool([reordered]))).toBe(false);
    expect(readFileSync(poolFilePath(dir, "alberta"))).toEqual(before);
  });

  it("leaves no temp files behind", async () => {
    await writePoolFile(dir, pool([worker("w1")]));
    await writePoolFile(dir, pool([worker("w1"), worker("w2")]));
    expect(readdirSync(join(dir, "pool"))).toEqual(["alberta.json"]);
  });

  it("keeps the old file when the write dies before the rename", async () => {
    await writePoolFile(dir, pool([worker("w1")]));
    const old = readFileSync(poolFilePath(dir, "alberta"), "utf8");
    const crash = async () => {
      throw new Error("simulated crash before rename");
    };
    await expect(
      writePoolFile(dir, pool([worker("w1"), worker("w2")]), { rename: crash }),
    ).rejects.toThrow("simulated crash");
    expect(readFileSync(poolFilePath(dir, "alberta"), "utf8")).toBe(old);
    expect(readdirSync(join(dir, "pool"))).toEqual(["alberta.json"]);
  });

  it("ignores a temp file a real crash left behind", async () => {
    await writePoolFile(dir, pool([worker("w1")]));
    writeFileSync(join(dir, "pool", ".alberta.json.abc123.tmp"), '{"version":1,"cloud":"al');
    expect(await listPoolClouds(dir)).toEqual(["alberta"]);
    expect((await readPoolFile(dir, "alberta"))?.workers).toHaveLength(1);
  });

  it("returns undefined for a cloud without a pool file, and [] without a pool dir", async () => {
    expect(await readPoolFile(dir, "victoria")).toBeUndefined();
    expect(await listPoolClouds(dir)).toEqual([]);
  });

  it.each([
    ["truncated JSON", '{"version":1,"cloud":"alberta","workers":[', /not valid JSON/],
    ["an empty file", "", /not valid JSON/],
    ["a missing field", '{"version":1,"cloud":"alberta"}', /workers: /],
    [
      "a bad worker",
      JSON.stringify({ version: 1, cloud: "alberta", workers: [{ ...worker("w1"), cores: -2 }] }),
      /workers\.0\.cores: /,
    ],
    [
      "another cloud's pool",
      JSON.stringify({ version: 1, cloud: "victoria", workers: [] }),
      /cloud is "victoria"/,
    ],
    [
      "duplicate workers",
      JSON.stringify(pool([worker("w1"), worker("w1")])),
      /duplicate worker "w1"/,
    ],
  ])("rejects %s with a PoolFileError naming the file", async (_label, text, problem) => {
    mkdirSync(join(dir, "pool"));
    writeFileSync(join(dir, "pool", "alberta.json"), text);
    const error = await readPoolFile(dir, "alberta").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PoolFileError);
    expect((error as PoolFileError).file).toBe(poolFilePath(dir, "alberta"));
    expect((error as PoolFileError).message).toMatch(problem);
  });

  it("removes a pool file", async () => {
    await writePoolFile(dir, pool([]));
    expect(await removePoolFile(dir, "alberta")).toBe(true);
    expect(await removePoolFile(dir, "alberta")).toBe(false);
    expect(await listPoolClouds(dir)).toEqual([]);
  });
});
