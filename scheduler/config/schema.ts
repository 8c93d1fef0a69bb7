// The schema of cloudscheduler.yaml, the human-owned file of the config repo.
// Every object is strict: an unknown key is an error (load.ts adds the "did you mean").
import { z } from "zod";
import { hostWord } from "../render/quote.js";
import { parseDuration } from "./duration.js";

/** A name used in OpenStack resource names, file names and HTCondor attributes. */
const name = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/,
    "expected a lower-case name of letters, digits and '-' (1-40 characters)",
  );

/** An OpenStack image or flavor name: printable, no quotes or control characters. */
const openstackName = z
  .string()
  .max(255)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 ._:+\-/]*$/,
    "expected an OpenStack name (letters, digits, ' ._:+-/')",
  );

const POSITIVE_INT = { error: "expected a positive integer" };
const positiveInt = z.number(POSITIVE_INT).int(POSITIVE_INT).positive(POSITIVE_INT);
const NON_NEGATIVE_INT = { error: "expected a whole number >= 0" };
const nonNegativeInt = z
  .number(NON_NEGATIVE_INT)
  .int(NON_NEGATIVE_INT)
  .nonnegative(NON_NEGATIVE_INT);

/** Seconds: a whole number of seconds or a string like "90s", "10m", "2h", "1d". */
const duration = z
  .union([nonNegativeInt, z.string()], { error: "expected a duration like 90s, 10m, 2h or 1d" })
  .transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: "custom", message: "expected a duration like 90s, 10m, 2h or 1d" });
      return z.NEVER;
    }
    return seconds;
  });

const cidr = z
  .string()
  .refine(isCidr, { message: "expected a CIDR like 192.0.2.0/24 or 2001:db8::/32" });

const quota = z
  .object({
    instances: positiveInt,
    cores: positiveInt,
    ram_mb: positiveInt,
  })
  .strict();

export const cloudSchema = z
  .object({
    /** Entry name in OpenStack's clouds.yaml (as OS_CLOUD would name it). */
    cloud: z.string().min(1).optional(),
    /** Keystone v3 URL; credentials then come from OS_* environment variables. */
    auth_url: z
      .url({
        protocol: /^https?$/,
        error: "expected an http(s) Keystone URL like https://keystone.example.org:5000/v3",
      })
      .optional(),
    region: z.string().min(1).optional(),
    /** Neutron network the workers attach to. */
    network: openstackName,
    enabled: z.boolean({ error: "expected true or false" }).default(true),
    /** Share of new workers this cloud gets relative to other clouds with room. */
    weight: z
      .number({ error: "expected a positive number" })
      .positive({ error: "expected a positive number" })
      .default(1),
    quota,
    /** Flavors jobs and VM types may use on this cloud. */
    flavors: z.array(openstackName).min(1),
    /** Images jobs and VM types may use on this cloud. */
    images: z.array(openstackName).min(1),
    key_pair: openstackName.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.cloud !== undefined && c.auth_url !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["auth_url"],
        message: "set either 'cloud' (a clouds.yaml entry) or 'auth_url', not both",
      });
    } else if (c.cloud === undefined && c.auth_url === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          "needs 'cloud' (the clouds.yaml entry with its credentials) or 'auth_url' (credentials from OS_* variables)",
      });
    }
  });

export const vmTypeSchema = z
  .object({
    image: openstackName,
    flavor: openstackName,
    cores: positiveInt,
    ram_mb: positiveInt,
    disk_gb: positiveInt,
    /** Worker user-data template in templates/, without extension. */
    template: name.default("worker"),
    max_instances: positiveInt.optional(),
    /** How long an idle worker of this type is kept before it is retired. */
    keep_alive: duration.optional(),
    /** Restrict this VM type to these clouds (default: every cloud that allows its image and flavor). */
    clouds: z.array(name).optional(),
  })
  .strict();

/** Size of a flavor, for flavors that jobs name with +VMInstanceType (OpenStack knows it; we plan without asking). */
export const flavorSizeSchema = z
  .object({
    cores: positiveInt,
    ram_mb: positiveInt,
    disk_gb: positiveInt,
  })
  .strict();

export const imageCopySchema = z
  .object({
    from: name,
    to: z.array(name).min(1),
    /** Name of the image on the source cloud, when it differs from the key. */
    source_name: openstackName.optional(),
    visibility: z.enum(["private", "shared", "community", "public"]).default("private"),
  })
  .strict();

const applianceBase = {
  cloud: name,
  image: openstackName,
  flavor: openstackName,
  key_pair: openstackName.optional(),
  /** External network to take a floating IP from; none when absent. */
  floating_ip_pool: openstackName.optional(),
};

export const schedulerApplianceSchema = z
  .object({
    ...applianceBase,
    name: name.default("cloudscheduler"),
    /** Git URL the appliance's cloudscheduler service clones and watches. */
    config_repo: z.string().min(1),
    config_branch: z.string().min(1).default("main"),
  })
  .strict();

/** A download a boot script may make: an https URL and the SHA-256 the file must have. */
const pinnedDownload = z
  .object({
    url: z.url({ protocol: /^https$/, error: "expected an https:// URL" }),
    sha256: z
      .string()
      .transform((value) => value.toLowerCase())
      .refine((value) => /^[0-9a-f]{64}$/.test(value), {
        message: "expected a SHA-256: 64 hex digits",
      }),
  })
  .strict();

export const cvmfsApplianceSchema = z
  .object({
    ...applianceBase,
    /** Instance name; default "<username>-cvmfs" as in the classic test drive. */
    name: name.optional(),
    /** CVMFS repository name served to the workers. */
    repository: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/,
        "expected a repository name like software.example.org",
      ),
    /**
     * SHA-256 of the repository's public key (DER), which workers check before they trust the
     * key they fetch: `openssl pkey -pubin -in <repo>.pub -outform DER | sha256sum`. The CVMFS
     * appliance prints it in its console log. Without it workers do not mount the repository.
     */
    public_key_sha256: z
      .string()
      .transform((value) => value.toLowerCase().replaceAll(":", ""))
      .refine((value) => /^[0-9a-f]{64}$/.test(value), {
        message: "expected a SHA-256 fingerprint: 64 hex digits (colons allowed)",
      })
      .optional(),
    /**
     * The CVMFS release package (cvmfs-release_<version>_all.deb, which adds CERN's apt
     * repository and its key) for images without CVMFS: a pinned version, checked by SHA-256
     * before it is installed. Without it, such images fail with a clear message instead.
     */
    release_package: pinnedDownload.optional(),
  })
  .strict();

const portRule = z
  .object({
    name: name,
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
    /** A port (9618) or a range ("9000-9100"). */
    port: z.union([z.number(), z.string()]).refine(isPortOrRange, {
      error: "expected a port (1-65535) or a range like 9000-9100",
    }),
    cidrs: z.array(cidr).min(1),
  })
  .strict();

export const portsSchema = z
  .object({
    /** Who may SSH to the appliances (22). Default: nobody. */
    admin_cidrs: z.array(cidr).default([]),
    /** Where workers connect from: HTCondor (9618) and the Squid proxy (3128). */
    worker_cidrs: z.array(cidr).min(1),
    /** Who may read the CVMFS repository over HTTP (80, 8000). */
    public_cidrs: z.array(cidr).default(["0.0.0.0/0", "::/0"]),
    extra: z.array(portRule).default([]),
  })
  .strict();

export const policySchema = z
  .object({
    cycle: duration.default(60),
    /** New workers one cycle may boot on one cloud. */
    max_boots_per_cycle: positiveInt.default(5),
    /**
     * How pool stacks are deployed. Deploys run in the background: the cycle keeps its period
     * while a cloud's `pulumi up` runs.
     */
    deploy: z
      .object({
        /** Stack operations (`up`, `destroy`) running at once, over every cloud. */
        concurrency: positiveInt.default(4),
        /** A stack operation running longer is cancelled (Pulumi gets SIGINT) and retried later. */
        timeout: duration
          .refine((s) => s >= 60, { message: "expected at least 60s" })
          .default(3600),
        /** Resource operations Pulumi runs at once inside one stack operation (`--parallel`). */
        parallelism: positiveInt.default(16),
        /**
         * Most workers one pool stack holds: a cloud's workers live in stacks of this size
         * (pool-<cloud>, pool-<cloud>_1, …), deployed in parallel, only those that changed.
         * 50: adding a worker to a full stack of 50 cost about what adding one to an empty pool
         * does (7.5 s vs 7.3 s, bench/deploy-scale.ts), to one of 91-100 three to four times that.
         */
        shard_size: positiveInt.default(50),
      })
      .strict()
      .default({ concurrency: 4, timeout: 3600, parallelism: 16, shard_size: 50 }),
    /** A worker not in condor_status this long after boot is replaced. */
    boot_timeout: duration.default(900),
    /** Default keep-alive of an idle worker when its VM type sets none. */
    idle_keep_alive: duration.default(600),
    /** How long a draining worker may take before it is reported as stuck (it is never killed). */
    drain_timeout: duration.default(86_400),
    /** How a worker is retired: condor_drain -graceful, or condor_off -peaceful. */
    retire_with: z.enum(["drain", "peaceful-off"]).default("drain"),
    /**
     * A registered worker missing from condor_status, with no job in condor_q and its server not
     * known to be gone, is kept this long before it counts as vanished (a collector restart).
     */
    lost_grace: duration.default(900),
    /** A worker server of ours in no pool is deleted after this long (never while it runs a job). */
    orphan_grace: duration.default(900),
    /**
     * How many workers of one cloud may be drained at once to replace drifted ones (launch
     * settings changed): a count, or a percentage of the cloud's pool ("10%", at least 1).
     */
    disruption_budget: z
      .union([positiveInt, z.string().regex(/^(100|[1-9]?[0-9])%$/)], {
        error: 'expected a positive integer or a percentage like "10%"',
      })
      .default("10%"),
    /**
     * How long a new worker takes from the boot decision to running jobs (deploy + boot +
     * registration); the ramp and the adaptive keep-alive weigh waiting against it.
     */
    boot_estimate: duration.default(180),
    /** Pressure-based ramp: hold an idle job (at most max_hold) for a busy worker about to free. */
    ramp: z
      .object({
        /** Longest an idle job is held before it gets a new worker; 0 turns the ramp off. */
        max_hold: duration.default(0),
        /** Hold only jobs of VM types with at least this many cores (their boots cost most). */
        min_cores: z.number().int().nonnegative().default(0),
      })
      .strict()
      .default({ max_hold: 0, min_cores: 0 }),
    /**
     * A booting worker no idle job counts on any more (its jobs started on workers that freed up,
     * or left the queue) is cancelled, deleted before it joins, while it is younger than
     * `max_age` (from the boot decision): beyond the spares the break-even keep-alive would keep
     * warm, it would only boot, idle and drain. Before the delete the worker is fenced (its
     * IDTOKEN revoked on the central manager, run/fence.ts): its startd can no longer join, and
     * a worker whose ads the collector already holds is kept and retired the normal way, so no
     * cancelled worker is deleted under a job whatever `max_age` is. A large `max_age` pays
     * for boots that turn out needed again. 0 (default): never cancelled.
     */
    cancel_boots: z
      .object({ max_age: duration.default(0) })
      .strict()
      .default({ max_age: 0 }),
    /**
     * fixed: every idle worker keeps its keep-alive. adaptive: per VM type, only as many idle
     * workers as jobs are expected within the keep-alive (arrivals over `window`, times
     * `spares_per_arrival`) keep it; the others retire after `min`. per-core: each idle worker
     * keeps `core_seconds` divided by its cores. break-even: per VM type, as many idle workers
     * as jobs are expected within a reboot (boot_estimate + cycle: the median of the jobs that
     * arrived per reboot-long interval over `window`, times `spares_per_arrival`) keep it; the
     * others retire when first seen idle (see scheduler/plan/keep-alive.ts). Arrivals are the
     * jobs the scheduler saw enter the queue, finished ones included (scheduler/run/arrivals.ts).
     */
    keep_alive: z
      .object({
        mode: z.enum(["fixed", "adaptive", "per-core", "break-even"]).default("fixed"),
        window: duration
          .refine((s) => s > 0, { message: "expected a duration above 0" })
          .default(3600),
        spares_per_arrival: z.number().nonnegative().default(1),
        min: duration.default(0),
        /** per-core: core-seconds of keep-alive each idle worker gets (divided by its cores). */
        core_seconds: z.number().nonnegative().default(600),
        /**
         * break-even: a warm worker keeps at most a reboot's time (boot_estimate + cycle), not
         * its whole keep-alive: idle longer, it has cost more than the reboot it might save.
         */
        cap_at_reboot: z.boolean().default(false),
      })
      .strict()
      .default({
        mode: "fixed",
        window: 3600,
        spares_per_arrival: 1,
        min: 0,
        core_seconds: 600,
        cap_at_reboot: false,
      }),
    /**
     * The longest a worker lives: past it, it takes no new job (its START says so) and is
     * retired once idle. Its IDTOKEN expires drain_timeout later (see scheduler/plan/expiration.ts).
     */
    max_worker_life: duration
      .refine((seconds) => seconds >= 3600, { message: "expected at least 1h" })
      .refine((seconds) => seconds <= 90 * 86_400, { message: "expected at most 90d" })
      .default(7 * 86_400),
  })
  .strict();

/** A host name or address (optionally with a port), by the same rule rendering applies. */
const hostName = z.string().refine(
  (value) => {
    try {
      hostWord(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: "expected a host name or address, optionally with a port (cm.example.org:9618)" },
);

export const condorSchema = z
  .object({
    /** Central manager to query (-pool); default: the local HTCondor configuration. */
    pool: hostName.optional(),
    /** Schedd to query (-name); default: every local schedd via -allusers. */
    schedd: z.string().min(1).optional(),
    /** Timeout of every HTCondor command (a hung schedd takes ~20 s to fail by itself). */
    timeout: duration
      .refine((seconds) => seconds >= 1, { message: "expected at least 1 second" })
      .default(30),
    /** Address workers use to reach the central manager (CONDOR_HOST). */
    worker_condor_host: hostName.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    version: z.literal(1),
    clouds: z.record(name, cloudSchema),
    vm_types: z.record(name, vmTypeSchema),
    /** Flavor sizes; a job's +VMInstanceType must be listed here to be planned. */
    flavors: z.record(openstackName, flavorSizeSchema).default({}),
    images: z.record(openstackName, imageCopySchema).default({}),
    appliances: z
      .object({
        scheduler: schedulerApplianceSchema.optional(),
        cvmfs: cvmfsApplianceSchema.optional(),
      })
      .strict()
      .default({}),
    ports: portsSchema,
    policy: policySchema.default(policySchema.parse({})),
    condor: condorSchema.default(condorSchema.parse({})),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type CloudConfig = z.output<typeof cloudSchema>;
export type VmTypeConfig = z.output<typeof vmTypeSchema>;
export type FlavorSize = z.output<typeof flavorSizeSchema>;
export type ImageCopyConfig = z.output<typeof imageCopySchema>;
export type PortsConfig = z.output<typeof portsSchema>;
export type PolicyConfig = z.output<typeof policySchema>;
export type CondorConfig = z.output<typeof condorSchema>;
export type SchedulerApplianceConfig = z.output<typeof schedulerApplianceSchema>;
export type CvmfsApplianceConfig = z.output<typeof cvmfsApplianceSchema>;

function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split("/");
  if (
    rest.length > 0 ||
    address === undefined ||
    prefix === undefined ||
    !/^\d{1,3}$/.test(prefix)
  ) {
    return false;
  }
  const bits = Number(prefix);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    return bits <= 32 && address.split(".").every((octet) => Number(octet) <= 255);
  }
  return (
    bits <= 128 &&
    /^[0-9a-fA-F:]+$/.test(address) &&
    address.includes(":") &&
    (address.match(/::/g) ?? []).length <= 1
  );
}

function isPortOrRange(value: number | string): boolean {
  const isPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;
  if (typeof value === "number") return isPort(value);
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(value);
  if (!match) return false;
  const [from, to] = [Number(match[1]), Number(match[2])];
  return isPort(from) && isPort(to) && from <= to;
}
