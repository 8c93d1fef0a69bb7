// Worker identity on the real pool (docs/trust-model.md): each worker advertises with its own
// token, the central manager's COLLECTOR_REQUIREMENTS (the product's central-manager config)
// refuses ads that name another worker, a job cannot read its worker's token, a revoked or
// expired token is refused, a worker past its life takes no job, and the central manager retires
// a worker through the admin session the worker gave the collector (no FS, no token to the VM).
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CommandLineCondor } from "../../scheduler/condor/client.js";
import { CondorRevocationList } from "../../scheduler/condor/revocation-list.js";
import { condorSchema } from "../../scheduler/config/schema.js";
import { MemoryDeployer } from "../../scheduler/deploy/memory-deployer.js";
import { IdentityDeployer } from "../../scheduler/identity/identity-deployer.js";
import { joinedNames, RevocationJoinFence } from "../../scheduler/identity/join-fence.js";
import { workerIdentity, workerMachine } from "../../scheduler/identity/worker-identity.js";
import { recordingLogger } from "../../scheduler/run/logger.js";
import { acquirePoolLock, describeRealCondor } from "./gate.js";
import { GuestHost, type GuestSpec, idsOf } from "./guests.js";
import { type CondorPool, POOL_DIR, SUBMIT_USER, waitFor } from "./pool.js";
import { mintWorkerToken, sleepJobs, submitDir, workerGuest } from "./workers.js";

const MINUTES = 60_000;
const VM_TYPE = "identity-test";
/** Long enough that a refused ad would have arrived: the guests update every 5 s. */
const REFUSAL_WINDOW_MS = 20_000;

describeRealCondor("worker identity on real HTCondor 25 daemons", (pool: CondorPool) => {
  let release: () => void = () => {};
  let host: GuestHost;
  let dir: string;
  const clusters: number[] = [];
  const condor = () =>
    new CommandLineCondor(condorSchema.parse({ timeout: 20 }), { env: pool.env() });
  const adsOf = (name: string) =>
    pool.statusAds([
      "-any",
      "-constraint",
      `CloudSchedulerVM == "${name}"`,
      "-attributes",
      "MyType,Name,Machine,AuthenticatedIdentity,AuthenticationMethod,LastHeardFrom",
    ]);
  const collectorLog = () => readFileSync(join(POOL_DIR, "local/log/CollectorLog"), "utf8");
  /** The guest's own logs say the collector refused its token (revoked, expired). */
  const refusedToken = (guestDir: string) =>
    ["MasterLog", "StartLog"].some((log) => {
      try {
        return /Failed to authenticate using IDTOKENS/.test(
          readFileSync(join(guestDir, "var/log", log), "utf8"),
        );
      } catch {
        return false;
      }
    });
  /** A worker's guest with another worker's token in place of its own. */
  const withTokenOf = async (spec: GuestSpec, tokenOwner: string): Promise<GuestSpec> => {
    const token = await mintWorkerToken(pool, tokenOwner);
    const files = { ...spec.files };
    files["/etc/condor/tokens.d/cloudscheduler-worker"] = { content: token, mode: 0o600 };
    return { ...spec, files };
  };

  beforeAll(async () => {
    release = await acquirePoolLock();
    host = new GuestHost(pool);
    dir = submitDir("identity");
  }, 25 * MINUTES);

  afterAll(async () => {
    try {
      for (const cluster of clusters) await pool.tool("condor_rm", [String(cluster)]);
      await new CondorRevocationList(condorSchema.parse({}), {
        timeoutMs: 20_000,
        env: pool.env(),
      })
        .write([])
        .catch(() => {});
      await host?.killAll();
    } finally {
      release();
    }
  }, 2 * MINUTES);

  test(
    "a worker's own token advertises its slot, startd and master ads, each as that worker",
    async () => {
      const name = `cs-identity-own-${process.pid}`;
      await host.start(name, await workerGuest(pool, { name, vmType: VM_TYPE }));
      const ads = await waitFor(
        "slot, startd and master ads",
        async () => {
          const list = await adsOf(name);
          const types = new Set(list.map((ad) => ad.MyType));
          return types.has("Machine") && types.has("StartD") && types.has("DaemonMaster")
            ? list
            : undefined;
        },
        MINUTES,
      );
      for (const ad of ads) {
        expect(ad).toMatchObject({
          AuthenticatedIdentity: workerIdentity(name),
          AuthenticationMethod: "IDTOKENS",
          Machine: workerMachine(name),
        });
      }
      // The scheduler's adapter trusts them (its default requires the worker's own identity).
      expect((await condor().workers()).map((w) => w.workerName)).toContain(name);
    },
    3 * MINUTES,
  );

  test(
    "a token cannot advertise another worker: a startd naming worker B with A's token never appears",
    async () => {
      const victim = `cs-identity-victim-${process.pid}`;
      const rogue = `cs-identity-rogue-${process.pid}`;
      await host.start(victim, await workerGuest(pool, { name: victim, vmType: VM_TYPE }));
      await waitFor(
        "the victim's slot",
        async () => ((await adsOf(victim)).length > 0 ? true : undefined),
        MINUTES,
      );
      // A rogue startd that says it is the victim, with its own (rogue) token...
      const posing = await withTokenOf(
        await workerGuest(pool, { name: victim, vmType: VM_TYPE, hostname: rogue }),
        rogue,
      );
      await host.start(`${rogue}-posing`, posing);
      // ...and one that is itself but carries the victim's token.
      const borrowing = await withTokenOf(
        await workerGuest(pool, { name: rogue, vmType: VM_TYPE }),
        victim,
      );
      await host.start(`${rogue}-borrowing`, borrowing);
      await new Promise((resolve) => setTimeout(resolve, REFUSAL_WINDOW_MS));
      expect(await adsOf(rogue)).toEqual([]);
      const victimAds = await adsOf(victim);
      expect(victimAds.length).toBeGreaterThan(0);
      for (const ad of victimAds) expect(ad.AuthenticatedIdentity).toBe(workerIdentity(victim));
      expect(collectorLog()).toMatch(/COLLECTOR_REQUIREMENTS VIOLATION/);
      await host.kill(`${rogue}-posing`);
      await host.kill(`${rogue}-borrowing`);
    },
    3 * MINUTES,
  );

  test(
    "a job on a worker cannot read the worker's token",
    async () => {
      const name = `cs-identity-job-${process.pid}`;
      const guest = await host.start(
        name,
        await workerGuest(pool, { name, vmType: VM_TYPE, cpus: 1 }),
      );
      await waitFor(
        "the slot",
        async () => ((await adsOf(name)).length > 0 ? true : undefined),
        MINUTES,
      );
      const tokenFile = join(guest.dir, "etc/condor/tokens.d/cloudscheduler-worker");
      const script = join(dir, "read-token.sh");
      writeFileSync(
        script,
        [
          "#!/bin/sh",
          'echo "job runs as $(id -un)"',
          `if cat ${tokenFile} >/dev/null 2>&1; then echo "TOKEN READABLE"; else echo "token unreadable"; fi`,
          `if ls ${join(guest.dir, "etc/condor/tokens.d")} >/dev/null 2>&1; then echo "TOKEN DIR LISTED"; else echo "token dir closed"; fi`,
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
      const submit = "read-token.sub";
      writeFileSync(
        join(dir, submit),
        [
          "Universe = vanilla",
          "Executable = read-token.sh",
          "Output = read-token.out",
          "Error = read-token.err",
          "Log = read-token.log",
          "should_transfer_files = YES",
          "when_to_transfer_output = ON_EXIT",
          `Requirements = VMType =?= "${VM_TYPE}"`,
          `+VMType = "${VM_TYPE}"`,
          "Queue 1",
          "",
        ].join("\n"),
      );
      const [uid, gid] = idsOf(SUBMIT_USER).split(".").map(Number) as [number, number];
      for (const f of [script, join(dir, submit)]) chownSync(f, uid, gid);
      const cluster = await pool.submit(dir, submit);
      clusters.push(cluster);
      await waitFor(
        "the job done",
        async () =>
          (await pool.historyAds(["-constraint", `ClusterId == ${cluster}`])).length === 1
            ? true
            : undefined,
        3 * MINUTES,
        1000,
      );
      const out = readFileSync(join(dir, "read-token.out"), "utf8");
      expect(out).toMatch(/job runs as \S+/);
      expect(out).not.toMatch(/job runs as root/);
      expect(out).toContain("token unreadable");
      expect(out).toContain("token dir closed");
    },
    5 * MINUTES,
  );

  test(
    "a retired worker's token is refused; a new token for the same name is not",
    async () => {
      const name = `cs-identity-retired-${process.pid}`;
      const spec = await workerGuest(pool, { name, vmType: VM_TYPE });
      await host.start(name, spec);
      await waitFor(
        "its slot",
        async () => ((await adsOf(name)).length > 0 ? true : undefined),
        MINUTES,
      );
      // Retired: the scheduler revokes every token of its identity issued up to now.
      const revocations = new CondorRevocationList(condorSchema.parse({}), {
        timeoutMs: 20_000,
        env: pool.env(),
      });
      await revocations.write([
        { identity: workerIdentity(name), issuedUpTo: Math.floor(Date.now() / 1000) },
      ]);
      expect(await revocations.read()).toEqual([
        { identity: workerIdentity(name), issuedUpTo: expect.any(Number) },
      ]);
      // The same VM comes back (a new connection) with the same token: refused.
      await host.kill(name);
      const again = await host.start(`${name}-again`, spec);
      await waitFor(
        "the worker's revoked token refused",
        () => (refusedToken(again.dir) ? true : undefined),
        MINUTES,
      );
      await host.kill(`${name}-again`);
      // A new token, issued after the revocation, for a new worker of the same name: accepted.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const lastHeard = Math.max(0, ...(await adsOf(name)).map((ad) => Number(ad.LastHeardFrom)));
      await host.start(`${name}-new`, await workerGuest(pool, { name, vmType: VM_TYPE }));
      await waitFor(
        "the new worker's fresh ads",
        async () =>
          (await adsOf(name)).some((ad) => Number(ad.LastHeardFrom) > lastHeard) ? true : undefined,
        MINUTES,
      );
      await revocations.write([]);
    },
    4 * MINUTES,
  );

  test(
    "the join fence: a worker fenced before it joined never joins; one that had joined is reported",
    async () => {
      const joined = `cs-identity-fence-joined-${process.pid}`;
      const late = `cs-identity-fence-late-${process.pid}`;
      await host.start(joined, await workerGuest(pool, { name: joined, vmType: VM_TYPE }));
      await waitFor(
        "the joined worker's slot",
        async () => ((await adsOf(joined)).length > 0 ? true : undefined),
        MINUTES,
      );
      // The late worker's VM exists with its token (minted at its create), not booted yet.
      const lateSpec = await workerGuest(pool, { name: late, vmType: VM_TYPE });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      // The product's fence: revoked through the IdentityDeployer's writer, read back from the
      // collector, then the collector asked (condor_status narrowed to the names) who joined.
      const revocations = new CondorRevocationList(condorSchema.parse({}), {
        timeoutMs: 20_000,
        env: pool.env(),
      });
      const writer = new IdentityDeployer(new MemoryDeployer(), {
        issuer: { issue: () => Promise.reject(new Error("the fence mints nothing")) },
        revocations,
        now: () => Math.floor(Date.now() / 1000),
        log: recordingLogger(),
      });
      const adapter = condor();
      const fence = new RevocationJoinFence(writer, revocations, async (names) =>
        joinedNames(await adapter.workersNamed(names), names),
      );
      const kept = await fence.close([joined, late], Math.floor(Date.now() / 1000));
      expect([...kept]).toEqual([joined]);
      // The late worker boots now: its token predates the fence, so its startd never joins.
      const guest = await host.start(late, lateSpec);
      await waitFor(
        "the fenced worker's token refused",
        () => (refusedToken(guest.dir) ? true : undefined),
        MINUTES,
      );
      await new Promise((resolve) => setTimeout(resolve, REFUSAL_WINDOW_MS));
      expect(await adsOf(late)).toEqual([]);
      expect(await adapter.workersNamed([late])).toEqual([]);
      await host.kill(late);
      await host.kill(joined);
      await revocations.write([]);
    },
    4 * MINUTES,
  );

  test(
    "an expired token is refused",
    async () => {
      const name = `cs-identity-expired-${process.pid}`;
      const base = await workerGuest(pool, { name, vmType: VM_TYPE });
      // A token that lives 15 s, minted as the scheduler mints (its issuer refuses lives < 10 min).
      const short = await pool.tool("condor_token_create", [
        "-identity",
        workerIdentity(name),
        "-key",
        "cloudscheduler-workers",
        "-lifetime",
        "15",
        "-authz",
        "ADVERTISE_STARTD",
        "-authz",
        "ADVERTISE_MASTER",
        "-authz",
        "READ",
      ]);
      expect(short.code, short.stderr).toBe(0);
      const spec: GuestSpec = {
        ...base,
        files: {
          ...base.files,
          "/etc/condor/tokens.d/cloudscheduler-worker": {
            content: short.stdout.trim(),
            mode: 0o600,
          },
        },
      };
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      const guest = await host.start(name, spec);
      await waitFor(
        "the worker's expired token refused",
        () => (refusedToken(guest.dir) ? true : undefined),
        MINUTES,
      );
      expect(await adsOf(name)).toEqual([]);
    },
    3 * MINUTES,
  );

  test(
    "a worker past its life takes no job",
    async () => {
      const name = `cs-identity-old-${process.pid}`;
      const now = Math.floor(Date.now() / 1000);
      const spec = await workerGuest(pool, {
        name,
        vmType: `${VM_TYPE}-old`,
        lifeEndsAt: now - 60,
      });
      await host.start(name, spec);
      await waitFor(
        "its slot",
        async () => ((await adsOf(name)).length > 0 ? true : undefined),
        MINUTES,
      );
      const cluster = await pool.submit(
        dir,
        sleepJobs(dir, "old.sub", { vmType: `${VM_TYPE}-old`, count: 1, seconds: 5 }),
      );
      clusters.push(cluster);
      await new Promise((resolve) => setTimeout(resolve, 30_000)); // several negotiation cycles
      const [job] = await pool.queueAds([
        "-constraint",
        `ClusterId == ${cluster}`,
        "-attributes",
        "JobStatus",
      ]);
      expect(job?.JobStatus).toBe(1); // still idle
    },
    3 * MINUTES,
  );
  test(
    "the central manager drains and turns off a worker it could not authenticate to: through the admin session the worker gave the collector",
    async () => {
      // What a scheduler on another host can do: no FS authentication (it needs a shared file
      // system) and no token the worker could verify (the worker holds no signing key).
      const name = `cs-identity-retire-${process.pid}`;
      const spec = await workerGuest(pool, { name, vmType: VM_TYPE });
      // Test-side only: the startd logs who was granted what.
      spec.files["/etc/condor/config.d/99-test-debug.conf"] = {
        content: "STARTD_DEBUG = D_SECURITY\n",
        mode: 0o644,
      };
      const guest = await host.start(name, spec);
      await waitFor(
        "its startd and master ads",
        async () => {
          const types = new Set((await adsOf(name)).map((ad) => ad.MyType));
          return types.has("StartD") && types.has("DaemonMaster") ? true : undefined;
        },
        MINUTES,
      );
      const noTokens = mkdtempSync(join(tmpdir(), "cs-no-tokens-"));
      try {
        const remote = new CommandLineCondor(condorSchema.parse({ timeout: 20 }), {
          env: {
            ...pool.env(),
            _CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS: "IDTOKENS",
            _CONDOR_SEC_DEFAULT_AUTHENTICATION_METHODS: "IDTOKENS",
            _CONDOR_SEC_TOKEN_DIRECTORY: noTokens,
            _CONDOR_SEC_TOKEN_SYSTEM_DIRECTORY: noTokens,
          },
        });
        await remote.drain(workerMachine(name), "identity test");
        await waitFor(
          "the worker draining",
          async () =>
            (await condor().workers()).find((w) => w.workerName === name)?.draining
              ? true
              : undefined,
          MINUTES,
        );
        await remote.peacefulOff(workerMachine(name));
        await waitFor(
          "its startd gone",
          async () => ((await adsOf(name)).some((ad) => ad.MyType === "StartD") ? undefined : true),
          MINUTES,
        );
        // The worker's own log says how: the session the collector holds for its administrator.
        expect(readFileSync(join(guest.dir, "var/log/StartLog"), "utf8")).toMatch(
          /PERMISSION GRANTED to collector-side@matchsession .* ADMINISTRATOR/,
        );
      } finally {
        rmSync(noTokens, { recursive: true, force: true });
      }
    },
    3 * MINUTES,
  );
});
