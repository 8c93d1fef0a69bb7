// importClassic end to end on disk: the three files, their modes, .gitignore, no overwrite.
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ensureIgnored, importClassic, OutputExistsError } from "../../scheduler/classic/import.js";
import { loadConfigDir } from "../../scheduler/config/load.js";

const fixtures = fileURLToPath(new URL("../fixtures/classic/", import.meta.url));
const options = (outDir: string) => ({
  resourcesFile: join(fixtures, "cloud_resources.conf"),
  schedulerFile: join(fixtures, "cloud_scheduler.conf"),
  outDir,
});

describe("importClassic", () => {
  it("writes a valid config, clouds.yaml and a private secure.yaml, and git-ignores them", async () => {
    const out = await mkdtemp(join(tmpdir(), "cs-import-"));
    const result = await importClassic(options(out));
    expect(result.written).toEqual(
      ["cloudscheduler.yaml", "clouds.yaml", "secure.yaml"].map((f) => join(out, f)),
    );
    await loadConfigDir(out);
    expect((await stat(join(out, "secure.yaml"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(out, "clouds.yaml"))).mode & 0o777).toBe(0o600);
    const ignore = await readFile(join(out, ".gitignore"), "utf8");
    expect(ignore.split("\n")).toEqual(expect.arrayContaining(["secure.yaml", "clouds.yaml"]));
    expect(result.ignoredAdded).toContain("secure.yaml");
  });

  it("refuses to overwrite without force", async () => {
    const out = await mkdtemp(join(tmpdir(), "cs-import-"));
    await writeFile(join(out, "cloudscheduler.yaml"), "# mine\n");
    await expect(importClassic(options(out))).rejects.toBeInstanceOf(OutputExistsError);
    expect(await readFile(join(out, "cloudscheduler.yaml"), "utf8")).toBe("# mine\n");
    await importClassic({ ...options(out), force: true });
    expect(await readFile(join(out, "cloudscheduler.yaml"), "utf8")).toMatch(
      /^# cloudscheduler.yaml - converted/,
    );
  });

  it("appends only the missing ignore lines to an existing .gitignore", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cs-ignore-"));
    await writeFile(join(dir, ".gitignore"), "node_modules/\nsecure.yaml");
    expect(await ensureIgnored(dir, ["secure.yaml", "clouds.yaml"])).toEqual(["clouds.yaml"]);
    expect(await readFile(join(dir, ".gitignore"), "utf8")).toBe(
      "node_modules/\nsecure.yaml\n# credentials and local state never go into git\nclouds.yaml\n",
    );
    expect(await ensureIgnored(dir, ["secure.yaml", "clouds.yaml"])).toEqual([]);
  });
});
