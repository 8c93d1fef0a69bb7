// Where the status server listens: "host:port", "[v6]:port" or ":port". Loopback by default;
// any other address must be asked for explicitly (the read-only views need no login).
import { isIP } from "node:net";
import { ListenAddressError } from "./errors.js";

export const DEFAULT_LISTEN = "127.0.0.1:8787";

export interface ListenAddress {
  host: string;
  /** 0: any free port (tests). */
  port: number;
  loopback: boolean;
}

/**
 * Parses a listen address. `explicit` says the user typed it (`--listen`); only then may it be
 * a non-loopback address.
 */
export function parseListen(text: string, explicit: boolean): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65_535) {
    throw new ListenAddressError(
      `--listen ${JSON.stringify(text)}: expected HOST:PORT, [IPv6]:PORT or :PORT (e.g. ${DEFAULT_LISTEN})`,
    );
  }
  const host = match[1] ?? (match[2] || "127.0.0.1");
  if (match[1] !== undefined && isIP(host) !== 6) {
    throw new ListenAddressError(
      `--listen ${JSON.stringify(text)}: ${host} is not an IPv6 address`,
    );
  }
  const loopback = isLoopbackHost(host);
  if (!loopback && !explicit) {
    throw new ListenAddressError(
      `refusing to serve status on ${host}, which is not a loopback address: pass --listen ${text} explicitly to allow it`,
    );
  }
  return { host, port, loopback };
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost" || bare === "::1") return true;
  return isIP(bare) === 4 && bare.startsWith("127.");
}

/** The URL a browser uses for the address (IPv6 in brackets). */
export function urlOf(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * The daemon's `--listen` / `--no-listen`: undefined means the default (loopback; none for a
 * single `--once` cycle), false means no server, a string is an explicit address.
 */
export function listenFromOption(
  value: string | boolean | undefined,
  once: boolean,
): ListenAddress | undefined {
  if (value === false) return undefined;
  if (typeof value === "string") return parseListen(value, true);
  return once ? undefined : parseListen(DEFAULT_LISTEN, false);
}
