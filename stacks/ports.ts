// The security group of one cloud: what the batch service needs open, and to whom.
// Why each port is open (see also stacks/README.md):
//   22/tcp    SSH to the appliances, from admin_cidrs only (default: nobody).
//   9618/tcp  HTCondor's shared port: collector, negotiator and schedd all sit behind it;
//             workers (worker_cidrs) advertise and run jobs through it.
//   3128/tcp  Squid on the CVMFS appliance: workers fetch the repository through it.
//   80/tcp, 8000/tcp  the CVMFS stratum over HTTP, for public_cidrs.
//   extra     whatever the site adds in ports.extra.
import * as openstack from "@pulumi/openstack";
import type * as pulumi from "@pulumi/pulumi";
import type { PortsConfig } from "../scheduler/config/schema.js";

export interface PortRule {
  /** Short stable name, part of the rule's resource name. */
  name: string;
  protocol: "tcp" | "udp";
  portMin: number;
  portMax: number;
  cidr: string;
  ethertype: "IPv4" | "IPv6";
  description: string;
}

/** The security group both the ports stack and the pool stack use for a cloud. */
export function securityGroupName(cloudName: string): string {
  return `cloudscheduler-${cloudName}`;
}

/** Every ingress rule, one per port per CIDR, in a stable order. Pure. */
export function portRules(ports: PortsConfig): PortRule[] {
  const fixed: { name: string; port: number; cidrs: string[]; why: string }[] = [
    { name: "ssh", port: 22, cidrs: ports.admin_cidrs, why: "SSH to the appliances" },
    {
      name: "condor",
      port: 9618,
      cidrs: ports.worker_cidrs,
      why: "HTCondor shared port (collector, negotiator, schedd)",
    },
    { name: "squid", port: 3128, cidrs: ports.worker_cidrs, why: "Squid proxy for CVMFS" },
    { name: "http", port: 80, cidrs: ports.public_cidrs, why: "CVMFS stratum over HTTP" },
    { name: "cvmfs", port: 8000, cidrs: ports.public_cidrs, why: "CVMFS stratum over HTTP" },
  ];
  const rules: PortRule[] = [];
  for (const { name, port, cidrs, why } of fixed) {
    for (const cidr of unique(cidrs)) {
      rules.push(rule(name, "tcp", port, port, cidr, why));
    }
  }
  for (const extra of ports.extra) {
    const [min, max] = portRange(extra.port);
    for (const cidr of unique(extra.cidrs)) {
      rules.push(rule(extra.name, extra.protocol, min, max, cidr, `extra rule ${extra.name}`));
    }
  }
  return rules;
}

export interface DeclaredPorts {
  group: openstack.networking.SecGroup;
  rules: openstack.networking.SecGroupRule[];
}

/** Declares the cloud's security group and its rules with the cloud's provider. */
export function declarePorts(
  cloudName: string,
  ports: PortsConfig,
  provider: pulumi.ProviderResource,
): DeclaredPorts {
  const group = new openstack.networking.SecGroup(
    `ports-${cloudName}`,
    {
      name: securityGroupName(cloudName),
      description: "cloudscheduler: HTCondor, CVMFS and SSH for the appliances and workers",
    },
    { provider },
  );
  const rules = portRules(ports).map(
    (r) =>
      new openstack.networking.SecGroupRule(
        `ports-${cloudName}-${r.name}-${r.protocol}-${r.portMin}-${r.portMax}-${cidrSlug(r.cidr)}`,
        {
          securityGroupId: group.id,
          direction: "ingress",
          ethertype: r.ethertype,
          protocol: r.protocol,
          portRangeMin: r.portMin,
          portRangeMax: r.portMax,
          remoteIpPrefix: r.cidr,
          description: r.description,
        },
        { provider, parent: group },
      ),
  );
  return { group, rules };
}

function rule(
  name: string,
  protocol: "tcp" | "udp",
  portMin: number,
  portMax: number,
  cidr: string,
  description: string,
): PortRule {
  return {
    name,
    protocol,
    portMin,
    portMax,
    cidr,
    ethertype: cidr.includes(":") ? "IPv6" : "IPv4",
    description,
  };
}

function portRange(port: number | string): [number, number] {
  if (typeof port === "number") return [port, port];
  const [min, max] = port.split("-").map(Number);
  if (min === undefined || max === undefined || min > max || min < 1 || max > 65535) {
    throw new RangeError(`invalid port range ${JSON.stringify(port)}`);
  }
  return [min, max];
}

/** A CIDR as part of a resource name: "::" would break the resource's URN. */
function cidrSlug(cidr: string): string {
  return cidr.replaceAll(":", "-").replace("/", "_");
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
