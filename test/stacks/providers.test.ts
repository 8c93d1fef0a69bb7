// Provider inputs: every cloud gets explicit credentials, resolved like openstacksdk does
// (clouds.yaml + the secure.yaml OS_CLIENT_SECURE_FILE names, or OS_* for an auth_url cloud);
// the password and application credential secret are Pulumi secrets.
import { beforeAll, expect, test } from "vitest";
import type { CloudCredentials, CredentialSources } from "../../scheduler/config/credentials.js";
import { Secret } from "../../scheduler/config/secret.js";
import { exampleConfig, variantConfig } from "./fixtures.js";
import { type Declared, installMocks, isSecretValue, reveal, settle } from "./mocks.js";

let declared: Declared[];
let providers: typeof import("../../stacks/providers.js");

beforeAll(async () => {
  declared = await installMocks();
  providers = await import("../../stacks/providers.js");
});

const CLOUDS_YAML = `clouds:
  alberta:
    auth:
      auth_url: http://keystone.test:5000/v3
      username: alberta-member
      project_name: alberta
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
`;
const SECURE_YAML = `clouds:
  alberta:
    auth:
      password: s3cret-from-secure-yaml
`;

/** clouds.yaml and secure.yaml in a dir the provider would never search, named by OS_* only. */
function sources(env: NodeJS.ProcessEnv): CredentialSources {
  const files: Record<string, string> = {
    "/site/clouds.yaml": CLOUDS_YAML,
    "/secrets/secure.yaml": SECURE_YAML,
  };
  return { env, cwd: "/nowhere", home: "/home/none", readFile: async (path) => files[path] };
}

async function declare(cloudName: string, credentials: CloudCredentials): Promise<Declared> {
  const before = declared.length;
  providers.createProvider(cloudName, credentials);
  await settle();
  const [provider, ...rest] = declared.slice(before);
  expect(rest).toEqual([]);
  if (!provider) throw new Error("no provider declared");
  return provider;
}

test("a clouds.yaml entry gets the password from OS_CLIENT_SECURE_FILE's secure.yaml, as a secret", async () => {
  const cloud = exampleConfig().clouds.alberta;
  if (!cloud) throw new Error("alberta");
  const resolve = providers.credentialResolver(
    sources({
      OS_CLIENT_CONFIG_FILE: "/site/clouds.yaml",
      OS_CLIENT_SECURE_FILE: "/secrets/secure.yaml",
    }),
  );
  const provider = await declare("alberta", await resolve("alberta", cloud));
  expect(provider.type).toBe("pulumi:providers:openstack");
  expect(provider.name).toBe("openstack-alberta");
  const { password, ...plain } = provider.inputs;
  expect(plain).toEqual({
    authUrl: "http://keystone.test:5000/v3",
    endpointType: "public",
    region: "RegionOne",
    userName: "alberta-member",
    tenantName: "alberta",
    userDomainName: "Default",
    projectDomainName: "Default",
  });
  expect(isSecretValue(password)).toBe(true);
  expect(reveal(password)).toBe("s3cret-from-secure-yaml");
  // Nothing the provider would look up by itself: no clouds.yaml entry name.
  expect(provider.inputs.cloud).toBeUndefined();
});

test("without secure.yaml the entry is reported incomplete, naming file and entry, not a value", async () => {
  const cloud = exampleConfig().clouds.alberta;
  if (!cloud) throw new Error("alberta");
  const resolve = providers.credentialResolver(
    sources({ OS_CLIENT_CONFIG_FILE: "/site/clouds.yaml" }),
  );
  await expect(resolve("alberta", cloud)).rejects.toThrow(
    /clouds\.yaml entry 'alberta'.*auth\.password is missing/,
  );
});

test("an auth_url cloud takes OS_* variables; password and credential secret are secrets", async () => {
  const config = variantConfig((raw) => {
    raw.clouds.victoria = {
      ...raw.clouds.victoria,
      auth_url: "https://keystone.example.org:5000/v3",
    };
    delete raw.clouds.victoria.cloud;
  });
  const cloud = config.clouds.victoria;
  if (!cloud) throw new Error("victoria");
  const resolve = providers.credentialResolver(
    sources({
      OS_USERNAME: "svc",
      OS_PASSWORD: "hunter2",
      OS_PROJECT_NAME: "batch",
      OS_USER_DOMAIN_NAME: "Default",
      OS_PROJECT_DOMAIN_NAME: "Default",
      AWS_SECRET_ACCESS_KEY: "not ours",
    }),
  );
  const inputs = (await declare("victoria", await resolve("victoria", cloud))).inputs;
  expect(Object.keys(inputs).sort()).toEqual(
    [
      "authUrl",
      "endpointType",
      "password",
      "projectDomainName",
      "region",
      "tenantName",
      "userDomainName",
      "userName",
    ].sort(),
  );
  expect(isSecretValue(inputs.password)).toBe(true);
  expect(reveal(inputs.password)).toBe("hunter2");
  expect(isSecretValue(inputs.userName)).toBe(false);
  expect(inputs.region).toBe("RegionTwo");
  expect(inputs.authUrl).toBe("https://keystone.example.org:5000/v3");
  expect(JSON.stringify(inputs)).not.toContain("not ours");
});

test("an application credential: id in clear, secret as a secret, no user or project", async () => {
  const inputs = (
    await declare("appcred", {
      source: "test",
      auth_url: "https://keystone.example.org/v3",
      region: "RegionOne",
      interface: "internal",
      verify: false,
      cacert: "/etc/ssl/site-ca.pem",
      auth: {
        type: "application_credential",
        application_credential_id: "cred-id",
        application_credential_secret: new Secret("cred-secret"),
      },
    })
  ).inputs;
  const { applicationCredentialSecret, ...plain } = inputs;
  expect(plain).toEqual({
    authUrl: "https://keystone.example.org/v3",
    region: "RegionOne",
    endpointType: "internal",
    // Pulumi sends a provider's non-string inputs JSON-encoded.
    insecure: "true",
    cacertFile: "/etc/ssl/site-ca.pem",
    applicationCredentialId: "cred-id",
  });
  expect(isSecretValue(applicationCredentialSecret)).toBe(true);
  expect(reveal(applicationCredentialSecret)).toBe("cred-secret");
});

test("resolveEnabledCredentials asks only for enabled clouds", async () => {
  const config = variantConfig((raw) => {
    raw.clouds.victoria.enabled = false;
  });
  const asked: string[] = [];
  const map = await providers.resolveEnabledCredentials(config, async (name) => {
    asked.push(name);
    return {
      source: name,
      auth_url: "http://k/v3",
      interface: "public",
      verify: true,
      auth: { type: "password", username: "u", password: new Secret("p"), project_name: name },
    };
  });
  expect(asked).toEqual(["alberta"]);
  expect([...map.keys()]).toEqual(["alberta"]);
});
