// The compiled build (bin/build.js): it runs the commands, `validate`, `plan` and `status` load
// none of the heavy packages, the sandbox runs the pool program from it, and bin/dist-state.js
// tells a build that matches its sources from a stale one.
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript without types, run before anything is compiled.
import { fingerprint, staleReason } from "../../bin/dist-state.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OUT = `.dist-test-${process.pid}`;
const HEAVY = [
  "@pulumi/pulumi",
  "@pulumi/openstack",
  "better-sqlite3",
  "playwright-core",
  "prom-client",
  "handlebars",
  "pino",
  "simple-git",
  "chokidar",
];

let work: string;

/** Runs the built CLI with `args`; `loaded` lists the packages it resolved from node_modules. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const log = path.join(work, `resolved-${Math.random().toString(36).slice(2)}.txt`);
  const result = spawnSync(
    process.execPath,
    ["--import", path.join(work, "record.mjs"), path.join(ROOT, OUT, "run.mjs"), ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...env, RESOLVE_LOG: log },
      timeout: 120_000,
    },
  );
  let loaded: string[] = [];
  try {
    loaded = [...new Set(readFileSync(log, "utf8").split("\n").filter(Boolean))];
  } catch {}
  return { ...result, loaded };
}

beforeAll(() => {
  const build = spawnSync(process.execPath, [path.join(ROOT, "bin/build.js"), OUT], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(build.status, build.stderr).toBe(0);
  work = mkdtempSync(path.join(tmpdir(), "build-test-"));
  writeFileSync(
    path.join(ROOT, OUT, "run.mjs"),
    'const { main } = await import("./main.js");\nprocess.exitCode = await main(process.argv);\n',
  );
  // Records every package an import resolves to (packages, not files).
  writeFileSync(
    path.join(work, "record.mjs"),
    `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(\`
import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const match = /node_modules\\\\/((@[^/]+\\\\/)?[^/]+)/.exec(result.url);
  if (match) appendFileSync(process.env.RESOLVE_LOG, match[1] + "\\\\n");
  return result;
}\`));
`,
  );
}, 120_000);

afterAll(() => {
  rmSync(path.join(ROOT, OUT), { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe("the compiled build", () => {
  it("validates a config, and loads no heavy package to do it", () => {
    const run = cli(["validate", "examples/site"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("examples/site: valid (2 clouds: alberta, victoria");
    expect(run.loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it("plans against the condor stand-ins and shows status, loading no heavy package", () => {
    const site = path.join(work, "site");
    mkdirSync(path.join(site, "pool"), { recursive: true });
    writeFileSync(
      path.join(site, "cloudscheduler.yaml"),
      readFileSync(path.join(ROOT, "examples/site/cloudscheduler.yaml")),
    );
    const fixtures = path.join(ROOT, "test/fixtures/condor");
    const plan = cli(
      ["plan", site, "--condor-bin", path.join(ROOT, "test/bin"), "--now", "1795596400"],
      {
        CONDOR_STANDIN_Q: path.join(fixtures, "condor_q.projected.json"),
        CONDOR_STANDIN_STATUS: path.join(fixtures, "condor_status.projected.json"),
      },
    );
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("12 jobs, 1 workers observed");
    expect(plan.stdout).toMatch(/boot \d+ demo-vm/);
    expect(plan.loaded.filter((p) => HEAVY.includes(p))).toEqual([]);

    const status = cli(["status", site], { CLOUDSCHEDULER_STATE_DIR: path.join(work, "none") });
    expect(status.status).toBe(1);
    expect(status.stderr).toContain("no status yet");
    expect(status.loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it("runs the sandbox: the scheduler and the pool Pulumi program from the build", () => {
    const run = cli(["sandbox", "--speed", "100000", "--cycles", "6"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/deploy alberta: \+\d+ -0 instance\(s\)/);
    expect(run.loaded).toContain("@pulumi/pulumi");
  }, 120_000);
});

describe("the compiled deploy thread", () => {
  it("starts on its own from the build and answers a call with the real deployer", async () => {
    const { Worker } = await import("node:worker_threads");
    const worker = new Worker(path.join(ROOT, OUT, "deploy-thread.js"), {
      workerData: {
        options: {
          configDir: path.join(work, "config"),
          deploy: { secretsProvider: "passphrase" },
          env: { CLOUDSCHEDULER_STATE_DIR: path.join(work, "state") },
        },
      },
    });
    try {
      const reply = new Promise((resolve, reject) => {
        worker.on("message", resolve);
        worker.on("error", reject);
      });
      worker.postMessage({
        type: "call",
        id: 7,
        method: "unfinished",
        args: [],
        cancellable: false,
      });
      expect(await reply).toEqual({ type: "result", id: 7, value: [] });
    } finally {
      await worker.terminate();
    }
    // The scheduler's side finds it beside itself: dist/ is one flat directory.
    const chunks = readdirSync(path.join(ROOT, OUT)).filter((f) => f.endsWith(".js"));
    const caller = chunks.filter((f) =>
      readFileSync(path.join(ROOT, OUT, f), "utf8").includes('new URL("./deploy-thread.js"'),
    );
    expect(caller.length).toBeGreaterThan(0);
  }, 60_000);
});

describe("staleReason", () => {
  it("accepts the build as made, a touched but unchanged file, and no other change", () => {
    expect(staleReason(path.join(ROOT, OUT, "build-info.json"))).toBeUndefined();
    const root = mkdtempSync(path.join(tmpdir(), "stale-"));
    try {
      writeFileSync(path.join(root, "a.ts"), "export const a = 1;\n");
      const info = path.join(root, "build-info.json");
      writeFileSync(info, JSON.stringify({ files: { "a.ts": fingerprint("a.ts", root) } }));
      expect(staleReason(info, root)).toBeUndefined();
      utimesSync(path.join(root, "a.ts"), new Date(), new Date(Date.now() + 5000));
      expect(staleReason(info, root)).toBeUndefined();
      writeFileSync(path.join(root, "a.ts"), "export const a = 2;\n");
      expect(staleReason(info, root)).toBe("a.ts changed since the build");
      writeFileSync(path.join(root, "a.ts"), "export const a = 22;\n");
      expect(staleReason(info, root)).toBe("a.ts changed since the build");
      rmSync(path.join(root, "a.ts"));
      expect(staleReason(info, root)).toBe("a.ts is gone since the build");
      expect(staleReason(path.join(root, "none.json"), root)).toBe("there is no build in dist/");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
