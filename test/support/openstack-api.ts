// A small read-mostly OpenStack client for the integration tier's assertions: what Nova, Neutron
// and Glance really hold, asked through their APIs (never through Pulumi's view of them). The
// token and catalog come from the product's Keystone client; the rest is plain JSON over fetch.
// Test-only: it parses just the fields the tests assert on.
import { createHash } from "node:crypto";
import { parse } from "yaml";
import { z } from "zod";
import {
  type CloudCredentials,
  credentialsForEntry,
  nodeCredentialSources,
} from "../../scheduler/config/credentials.js";
import { Secret } from "../../scheduler/config/secret.js";
import { findEndpoint } from "../../scheduler/openstack/catalog.js";
import { nodeTransport } from "../../scheduler/openstack/http.js";
import { TokenSession } from "../../scheduler/openstack/keystone.js";

/** The local cloud's test-only admin (test/cloud/lib/env.sh): loopback only, thrown away. */
export const LOCAL_ADMIN = { username: "admin", password: "secretpw", project: "admin" };
export const LOCAL_AUTH_URL = "http://127.0.0.1:15000/v3";

const serverSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    tenant_id: z.string().optional(),
    flavor: z.object({ original_name: z.string().optional(), id: z.string().optional() }).loose(),
    image: z.union([z.object({ id: z.string() }).loose(), z.literal("")]),
    key_name: z.string().nullable().optional(),
    metadata: z.record(z.string(), z.string()),
    security_groups: z.array(z.object({ name: z.string() })).optional(),
    addresses: z.record(
      z.string(),
      z.array(z.object({ addr: z.string(), "OS-EXT-IPS:type": z.string().optional() }).loose()),
    ),
    "OS-EXT-SRV-ATTR:user_data": z.string().nullable().optional(),
  })
  .loose();
export type NovaServer = z.output<typeof serverSchema>;

const ruleSchema = z
  .object({
    id: z.string(),
    direction: z.string(),
    ethertype: z.string(),
    protocol: z.string().nullable(),
    port_range_min: z.number().nullable(),
    port_range_max: z.number().nullable(),
    remote_ip_prefix: z.string().nullable(),
  })
  .loose();
export type SecurityGroupRule = z.output<typeof ruleSchema>;

const groupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    project_id: z.string().optional(),
    security_group_rules: z.array(ruleSchema),
  })
  .loose();
export type SecurityGroup = z.output<typeof groupSchema>;

const imageSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    status: z.string(),
    size: z.number().nullable().optional(),
    os_hash_value: z.string().nullable().optional(),
  })
  .loose();
export type GlanceImage = z.output<typeof imageSchema>;

const floatingIpSchema = z
  .object({ id: z.string(), floating_ip_address: z.string(), port_id: z.string().nullable() })
  .loose();

/** An HTTP answer that was not 2xx; the message names method, URL and status. */
export interface BootRefs {
  imageRef: string;
  flavorRef: string;
  networkId: string;
}

export class OpenStackApiError extends Error {
  override readonly name = "OpenStackApiError";
  constructor(
    readonly status: number,
    where: string,
    body: string,
  ) {
    super(`${where} -> HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

export class OpenStackApi {
  private constructor(
    private readonly session: TokenSession,
    readonly region: string,
    readonly projectId: string | undefined,
    private readonly endpoints: { compute: string; network: string; image: string },
  ) {}

  /** Authenticates (so bad credentials fail here) and finds the region's endpoints. */
  static async connect(credentials: CloudCredentials): Promise<OpenStackApi> {
    const session = new TokenSession(credentials, nodeTransport(), () => new Date());
    const token = await session.current();
    const region = credentials.region ?? "RegionOne";
    const at = (type: string) =>
      findEndpoint(token.catalog, { type, region, interface: credentials.interface }).replace(
        /\/+$/,
        "",
      );
    return new OpenStackApi(session, region, token.projectId, {
      compute: at("compute"),
      network: at("network"),
      image: at("image"),
    });
  }

  /** A clouds.yaml entry, found as openstacksdk does (OS_CLIENT_CONFIG_FILE/SECURE_FILE). */
  static async forEntry(entry: string): Promise<OpenStackApi> {
    return OpenStackApi.connect(await credentialsForEntry(entry, nodeCredentialSources()));
  }

  /** The local cloud's admin in `region`: sees every project's servers and their user-data. */
  static async admin(region: string): Promise<OpenStackApi> {
    return OpenStackApi.connect({
      source: "local test cloud admin",
      auth_url: LOCAL_AUTH_URL,
      region,
      interface: "public",
      verify: true,
      auth: {
        type: "password",
        username: LOCAL_ADMIN.username,
        password: new Secret(LOCAL_ADMIN.password),
        project_name: LOCAL_ADMIN.project,
        user_domain_name: "Default",
        project_domain_name: "Default",
      },
    });
  }

  // Nova --------------------------------------------------------------------------------------

  /** Servers with details; `allProjects` needs admin. Microversion 2.47 gives flavor names. */
  async servers(filter: { allProjects?: boolean; projectId?: string } = {}): Promise<NovaServer[]> {
    const query = new URLSearchParams();
    if (filter.allProjects || filter.projectId) query.set("all_tenants", "1");
    if (filter.projectId) query.set("project_id", filter.projectId);
    const body = await this.json("GET", `${this.endpoints.compute}/servers/detail?${query}`);
    return z.object({ servers: z.array(serverSchema) }).parse(body).servers;
  }

  /** One server's status by id (GET /servers/{id}, as the provider polls a create). */
  async serverStatus(id: string): Promise<string> {
    const body = await this.json("GET", `${this.endpoints.compute}/servers/${id}`);
    return z.object({ server: z.object({ status: z.string() }).loose() }).parse(body).server.status;
  }

  /** Boots a server straight through Nova (a server made outside any stack). Returns its id. */
  async createServer(spec: {
    name: string;
    image: string;
    flavor: string;
    network: string;
    metadata: Record<string, string>;
  }): Promise<string> {
    const [image] = await this.images({ name: spec.image });
    const flavors = z
      .object({ flavors: z.array(z.object({ id: z.string(), name: z.string() }).loose()) })
      .parse(await this.json("GET", `${this.endpoints.compute}/flavors`)).flavors;
    const networks = z
      .object({ networks: z.array(z.object({ id: z.string(), name: z.string() }).loose()) })
      .parse(
        await this.json(
          "GET",
          `${this.endpoints.network}/v2.0/networks?name=${encodeURIComponent(spec.network)}`,
        ),
      ).networks;
    const flavor = flavors.find((f) => f.name === spec.flavor);
    if (!image || !flavor || !networks[0]) {
      throw new Error(`cannot boot ${spec.name}: image, flavor or network not found`);
    }
    const body = await this.json("POST", `${this.endpoints.compute}/servers`, {
      server: {
        name: spec.name,
        imageRef: image.id,
        flavorRef: flavor.id,
        networks: [{ uuid: networks[0].id }],
        metadata: spec.metadata,
      },
    });
    return z.object({ server: z.object({ id: z.string() }).loose() }).parse(body).server.id;
  }

  /** The ids a boot request names, looked up once (for many boots of the same shape). */
  async bootRefs(spec: { image: string; flavor: string; network: string }): Promise<BootRefs> {
    const [image] = await this.images({ name: spec.image });
    const flavors = z
      .object({ flavors: z.array(z.object({ id: z.string(), name: z.string() }).loose()) })
      .parse(await this.json("GET", `${this.endpoints.compute}/flavors`)).flavors;
    const networks = z
      .object({ networks: z.array(z.object({ id: z.string(), name: z.string() }).loose()) })
      .parse(
        await this.json(
          "GET",
          `${this.endpoints.network}/v2.0/networks?name=${encodeURIComponent(spec.network)}`,
        ),
      ).networks;
    const flavor = flavors.find((f) => f.name === spec.flavor);
    if (!image || !flavor || !networks[0]) throw new Error("image, flavor or network not found");
    return { imageRef: image.id, flavorRef: flavor.id, networkId: networks[0].id };
  }

  /** One POST /servers with ids already known (bootRefs). Returns the server's id. */
  async bootServer(
    name: string,
    refs: BootRefs,
    extra: { metadata?: Record<string, string>; securityGroup?: string; keyName?: string } = {},
  ): Promise<string> {
    const body = await this.json("POST", `${this.endpoints.compute}/servers`, {
      server: {
        name,
        imageRef: refs.imageRef,
        flavorRef: refs.flavorRef,
        networks: [{ uuid: refs.networkId }],
        metadata: extra.metadata ?? {},
        ...(extra.securityGroup ? { security_groups: [{ name: extra.securityGroup }] } : {}),
        ...(extra.keyName ? { key_name: extra.keyName } : {}),
      },
    });
    return z.object({ server: z.object({ id: z.string() }).loose() }).parse(body).server.id;
  }

  /** Nova's admin reset-state action: sets the server's status in Nova's records only. */
  async resetState(id: string, state: "error" | "active"): Promise<void> {
    await this.json("POST", `${this.endpoints.compute}/servers/${id}/action`, {
      "os-resetState": { state },
    });
  }

  async deleteServer(id: string): Promise<void> {
    await this.json("DELETE", `${this.endpoints.compute}/servers/${id}`, undefined, [404]);
  }

  /** Nova's quota set of a project (admin to set; the project's own user may read it). */
  async computeQuota(projectId: string): Promise<{ instances: number; cores: number }> {
    const body = await this.json("GET", `${this.endpoints.compute}/os-quota-sets/${projectId}`);
    return z
      .object({ quota_set: z.object({ instances: z.number(), cores: z.number() }).loose() })
      .parse(body).quota_set;
  }

  async setComputeQuota(projectId: string, quota: { instances: number }): Promise<void> {
    await this.json("PUT", `${this.endpoints.compute}/os-quota-sets/${projectId}`, {
      quota_set: quota,
    });
  }

  /** Waits until `predicate` holds for the servers `list` returns; throws with the last list. */
  async waitForServers(
    list: () => Promise<NovaServer[]>,
    predicate: (servers: NovaServer[]) => boolean,
    timeoutMs = 60_000,
  ): Promise<NovaServer[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const servers = await list();
      if (predicate(servers)) return servers;
      if (Date.now() > deadline) {
        throw new Error(
          `servers did not reach the expected state in ${timeoutMs / 1000} s: ${servers
            .map((s) => `${s.name}=${s.status}`)
            .join(", ")}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  // Neutron -----------------------------------------------------------------------------------

  async securityGroups(name?: string): Promise<SecurityGroup[]> {
    const query = name === undefined ? "" : `?name=${encodeURIComponent(name)}`;
    const body = await this.json("GET", `${this.endpoints.network}/v2.0/security-groups${query}`);
    return z.object({ security_groups: z.array(groupSchema) }).parse(body).security_groups;
  }

  async createSecurityGroup(name: string): Promise<SecurityGroup> {
    const body = await this.json("POST", `${this.endpoints.network}/v2.0/security-groups`, {
      security_group: { name, description: "cloudscheduler integration test" },
    });
    return z.object({ security_group: groupSchema }).parse(body).security_group;
  }

  async deleteSecurityGroup(id: string): Promise<void> {
    await this.json(
      "DELETE",
      `${this.endpoints.network}/v2.0/security-groups/${id}`,
      undefined,
      [404],
    );
  }

  async floatingIps(): Promise<z.output<typeof floatingIpSchema>[]> {
    const body = await this.json("GET", `${this.endpoints.network}/v2.0/floatingips`);
    return z.object({ floatingips: z.array(floatingIpSchema) }).parse(body).floatingips;
  }

  /** Neutron ports of a device (a server's ports: device_id = the server id). */
  async portIds(deviceId: string): Promise<string[]> {
    const query = new URLSearchParams({ device_id: deviceId });
    const body = await this.json("GET", `${this.endpoints.network}/v2.0/ports?${query}`);
    return z
      .object({ ports: z.array(z.object({ id: z.string() }).loose()) })
      .parse(body)
      .ports.map((p) => p.id);
  }

  // Glance ------------------------------------------------------------------------------------

  async images(filter: Record<string, string> = {}): Promise<GlanceImage[]> {
    const query = new URLSearchParams(filter);
    const body = await this.json("GET", `${this.endpoints.image}/v2/images?${query}`);
    return z.object({ images: z.array(imageSchema) }).parse(body).images;
  }

  /** SHA-256 of the image's bytes as Glance serves them. */
  async imageSha256(id: string): Promise<{ sha256: string; bytes: number }> {
    const response = await this.request("GET", `${this.endpoints.image}/v2/images/${id}/file`);
    const hash = createHash("sha256");
    let bytes = 0;
    const reader = response.body?.getReader();
    if (!reader) throw new Error(`image ${id}: no body`);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      bytes += value.byteLength;
    }
    return { sha256: hash.digest("hex"), bytes };
  }

  async deleteImage(id: string): Promise<void> {
    await this.json("DELETE", `${this.endpoints.image}/v2/images/${id}`, undefined, [404]);
  }

  // -------------------------------------------------------------------------------------------

  private async request(
    method: string,
    url: string,
    body?: unknown,
    allowed: number[] = [],
  ): Promise<Response> {
    const token = (await this.session.token()).reveal();
    const response = await fetch(url, {
      method,
      headers: {
        "X-Auth-Token": token,
        "OpenStack-API-Version": "compute 2.47",
        "X-OpenStack-Nova-API-Version": "2.47",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok && !allowed.includes(response.status)) {
      throw new OpenStackApiError(response.status, `${method} ${url}`, await response.text());
    }
    return response;
  }

  private async json(
    method: string,
    url: string,
    body?: unknown,
    allowed: number[] = [],
  ): Promise<unknown> {
    const response = await this.request(method, url, body, allowed);
    const text = await response.text();
    return text === "" ? {} : (JSON.parse(text) as unknown);
  }
}

/** Decoded user-data of a server as Nova stores it (base64 in OS-EXT-SRV-ATTR:user_data). */
export function userDataOf(server: NovaServer): string {
  const raw = server["OS-EXT-SRV-ATTR:user_data"];
  if (!raw) throw new Error(`server ${server.name} has no user-data`);
  return Buffer.from(raw, "base64").toString("utf8");
}

/** The content of one write_files entry of a cloud-config document. */
export function writtenFile(userData: string, path: string): string {
  const doc = z
    .object({ write_files: z.array(z.object({ path: z.string(), content: z.string() }).loose()) })
    .loose()
    .parse(parse(userData));
  const file = doc.write_files.find((f) => f.path === path);
  if (!file) throw new Error(`user-data writes no ${path}`);
  return file.content;
}
