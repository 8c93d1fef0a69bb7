// CloudInventory on Nova: the project's servers filtered to cloudscheduler workers, and delete
// by id. One authenticated client per cloud, kept while the cloud's access settings stay.
import type { CloudCredentials } from "../config/credentials.js";
import type { CloudConfig } from "../config/schema.js";
import { type ConnectOptions, connectNova } from "../openstack/connect.js";
import type { NovaClient, NovaServer } from "../openstack/nova.js";
import { type CloudInventory, type CloudServer, WORKER_METADATA } from "./inventory.js";

export type CredentialsOf = (cloudName: string, cloud: CloudConfig) => Promise<CloudCredentials>;

export class NovaInventory implements CloudInventory {
  private readonly clients = new Map<string, { key: string; client: Promise<NovaClient> }>();

  constructor(
    private readonly credentialsOf: CredentialsOf,
    private readonly options: ConnectOptions = {},
  ) {}

  async listWorkers(
    cloudName: string,
    cloud: CloudConfig,
    signal?: AbortSignal,
  ): Promise<CloudServer[]> {
    const nova = await this.client(cloudName, cloud);
    const servers = await nova.listServers(signal);
    return servers.flatMap((server) => {
      const worker = toCloudServer(server);
      return worker.metadata[WORKER_METADATA.role] === WORKER_METADATA.roleValue ? [worker] : [];
    });
  }

  async deleteServer(
    cloudName: string,
    cloud: CloudConfig,
    id: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const nova = await this.client(cloudName, cloud);
    await nova.deleteServer(id, signal);
  }

  /** The cloud's client; reconnects when its clouds.yaml entry, URL or region changed. */
  private client(cloudName: string, cloud: CloudConfig): Promise<NovaClient> {
    const key = JSON.stringify([cloud.cloud, cloud.auth_url, cloud.region]);
    const known = this.clients.get(cloudName);
    if (known && known.key === key) return known.client;
    const client = this.credentialsOf(cloudName, cloud).then((credentials) =>
      connectNova(cloudName, credentials, this.options),
    );
    this.clients.set(cloudName, { key, client });
    // A failed connection is not kept: the next cycle tries again.
    client.catch(() => {
      if (this.clients.get(cloudName)?.client === client) this.clients.delete(cloudName);
    });
    return client;
  }
}

export function toCloudServer(server: NovaServer): CloudServer {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(server.metadata)) {
    if (typeof value === "string") metadata[key] = value;
  }
  const created = server.created === undefined ? Number.NaN : Date.parse(server.created);
  return {
    id: server.id,
    name: server.name,
    status: server.status.toUpperCase(),
    metadata,
    createdAt: Number.isFinite(created) ? Math.floor(created / 1000) : 0,
  };
}
