// The files of a new config repo (`cloudscheduler init`): the example cloudscheduler.yaml,
// pool/ for the scheduler, a README and a .gitignore that keeps credentials out.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assetUrl } from "../assets.js";
import { CONFIG_FILE } from "./load.js";

/** Lines that keep credentials and local state out of a config repo. */
export const SECRET_IGNORES = [
  "secure.yaml",
  "clouds.yaml",
  "*.pem",
  "*.key",
  ".env",
  "*.token",
  ".cloudscheduler/",
] as const;

const EXAMPLE = assetUrl("examples/site/cloudscheduler.yaml");

export async function readBundledExample(): Promise<string> {
  return readFile(EXAMPLE, "utf8");
}

/** Relative path -> content of every file `init` writes. */
export function scaffoldFiles(exampleConfig: string): Record<string, string> {
  return {
    [CONFIG_FILE]: exampleConfig,
    ".gitignore": [
      "# Credentials never go into this repo: OpenStack's clouds.yaml / secure.yaml live in",
      "# ~/.config/openstack/ (or /etc/openstack/), tokens and keys beside the scheduler.",
      ...SECRET_IGNORES,
      "",
    ].join("\n"),
    "pool/README.md": [
      "# pool/",
      "",
      "The scheduler owns this directory: it writes `pool/<cloud>.json` (the workers it wants on",
      "each cloud) and commits every change with the reason. Read it, but do not edit it; change",
      "`cloudscheduler.yaml` instead.",
      "",
    ].join("\n"),
    "README.md": README,
  };
}

const README = `# cloudscheduler config repo

This repository is the desired state of a cloudscheduler site. The running scheduler watches
it: commit a change and it is picked up on the next cycle. A commit that does not validate is
rejected and the last good config keeps running.

## Change the clouds

1. Edit \`cloudscheduler.yaml\`: add or remove a cloud under \`clouds:\`, change its \`quota\`,
   \`weight\` or \`enabled\`, its allowed \`flavors\` and \`images\`, or the \`vm_types\`.
2. Check it: \`npx cloudscheduler validate .\` (exit code 0 = valid; errors name
   file:line:column and the key).
3. Commit and push: \`git commit -am "alberta: quota 40 cores" && git push\`.

To stop new workers on a cloud without removing it, set \`enabled: false\`.

## Credentials

Never here. Each cloud names an entry of OpenStack's \`clouds.yaml\` (\`cloud: <entry>\`); the
passwords or application-credential secrets go into \`secure.yaml\` next to it, in
\`~/.config/openstack/\` or \`/etc/openstack/\` on the scheduler host. \`.gitignore\` keeps both
out of this repo, and \`validate\` rejects a committed password or secret.

## pool/

Written by the scheduler: the workers it wants on each cloud. Do not edit.
`;

/** The target directory has files and --force was not given. */
export class DirectoryNotEmptyError extends Error {
  override readonly name = "DirectoryNotEmptyError";
  constructor(
    readonly dir: string,
    readonly entries: string[],
  ) {
    const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? ", ..." : "");
    super(`${dir} is not empty (${shown}); choose an empty directory or use --force`);
  }
}

/** Writes the scaffold into dir; refuses a non-empty dir unless force. Returns the paths written. */
export async function writeScaffold(
  dir: string,
  exampleConfig: string,
  options: { force?: boolean } = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const entries = (await readdir(dir)).filter((e) => e !== ".git" || !options.force);
  if (entries.length > 0 && !options.force) throw new DirectoryNotEmptyError(dir, entries);
  const written: string[] = [];
  for (const [relative, content] of Object.entries(scaffoldFiles(exampleConfig))) {
    const target = join(dir, relative);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    written.push(relative);
  }
  return written;
}
