// A local node:http server speaking just enough Keystone v3 + Glance v2 for unit tests, built
// from responses recorded from the real services (test/fixtures/openstack/). Two regions,
// served under /r1 and /r2. Misbehaviours are switched on per test.
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { CloudCredentials } from "../../scheduler/config/credentials.js";
import { Secret } from "../../scheduler/config/secret.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "openstack");
export const fixture = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");

export interface FakeImage {
  record: Record<string, unknown>;
  data?: Buffer;
}

export interface Misbehaviour {
  /** Serve these bytes instead of the stored ones (Glance still reports the stored hash). */
  serveInstead?: Buffer;
  /** Send this many bytes of the body, then cut the connection. */
  cutDownloadAfter?: number;
  /** Answer uploads with this status instead of storing them. */
  uploadStatus?: number;
  /** Cut the connection after this many uploaded bytes. */
  cutUploadAfter?: number;
  /** Store different bytes than received (the target then reports a different hash). */
  corruptOnStore?: boolean;
}

export class FakeCloud {
  readonly regions: Record<"r1" | "r2", Map<string, FakeImage>> = { r1: new Map(), r2: new Map() };
  misbehave: Partial<Record<"r1" | "r2", Misbehaviour>> = {};
  password = "right-password";
  tokensIssued = 0;
  /** Serve the recorded token's expires_at as is (for tests that inject the session's clock). */
  keepRecordedExpiry = false;
  deleted: string[] = [];
  server = http.createServer((req, res) => this.handle(req, res));
  base = "";

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  credentials(region: "RegionOne" | "RegionTwo", password = this.password): CloudCredentials {
    return {
      source: "test entry",
      auth_url: `${this.base}/v3`,
      region,
      interface: "public",
      verify: true,
      auth: {
        type: "password",
        username: "cs-images",
        password: new Secret(password),
        user_domain_name: "Default",
        project_name: "cs-images",
        project_domain_name: "Default",
      },
    };
  }

  /** Stores an active image with real hashes of `data`. */
  addImage(region: "r1" | "r2", data: Buffer, extra: Record<string, unknown> = {}): string {
    const id = randomUUID();
    this.regions[region].set(id, {
      record: { ...activeRecord(data), id, name: `img-${id.slice(0, 4)}`, ...extra },
      data,
    });
    return id;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): unknown {
    const url = new URL(req.url ?? "/", this.base);
    if (req.method === "POST" && url.pathname === "/v3/auth/tokens") return this.token(req, res);
    const m = url.pathname.match(/^\/(r1|r2)\/v2\/images(?:\/([^/]+))?(\/file)?$/);
    if (!m) return send(res, 404, "no route");
    const region = m[1] as "r1" | "r2";
    if (req.headers["x-auth-token"] !== "fake-token") return send(res, 401, "bad token");
    const images = this.regions[region];
    const bad = this.misbehave[region] ?? {};
    const id = m[2];
    const image = id ? images.get(id) : undefined;
    if (id && !image) return send(res, 404, `No image found with ID ${id}`);

    if (!id && req.method === "GET") {
      const filters = [...url.searchParams].filter(([k]) => k !== "limit" && k !== "marker");
      const list = [...images.values()]
        .map((i) => i.record)
        .filter((r) => filters.every(([k, v]) => r[k] === v));
      return json(res, 200, { images: list, first: url.pathname, schema: "/v2/schemas/images" });
    }
    if (!id && req.method === "POST") {
      return readBody(req).then((body) => {
        const newId = randomUUID();
        const queued = JSON.parse(fixture("glance-image-queued.json"));
        const record = { ...queued, tags: [], ...JSON.parse(body.toString()), id: newId };
        images.set(newId, { record });
        json(res, 201, record);
      });
    }
    if (!image) return send(res, 400, "bad request");
    if (m[3] && req.method === "GET") {
      const data = bad.serveInstead ?? image.data ?? Buffer.alloc(0);
      res.writeHead(200, {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(data.length),
      });
      if (bad.cutDownloadAfter !== undefined) {
        res.write(data.subarray(0, bad.cutDownloadAfter), () => res.socket?.destroy());
        return;
      }
      res.end(data);
      return;
    }
    if (m[3] && req.method === "PUT") {
      if (bad.uploadStatus) return send(res, bad.uploadStatus, "upload refused");
      const chunks: Buffer[] = [];
      let received = 0;
      req.on("data", (c: Buffer) => {
        chunks.push(c);
        received += c.length;
        if (bad.cutUploadAfter !== undefined && received >= bad.cutUploadAfter) {
          image.record.status = "queued";
          req.socket.destroy();
        }
      });
      req.on("end", () => {
        let data = Buffer.concat(chunks);
        if (bad.corruptOnStore) data = Buffer.concat([data.subarray(1), Buffer.from([0])]);
        image.data = data;
        const { status, size, checksum, os_hash_algo, os_hash_value } = activeRecord(data);
        Object.assign(image.record, { status, size, checksum, os_hash_algo, os_hash_value });
        send(res, 204, "");
      });
      return;
    }
    if (req.method === "GET") return json(res, 200, image.record);
    if (req.method === "DELETE") {
      images.delete(id as string);
      this.deleted.push(id as string);
      return send(res, 204, "");
    }
    send(res, 405, "method not allowed");
  }

  private token(req: http.IncomingMessage, res: http.ServerResponse): void {
    readBody(req).then((body) => {
      const auth = JSON.parse(body.toString()).auth.identity;
      const ok =
        auth.password?.user?.password === this.password ||
        auth.application_credential?.secret === this.password;
      if (!ok) {
        res.writeHead(401, { "Content-Type": "application/json" });
        res.end(fixture("keystone-401.json"));
        return;
      }
      this.tokensIssued++;
      const text = fixture("keystone-token-password.json")
        .replaceAll("http://127.0.0.1:25292", `${this.base}/r1`)
        .replaceAll("http://127.0.0.1:25293", `${this.base}/r2`)
        // The recorded token expired long ago: issue it as fresh, as Keystone would (tests of
        // the expiry logic itself keep the recorded time and inject their clock).
        .replace(/"expires_at": "[^"]*"/, (recorded) =>
          this.keepRecordedExpiry
            ? recorded
            : `"expires_at": "${new Date(Date.now() + 3_600_000).toISOString()}"`,
        );
      res.writeHead(201, { "Content-Type": "application/json", "X-Subject-Token": "fake-token" });
      res.end(text);
    });
  }
}

export function activeRecord(data: Buffer): Record<string, unknown> {
  const active = JSON.parse(fixture("glance-image-active.json"));
  return {
    ...active,
    status: "active",
    size: data.length,
    checksum: createHash("md5").update(data).digest("hex"),
    os_hash_algo: "sha512",
    os_hash_value: createHash("sha512").update(data).digest("hex"),
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

function send(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/html; charset=UTF-8" });
  res.end(status === 204 ? undefined : `<html><body><h1>${status}</h1>${text}</body></html>`);
}
