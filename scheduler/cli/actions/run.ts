// `cloudscheduler run [dir]`: the daemon. Logs JSON lines to stderr; SIGTERM/SIGINT stop it after
// the cycle in flight.
import { userInfo } from "node:os";
import { pino } from "pino";
import { launchDigests } from "../../../stacks/launch-settings.js";
import { NovaInventory } from "../../cloud/nova-inventory.js";
import { OwnerTagError, resolveOwner } from "../../cloud/owner.js";
import { CommandLineCondor } from "../../condor/client.js";
import { CondorRevocationList } from "../../condor/revocation-list.js";
import { CondorTokenIssuer } from "../../condor/token-issuer.js";
import { credentialsForCloud, nodeCredentialSources } from "../../config/credentials.js";
import {
  OperatorSettingError,
  type OperatorSettings,
  resolveOperatorSettings,
} from "../../config/operator-settings.js";
import { ConfigError } from "../../config/problem.js";
import { BackoffTracker } from "../../deploy/backoff.js";
import { ThreadDeployer } from "../../deploy/thread-deployer.js";
import { resolveStateDir } from "../../deploy/workspace-settings.js";
import { IdentityDeployer } from "../../identity/identity-deployer.js";
import { joinedNames, RevocationJoinFence } from "../../identity/join-fence.js";
import { ConfigRepo } from "../../pool/repo.js";
import { logConfigEvent, runDaemon, systemClock } from "../../run/daemon.js";
import { deployQueueSettings } from "../../run/deploy.js";
import { DeployQueue } from "../../run/deploy-queue.js";
import { scrubbedDestination } from "../../run/logger.js";
import { FileMemoryStore } from "../../run/memory-store.js";
import { RepoPoolFiles } from "../../run/pool-files.js";
import { registerEnvironmentSecrets } from "../../secrets/registry.js";
import { perConfig } from "../../state/launch.js";
import { ListenAddressError } from "../../status/errors.js";
import { listenFromOption } from "../../status/listen.js";
import { type StatusService, startStatusService } from "../../status/service.js";
import { WakeableClock } from "../../status/wakeable-clock.js";
import { ConfigWatcher } from "../../watch/config-watch.js";
import type { CommandContext } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";

export interface RunOptions {
  once?: boolean;
  push?: boolean;
  syncInterval: string;
  logLevel: string;
  listen?: string | boolean;
  condorBin?: string;
  backendUrl?: string;
  secretsProvider?: string;
}

export async function runCommand(
  dir: string,
  opts: RunOptions,
  ctx: CommandContext,
): Promise<number> {
  // Every secret of the environment is known to the scrubber before the first line is logged.
  registerEnvironmentSecrets(ctx.env);
  const log = pino(
    { level: opts.logLevel, base: { service: "cloudscheduler" } },
    scrubbedDestination(pino.destination(2)),
  );
  let operator: OperatorSettings;
  try {
    operator = resolveOperatorSettings(ctx.env, opts);
  } catch (err) {
    if (!(err instanceof OperatorSettingError)) throw err;
    ctx.output.err(`cloudscheduler run: ${err.message}`);
    return EXIT_USAGE;
  }
  let listen: ReturnType<typeof listenFromOption>;
  try {
    listen = listenFromOption(opts.listen, Boolean(opts.once));
  } catch (err) {
    if (!(err instanceof ListenAddressError)) throw err;
    ctx.output.err(`cloudscheduler run: ${err.message}`);
    return EXIT_USAGE;
  }
  let status: StatusService | undefined;
  const repo = await ConfigRepo.open(dir, { push: Boolean(opts.push) }).catch((err: unknown) => {
    ctx.output.err(`cloudscheduler run: ${dir} is not a git working tree: ${String(err)}`);
    return undefined;
  });
  if (!repo) return EXIT_USAGE;
  let watcher: ConfigWatcher;
  try {
    watcher = await ConfigWatcher.start({
      dir,
      repo,
      syncIntervalSeconds: Number(opts.syncInterval),
      logger: log,
      onEvent: (event) => {
        logConfigEvent(log, event);
        void status?.onConfigEvent(event);
      },
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      ctx.output.err(err.message);
      return EXIT_USAGE;
    }
    throw err;
  }
  const { config } = watcher.current();
  const stateDir = resolveStateDir(dir, ctx.env);
  let owner: string;
  try {
    owner = await resolveOwner(stateDir, ctx.env);
  } catch (err) {
    if (!(err instanceof OwnerTagError)) throw err;
    ctx.output.err(`cloudscheduler run: ${err.message}`);
    await watcher.close();
    return EXIT_USAGE;
  }
  const credentialSources = nodeCredentialSources(ctx.env);
  const workerSources = {
    env: ctx.env,
    username: userInfo().username,
  };
  const clock = new WakeableClock(systemClock);
  const backoff = new BackoffTracker();
  try {
    status = await startStatusService({
      stateDir,
      backoff,
      now: () => clock.now(),
      listen,
      adminToken: ctx.env.CLOUDSCHEDULER_ADMIN_TOKEN,
      runCycleNow: () => clock.wake(),
      processMetrics: true,
      log,
    });
  } catch (err) {
    ctx.output.err(
      `cloudscheduler run: cannot serve status on ${listen?.host}:${listen?.port} (--listen HOST:PORT or --no-listen): ${String(err)}`,
    );
    await watcher.close();
    return EXIT_USAGE;
  }
  await status.configLoaded(config, watcher.current().revision);
  if (status.server)
    log.info({ url: status.server.url }, `status dashboard at ${status.server.url}/`);
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    log.info({ signal }, "stopping after the cycle in flight");
    controller.abort();
  };
  // Listeners that stay while the daemon runs: the Automation API runs the Pulumi CLI through
  // execa, whose signal-exit handler re-raises a signal it believes nobody else handles. A
  // `once` listener is gone by then, so a SIGTERM during `pulumi up` killed the daemon mid-deploy.
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  const condorTimeoutMs = Math.max(1000, config.condor.timeout * 1000);
  const binDir = operator.condorBinDir === undefined ? {} : { binDir: operator.condorBinDir };
  let last: Awaited<ReturnType<typeof runDaemon>>;
  // Pulumi runs on a thread of its own: a deploy never stalls the cycle (thread-deployer.ts).
  const deployer = new ThreadDeployer({
    options: { configDir: dir, deploy: operator, env: ctx.env },
    logger: log,
  });
  const condor = new CommandLineCondor(config.condor, {
    env: ctx.env,
    ...binDir,
    onUntrustedSlot: ({ slot, reason }) =>
      log.warn({ decision: "untrusted-ad", machine: slot.machine }, reason),
  });
  const revocations = new CondorRevocationList(config.condor, {
    timeoutMs: condorTimeoutMs,
    env: ctx.env,
    ...binDir,
  });
  const identity = new IdentityDeployer(deployer, {
    issuer: new CondorTokenIssuer({
      timeoutMs: condorTimeoutMs,
      env: ctx.env,
      ...binDir,
      ...(operator.tokenSigningKey ? { signingKey: operator.tokenSigningKey } : {}),
      ...(operator.tokenKeyDirectory ? { passwordDirectory: operator.tokenKeyDirectory } : {}),
    }),
    revocations,
    now: () => clock.now(),
    log,
  });
  try {
    last = await runDaemon({
      deps: {
        condor,
        // Every new worker gets its own IDTOKEN; a retired worker's tokens are revoked.
        deployer: identity,
        // A worker deleted before it joined is first made unable to join (its token revoked).
        fence: new RevocationJoinFence(identity, revocations, async (names) =>
          joinedNames(await condor.workersNamed(names), names),
        ),
        pools: new RepoPoolFiles(repo),
        backoff,
        log,
        inventory: new NovaInventory((name, cloud) =>
          credentialsForCloud(name, cloud, credentialSources),
        ),
        owner,
        // Made once per config (rendering each cloud's worker user-data), not every cycle.
        launch: perConfig((current) => launchDigests(current, workerSources)),
        // Deploys in the background, except for --once, which waits for its deploys.
        ...(opts.once ? {} : { deploys: new DeployQueue(deployQueueSettings(config)) }),
      },
      store: new FileMemoryStore(stateDir),
      config: watcher,
      clock,
      signal: controller.signal,
      maxCycles: opts.once ? 1 : undefined,
      onCycle: (report) => status?.onCycle(report),
    });
  } catch (err) {
    log.error({ err: String(err) }, "scheduler stopped by an unexpected error");
    return EXIT_FAILURE;
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    await watcher.close();
    await status.close();
    await deployer.close();
  }
  // `run --once` is a probe scripts rely on: a cycle that failed is a failed run.
  if (opts.once && last?.error !== undefined) {
    ctx.output.err(`cloudscheduler run --once: the cycle failed: ${last.error}`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}
