// The external validators the template tests run: `cloud-init schema` and `shellcheck`
// (Debian packages cloud-init and shellcheck). In CI a missing tool fails the test; on a
// developer machine the test is skipped with a one-line reason.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Tool {
  available: boolean;
  /** Why the test is skipped, when it is. */
  reason: string;
}

export function tool(command: string, versionArgs: string[]): Tool {
  const probe = spawnSync(command, versionArgs, { encoding: "utf8" });
  const available = probe.error === undefined && probe.status === 0;
  if (!available && process.env.CI === "true") {
    throw new Error(`${command} is required in CI (apt-get install -y cloud-init shellcheck)`);
  }
  return { available, reason: `${command} not installed: apt-get install -y ${command}` };
}

const scratch = mkdtempSync(join(tmpdir(), "cs-templates-"));
let counter = 0;

function tempFile(name: string, text: string): string {
  counter += 1;
  const path = join(scratch, `${counter}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** Runs `cloud-init schema --config-file`; returns its complaint, or "" when valid. */
export function cloudInitSchemaErrors(name: string, userData: string): string {
  const file = tempFile(`${name}.yaml`, userData);
  const result = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
  return result.status === 0 ? "" : `${result.stdout}${result.stderr}`.trim();
}

/**
 * Runs shellcheck on a script; returns its findings, or "" when clean. `minSeverity`
 * "warning" drops the notes that only say a quoted `$(...)` stays literal.
 */
export function shellcheckFindings(
  name: string,
  script: string,
  minSeverity: "style" | "warning" = "style",
): string {
  const file = tempFile(name, script);
  try {
    execFileSync("shellcheck", ["--format=gcc", `--severity=${minSeverity}`, file], {
      encoding: "utf8",
    });
    return "";
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}`.trim();
  }
}

/** Parses YAML documents with PyYAML, the parser cloud-init itself uses (one process). */
export function pyYamlParse(texts: string[]): unknown[] {
  const result = spawnSync(
    "python3",
    [
      "-c",
      "import json,sys,yaml; print(json.dumps([yaml.safe_load(t) for t in json.load(sys.stdin)]))",
    ],
    { input: JSON.stringify(texts), encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`PyYAML could not parse: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown[];
}
