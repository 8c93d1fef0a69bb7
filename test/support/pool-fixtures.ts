// Shared pieces of the pool-level integration suites: planned workers built from the config's VM
// types, the servers of those workers as Nova sees them, and the ports group the site stack would
// have created.
import type { Config } from "../../scheduler/config/schema.js";
import type { PoolWorker } from "../../scheduler/pool/types.js";
import type { NovaServer, OpenStackApi } from "./openstack-api.js";

/** Fixed creation time: nothing in the pool program may depend on the clock. */
export const CREATED_AT = 1_795_596_400;

/** The n-th worker of a VM type, named as the planner names it. */
export function poolWorker(config: Config, cloud: string, vmType: string, n: number): PoolWorker {
  const type = config.vm_types[vmType];
  if (!type) throw new Error(`no vm_type ${vmType}`);
  return {
    name: `cs-${cloud}-${vmType}-${String(n).padStart(4, "0")}`,
    vmType,
    image: type.image,
    flavor: type.flavor,
    cores: type.cores,
    ramMb: type.ram_mb,
    diskGb: type.disk_gb,
    state: "booting",
    createdAt: CREATED_AT,
    keepAliveSeconds: 600,
  };
}

/**
 * The member project's servers whose name starts with `prefix`, as the admin sees them (admin is
 * needed for OS-EXT-SRV-ATTR:user_data), sorted by name. Deleted-but-not-yet-gone servers count.
 */
export async function workerServers(
  admin: OpenStackApi,
  member: OpenStackApi,
  prefix: string,
): Promise<NovaServer[]> {
  if (!member.projectId) throw new Error("member token has no project");
  const servers = await admin.servers({ projectId: member.projectId });
  return servers
    .filter((s) => s.name.startsWith(prefix))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Makes sure a security group of that name exists in the member's project; returns how to undo
 * exactly what was done (delete it if it was created here, nothing otherwise).
 */
export async function ensureSecurityGroup(
  member: OpenStackApi,
  name: string,
): Promise<() => Promise<void>> {
  const existing = await member.securityGroups(name);
  if (existing.length > 0) return async () => {};
  const created = await member.createSecurityGroup(name);
  return async () => {
    // Nova releases a group shortly after its last server is deleted.
    for (let attempt = 0; ; attempt++) {
      try {
        await member.deleteSecurityGroup(created.id);
        return;
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
}
