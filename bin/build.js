#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` leaves a built tree): bundles the command line
// (scheduler/cli/main.ts and everything it imports, stacks/pool.ts included) into JavaScript in
// dist/ with esbuild: one flat directory, a chunk per lazily imported part, so `cloudscheduler
// validate` loads neither Pulumi nor SQLite. Type checking is `npm run typecheck`'s job. zod,
// yaml and commander are bundled in (dozens of small modules load slowly one by one); the other
// packages stay in node_modules, loaded by the commands that use them, as one copy per process
// (Pulumi's mocks and runtime are process-wide). Records what it was built from in
// dist/build-info.json: bin/cloudscheduler.js runs dist/ only while that record matches.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { BUILD_INFO_FILE, fingerprint, ROOT } from "./dist-state.js";

const BUNDLED = ["zod", "yaml", "commander"];
// Where to: dist, or (tests) another directory right below the root, where "../" is the root.
const out = process.argv[2] ?? "dist";
if (!/^[\w.-]+$/.test(out)) {
  process.stderr.write(
    `build: the output directory must be a name right below the root, not ${out}\n`,
  );
  process.exit(2);
}
const DIST = join(ROOT, out);

const started = performance.now();
let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // Installed without dev dependencies: bin/cloudscheduler.js runs the sources through tsx.
  process.stderr.write("build: esbuild is not installed; skipped (the CLI runs from sources)\n");
  process.exit(0);
}

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const external = Object.keys(pkg.dependencies ?? {})
  .filter((name) => !BUNDLED.includes(name))
  .flatMap((name) => [name, `${name}/*`]);

rmSync(DIST, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: ROOT,
  // The deploy thread runs in a worker of its own (scheduler/deploy/thread-deployer.ts).
  entryPoints: {
    main: "scheduler/cli/main.ts",
    "deploy-thread": "scheduler/deploy/deploy-thread.ts",
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
  // Bundled CommonJS (commander) requires Node built-ins: give it a require.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
});

// What the build read: our sources, and the bundled packages through the lockfile.
const inputs = Object.keys(result.metafile.inputs)
  .map((file) => relative(ROOT, `${ROOT}/${file}`).split(sep).join("/"))
  .filter((file) => !file.startsWith("node_modules/"));
const files = Object.fromEntries(
  [...inputs, "package.json", "package-lock.json"].sort().map((file) => [file, fingerprint(file)]),
);
writeFileSync(join(DIST, BUILD_INFO_FILE), `${JSON.stringify({ version: 1, files }, null, 1)}\n`);
const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".js")).length;
process.stderr.write(
  `build: ${inputs.length} modules into ${outputs} files in ${out}/ in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
