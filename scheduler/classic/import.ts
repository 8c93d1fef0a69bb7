// `import-classic` without the command line: read the classic files, convert, check the
// result against the schema, write cloudscheduler.yaml, clouds.yaml and secure.yaml.
import { access, appendFile, chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { parseConfig } from "../config/load.js";
import { SECRET_IGNORES } from "../config/scaffold.js";
import { type ClassicImport, convertClassic } from "./convert.js";
import { parseIni } from "./ini.js";
import { renderImport } from "./render.js";

export interface ImportOptions {
  resourcesFile: string;
  schedulerFile?: string;
  outDir: string;
  /** Overwrite existing output files. */
  force?: boolean;
}

export interface ImportResult extends ClassicImport {
  written: string[];
  /** Entries added to (or a new) .gitignore in outDir. */
  ignoredAdded: string[];
}

/** Output exists and --force was not given; the caller reports it as a usage error. */
export class OutputExistsError extends Error {
  override readonly name = "OutputExistsError";
  constructor(readonly files: string[]) {
    super(
      `${files.join(", ")} already exist; use --force to overwrite or --out to choose a directory`,
    );
  }
}

export async function importClassic(options: ImportOptions): Promise<ImportResult> {
  const resources = parseIni(
    await readFile(options.resourcesFile, "utf8"),
    basename(options.resourcesFile),
  );
  const scheduler = options.schedulerFile
    ? parseIni(await readFile(options.schedulerFile, "utf8"), basename(options.schedulerFile))
    : undefined;
  const result = convertClassic(resources, scheduler);
  const sources = [resources.file, ...(scheduler ? [scheduler.file] : [])];
  const files = renderImport(result, sources);
  // A conversion bug must not hand the user a file `validate` rejects.
  parseConfig(files["cloudscheduler.yaml"], "cloudscheduler.yaml (converted)");

  const targets = Object.keys(files).map((name) => join(options.outDir, name));
  if (!options.force) {
    const existing = [];
    for (const target of targets) if (await exists(target)) existing.push(target);
    if (existing.length > 0) throw new OutputExistsError(existing);
  }
  await mkdir(options.outDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    const target = join(options.outDir, name);
    const secret = name === "secure.yaml" || name === "clouds.yaml";
    await writeFile(target, text, { mode: secret ? 0o600 : 0o644 });
    if (secret) await chmod(target, 0o600);
  }
  const ignoredAdded = await ensureIgnored(options.outDir, SECRET_IGNORES);
  return { ...result, written: targets, ignoredAdded };
}

/** Appends the missing lines to outDir/.gitignore (creating it); returns what it added. */
export async function ensureIgnored(dir: string, lines: readonly string[]): Promise<string[]> {
  const file = join(dir, ".gitignore");
  const current = (await exists(file)) ? await readFile(file, "utf8") : "";
  const present = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  const missing = lines.filter((l) => !present.has(l));
  if (missing.length === 0) return [];
  const prefix = current === "" || current.endsWith("\n") ? "" : "\n";
  await appendFile(
    file,
    `${prefix}# credentials and local state never go into git\n${missing.join("\n")}\n`,
  );
  return missing;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
