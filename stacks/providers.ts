// One openstack.Provider per enabled cloud, with explicit credentials. The provider (gophercloud
// inside the Terraform provider) reads clouds.yaml through OS_CLIENT_CONFIG_FILE but looks for
// secure.yaml only in its cwd, ~/.config/openstack and /etc/openstack, ignoring
// OS_CLIENT_SECURE_FILE: handed just `cloud:`, it fails with "You must provide a password to
// authenticate". So the scheduler resolves the cloud's credentials itself, the way openstacksdk
// does (scheduler/config/credentials.ts), and passes every field; the password and application
// credential secret are Pulumi secrets, so they never reach the state or the outputs in clear.
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import {
  type CloudCredentials,
  type CredentialSources,
  credentialsForCloud,
} from "../scheduler/config/credentials.js";
import type { CloudConfig, Config } from "../scheduler/config/schema.js";

/** Finds one cloud's credentials; tests pass a double, programs use credentialResolver(). */
export type CredentialResolver = (
  cloudName: string,
  cloud: CloudConfig,
) => Promise<CloudCredentials>;

/** The resolver of the real programs: clouds.yaml + secure.yaml, or OS_* for auth_url clouds. */
export function credentialResolver(sources: CredentialSources): CredentialResolver {
  return (cloudName, cloud) => credentialsForCloud(cloudName, cloud, sources);
}

/** Credentials of every enabled cloud of `config`, by cloud name. */
export async function resolveEnabledCredentials(
  config: Config,
  resolve: CredentialResolver,
): Promise<Map<string, CloudCredentials>> {
  const enabled = Object.entries(config.clouds).filter(([, cloud]) => cloud.enabled);
  const resolved = await Promise.all(
    enabled.map(async ([name, cloud]) => [name, await resolve(name, cloud)] as const),
  );
  return new Map(resolved);
}

/** Provider inputs for one cloud's credentials: pure, so tests check what would be sent. */
export function providerArgs(credentials: CloudCredentials): openstack.ProviderArgs {
  const args: openstack.ProviderArgs = { authUrl: credentials.auth_url };
  if (credentials.region !== undefined) args.region = credentials.region;
  // The catalog interface: gophercloud takes "public", "internal" or "admin" as we store it.
  args.endpointType = credentials.interface;
  if (!credentials.verify) args.insecure = true;
  if (credentials.cacert !== undefined) args.cacertFile = credentials.cacert;
  const auth = credentials.auth;
  if (auth.type === "application_credential") {
    args.applicationCredentialId = auth.application_credential_id;
    args.applicationCredentialSecret = pulumi.secret(auth.application_credential_secret.reveal());
    return args;
  }
  args.userName = auth.username;
  args.password = pulumi.secret(auth.password.reveal());
  if (auth.project_name !== undefined) args.tenantName = auth.project_name;
  if (auth.project_id !== undefined) args.tenantId = auth.project_id;
  if (auth.user_domain_name !== undefined) args.userDomainName = auth.user_domain_name;
  if (auth.user_domain_id !== undefined) args.userDomainId = auth.user_domain_id;
  if (auth.project_domain_name !== undefined) args.projectDomainName = auth.project_domain_name;
  if (auth.project_domain_id !== undefined) args.projectDomainId = auth.project_domain_id;
  return args;
}

/** The provider resource of one cloud, named `openstack-<cloud>`. */
export function createProvider(
  cloudName: string,
  credentials: CloudCredentials,
): openstack.Provider {
  return new openstack.Provider(providerResourceName(cloudName), providerArgs(credentials));
}

/**
 * A provider that names the cloud but carries no credentials: for programs run under Pulumi's
 * mocks (the simulator), where nothing authenticates. A real engine fails with it.
 */
export function createUnauthenticatedProvider(
  cloudName: string,
  cloud: Pick<CloudConfig, "cloud" | "auth_url" | "region">,
): openstack.Provider {
  const args: openstack.ProviderArgs = {};
  if (cloud.cloud !== undefined) args.cloud = cloud.cloud;
  if (cloud.auth_url !== undefined) args.authUrl = cloud.auth_url;
  if (cloud.region !== undefined) args.region = cloud.region;
  return new openstack.Provider(providerResourceName(cloudName), args);
}

export function providerResourceName(cloudName: string): string {
  return `openstack-${cloudName}`;
}
