// `cloudscheduler image migrate|list`: copy images between clouds' Glance services, and show
// where the configured images exist and whether the copies match.
import type { Command } from "commander";
import { DEFAULT_CACHE_DIR } from "../../images/cache-dir.js";
import type { CommonOptions, MigrateOptions } from "../actions/image.js";
import type { CommandContext } from "../context.js";
import { EXIT_USAGE } from "../exit-codes.js";

const VISIBILITIES = ["private", "shared", "community", "public"];

export function registerImage(program: Command, ctx: CommandContext): void {
  const image = program
    .command("image")
    .description("copy VM images between clouds' Glance services and check the copies");

  image
    .command("migrate")
    .description("copy an image (name or id) from one cloud to others, streamed and hash-checked")
    .argument("<image>", "image name or id on the source cloud")
    .requiredOption("--from <cloud>", "source cloud")
    .requiredOption("--to <clouds>", "target clouds, comma-separated")
    .option("--config <dir>", "config repo with cloudscheduler.yaml (default: . when it has one)")
    .option("--clouds-yaml <path>", "clouds.yaml to read instead of the standard search path")
    .option("--cache-dir <dir>", "local image cache", DEFAULT_CACHE_DIR)
    .option("--visibility <v>", `visibility of the copies (${VISIBILITIES.join(", ")})`, "private")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, opts: MigrateOptions) => {
      if (!VISIBILITIES.includes(opts.visibility)) {
        ctx.output.err(`--visibility must be one of ${VISIBILITIES.join(", ")}`);
        ctx.setExitCode(EXIT_USAGE);
        return;
      }
      const { migrateCommand } = await import("../actions/image.js");
      await migrateCommand(ref, opts, ctx);
    });

  image
    .command("list")
    .description("show where each configured image exists and whether the copies match")
    .option("--cloud <cloud>", "only images copied from or to this cloud")
    .option("--config <dir>", "config repo with cloudscheduler.yaml (default: .)")
    .option("--clouds-yaml <path>", "clouds.yaml to read instead of the standard search path")
    .option("--json", "print the result as JSON")
    .action(async (opts: CommonOptions & { cloud?: string }) => {
      const { listCommand } = await import("../actions/image.js");
      await listCommand(opts, ctx);
    });
}
