#!/usr/bin/env node
// Entry point for `cloudscheduler` / `npx cloudscheduler`: runs the TypeScript sources
// through tsx, so there is no build step between a git pull and a run.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../scheduler/cli/main.ts");
process.exitCode = await main(process.argv);
