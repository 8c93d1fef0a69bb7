// The status service over real HTTP: health and readiness before and after the first cycle,
// read-only methods, the admin token, security headers, the Host check, the status file.
import { mkdtemp, readFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BackoffTracker } from "../../scheduler/deploy/backoff.js";
import { emptyReport } from "../../scheduler/run/cycle.js";
import { parseListen } from "../../scheduler/status/listen.js";
import { type StatusService, startStatusService } from "../../scheduler/status/service.js";
import { parsePrometheusText, sampleValue } from "./prom-text.js";
import { exampleConfig, knownReport, NOW } from "./world.js";

const TOKEN = "s3cret-admin-token-for-tests";
let service: StatusService | undefined;

afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function start(options: { adminToken?: string; onWake?: () => void } = {}) {
  const stateDir = await mkdtemp(join(tmpdir(), "cs-status-"));
  let now = NOW;
  service = await startStatusService({
    stateDir,
    backoff: new BackoffTracker(),
    now: () => now,
    listen: parseListen("127.0.0.1:0", false),
    adminToken: options.adminToken,
    runCycleNow: options.onWake ?? (() => {}),
  });
  return { service, stateDir, base: service.server?.url ?? "", advance: (s: number) => (now += s) };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request (fetch forbids setting Host). */
function call(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      { method: init.method ?? "GET", headers: init.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("status server", () => {
  it("is healthy at once, ready only with a config and a completed cycle", async () => {
    const { service, base, advance } = await start();
    expect((await call(base, "/healthz")).status).toBe(200);
    expect(await call(base, "/readyz")).toMatchObject({
      status: 503,
      body: "not ready: no config loaded yet\n",
    });

    await service.configLoaded(exampleConfig(), "rev1");
    expect(await call(base, "/readyz")).toMatchObject({
      status: 503,
      body: "not ready: no cycle completed yet\n",
    });

    await service.onCycle({ ...knownReport(), revision: "rev1" });
    expect(await call(base, "/readyz")).toMatchObject({
      status: 200,
      body: "ready: config rev1, cycle 1 completed\n",
    });

    await service.onCycle({
      ...emptyReport("rev1", NOW + 60),
      error: "observation failed, nothing changed this cycle: condor_q: schedd down",
      retired: [],
      retireFailures: [],
      deploys: [],
      destroyed: [],
    });
    const failed = await call(base, "/readyz");
    expect(failed.status).toBe(503);
    expect(failed.body).toContain("cycle 2 failed: observation failed");
    // The world as last seen stays on show while HTCondor cannot be asked.
    const status = JSON.parse((await call(base, "/api/status")).body);
    expect(status.cycle.error).toContain("schedd down");
    expect(status.workers).toHaveLength(6);

    await service.onCycle({ ...knownReport(), startedAt: NOW + 120 });
    expect((await call(base, "/readyz")).status).toBe(200);
    advance(3600);
    expect(await call(base, "/readyz")).toMatchObject({
      status: 503,
      body: expect.stringContaining("no cycle started for"),
    });
  });

  it("serves the snapshot, the history, the metrics and the page with security headers", async () => {
    const { service, base, stateDir } = await start();
    await service.configLoaded(exampleConfig(), "rev1");
    await service.onCycle(knownReport());

    const status = await call(base, "/api/status");
    expect(status.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(status.headers["x-content-type-options"]).toBe("nosniff");
    expect(status.headers["access-control-allow-origin"]).toBeUndefined();
    const snapshot = JSON.parse(status.body);
    expect(snapshot.clouds.map((c: { name: string }) => c.name)).toEqual(["alberta", "victoria"]);
    // The same snapshot is what `cloudscheduler status` reads from the state dir.
    expect(JSON.parse(await readFile(join(stateDir, "status.json"), "utf8"))).toEqual(snapshot);

    const history = JSON.parse((await call(base, "/api/history?hours=1")).body);
    expect(history.jobs).toEqual([{ time: NOW, idle: 4, running: 3, held: 1 }]);
    expect((await call(base, "/api/history?hours=1000")).status).toBe(400);

    const metrics = await call(base, "/metrics");
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(
      sampleValue(parsePrometheusText(metrics.body), "cloudscheduler_workers", {
        cloud: "alberta",
        state: "busy",
      }),
    ).toBe(1);

    const page = await call(base, "/");
    const csp = String(page.headers["content-security-policy"]);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.body).toContain(`<script nonce="${nonce}">`);
    // Self-contained: nothing loaded from elsewhere (the SVG namespace URI is not a load).
    expect(page.body).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//);
    expect(page.body).not.toMatch(/<link|@import|<iframe/);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    const again = await call(base, "/");
    expect(again.headers["content-security-policy"]).not.toBe(csp);
    expect((await call(base, "/nope")).status).toBe(404);
  });

  it("answers 405 to anything but GET/HEAD on read-only views", async () => {
    const { base } = await start({ adminToken: TOKEN });
    for (const path of ["/", "/api/status", "/metrics", "/healthz", "/readyz"]) {
      for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
        const reply = await call(base, path, {
          method,
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect([path, method, reply.status, reply.headers.allow]).toEqual([
          path,
          method,
          405,
          "GET, HEAD",
        ]);
      }
    }
    expect((await call(base, "/api/cycle")).status).toBe(405);
    expect((await call(base, "/healthz", { method: "HEAD" })).status).toBe(200);
  });

  it("POST /api/cycle needs the admin token, and is off without one", async () => {
    let wakes = 0;
    const { base } = await start({ adminToken: TOKEN, onWake: () => (wakes += 1) });
    expect((await call(base, "/api/cycle", { method: "POST" })).status).toBe(401);
    const wrong = await call(base, "/api/cycle", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    expect([wrong.status, wrong.headers["www-authenticate"]]).toEqual([
      401,
      'Bearer realm="cloudscheduler"',
    ]);
    expect(wakes).toBe(0);
    const ok = await call(base, "/api/cycle", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.status).toBe(202);
    expect(wakes).toBe(1);
    expect(ok.body).not.toContain(TOKEN);

    await service?.close();
    const off = await start({ onWake: () => (wakes += 1) });
    const disabled = await call(off.base, "/api/cycle", {
      method: "POST",
      headers: { authorization: "Bearer anything" },
    });
    expect(disabled.status).toBe(403);
    expect(disabled.body).toContain("CLOUDSCHEDULER_ADMIN_TOKEN");
    expect(wakes).toBe(1);
  });

  it("a loopback server refuses a foreign Host (DNS rebinding)", async () => {
    const { base } = await start();
    expect(
      (await call(base, "/api/status", { headers: { host: "attacker.example:8787" } })).status,
    ).toBe(421);
    expect((await call(base, "/api/status", { headers: { host: "localhost:9000" } })).status).toBe(
      200,
    );
    expect((await call(base, "/api/status", { headers: { host: "[::1]:8787" } })).status).toBe(200);
  });
});
