// The status HTTP server (node:http): the dashboard, /api/status, /api/history, /metrics,
// /healthz and /readyz. Everything is read-only except POST /api/cycle ("run a cycle now"),
// which needs the admin bearer token and is off without one. No CORS: the dashboard is
// same-origin; a loopback server also checks Host so a rebinding DNS name cannot read it.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkBearer } from "./admin-token.js";
import { dashboardPage } from "./dashboard-page.js";
import type { HistoryStore } from "./history.js";
import { isLoopbackHost, type ListenAddress, urlOf } from "./listen.js";
import type { StatusMetrics } from "./metrics.js";
import type { StatusState } from "./state.js";

export interface StatusServerOptions {
  listen: ListenAddress;
  state: StatusState;
  metrics: StatusMetrics;
  history?: HistoryStore;
  /** The daemon clock's now, for the history window. */
  now: () => number;
  /** CLOUDSCHEDULER_ADMIN_TOKEN; absent: POST /api/cycle is disabled. */
  adminToken?: string | undefined;
  /** Wakes the daemon for a cycle now (POST /api/cycle). */
  runCycleNow?: () => void;
}

export interface RunningStatusServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const MAX_HISTORY_HOURS = 48;

export async function startStatusServer(
  options: StatusServerOptions,
): Promise<RunningStatusServer> {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, 500, "text/plain; charset=utf-8", `internal error: ${String(err)}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: urlOf(options.listen.host, address.port),
    host: options.listen.host,
    port: address.port,
    close: () => closeServer(server),
  };
}

async function handle(
  options: StatusServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://status.invalid");
  if (options.listen.loopback && !loopbackHostHeader(req.headers.host)) {
    return send(
      res,
      421,
      "text/plain; charset=utf-8",
      "this server answers only to a loopback Host\n",
    );
  }
  const method = req.method ?? "GET";
  if (url.pathname === "/api/cycle") {
    if (method !== "POST") return notAllowed(res, "POST");
    return runCycleNow(options, req, res);
  }
  if (method !== "GET" && method !== "HEAD") return notAllowed(res, "GET, HEAD");

  switch (url.pathname) {
    case "/": {
      const nonce = randomBytes(16).toString("base64");
      return send(res, 200, "text/html; charset=utf-8", dashboardPage(nonce), {
        "Content-Security-Policy": `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      });
    }
    case "/api/status":
      return json(res, 200, options.state.snapshot());
    case "/api/history": {
      if (!options.history) return json(res, 404, { error: "no history store configured" });
      const hours = Number(url.searchParams.get("hours") ?? "6");
      if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_HISTORY_HOURS) {
        return json(res, 400, { error: `hours must be a number in (0, ${MAX_HISTORY_HOURS}]` });
      }
      return json(res, 200, options.history.query(options.now() - Math.round(hours * 3600)));
    }
    case "/metrics":
      return send(res, 200, options.metrics.contentType, await options.metrics.text());
    case "/favicon.ico":
      // Browsers ask for it; no icon, and no 404 in their console.
      res.writeHead(204, { "Cache-Control": "max-age=86400" }).end();
      return;
    case "/healthz":
      return send(res, 200, "text/plain; charset=utf-8", "ok\n");
    case "/readyz": {
      const readiness = options.state.readiness();
      return send(
        res,
        readiness.ready ? 200 : 503,
        "text/plain; charset=utf-8",
        `${readiness.ready ? "ready" : "not ready"}: ${readiness.reason}\n`,
      );
    }
    default:
      return json(res, 404, { error: `no such page: ${url.pathname}` });
  }
}

function runCycleNow(
  options: StatusServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const auth = checkBearer(req.headers.authorization, options.adminToken);
  if (auth === "disabled" || !options.runCycleNow) {
    json(res, 403, {
      error: "admin endpoints are disabled: start the daemon with CLOUDSCHEDULER_ADMIN_TOKEN set",
    });
    return;
  }
  if (auth !== "ok") {
    json(
      res,
      401,
      { error: "a valid admin bearer token is required" },
      { "WWW-Authenticate": 'Bearer realm="cloudscheduler"' },
    );
    return;
  }
  options.runCycleNow();
  json(res, 202, { accepted: "a cycle will start now (or right after the one in flight)" });
}

function loopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith("[")
    ? host.slice(0, host.indexOf("]") + 1)
    : host.replace(/:\d+$/, "");
  return isLoopbackHost(name);
}

function notAllowed(res: ServerResponse, allow: string): void {
  json(res, 405, { error: `method not allowed; allowed: ${allow}` }, { Allow: allow });
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, "application/json; charset=utf-8", `${JSON.stringify(body)}\n`, headers);
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    ...(type.startsWith("text/html")
      ? {}
      : { "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'" }),
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
