// Converts a classic (UVic) CloudScheduler configuration into cloudscheduler.yaml plus
// the clouds.yaml / secure.yaml entries OpenStack's clients read. Pure: files in, data
// and notices out. Every classic key ends up mapped, moved or reported, never silently lost.

import { Secret } from "../config/secret.js";
import { isSecretKey } from "../config/secrets.js";
import type { IniFile, IniOption, IniSection } from "./ini.js";
import type { ImportNotice } from "./notice.js";

/** Marks a value the classic files did not have; the YAML writer comments it. */
export const PLACEHOLDER_PREFIX = "REPLACE-ME";

export interface ClassicImport {
  /** The content of cloudscheduler.yaml (plain data, validated by the caller). */
  config: Record<string, unknown>;
  /** Key paths in `config` that hold placeholders, with what the user should put there. */
  placeholders: { path: (string | number)[]; hint: string }[];
  /** clouds.yaml `clouds:` entries: connection details, no secrets. */
  cloudsYaml: Record<string, Record<string, unknown>>;
  /** secure.yaml `clouds:` entries: the secrets, wrapped so they cannot be logged. */
  secureYaml: Record<string, { auth: Record<string, Secret> }>;
  notices: ImportNotice[];
  /** Classic section name -> cloud name in cloudscheduler.yaml, for imported clouds. */
  cloudNames: Record<string, string>;
}

const OPENSTACK_NATIVE = "openstacknative";
/** The classic "OpenStack" type talked to OpenStack's EC2 API with EC2 keys. */
const OPENSTACK_EC2 = "openstack";

// Cloud keys that only mean something to the classic scheduler, with the reason.
const CLOUD_NOT_IMPORTED: Record<string, string> = {
  storage:
    "cloudscheduler has no storage quota; disk comes from each VM type's disk_gb and the flavor",
  max_vm_mem: "per-VM limits come from the allowed flavors (clouds.<name>.flavors)",
  max_vm_storage: "per-VM limits come from the allowed flavors (clouds.<name>.flavors)",
  security_group:
    "cloudscheduler manages the workers' security group itself (see 'ports' in cloudscheduler.yaml)",
  secure_connection: "use an https:// auth_url in clouds.yaml instead",
  host: "the cloud is reached through its auth_url",
  port: "the cloud is reached through its auth_url",
  hypervisor: "the flavor and image decide the hypervisor",
  cpu_archs: "the flavor and image decide the architecture",
  vm_lifetime: "workers are retired when idle (policy.idle_keep_alive), not after a fixed lifetime",
  boot_timeout: "policy.boot_timeout applies to every cloud",
  placement_zone: "availability zones are not configurable yet",
  vm_domain_name: "worker names are chosen by cloudscheduler",
  reverse_dns_lookup: "worker names are chosen by cloudscheduler",
  image_attach_device: "only meaningful for Nimbus clouds",
  scratch_attach_device: "only meaningful for Nimbus clouds",
  temp_lease_storage: "only meaningful for Nimbus clouds",
  access_key_id:
    "EC2 credentials cannot authenticate to Keystone; create an application credential instead",
};

// Keys of cloud_scheduler.conf that are mapped below; any other key is reported.
const GLOBAL_MAPPED = new Set([
  "condor_register_time_limit",
  "vm_idle_threshold",
  "max_starting_vm",
  "graceful_shutdown_method",
  "condor_host_on_vm",
  "condor_collector_url",
]);
const JOB_MAPPED = new Set([
  "default_vmtype",
  "default_vmami",
  "default_vminstancetype",
  "default_vmcpucores",
  "default_vmmem",
  "default_vmstorage",
  "default_vmnetwork",
]);

export function convertClassic(resources: IniFile, scheduler?: IniFile): ClassicImport {
  const notices: ImportNotice[] = [];
  const placeholders: ClassicImport["placeholders"] = [];
  const note = (
    kind: ImportNotice["kind"],
    file: IniFile,
    section: IniSection | undefined,
    option: IniOption | undefined,
    message: string,
  ): void => {
    notices.push({
      kind,
      file: file.file,
      line: option?.line ?? section?.line,
      section: section?.name,
      key: option?.key,
      message,
    });
  };

  const job = scheduler ? sectionOf(scheduler, "job") : undefined;
  const global = scheduler ? sectionOf(scheduler, "global") : undefined;
  const jobValue = (key: string): IniOption | undefined => job?.options.get(key);

  // The VM type the classic scheduler booted for jobs that named none.
  const images = attrListToMap(jobValue("default_vmami")?.value);
  const flavors = attrListToMap(jobValue("default_vminstancetype")?.value);
  const defaultNetwork = jobValue("default_vmnetwork")?.value.trim() || undefined;

  const clouds: Record<string, Record<string, unknown>> = {};
  const cloudsYaml: ClassicImport["cloudsYaml"] = {};
  const secureYaml: ClassicImport["secureYaml"] = {};
  const cloudNames: Record<string, string> = {};
  const priorities: Record<string, number> = {};
  const keepAlives: Record<string, number> = {};
  const taken = new Set<string>();

  for (const section of resources.sections) {
    const get = (key: string): IniOption | undefined => section.options.get(key);
    const typeOption = get("cloud_type");
    const cloudType = typeOption?.value.trim() ?? "";
    const kind = cloudType.toLowerCase();
    if (kind !== OPENSTACK_NATIVE && kind !== OPENSTACK_EC2) {
      note(
        "skipped",
        resources,
        section,
        typeOption,
        cloudType
          ? `cloud_type ${cloudType} is not OpenStack; cloud skipped (cloudscheduler boots workers on OpenStack only)`
          : "no cloud_type; cloud skipped",
      );
      continue;
    }
    const name = uniqueName(toName(section.name), taken);
    taken.add(name);
    cloudNames[section.name] = name;
    if (name !== section.name) {
      note(
        "renamed",
        resources,
        section,
        undefined,
        `cloud renamed to '${name}' (names are lower-case letters, digits and '-'); jobs' +TargetClouds must use the new name`,
      );
    }
    const used = new Set<string>(["cloud_type"]);
    const take = (key: string): IniOption | undefined => {
      used.add(key);
      return get(key);
    };
    const path = (key: string): (string | number)[] => ["clouds", name, key];
    const placeholder = (p: (string | number)[], value: unknown, hint: string): unknown => {
      placeholders.push({ path: p, hint });
      note("placeholder", resources, section, undefined, `${p.join(".")}: ${hint}`);
      return value;
    };

    // Connection details go to clouds.yaml, the password to secure.yaml.
    const entry: Record<string, unknown> = {};
    const auth: Record<string, unknown> = {};
    const authUrl = take("auth_url");
    if (authUrl?.value) {
      auth.auth_url = authUrl.value;
      if (/\/v2\.0\/?$/.test(authUrl.value))
        note(
          "moved",
          resources,
          section,
          authUrl,
          "Keystone v2.0 URL copied to clouds.yaml; current clouds only serve v3: change it to the /v3 endpoint",
        );
    } else {
      auth.auth_url = `https://${PLACEHOLDER_PREFIX}.example.org:5000/v3`;
      note(
        "placeholder",
        resources,
        section,
        undefined,
        "no auth_url: clouds.yaml got a placeholder Keystone URL; set the cloud's /v3 endpoint",
      );
    }
    const username = take("username");
    if (username?.value) auth.username = username.value;
    const project = take("project_name") ?? take("tenant_name");
    take("tenant_name");
    if (project?.value) auth.project_name = project.value;
    const projectId = take("project_id");
    if (projectId?.value) auth.project_id = projectId.value;
    const userDomain = take("user_domain_name");
    const projectDomain = take("project_domain_name");
    auth.user_domain_name = userDomain?.value || "Default";
    auth.project_domain_name = projectDomain?.value || "Default";
    if (!userDomain || !projectDomain) {
      note(
        "moved",
        resources,
        section,
        undefined,
        "no Keystone domain in the classic config: clouds.yaml uses 'Default'; change it if your users live elsewhere",
      );
    }
    if (kind === OPENSTACK_EC2) {
      note(
        "placeholder",
        resources,
        section,
        typeOption,
        "cloud_type OpenStack used the EC2 API; clouds.yaml needs Keystone details (auth_url, username, project) and secure.yaml a password or application credential",
      );
    }
    entry.auth = auth;
    const cacert = take("cacert");
    if (cacert?.value) entry.cacert = cacert.value;

    const password = take("password");
    if (password?.value) {
      secureYaml[name] = { auth: { password: new Secret(password.value) } };
      note(
        "moved",
        resources,
        section,
        password,
        `moved to secure.yaml (clouds.${name}.auth.password); it is not in cloudscheduler.yaml`,
      );
    }
    const ec2Secret = take("secret_access_key");
    if (ec2Secret) {
      note(
        "not-imported",
        resources,
        section,
        ec2Secret,
        "EC2 secret not imported (Keystone cannot use it) and not written anywhere; create an application credential for this cloud",
      );
    }

    const regions = splitList(take("regions")?.value);
    if (regions[0]) entry.region_name = regions[0];
    cloudsYaml[name] = entry;

    const cloud: Record<string, unknown> = { cloud: name };
    if (regions[0]) cloud.region = regions[0];
    if (regions.length > 1) {
      note(
        "not-imported",
        resources,
        section,
        get("regions"),
        `only the first region (${regions[0]}) imported; add a cloud per extra region (${regions.slice(1).join(", ")})`,
      );
    }

    const networks = splitList(take("networks")?.value);
    if (networks[0]) {
      cloud.network = networks[0];
      if (networks.length > 1)
        note(
          "not-imported",
          resources,
          section,
          get("networks"),
          `workers attach to one network: ${networks[0]} imported, ${networks.slice(1).join(", ")} not`,
        );
    } else if (defaultNetwork) {
      cloud.network = defaultNetwork;
      note(
        "mapped",
        resources,
        section,
        undefined,
        `network: none set; default_VMNetwork (${defaultNetwork}) from cloud_scheduler.conf used`,
      );
    } else {
      cloud.network = placeholder(
        path("network"),
        `${PLACEHOLDER_PREFIX}-network`,
        "no networks in the classic config: set the Neutron network workers attach to",
      );
    }

    const enabled = take("enabled");
    cloud.enabled = enabled ? (parseBool(enabled.value) ?? true) : true;
    if (enabled && parseBool(enabled.value) === undefined)
      note("mapped", resources, section, enabled, "not true/false; imported as enabled: true");

    const priority = take("priority");
    priorities[name] = toInt(priority?.value) ?? 0;

    const slots = toInt(take("vm_slots")?.value);
    const coresPerVm = toInt(take("cpu_cores")?.value);
    const totalCores = toInt(take("total_cpu_cores")?.value);
    const memory = splitList(take("memory")?.value).map(toInt);
    const ram = memory.every((m) => m !== undefined && m > 0)
      ? (memory as number[]).reduce((a, b) => a + b, 0)
      : 0;
    const quota: Record<string, unknown> = {};
    quota.instances =
      slots && slots > 0
        ? slots
        : placeholder(
            [...path("quota"), "instances"],
            1,
            "vm_slots missing or not a positive number: set the most workers this cloud may run",
          );
    if (totalCores && totalCores > 0) quota.cores = totalCores;
    else if (coresPerVm && coresPerVm > 0 && slots && slots > 0) {
      quota.cores = coresPerVm * slots;
      note(
        "mapped",
        resources,
        section,
        get("cpu_cores"),
        `quota.cores = cpu_cores x vm_slots = ${quota.cores} (no total_cpu_cores); check it against the project's quota`,
      );
    } else {
      quota.cores = placeholder(
        [...path("quota"), "cores"],
        1,
        "no total_cpu_cores or cpu_cores: set the cores this cloud may use",
      );
    }
    quota.ram_mb =
      ram > 0
        ? ram
        : placeholder(
            [...path("quota"), "ram_mb"],
            1024,
            "memory missing or not numbers: set the RAM (MB) this cloud may use",
          );
    cloud.quota = quota;

    const flavor = flavors[section.name] ?? flavors.default;
    cloud.flavors = flavor
      ? [flavor]
      : placeholder(
          path("flavors"),
          [`${PLACEHOLDER_PREFIX}-flavor`],
          "no default_VMInstanceType: list the flavors workers may use",
        );
    const image = images[section.name] ?? images.default;
    cloud.images = image
      ? [image]
      : placeholder(
          path("images"),
          [`${PLACEHOLDER_PREFIX}-image`],
          "no default_VMAMI: list the images workers may boot",
        );

    const keyName = take("key_name");
    if (keyName?.value) cloud.key_pair = keyName.value;
    const keepAlive = toInt(take("vm_keep_alive")?.value);
    if (keepAlive !== undefined) keepAlives[name] = keepAlive;

    clouds[name] = cloud;

    for (const option of section.options.values()) {
      const key = option.key.toLowerCase();
      if (used.has(key)) continue;
      const reason = CLOUD_NOT_IMPORTED[key];
      if (isSecretKey(key)) {
        note(
          "not-imported",
          resources,
          section,
          option,
          "credential not imported and not written anywhere",
        );
      } else {
        note(
          "not-imported",
          resources,
          section,
          option,
          `not imported: ${reason ?? "no equivalent in cloudscheduler.yaml"}`,
        );
      }
    }
  }

  // Classic priority: lower number first. Weight: a share, bigger gets more. Invert.
  const maxPriority = Math.max(0, ...Object.values(priorities));
  const distinct = new Set(Object.values(priorities));
  for (const [name, priority] of Object.entries(priorities)) {
    const cloud = clouds[name];
    if (!cloud) continue;
    cloud.weight = maxPriority - priority + 1;
  }
  if (distinct.size > 1) {
    notices.push({
      kind: "mapped",
      file: resources.file,
      key: "priority",
      message:
        "classic priorities (lower first) became weights (a share of new workers, higher more): check the clouds' weight",
    });
  }

  // The VM type jobs got by default.
  const vmTypeOption = jobValue("default_vmtype");
  const vmTypeName = toName(vmTypeOption?.value ?? "default") || "default";
  const typeImage = images.default ?? Object.values(images)[0];
  const typeFlavor = flavors.default ?? Object.values(flavors)[0];
  const vmType: Record<string, unknown> = {};
  const typePath = (key: string): (string | number)[] => ["vm_types", vmTypeName, key];
  const typePlaceholder = (p: (string | number)[], value: unknown, hint: string): unknown => {
    placeholders.push({ path: p, hint });
    notices.push({
      kind: "placeholder",
      file: scheduler?.file ?? resources.file,
      message: `${p.join(".")}: ${hint}`,
    });
    return value;
  };
  vmType.image =
    typeImage ??
    typePlaceholder(typePath("image"), `${PLACEHOLDER_PREFIX}-image`, "set the worker image");
  vmType.flavor =
    typeFlavor ??
    typePlaceholder(typePath("flavor"), `${PLACEHOLDER_PREFIX}-flavor`, "set the worker flavor");
  vmType.cores = positiveOr(jobValue("default_vmcpucores")?.value, 1);
  vmType.ram_mb = positiveOr(jobValue("default_vmmem")?.value, 512);
  const storage = toInt(jobValue("default_vmstorage")?.value);
  vmType.disk_gb =
    storage && storage > 0
      ? storage
      : typePlaceholder(
          typePath("disk_gb"),
          20,
          "classic default_VMStorage was 0 or unset: set the worker's disk size (GB)",
        );
  const keepAliveValues = new Set(Object.values(keepAlives));
  const [onlyKeepAlive] = keepAliveValues;
  if (keepAliveValues.size === 1 && onlyKeepAlive !== undefined && onlyKeepAlive > 0) {
    vmType.keep_alive = `${onlyKeepAlive}m`;
  } else if (keepAliveValues.size > 1) {
    notices.push({
      kind: "not-imported",
      file: resources.file,
      key: "vm_keep_alive",
      message: `clouds differ (${[...keepAliveValues].join(", ")} minutes); keep-alive is set per VM type: set vm_types.${vmTypeName}.keep_alive`,
    });
  }
  // The classic default applied on every cloud; a per-cloud image list (cloud:image,...)
  // cannot be one VM type here, so the type is limited to the clouds that match it.
  const matching: string[] = [];
  for (const [section, name] of Object.entries(cloudNames)) {
    const cloud = clouds[name];
    if (!cloud) continue;
    const ownImage = images[section] ?? images.default;
    const ownFlavor = flavors[section] ?? flavors.default;
    if (ownImage === undefined) addTo(cloud, "images", vmType.image);
    if (ownFlavor === undefined) addTo(cloud, "flavors", vmType.flavor);
    if (
      (ownImage ?? vmType.image) === vmType.image &&
      (ownFlavor ?? vmType.flavor) === vmType.flavor
    )
      matching.push(name);
  }
  const cloudCount = Object.keys(clouds).length;
  if (matching.length > 0 && matching.length < cloudCount) {
    vmType.clouds = matching;
    notices.push({
      kind: "mapped",
      file: scheduler?.file ?? resources.file,
      key: "default_VMAMI",
      message: `different images or flavors per cloud: vm_types.${vmTypeName} (${String(vmType.image)}, ${String(vmType.flavor)}) is limited to ${matching.join(", ")}; add a VM type for the other clouds' images`,
    });
  }

  const policy: Record<string, unknown> = {};
  const condor: Record<string, unknown> = {};
  if (scheduler && global) {
    const g = (key: string): IniOption | undefined => global.options.get(key);
    const register = toInt(g("condor_register_time_limit")?.value);
    if (register && register > 0) policy.boot_timeout = `${register}m`;
    const idle = toInt(g("vm_idle_threshold")?.value);
    if (idle && idle > 0) policy.idle_keep_alive = idle;
    const starting = toInt(g("max_starting_vm")?.value);
    if (starting && starting > 0) {
      policy.max_boots_per_cycle = starting;
      note(
        "mapped",
        scheduler,
        global,
        g("max_starting_vm"),
        "became policy.max_boots_per_cycle (new workers per cycle per cloud)",
      );
    }
    const method = g("graceful_shutdown_method");
    if (method) {
      const m = method.value.trim().toLowerCase();
      if (m === "off") policy.retire_with = "peaceful-off";
      else if (m === "drain") policy.retire_with = "drain";
      else
        note(
          "not-imported",
          scheduler,
          global,
          method,
          `'${method.value}' has no equivalent; workers retire with condor_drain (policy.retire_with)`,
        );
    }
    const hostOnVm = g("condor_host_on_vm")?.value.trim();
    if (hostOnVm) condor.worker_condor_host = hostOnVm;
    const collector = g("condor_collector_url")?.value.trim();
    const pool = collector ? hostPort(collector) : undefined;
    if (pool && !/^localhost(:|$)/.test(pool)) condor.pool = pool;
  }
  if (scheduler) {
    for (const section of scheduler.sections) {
      const mapped =
        section.name === "global" ? GLOBAL_MAPPED : section.name === "job" ? JOB_MAPPED : undefined;
      for (const option of section.options.values()) {
        const key = option.key.toLowerCase();
        if (mapped?.has(key)) continue;
        note(
          "not-imported",
          scheduler,
          section,
          option,
          isSecretKey(key)
            ? "credential not imported and not written anywhere"
            : `not imported: ${SCHEDULER_NOT_IMPORTED[key] ?? "no equivalent in cloudscheduler.yaml"}`,
        );
      }
    }
  }

  const config: Record<string, unknown> = {
    version: 1,
    clouds,
    vm_types: { [vmTypeName]: vmType },
    ports: {
      worker_cidrs: ["0.0.0.0/0", "::/0"],
    },
  };
  placeholders.push({
    path: ["ports", "worker_cidrs"],
    hint: "where workers connect from (HTCondor 9618, Squid 3128); narrow it to your clouds' addresses",
  });
  notices.push({
    kind: "placeholder",
    file: resources.file,
    message:
      "ports.worker_cidrs: the classic config has none; set to any address (HTCondor authenticates workers): narrow it to your clouds' ranges",
  });
  if (Object.keys(policy).length > 0) config.policy = policy;
  if (Object.keys(condor).length > 0) config.condor = condor;
  // A cloud's placeholder image/flavor list may since have been filled with the VM type's.
  const stale = placeholders.filter(
    (p) => p.path[0] === "clouds" && !holdsPlaceholder(valueAt(config, p.path)),
  );
  const live = placeholders.filter((p) => !stale.includes(p));
  const liveNotices = notices.filter(
    (n) =>
      !stale.some((p) => n.kind === "placeholder" && n.message.startsWith(`${p.path.join(".")}:`)),
  );
  return { config, placeholders: live, cloudsYaml, secureYaml, notices: liveNotices, cloudNames };
}

const SCHEDULER_NOT_IMPORTED: Record<string, string> = {
  cloud_resource_config: "the clouds come from the file being imported",
  scheduler_interval: "cloudscheduler plans once per policy.cycle (default 60s)",
  vm_lifetime: "workers are retired when idle, not after a fixed lifetime",
  log_level: "cloudscheduler logs structured JSON; set the level when starting it",
  log_location: "cloudscheduler logs to standard output (journald keeps it)",
  log_format: "cloudscheduler logs structured JSON",
  persistence_file: "state is rebuilt from git, Pulumi and HTCondor on every start",
  default_vmkeepalive: "set keep_alive on the VM type",
  condor_webservice_url:
    "cloudscheduler runs condor_q and condor_status instead of the SOAP web service",
  graceful_shutdown: "cloudscheduler always retires workers gracefully (policy.retire_with)",
  use_cloud_init: "workers always boot with cloud-init user-data from templates/",
};

function sectionOf(file: IniFile, name: string): IniSection | undefined {
  return file.sections.find((s) => s.name === name);
}

/**
 * The classic job-attribute list format: "img" (every cloud) or "cloud1:img1,cloud2:img2",
 * as the classic _attr_list_to_dict read +VMAMI and +VMInstanceType.
 */
export function attrListToMap(value: string | undefined): Record<string, string> {
  const text = value?.trim();
  if (!text) return {};
  if (!text.includes(",") && !text.includes(":")) return { default: text };
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const [cloud, ...rest] = part.split(":");
    const item = rest.join(":").trim();
    if (cloud?.trim() && item) out[cloud.trim()] = item;
  }
  return out;
}

/** A classic section name as a cloudscheduler name: lower-case letters, digits and '-'. */
export function toName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40)
    .replace(/-$/, "");
}

function uniqueName(base: string, taken: Set<string>): string {
  const name = base || "cloud";
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) {
    const candidate = `${name.slice(0, 37)}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function toInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return undefined;
  return Number(value.trim());
}

function positiveOr(value: string | undefined, fallback: number): number {
  const n = toInt(value);
  return n !== undefined && n > 0 ? n : fallback;
}

/** ConfigParser.getboolean's words. */
function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (["1", "yes", "true", "on"].includes(v)) return true;
  if (["0", "no", "false", "off"].includes(v)) return false;
  return undefined;
}

function hostPort(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return undefined;
  }
}

function addTo(cloud: Record<string, unknown>, key: string, value: unknown): void {
  const list = cloud[key];
  if (Array.isArray(list) && typeof value === "string" && !list.includes(value)) {
    // A placeholder list is replaced by the real value rather than extended.
    const real = list.filter((v) => !String(v).startsWith(PLACEHOLDER_PREFIX));
    cloud[key] = [...real, value];
  }
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const part of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** Numbers cannot carry the marker; only a cloud's image or flavor list loses it when filled in. */
function holdsPlaceholder(value: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => String(v).startsWith(PLACEHOLDER_PREFIX));
  return value !== undefined;
}
