// One appliance VM: an instance on the cloud's network with the ports group, the key pair
// and its user-data, plus a floating IP when the config names a pool to take it from.
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import { securityGroupName } from "./ports.js";

export interface ApplianceSpec {
  /** Resource name prefix, e.g. "scheduler". */
  role: string;
  cloudName: string;
  /** Instance name in Nova. */
  name: string;
  image: string;
  flavor: string;
  network: string;
  keyPair?: string | undefined;
  floatingIpPool?: string | undefined;
  /** Rendered cloud-init; made a secret since it can carry site details. */
  userData: pulumi.Input<string>;
}

export interface DeclaredAppliance {
  instance: openstack.compute.Instance;
  floatingIp?: openstack.networking.FloatingIp;
  /** The instance's first fixed IPv4 address. */
  fixedIp: pulumi.Output<string>;
  /** The floating IP's address, or undefined without one. */
  floatingAddress?: pulumi.Output<string>;
}

/** Allocates the floating IP first, so user-data may name the appliance's public address. */
export function declareFloatingIp(
  role: string,
  cloudName: string,
  pool: string,
  provider: pulumi.ProviderResource,
): openstack.networking.FloatingIp {
  return new openstack.networking.FloatingIp(
    `${role}-${cloudName}-fip`,
    { pool, description: `cloudscheduler ${role} appliance` },
    { provider },
  );
}

export function declareAppliance(
  spec: ApplianceSpec,
  provider: pulumi.ProviderResource,
  dependsOn: pulumi.Resource[],
  floatingIp?: openstack.networking.FloatingIp,
): DeclaredAppliance {
  const instance = new openstack.compute.Instance(
    `${spec.role}-${spec.cloudName}`,
    {
      name: spec.name,
      imageName: spec.image,
      flavorName: spec.flavor,
      networks: [{ name: spec.network }],
      securityGroups: [securityGroupName(spec.cloudName)],
      ...(spec.keyPair !== undefined ? { keyPair: spec.keyPair } : {}),
      userData: pulumi.secret(spec.userData),
      metadata: { cloudscheduler: spec.role, cloud: spec.cloudName },
    },
    { provider, dependsOn },
  );
  const fixedIp = instance.networks.apply((networks) => networks[0]?.fixedIpV4 ?? "");
  if (floatingIp === undefined) return { instance, fixedIp };
  // Associated through Neutron, on the instance's port: Nova's own floating-IP actions are gone
  // since microversion 2.44, and so is Terraform's compute association in the v3 provider that
  // test/cloud's stand-in plugin is built from. The instance's `networks[].port` is only set when
  // a port is given, so the port is looked up by device and fixed IP.
  const port = openstack.networking.getPortOutput({ deviceId: instance.id, fixedIp }, { provider });
  new openstack.networking.FloatingIpAssociate(
    `${spec.role}-${spec.cloudName}-fip-associate`,
    { floatingIp: floatingIp.address, portId: port.id },
    { provider, parent: instance },
  );
  return { instance, floatingIp, fixedIp, floatingAddress: floatingIp.address };
}
