#!/usr/bin/env node
// Entry point for `cloudscheduler` / `npx cloudscheduler`. Runs the compiled build in dist/
// (made by `npm run build`, and by `npm ci` through `prepare`) when it was built from exactly
// the sources there are now; otherwise says so on stderr and runs the sources through tsx, so
// neither a `git pull` without a build nor an edited file ever runs old code.
import { staleReason } from "./dist-state.js";

const stale = process.env.CLOUDSCHEDULER_FROM_SOURCES ? "asked for" : staleReason();
let main;
if (stale === undefined) {
  ({ main } = await import("../dist/main.js"));
} else {
  if (stale !== "asked for") {
    process.stderr.write(
      `cloudscheduler: running from sources (${stale}); \`npm run build\` makes it start faster\n`,
    );
  }
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../scheduler/cli/main.ts"));
}
process.exitCode = await main(process.argv);
