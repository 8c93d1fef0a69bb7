// The demo jobs: the classic test drive's three submit files, safe whatever the VM type,
// repository or argument they are rendered with.
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { renderDemoJobs, writeDemoJobs } from "../../scheduler/render/demo-jobs.js";
import { RenderError, UnsafeValueError } from "../../scheduler/render/errors.js";
import { createRenderer } from "../../scheduler/render/render.js";
import { HOSTILE } from "./hostile.js";

const renderer = createRenderer();
const SITE = { vmType: "demo-vm", repository: "software.cloudscheduler.test", who: "world" };

/** `Key = value` lines of a submit file, comments and blanks dropped. */
function commands(text: string): [string, string][] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => {
      const at = line.indexOf("=");
      return at < 0 ? [line.trim(), ""] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    });
}

test("demo-1 computes pi to 1000 places as the real demo-1.sub did, for the site's VM type", () => {
  const job = renderDemoJobs(renderer, SITE)["demo-1.job"] ?? "";
  const real = readFileSync(new URL("../fixtures/templates/demo-1.sub", import.meta.url), "utf8");
  const mine = new Map(commands(job));
  const theirs = new Map(commands(real));
  for (const key of [
    "Universe",
    "Executable",
    "Requirements",
    "+VMType",
    "should_transfer_files",
  ]) {
    expect(mine.get(key), key).toBe(theirs.get(key));
  }
  expect(mine.get("Arguments")).toBe("1000");
  expect(mine.get("Queue 1")).toBe("");
});

test("demo-2 runs the CVMFS Hello without transferring it; demo-3 ships goodbye.sh", () => {
  const jobs = renderDemoJobs(renderer, SITE);
  const two = new Map(commands(jobs["demo-2.job"] ?? ""));
  expect(two.get("Executable")).toBe("/cvmfs/software.cloudscheduler.test/hello");
  expect(two.get("transfer_executable")).toBe("false");
  const three = new Map(commands(jobs["demo-3.job"] ?? ""));
  expect(three.get("Executable")).toBe("goodbye.sh");
  expect(three.get("Arguments")).toBe(`"'world'"`);
});

const LINE_BREAK = ["\n", "\r", "\u2028", "\u0085"];

test.each(["vmType", "who"] as const)(
  "a hostile %s never adds a command, a line or a macro",
  (field) => {
    const baseline = renderDemoJobs(renderer, { ...SITE, [field]: "PLACEHOLDER" });
    let rendered = 0;
    for (const hostile of HOSTILE) {
      let jobs: Record<string, string>;
      try {
        jobs = renderDemoJobs(renderer, { ...SITE, [field]: hostile });
      } catch (err) {
        // Refused only for line breaks the submit language cannot hold.
        expect(err).toBeInstanceOf(RenderError);
        expect((err as RenderError).cause).toBeInstanceOf(UnsafeValueError);
        expect(
          LINE_BREAK.some((c) => hostile.includes(c)),
          JSON.stringify(hostile),
        ).toBe(true);
        continue;
      }
      rendered += 1;
      for (const [file, text] of Object.entries(jobs)) {
        const base = baseline[file] ?? "";
        expect(text.split("\n").length, `${file} ${JSON.stringify(hostile)}`).toBe(
          base.split("\n").length,
        );
        expect(commands(text).map(([key]) => key)).toEqual(commands(base).map(([key]) => key));
        // Outside the $(DOLLAR) escapes, every '$' is one of the template's own macros.
        const macros = text.replaceAll("$(DOLLAR)", "").match(/\$\(?[A-Za-z]*/g) ?? [];
        expect(macros.sort()).toEqual((base.match(/\$\(?[A-Za-z]*/g) ?? []).sort());
      }
    }
    expect(rendered).toBeGreaterThan(HOSTILE.length / 2);
  },
);

test("writeDemoJobs writes the jobs and their executable payloads", () => {
  const dir = mkdtempSync(join(tmpdir(), "cs-demo-"));
  expect(writeDemoJobs(renderer, SITE, dir).sort()).toEqual([
    "demo-1.job",
    "demo-2.job",
    "demo-3.job",
    "goodbye.sh",
    "pi.sh",
  ]);
  expect(statSync(join(dir, "pi.sh")).mode & 0o111).not.toBe(0);
  expect(readFileSync(join(dir, "pi.sh"), "utf8")).toContain("4*a(1)");
});
