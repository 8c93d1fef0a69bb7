// A cloud's credentials -> a Glance or Nova client on the catalog's endpoint.
import { readFile } from "node:fs/promises";
import type { CloudCredentials } from "../config/credentials.js";
import { findEndpoint } from "./catalog.js";
import { GlanceClient } from "./glance.js";
import { type HttpTransport, nodeTransport } from "./http.js";
import { TokenSession } from "./keystone.js";
import { NovaClient } from "./nova.js";

export interface ConnectOptions {
  /** Default: node:http(s) honouring the credentials' cacert / verify. */
  http?: HttpTransport;
  now?: () => Date;
}

/** Authenticates once (so wrong credentials fail here) and returns the cloud's Glance client. */
export async function connectGlance(
  cloud: string,
  credentials: CloudCredentials,
  options: ConnectOptions = {},
): Promise<GlanceClient> {
  const http = options.http ?? (await transportFor(credentials));
  const session = new TokenSession(credentials, http, options.now ?? (() => new Date()));
  const { catalog } = await session.current();
  const endpoint = findEndpoint(catalog, {
    type: "image",
    region: credentials.region,
    interface: credentials.interface,
  });
  return new GlanceClient({ cloud, endpoint, token: () => session.token(), http });
}

async function transportFor(credentials: CloudCredentials): Promise<HttpTransport> {
  const ca = credentials.cacert ? await readFile(credentials.cacert, "utf8") : undefined;
  return nodeTransport({ ca, rejectUnauthorized: credentials.verify });
}

/** Authenticates once (so wrong credentials fail here) and returns the cloud's Nova client. */
export async function connectNova(
  cloud: string,
  credentials: CloudCredentials,
  options: ConnectOptions = {},
): Promise<NovaClient> {
  const http = options.http ?? (await transportFor(credentials));
  const session = new TokenSession(credentials, http, options.now ?? (() => new Date()));
  const { catalog } = await session.current();
  const endpoint = findEndpoint(catalog, {
    type: "compute",
    region: credentials.region,
    interface: credentials.interface,
  });
  return new NovaClient({ cloud, endpoint, token: () => session.token(), http });
}
