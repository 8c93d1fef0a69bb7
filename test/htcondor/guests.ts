// Real HTCondor execute nodes that play the VMs the product boots. The local Nova's fake driver
// runs no guest, so for each ACTIVE worker server a real condor_master + startd is started here
// that looks like that VM: its host name (its own UTS namespace), its own loopback address
// (127.77.x.y, HTCondor's port 9618), one partitionable slot sized from the flavor, and the
// HTCondor config and token that the product rendered into the server's user-data (read back
// from Nova), so the worker template itself is what joins the pool. When the server is deleted
// (or leaves ACTIVE) every process of the guest is SIGKILLed at once through its cgroup, as a
// deleted VM dies: no condor_off, no ads withdrawn.
//
// What of the user-data cannot run here: the setup script (package installs, the CVMFS client,
// `systemctl restart condor`) and cloud-init itself; the guest starts HTCondor directly with the
// files the user-data writes under /etc/condor/, mapped into the guest's own directory.
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { portOpen } from "../support/integration.js";
import type { NovaServer, OpenStackApi } from "../support/openstack-api.js";
import { type CondorPool, childrenOf, POOL_DIR } from "./pool.js";

const HERE = dirname(new URL(import.meta.url).pathname);
const BOOT = join(HERE, "lib", "guest-boot.sh");
/** Every guest's shared port, on its own address. */
export const GUEST_PORT = 9620;

/** What a VM brings to HTCondor: its name, its hardware and the files its user-data writes. */
export interface GuestSpec {
  /** The VM's host name (Nova names the host after the server). */
  hostname: string;
  /** The domain the VM believes it is in (DEFAULT_DOMAIN_NAME); null: a bare short name. */
  domain: string | null;
  /** The name HTCondor gives the machine when its config sets one (NETWORK_HOSTNAME). */
  machine?: string;
  cpus: number;
  memoryMb: number;
  /** Files the user-data writes, by absolute path on the VM. Only /etc/condor/ ones are used. */
  files: Record<string, { content: string; mode: number }>;
  /** The image's UPDATE_INTERVAL (seconds between the startd's collector updates). */
  updateInterval?: number;
  /**
   * A VM whose image left EXECUTE owned by root, not the condor account: HTCondor 25 marks its
   * partitionable slot broken (SlotBrokenCode) and it can never run a job.
   */
  brokenExecute?: boolean;
}

/** One running guest. */
export class Guest {
  private dead = false;
  private killed = false;

  constructor(
    readonly key: string,
    readonly spec: GuestSpec,
    readonly address: string,
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly cgroup: string | undefined,
    readonly startedAt: number,
  ) {
    child.once("exit", () => {
      this.dead = true;
    });
  }

  /** The name HTCondor gives the machine: NETWORK_HOSTNAME, else host name plus domain. */
  get machine(): string {
    if (this.spec.machine) return this.spec.machine;
    return this.spec.domain ? `${this.spec.hostname}.${this.spec.domain}` : this.spec.hostname;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Every process of the guest dies at once, jobs included, as a deleted VM does. Idempotent. */
  async kill(): Promise<void> {
    if (this.killed) return;
    this.killed = true;
    const cgroup = this.cgroup;
    if (cgroup) {
      writeFileSync(join(cgroup, "cgroup.kill"), "1");
      await until(() => readFileSync(join(cgroup, "cgroup.procs"), "utf8").trim() === "");
      try {
        rmdirSync(cgroup);
      } catch {
        /* a process still exiting; down.sh removes it */
      }
    } else {
      killTree(this.pid);
    }
    await until(() => this.dead);
    rmPid(this.key);
  }
}

export interface GuestHostOptions {
  /** The uid:gid HTCondor's daemons run as (CONDOR_IDS); default the `condor` account's. */
  condorIds?: string;
}

/** Starts and kills guests; one per key (a server id, or a test's own name). */
export class GuestHost {
  private readonly running = new Map<string, Guest>();
  private nextAddress = 2;
  private readonly cgroupRoot: string | undefined;
  private readonly condorIds: string;

  constructor(
    private readonly pool: CondorPool,
    options: GuestHostOptions = {},
  ) {
    this.cgroupRoot = guestCgroupRoot();
    this.condorIds = options.condorIds ?? idsOf("condor");
  }

  guests(): Guest[] {
    return [...this.running.values()];
  }

  get(key: string): Guest | undefined {
    return this.running.get(key);
  }

  async start(key: string, spec: GuestSpec): Promise<Guest> {
    if (this.running.get(key)?.alive) throw new Error(`guest ${key} is already running`);
    const address = await this.freeAddress();
    const dir = join(POOL_DIR, "guests", `${spec.hostname}-${address.replaceAll(".", "-")}`);
    const [uid, gid] = this.condorIds.split(".").map(Number) as [number, number];
    for (const sub of ["etc/condor/config.d", "var/log", "var/spool", "var/lock", "var/run"]) {
      mkdirSync(join(dir, sub), { recursive: true });
    }
    mkdirSync(join(dir, "var/execute"), { recursive: true, mode: 0o755 });
    for (const sub of ["etc/condor/tokens.d", "etc/condor/passwords.d"]) {
      mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
    }
    // HTCondor 25 requires EXECUTE to belong to the condor account; otherwise every slot is broken.
    for (const sub of ["var/log", "var/spool", "var/lock", "var/run", "var/execute"]) {
      // A broken image: EXECUTE is root's (set, not left: a guest dir of an earlier run is reused).
      const owner = sub === "var/execute" && spec.brokenExecute ? [0, 0] : [uid, gid];
      chownSync(join(dir, sub), owner[0] as number, owner[1] as number);
    }
    for (const [path, file] of Object.entries(spec.files)) {
      // Files outside /etc/condor/ are kept for inspection only: nothing here runs them.
      const target = path.startsWith("/etc/condor/") ? join(dir, path) : join(dir, "not-run", path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content, { mode: file.mode });
      chmodSync(target, file.mode);
    }
    const config = join(dir, "condor_config");
    writeFileSync(config, imageConfig(this.pool.prefix, dir, address, this.condorIds, spec));

    let cgroup: string | undefined;
    if (this.cgroupRoot) {
      cgroup = join(this.cgroupRoot, `${spec.hostname}-${address.replaceAll(".", "-")}`);
      mkdirSync(cgroup, { recursive: true });
    }
    const log = openSync(join(dir, "var/log/boot.log"), "a");
    const child = spawn(
      BOOT,
      [cgroup ?? "-", spec.hostname, join(this.pool.prefix, "sbin/condor_master")],
      {
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", CONDOR_CONFIG: config },
        detached: true,
        stdio: ["ignore", log, log],
      },
    );
    closeSync(log);
    child.unref();
    const guest = new Guest(key, spec, address, dir, child, cgroup, Date.now());
    recordPid(key, guest.pid);
    this.running.set(key, guest);
    return guest;
  }

  async kill(key: string): Promise<void> {
    const guest = this.running.get(key);
    if (!guest) return;
    await guest.kill();
    this.running.delete(key);
  }

  async killAll(): Promise<void> {
    for (const key of [...this.running.keys()]) await this.kill(key);
  }

  /** The next 127.77.x.y address with nothing listening on the guests' port. */
  private async freeAddress(): Promise<string> {
    for (;;) {
      const n = this.nextAddress++;
      const address = `127.77.${Math.floor(n / 250)}.${(n % 250) + 2}`;
      if (!(await portOpen(address, GUEST_PORT, 500))) return address;
    }
  }
}

/** The image's /etc/condor/condor_config: what a VM image with HTCondor installed would carry. */
function imageConfig(
  prefix: string,
  dir: string,
  address: string,
  condorIds: string,
  spec: GuestSpec,
): string {
  const lines = [
    "# The guest's base config: what the worker image's /etc/condor/condor_config carries.",
    `RELEASE_DIR = ${prefix}`,
    `LOCAL_DIR = ${dir}/var`,
    "LOG = $(LOCAL_DIR)/log",
    "SPOOL = $(LOCAL_DIR)/spool",
    "EXECUTE = $(LOCAL_DIR)/execute",
    "LOCK = $(LOCAL_DIR)/lock",
    "RUN = $(LOCAL_DIR)/run",
    "LOCAL_CONFIG_FILE =",
    `LOCAL_CONFIG_DIR = ${dir}/etc/condor/config.d`,
    `SEC_TOKEN_SYSTEM_DIRECTORY = ${dir}/etc/condor/tokens.d`,
    `SEC_PASSWORD_DIRECTORY = ${dir}/etc/condor/passwords.d`,
    `CONDOR_IDS = ${condorIds}`,
    "CONDOR_ADMIN =",
    "# The VM's own network: its own address. The port is not HTCondor's 9618: daemons on this",
    "# host that share the central manager's port are taken for its own family and refused.",
    `NETWORK_INTERFACE = ${address}`,
    `SHARED_PORT_PORT = ${GUEST_PORT}`,
    "BIND_ALL_INTERFACES = False",
    "ENABLE_IPV6 = False",
    ...(spec.domain ? [`DEFAULT_DOMAIN_NAME = ${spec.domain}`] : []),
    "# The VM's hardware (the flavor).",
    `NUM_CPUS = ${spec.cpus}`,
    `MEMORY = ${spec.memoryMb}`,
    "RUNBENCHMARKS = 0",
    `UPDATE_INTERVAL = ${spec.updateInterval ?? 5}`,
    "MASTER_UPDATE_INTERVAL = 5",
    "STARTER_UPDATE_INTERVAL = 5",
    "# Guests share the host's kernel: HTCondor must not manage the host's cgroups.",
    "BASE_CGROUP =",
    "CGROUP_MEMORY_LIMIT_POLICY = none",
    "",
  ];
  return lines.join("\n");
}

// --- Nova ---------------------------------------------------------------------------------------

export interface GuestEvent {
  /** ms since the epoch */
  at: number;
  kind: "server-active" | "guest-started" | "guest-killed" | "guest-failed";
  region: string;
  server: string;
  serverId: string;
  detail?: string;
}

export interface NovaGuestsOptions {
  /** Milliseconds between looks at Nova; default 1000. */
  pollMs?: number;
  /** The domain guests believe they are in; default "novalocal" (Nova's dhcp_domain). */
  domain?: string | null;
  updateInterval?: number;
  /** Which servers are workers; default metadata cloudscheduler=worker. */
  isWorker?: (server: NovaServer) => boolean;
  /**
   * Server statuses in which a running guest lives on; default ACTIVE only. A status an admin
   * set (os-resetState to ERROR) changes Nova's record, not the VM: such a guest keeps running.
   * Guests are only ever started for ACTIVE servers.
   */
  liveIn?: readonly string[];
  /** Servers whose VM boots with a broken EXECUTE directory (see GuestSpec.brokenExecute). */
  brokenExecute?: (server: NovaServer, region: string) => boolean;
}

/** Watches every region's Nova and keeps one guest per ACTIVE worker server. */
export class NovaGuests {
  readonly timeline: GuestEvent[] = [];
  private readonly failed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly host: GuestHost,
    private readonly regions: { region: string; api: OpenStackApi }[],
    private readonly options: NovaGuestsOptions = {},
  ) {}

  start(): void {
    const tick = () => {
      this.pass = this.reconcile()
        .catch((err) =>
          this.note("guest-failed", "?", "?", "?", `watch: ${(err as Error).message}`),
        )
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs ?? 1000);
        });
    };
    tick();
  }

  /** Stops watching and kills every guest (a test's cleanup). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
    await this.host.killAll();
  }

  /** One look at Nova: start guests for new ACTIVE workers, kill those whose server is gone. */
  async reconcile(): Promise<void> {
    const isWorker =
      this.options.isWorker ?? ((s: NovaServer) => s.metadata.cloudscheduler === "worker");
    const liveIn = new Set(this.options.liveIn ?? ["ACTIVE"]);
    const active = new Map<string, { region: string; server: NovaServer }>();
    const live = new Set<string>();
    for (const { region, api } of this.regions) {
      for (const server of await api.servers({ allProjects: true })) {
        if (!isWorker(server)) continue;
        if (server.status === "ACTIVE") active.set(server.id, { region, server });
        if (liveIn.has(server.status)) live.add(server.id);
      }
    }
    for (const guest of this.host.guests()) {
      if (!live.has(guest.key)) {
        await this.host.kill(guest.key);
        this.note("guest-killed", "", guest.spec.hostname, guest.key);
      }
    }
    for (const [id, { region, server }] of active) {
      if (this.host.get(id) || this.failed.has(id)) continue;
      this.note("server-active", region, server.name, id);
      try {
        await this.host.start(id, this.specOf(server, region));
        this.note("guest-started", region, server.name, id);
      } catch (err) {
        this.failed.add(id);
        this.note("guest-failed", region, server.name, id, (err as Error).message);
      }
    }
  }

  private specOf(server: NovaServer, region: string): GuestSpec {
    const flavor = flavorShape.parse(server.flavor);
    const files = userDataFiles(server);
    const machine = networkHostname(files);
    return {
      hostname: server.name,
      domain: this.options.domain === undefined ? "novalocal" : this.options.domain,
      ...(machine ? { machine } : {}),
      cpus: flavor.vcpus,
      memoryMb: flavor.ram,
      files,
      ...(this.options.updateInterval ? { updateInterval: this.options.updateInterval } : {}),
      ...(this.options.brokenExecute?.(server, region) ? { brokenExecute: true } : {}),
    };
  }

  private note(
    kind: GuestEvent["kind"],
    region: string,
    server: string,
    serverId: string,
    detail?: string,
  ): void {
    this.timeline.push({
      at: Date.now(),
      kind,
      region,
      server,
      serverId,
      ...(detail ? { detail } : {}),
    });
  }
}

const flavorShape = z
  .object({ vcpus: z.number().int().positive(), ram: z.number().int().positive() })
  .loose();

const cloudConfig = z
  .object({
    write_files: z
      .array(
        z
          .object({ path: z.string(), content: z.string(), permissions: z.string().optional() })
          .loose(),
      )
      .default([]),
  })
  .loose();

/** The files a server's cloud-config user-data writes (Nova returns it base64 to admins). */
export function userDataFiles(server: NovaServer): GuestSpec["files"] {
  const raw = server["OS-EXT-SRV-ATTR:user_data"];
  if (!raw) throw new Error(`server ${server.name} has no user-data (is the API user an admin?)`);
  return cloudConfigFiles(Buffer.from(raw, "base64").toString("utf8"));
}

/** NETWORK_HOSTNAME as the rendered HTCondor config sets it, if it does. */
export function networkHostname(files: GuestSpec["files"]): string | undefined {
  for (const [path, file] of Object.entries(files)) {
    if (!path.startsWith("/etc/condor/config.d/")) continue;
    const match = /^NETWORK_HOSTNAME\s*=\s*(\S+)\s*$/m.exec(file.content);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** The write_files of a cloud-config document, with their modes. */
export function cloudConfigFiles(userData: string): GuestSpec["files"] {
  if (!userData.startsWith("#cloud-config"))
    throw new Error("user-data is not a #cloud-config document");
  const doc = cloudConfig.parse(parse(userData));
  const files: GuestSpec["files"] = {};
  for (const file of doc.write_files) {
    files[file.path] = {
      content: file.content,
      mode: Number.parseInt(file.permissions ?? "0644", 8),
    };
  }
  if (!Object.keys(files).some((path) => path.startsWith("/etc/condor/config.d/"))) {
    throw new Error("user-data writes no HTCondor config under /etc/condor/config.d/");
  }
  return files;
}

// --- processes ----------------------------------------------------------------------------------

/** A cgroup v2 directory for guests, or undefined when cgroup v2 is not writable here. */
function guestCgroupRoot(): string | undefined {
  const mount = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .find((fields) => fields[2] === "cgroup2")?.[1];
  if (!mount) return undefined;
  const root = join(mount, `cloudscheduler-guests-${POOL_DIR.replaceAll("/", "_")}`);
  try {
    mkdirSync(root, { recursive: true });
    return existsSync(join(root, "cgroup.kill")) ? root : undefined;
  } catch {
    return undefined;
  }
}

/** Without cgroups: stop the whole tree first (no child escapes by reparenting), then kill it. */
function killTree(pid: number): void {
  const seen = new Set<number>();
  let frontier = [pid];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const p of frontier) {
      if (seen.has(p)) continue;
      seen.add(p);
      try {
        process.kill(p, "SIGSTOP");
      } catch {
        /* gone */
      }
      next.push(...childrenOf(p));
    }
    frontier = next;
  }
  for (const p of seen) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** "uid.gid" of a local account. */
export function idsOf(user: string): string {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  const fields = line?.split(":");
  if (!fields?.[2] || !fields[3])
    throw new Error(`no ${user} account (test/htcondor/up.sh creates it)`);
  return `${fields[2]}.${fields[3]}`;
}

/** down.sh stops what is recorded under pids/ (pid + start time, so a reused pid is never hit). */
function recordPid(key: string, pid: number): void {
  const pids = join(POOL_DIR, "pids");
  mkdirSync(pids, { recursive: true });
  const start = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[19];
  writeFileSync(join(pids, `guest-${safe(key)}`), String(pid));
  writeFileSync(join(pids, `guest-${safe(key)}.start`), `${start ?? ""}\n`);
}

function rmPid(key: string): void {
  for (const suffix of ["", ".start"]) {
    rmSync(join(POOL_DIR, "pids", `guest-${safe(key)}${suffix}`), { force: true });
  }
}

function safe(key: string): string {
  return key.replace(/[^A-Za-z0-9_.-]/g, "_");
}

async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`guest did not die within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
