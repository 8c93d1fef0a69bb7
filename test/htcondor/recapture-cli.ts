// `test/htcondor/recapture.sh` runs this against a fresh pool: records the answers and writes them
// as fixture files into the directory given (default test/fixtures/condor).
import { resolve } from "node:path";
import { ROOT } from "../support/condor-world.js";
import { CondorPool } from "./pool.js";
import { captureAnswers, writeFixtures } from "./recapture.js";

const outDir = resolve(process.argv[2] ?? `${ROOT}/test/fixtures/condor`);
const pool = CondorPool.fromEnvironment();
if (!pool) {
  console.error("recapture: no pool (CS_CONDOR_DIR has no env.sh; run test/htcondor/up.sh)");
  process.exit(1);
}
const started = Math.floor(Date.now() / 1000);
const { captures, dir } = await captureAnswers(pool, (line) => console.error(`recapture: ${line}`));
const written = writeFixtures(captures, outDir, started, { user: "csjob", dir });
console.error(`recapture: wrote ${written.length} files to ${outDir}`);
