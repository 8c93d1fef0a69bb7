// An in-memory CloudInventory: servers per cloud that tests (and MemoryDeployer) create,
// break, delete out of band, or make unreachable. Every call is recorded.
import type { CloudConfig } from "../config/schema.js";
import { CloudUnreachableError } from "../deploy/errors.js";
import type { CloudInventory, CloudServer } from "./inventory.js";

export interface InventoryCall {
  operation: "list" | "delete";
  cloud: string;
  id?: string;
}

export class MemoryInventory implements CloudInventory {
  /** Every call, in order. */
  readonly calls: InventoryCall[] = [];
  private readonly clouds = new Map<string, Map<string, CloudServer>>();
  private readonly down = new Set<string>();
  private nextId = 1;

  /** Adds a server as the cloud would report it; returns it. */
  add(cloud: string, server: Partial<CloudServer> & { name: string }): CloudServer {
    const full: CloudServer = {
      id: server.id ?? `srv-${cloud}-${this.nextId++}`,
      status: "ACTIVE",
      metadata: {},
      createdAt: 0,
      ...server,
    };
    this.serversOf(cloud).set(full.id, full);
    return full;
  }

  /** Every server of the cloud (any tag), sorted by name then id. */
  list(cloud: string): CloudServer[] {
    return [...this.serversOf(cloud).values()].sort(
      (a, b) => compare(a.name, b.name) || compare(a.id, b.id),
    );
  }

  /** The servers named `name` (Nova allows several). */
  named(cloud: string, name: string): CloudServer[] {
    return this.list(cloud).filter((s) => s.name === name);
  }

  /** Sets the status of every server named `name` (e.g. ERROR). */
  setStatus(cloud: string, name: string, status: string): void {
    for (const server of this.named(cloud, name)) {
      this.serversOf(cloud).set(server.id, { ...server, status });
    }
  }

  /** Deletes servers named `name` behind the scheduler's back (an admin's `openstack server delete`). */
  removeNamed(cloud: string, name: string): void {
    for (const server of this.named(cloud, name)) this.serversOf(cloud).delete(server.id);
  }

  /** Deletes by id, as Nova would (used by MemoryDeployer's up). */
  remove(cloud: string, id: string): void {
    this.serversOf(cloud).delete(id);
  }

  /** While down, every call for `cloud` fails like an unreachable Nova. */
  setDown(cloud: string, down: boolean): void {
    if (down) this.down.add(cloud);
    else this.down.delete(cloud);
  }

  async listWorkers(cloudName: string, _cloud: CloudConfig): Promise<CloudServer[]> {
    this.calls.push({ operation: "list", cloud: cloudName });
    this.failIfDown(cloudName);
    return this.list(cloudName).filter((s) => s.metadata.cloudscheduler === "worker");
  }

  async deleteServer(cloudName: string, _cloud: CloudConfig, id: string): Promise<void> {
    this.calls.push({ operation: "delete", cloud: cloudName, id });
    this.failIfDown(cloudName);
    this.serversOf(cloudName).delete(id);
  }

  private failIfDown(cloud: string): void {
    if (this.down.has(cloud)) {
      throw new CloudUnreachableError({ cloud, detail: "simulated: Nova API is down" });
    }
  }

  private serversOf(cloud: string): Map<string, CloudServer> {
    let servers = this.clouds.get(cloud);
    if (!servers) {
      servers = new Map();
      this.clouds.set(cloud, servers);
    }
    return servers;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
