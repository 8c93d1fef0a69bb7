import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { ensureProjectFile, projectFileText } from "../../scheduler/deploy/project-file.js";

const settings = {
  name: "cloudscheduler-pool",
  runtime: "nodejs",
  backendUrl: 'file:///var/lib/cs state/pulumi: "odd" #path',
};

describe("a workspace's Pulumi.yaml", () => {
  test("reads back as the settings, whatever characters the backend URL holds", () => {
    expect(parse(projectFileText(settings))).toEqual({
      name: "cloudscheduler-pool",
      runtime: "nodejs",
      backend: { url: settings.backendUrl },
    });
  });

  test("is left alone while unchanged, replaced (not rewritten in place) when changed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-project-"));
    const path = join(dir, "Pulumi.yaml");
    await ensureProjectFile(dir, settings);
    const first = statSync(path).ino;
    await ensureProjectFile(dir, settings);
    expect(statSync(path).ino).toBe(first);
    await ensureProjectFile(dir, { ...settings, backendUrl: "file:///elsewhere" });
    // A rename gives a new inode: a reader holding the old file read it whole.
    expect(statSync(path).ino).not.toBe(first);
    expect(parse(readFileSync(path, "utf8")).backend.url).toBe("file:///elsewhere");
    expect(readdirSync(dir)).toEqual(["Pulumi.yaml"]);
  });

  test("concurrent writers leave one whole file and no temp files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-project-"));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: stale\n");
    await Promise.all(Array.from({ length: 20 }, () => ensureProjectFile(dir, settings)));
    expect(readFileSync(join(dir, "Pulumi.yaml"), "utf8")).toBe(projectFileText(settings));
    expect(readdirSync(dir)).toEqual(["Pulumi.yaml"]);
  });
});
