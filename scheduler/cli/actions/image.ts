// The work of `cloudscheduler image migrate|list` (scheduler/cli/commands/image.ts registers
// them).
import { access } from "node:fs/promises";
import { join } from "node:path";
import { CredentialsError, nodeCredentialSources } from "../../config/credentials.js";
import { CONFIG_FILE, loadConfigDir } from "../../config/load.js";
import { ConfigError } from "../../config/problem.js";
import type { Config } from "../../config/schema.js";
import { type CloudAccess, cloudAccess, UnknownCloudError } from "../../images/cloud-access.js";
import { listImageCopies } from "../../images/list.js";
import { migrateImage } from "../../images/migrate.js";
import {
  barProgress,
  formatMiB,
  type ProgressReporter,
  plainProgress,
} from "../../images/progress.js";
import type { Visibility } from "../../images/upload.js";
import { AmbiguousImageError, ImageNotFoundError } from "../../openstack/errors.js";
import type { CommandContext } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";

export interface CommonOptions {
  config?: string;
  cloudsYaml?: string;
  json?: boolean;
}

export type MigrateOptions = CommonOptions & {
  from: string;
  to: string;
  cacheDir: string;
  visibility: string;
};

export async function migrateCommand(
  ref: string,
  opts: MigrateOptions,
  ctx: CommandContext,
): Promise<void> {
  const to = opts.to
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  await withClouds(ctx, opts, async (clouds) => {
    const controller = new AbortController();
    const onSigint = () => {
      ctx.output.err("interrupted: stopping the transfer and deleting unfinished copies");
      controller.abort();
    };
    process.once("SIGINT", onSigint);
    const progress = progressFor(ctx);
    try {
      // Check every name first: a typo should not cost a download.
      const known = await clouds.names();
      for (const cloud of [opts.from, ...to]) {
        if (!known.includes(cloud)) throw new UnknownCloudError(cloud, known, where(opts));
      }
      const result = await migrateImage(
        { image: ref, from: opts.from, to, visibility: opts.visibility as Visibility },
        {
          connect: (c) => clouds.connect(c),
          cacheDir: opts.cacheDir,
          progress,
          signal: controller.signal,
        },
      );
      progress.stop();
      const ok = result.targets.every((t) => t.status !== "failed");
      if (opts.json) {
        const targets = result.targets.map(({ ...t }) => {
          if ("error" in t) delete (t as { error?: unknown }).error;
          return t;
        });
        ctx.output.out(JSON.stringify({ ok, source: result.source, targets }, null, 2));
      } else {
        const s = result.source;
        ctx.output.out(
          `${s.name} (${s.id}) on ${s.cloud}: ${formatMiB(s.sizeBytes)}, ${s.hashAlgo} ${s.hashValue.slice(0, 16)}...`,
        );
        for (const t of result.targets) {
          if (t.status === "copied") ctx.output.out(`  ${t.cloud}: copied as ${t.imageId}`);
          else if (t.status === "skipped") ctx.output.out(`  ${t.cloud}: skipped, ${t.reason}`);
          else ctx.output.out(`  ${t.cloud}: FAILED: ${t.reason}`);
        }
      }
      ctx.setExitCode(ok ? EXIT_OK : EXIT_FAILURE);
    } finally {
      progress.stop();
      process.removeListener("SIGINT", onSigint);
    }
  });
}

export async function listCommand(
  opts: CommonOptions & { cloud?: string },
  ctx: CommandContext,
): Promise<void> {
  await withClouds(ctx, { ...opts, config: opts.config ?? "." }, async (clouds, config) => {
    if (!config) throw new ConfigError([]);
    const known = await clouds.names();
    if (opts.cloud !== undefined && !known.includes(opts.cloud)) {
      throw new UnknownCloudError(opts.cloud, known, where(opts));
    }
    const status = await listImageCopies(config.images, (c) => clouds.connect(c), opts.cloud);
    const ok = status.every((s) =>
      s.copies.every((c) => c.state === "present" || c.state === "match"),
    );
    if (opts.json) ctx.output.out(JSON.stringify({ ok, images: status }, null, 2));
    else if (status.length === 0) ctx.output.out("no images to copy in cloudscheduler.yaml");
    else {
      for (const s of status) {
        ctx.output.out(s.image);
        for (const c of s.copies) {
          const detail =
            c.state === "present"
              ? `${c.id} ${c.hash.slice(0, 24)}...`
              : c.state === "match"
                ? `${c.id} (same bytes as the source)`
                : c.state === "differs"
                  ? `${c.id} DIFFERS from the source (${c.hash.slice(0, 24)}...)`
                  : c.state === "error"
                    ? `ERROR: ${c.reason}`
                    : "MISSING";
          ctx.output.out(`  ${c.cloud} (${c.role}): ${detail}`);
        }
      }
    }
    ctx.setExitCode(ok ? EXIT_OK : EXIT_FAILURE);
  });
}

function where(opts: CommonOptions): string {
  return opts.config ? join(opts.config, CONFIG_FILE) : "clouds.yaml";
}

/** Loads the config (if any) and credentials, runs `body`, turns known errors into exit codes. */
async function withClouds(
  ctx: CommandContext,
  opts: CommonOptions,
  body: (clouds: CloudAccess, config: Config | undefined) => Promise<void>,
): Promise<void> {
  try {
    const dir = opts.config ?? ((await exists(join(".", CONFIG_FILE))) ? "." : undefined);
    const config = dir === undefined ? undefined : await loadConfigDir(dir);
    if (dir !== undefined) opts.config = dir;
    const env = opts.cloudsYaml ? { ...ctx.env, OS_CLIENT_CONFIG_FILE: opts.cloudsYaml } : ctx.env;
    await body(cloudAccess(config, nodeCredentialSources(env)), config);
  } catch (err) {
    if (err instanceof ConfigError) {
      ctx.output.err(err.message || `no ${CONFIG_FILE} found: pass --config <dir>`);
      ctx.setExitCode(EXIT_USAGE);
    } else if (err instanceof UnknownCloudError || err instanceof CredentialsError) {
      ctx.output.err(err.message);
      ctx.setExitCode(EXIT_USAGE);
    } else if (err instanceof ImageNotFoundError || err instanceof AmbiguousImageError) {
      ctx.output.err(err.message);
      ctx.setExitCode(EXIT_FAILURE);
    } else if (err instanceof Error) {
      ctx.output.err(`${err.name}: ${err.message}`);
      ctx.setExitCode(EXIT_FAILURE);
    } else throw err;
  }
}

function progressFor(ctx: CommandContext): ProgressReporter {
  if (process.stderr.isTTY) return barProgress(process.stderr);
  return plainProgress((line) => ctx.output.err(line), Date.now);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
