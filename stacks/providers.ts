// One openstack.Provider per enabled cloud. A clouds.yaml entry is handed to the provider
// as is (it reads clouds.yaml and secure.yaml itself); a cloud given by auth_url takes its
// credentials from OS_* environment variables, the secret ones wrapped as Pulumi secrets so
// they never reach the state or the outputs in clear.
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { CloudConfig } from "../scheduler/config/schema.js";

/** The OS_* variables a cloud given by auth_url may use; the rest of the env is ignored. */
export type OpenStackEnv = Readonly<Record<string, string | undefined>>;

/** Which variable feeds which provider input, and whether it is a secret. */
const ENV_INPUTS = [
  { variable: "OS_USERNAME", input: "userName", secret: false },
  { variable: "OS_PASSWORD", input: "password", secret: true },
  { variable: "OS_PROJECT_NAME", input: "tenantName", secret: false },
  { variable: "OS_USER_DOMAIN_NAME", input: "userDomainName", secret: false },
  { variable: "OS_PROJECT_DOMAIN_NAME", input: "projectDomainName", secret: false },
  { variable: "OS_APPLICATION_CREDENTIAL_ID", input: "applicationCredentialId", secret: false },
  {
    variable: "OS_APPLICATION_CREDENTIAL_SECRET",
    input: "applicationCredentialSecret",
    secret: true,
  },
] as const satisfies readonly {
  variable: string;
  input: keyof openstack.ProviderArgs;
  secret: boolean;
}[];

/** Provider inputs for one cloud: pure, so tests check what would be sent. */
export function providerArgs(cloud: CloudConfig, env: OpenStackEnv): openstack.ProviderArgs {
  const args: openstack.ProviderArgs = {};
  if (cloud.region !== undefined) args.region = cloud.region;
  if (cloud.cloud !== undefined) {
    args.cloud = cloud.cloud;
    return args;
  }
  if (cloud.auth_url !== undefined) args.authUrl = cloud.auth_url;
  const writable = args as Record<string, pulumi.Input<string>>;
  for (const { variable, input, secret } of ENV_INPUTS) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    writable[input] = secret ? pulumi.secret(value) : value;
  }
  return args;
}

/** The provider resource of one cloud, named `openstack-<cloud>`. */
export function createProvider(
  cloudName: string,
  cloud: CloudConfig,
  env: OpenStackEnv,
): openstack.Provider {
  return new openstack.Provider(providerResourceName(cloudName), providerArgs(cloud, env));
}

export function providerResourceName(cloudName: string): string {
  return `openstack-${cloudName}`;
}
