// Shared body of the HTCondor stand-ins (condor_q, condor_status, condor_drain, condor_off):
// records how it was called, then replays a fixture. See README.md in this folder.
import { spawn } from "node:child_process";
import { appendFileSync, createReadStream, existsSync, readFileSync } from "node:fs";
import path from "node:path";

const ENV_PREFIX = {
  condor_q: "CONDOR_STANDIN_Q",
  condor_status: "CONDOR_STANDIN_STATUS",
  condor_drain: "CONDOR_STANDIN_DRAIN",
  condor_off: "CONDOR_STANDIN_OFF",
};

/** The setting `suffix` ("", "_STDERR", "_EXIT", "_DELAY") for `tool`: env var, then the dir. */
function setting(tool, suffix) {
  const fromEnv = process.env[`${ENV_PREFIX[tool]}${suffix}`];
  if (fromEnv !== undefined)
    return { value: fromEnv, isPath: suffix === "" || suffix === "_STDERR" };
  if (suffix === "_DELAY" && process.env.CONDOR_STANDIN_DELAY !== undefined) {
    return { value: process.env.CONDOR_STANDIN_DELAY, isPath: false };
  }
  const dir = process.env.CONDOR_STANDIN_DIR;
  if (dir === undefined) return undefined;
  const ext = { "": "stdout", _STDERR: "stderr", _EXIT: "exit", _DELAY: "delay" }[suffix];
  const file = path.join(dir, `${tool}.${ext}`);
  if (!existsSync(file)) return undefined;
  if (suffix === "" || suffix === "_STDERR") return { value: file, isPath: true };
  return { value: readFileSync(file, "utf8").trim(), isPath: false };
}

function pipeFile(file, stream) {
  return new Promise((resolve, reject) => {
    const input = createReadStream(file, { highWaterMark: 64 * 1024 });
    input.on("error", reject);
    input.on("end", resolve);
    input.pipe(stream, { end: false });
  });
}

function sleepInChild(seconds) {
  // A real tool blocks in a network read; a child process stands in for anything the tool
  // started, so tests can check that the whole process group is killed on timeout.
  return new Promise((resolve) => {
    const child = spawn("sleep", [String(seconds)], { stdio: "ignore" });
    child.on("exit", resolve);
    record({ sleeperPid: child.pid });
  });
}

let logged = {};
function record(extra) {
  logged = { ...logged, ...extra };
}

export async function run(tool) {
  const args = process.argv.slice(2);
  record({ tool, args, pid: process.pid });
  const stdout = setting(tool, "");
  const stderr = setting(tool, "_STDERR");
  const exit = setting(tool, "_EXIT");
  const delay = setting(tool, "_DELAY");
  const log = process.env.CONDOR_STANDIN_LOG;
  if (delay !== undefined && Number(delay.value) > 0) {
    const waiting = sleepInChild(Number(delay.value));
    if (log !== undefined) appendFileSync(log, `${JSON.stringify(logged)}\n`);
    await waiting;
  } else if (log !== undefined) {
    appendFileSync(log, `${JSON.stringify(logged)}\n`);
  }
  if (stdout === undefined && stderr === undefined && exit === undefined) {
    process.stderr.write(
      `${tool} stand-in: nothing configured (set ${ENV_PREFIX[tool]} or CONDOR_STANDIN_DIR)\n`,
    );
    process.exitCode = 2;
    return;
  }
  if (stdout !== undefined) await pipeFile(stdout.value, process.stdout);
  if (stderr !== undefined) await pipeFile(stderr.value, process.stderr);
  process.exitCode = exit === undefined ? 0 : Number(exit.value);
}
