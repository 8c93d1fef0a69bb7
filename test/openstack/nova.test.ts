// The Nova client against a local HTTP server speaking the compute API's list and delete.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NovaInventory, toCloudServer } from "../../scheduler/cloud/nova-inventory.js";
import { Secret } from "../../scheduler/config/secret.js";
import { AuthError, HttpError } from "../../scheduler/openstack/errors.js";
import { nodeTransport } from "../../scheduler/openstack/http.js";
import { NovaClient } from "../../scheduler/openstack/nova.js";

interface Server {
  id: string;
  name: string;
  status: string;
  metadata: Record<string, string>;
  created: string;
}

let servers: Server[];
let deleted: string[];
let requests: string[];
let base: string;
let server: http.Server;

beforeEach(async () => {
  servers = [];
  deleted = [];
  requests = [];
  server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === "POST" && req.url === "/v3/auth/tokens") {
      // Just enough Keystone for the inventory to find its compute endpoint.
      res.writeHead(201, { "Content-Type": "application/json", "X-Subject-Token": "nova-token" });
      res.end(
        JSON.stringify({
          token: {
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            catalog: [
              {
                type: "compute",
                endpoints: [{ interface: "public", region_id: "RegionOne", url: base }],
              },
            ],
          },
        }),
      );
      return;
    }
    if (req.headers["x-auth-token"] !== "nova-token") {
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(
        '{"error": {"message": "The request you have made requires authentication.", "code": 401}}',
      );
      return;
    }
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET" && url.pathname === "/v2.1/servers/detail") {
      const limit = Number(url.searchParams.get("limit"));
      const marker = url.searchParams.get("marker");
      const start = marker ? servers.findIndex((s) => s.id === marker) + 1 : 0;
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ servers: servers.slice(start, start + limit) }));
      return;
    }
    const del = url.pathname.match(/^\/v2\.1\/servers\/(.+)$/);
    if (req.method === "DELETE" && del) {
      const id = decodeURIComponent(del[1] as string);
      const known = servers.some((s) => s.id === id);
      servers = servers.filter((s) => s.id !== id);
      if (known) deleted.push(id);
      res.writeHead(known ? 204 : 404);
      res.end(
        known ? "" : '{"itemNotFound": {"code": 404, "message": "Instance could not be found."}}',
      );
      return;
    }
    res.writeHead(500);
    res.end("unexpected");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2.1`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(token = "nova-token"): NovaClient {
  return new NovaClient({
    cloud: "alberta",
    endpoint: `${base}/`,
    token: async () => new Secret(token),
    http: nodeTransport({ idleTimeoutMs: 5000 }),
  });
}

function add(n: number, metadata: Record<string, string> = {}): void {
  servers.push({
    id: `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`,
    name: `cs-alberta-demo-vm-${String(n).padStart(4, "0")}`,
    status: n % 3 === 0 ? "ERROR" : "ACTIVE",
    metadata,
    created: "2026-11-25T10:16:52Z",
  });
}

describe("NovaClient", () => {
  it("lists every server, page after page", async () => {
    for (let i = 1; i <= 2500; i++) add(i);
    const listed = await client().listServers();
    expect(listed).toHaveLength(2500);
    expect(requests.filter((r) => r.startsWith("GET"))).toHaveLength(3);
    expect(requests[1]).toContain(`marker=${servers[999]?.id}`);
  });

  it("deletes by id; a server already gone counts as deleted", async () => {
    add(1);
    await client().deleteServer(servers[0]?.id as string);
    await client().deleteServer("no-such-server");
    expect(deleted).toHaveLength(1);
    expect(servers).toEqual([]);
  });

  it("a rejected token is an AuthError naming the cloud, never the token", async () => {
    const error = await client("stale-token")
      .listServers()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(String(error)).toContain("Nova of cloud 'alberta' rejected the token");
    expect(String(error)).not.toContain("stale-token");
  });

  it("an unexpected status is an HttpError, never an empty list", async () => {
    const broken = new NovaClient({
      cloud: "alberta",
      endpoint: `${base}/nowhere`,
      token: async () => new Secret("nova-token"),
      http: nodeTransport({ idleTimeoutMs: 5000 }),
    });
    await expect(broken.listServers()).rejects.toBeInstanceOf(HttpError);
  });
});

describe("NovaInventory", () => {
  it("authenticates, finds Nova in the catalog and keeps only cloudscheduler workers", async () => {
    add(1, { cloudscheduler: "worker", cloudscheduler_owner: "me", vm_type: "demo-vm" });
    add(3, { cloudscheduler: "worker" });
    add(4, { purpose: "the scheduler appliance" });
    const inventory = new NovaInventory(async () => ({
      source: "test",
      auth_url: `${base.replace(/\/v2\.1$/, "")}/v3`,
      region: "RegionOne",
      interface: "public",
      verify: true,
      auth: {
        type: "password",
        username: "u",
        password: new Secret("p"),
        project_name: "alberta",
        user_domain_name: "Default",
        project_domain_name: "Default",
      },
    }));
    const cloud = { network: "n" } as Parameters<NovaInventory["listWorkers"]>[1];
    const listed = await inventory.listWorkers("alberta", cloud);
    const created = Date.parse("2026-11-25T10:16:52Z") / 1000;
    expect(
      listed.map((s) => [s.name, s.status, s.metadata.cloudscheduler_owner ?? null, s.createdAt]),
    ).toEqual([
      ["cs-alberta-demo-vm-0001", "ACTIVE", "me", created],
      ["cs-alberta-demo-vm-0003", "ERROR", null, created],
    ]);
    await inventory.deleteServer("alberta", cloud, listed[0]?.id as string);
    expect(deleted).toEqual([listed[0]?.id]);
    // One authentication for both calls.
    expect(requests.filter((r) => r.startsWith("POST /v3/auth/tokens"))).toHaveLength(1);
  });

  it("reads Nova's created time and upper-cases its status", () => {
    const server = toCloudServer({
      id: "a",
      name: "b",
      status: "active",
      metadata: { cloudscheduler: "worker", count: 3 },
      created: "2026-11-25T10:16:52Z",
    });
    expect(server).toEqual({
      id: "a",
      name: "b",
      status: "ACTIVE",
      metadata: { cloudscheduler: "worker" },
      createdAt: Date.parse("2026-11-25T10:16:52Z") / 1000,
    });
  });
});
