// Which clouds the image commands may name, and how to reach each one's Glance: the clouds
// of cloudscheduler.yaml (their clouds.yaml entry and region), or, without a config, the
// clouds.yaml entries themselves.
import {
  type CredentialSources,
  credentialsForCloud,
  credentialsForEntry,
  loadCloudsFiles,
} from "../config/credentials.js";
import type { Config } from "../config/schema.js";
import { type ConnectOptions, connectGlance } from "../openstack/connect.js";
import type { GlanceClient } from "../openstack/glance.js";

export class UnknownCloudError extends Error {
  override readonly name = "UnknownCloudError";
  constructor(
    readonly cloud: string,
    readonly known: string[],
    where: string,
  ) {
    super(`unknown cloud '${cloud}' (${where}); known clouds: ${known.join(", ") || "(none)"}`);
  }
}

export interface CloudAccess {
  names(): Promise<string[]>;
  /** Authenticates and returns the cloud's Glance; connections are made once per cloud. */
  connect(cloud: string): Promise<GlanceClient>;
}

export function cloudAccess(
  config: Config | undefined,
  sources: CredentialSources,
  options: ConnectOptions = {},
): CloudAccess {
  const connections = new Map<string, Promise<GlanceClient>>();
  const names = async (): Promise<string[]> =>
    config ? Object.keys(config.clouds) : Object.keys((await loadCloudsFiles(sources)).clouds);
  const open = async (cloud: string): Promise<GlanceClient> => {
    const known = await names();
    if (!known.includes(cloud)) {
      throw new UnknownCloudError(cloud, known, config ? "cloudscheduler.yaml" : "clouds.yaml");
    }
    const credentials = config
      ? await credentialsForCloud(cloud, config.clouds[cloud] as Config["clouds"][string], sources)
      : await credentialsForEntry(cloud, sources);
    return connectGlance(cloud, credentials, options);
  };
  return {
    names,
    connect(cloud) {
      let connection = connections.get(cloud);
      if (!connection) {
        connection = open(cloud);
        connections.set(cloud, connection);
        // A failed attempt is not cached: the next call tries again.
        connection.catch(() => connections.delete(cloud));
      }
      return connection;
    },
  };
}
