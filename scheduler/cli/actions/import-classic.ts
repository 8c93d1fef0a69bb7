// The work of `cloudscheduler import-classic` (scheduler/cli/commands/import-classic.ts registers it).
import { importClassic, OutputExistsError } from "../../classic/import.js";
import { IniSyntaxError } from "../../classic/ini.js";
import { formatNotice, type NoticeKind } from "../../classic/notice.js";
import type { CommandContext } from "../context.js";
import { EXIT_OK, UsageError } from "../exit-codes.js";

const HEADINGS: Record<NoticeKind, string> = {
  moved: "Moved to clouds.yaml / secure.yaml",
  mapped: "Converted (check these)",
  placeholder: "Placeholders to fill in",
  renamed: "Renamed",
  skipped: "Skipped clouds",
  "not-imported": "Not imported",
};

export async function importClassicCommand(
  resourcesFile: string,
  schedulerFile: string | undefined,
  opts: { out: string; force?: boolean; json?: boolean },
  ctx: CommandContext,
): Promise<void> {
  let result: Awaited<ReturnType<typeof importClassic>>;
  try {
    result = await importClassic({
      resourcesFile,
      schedulerFile,
      outDir: opts.out,
      force: opts.force,
    });
  } catch (err) {
    if (err instanceof OutputExistsError || err instanceof IniSyntaxError)
      throw new UsageError(err.message);
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError(`cannot read ${(err as NodeJS.ErrnoException).path}: no such file`);
    throw err;
  }
  const movedSecrets = Object.entries(result.secureYaml).flatMap(([cloud, entry]) =>
    Object.keys(entry.auth).map((key) => `clouds.${cloud}.auth.${key}`),
  );
  if (opts.json) {
    ctx.output.out(
      JSON.stringify(
        {
          written: result.written,
          clouds: result.cloudNames,
          secrets_moved_to_secure_yaml: movedSecrets,
          gitignore_added: result.ignoredAdded,
          notices: result.notices,
        },
        null,
        2,
      ),
    );
  } else {
    const lines = [`Wrote ${result.written.join(", ")}`];
    const clouds = Object.entries(result.cloudNames);
    lines.push(
      `Imported ${clouds.length} cloud(s): ${clouds.map(([from, to]) => (from === to ? to : `${from} -> ${to}`)).join(", ") || "(none)"}`,
    );
    if (movedSecrets.length > 0)
      lines.push(
        `Credentials moved out of the config into secure.yaml: ${movedSecrets.join(", ")}.`,
      );
    lines.push(
      "clouds.yaml and secure.yaml are git-ignored (.gitignore); move them to ~/.config/openstack/ on the scheduler host (or set OS_CLIENT_CONFIG_FILE / OS_CLIENT_SECURE_FILE), and keep them out of git.",
    );
    for (const kind of Object.keys(HEADINGS) as NoticeKind[]) {
      const notices = result.notices.filter((n) => n.kind === kind);
      if (notices.length === 0) continue;
      lines.push("", `${HEADINGS[kind]}:`, ...notices.map((n) => `  ${formatNotice(n)}`));
    }
    lines.push("", `Next: review the PLACEHOLDER lines, then cloudscheduler validate ${opts.out}`);
    ctx.output.out(lines.join("\n"));
  }
  ctx.setExitCode(EXIT_OK);
}
