// Provider inputs: a clouds.yaml entry is passed by name; an auth_url cloud takes OS_*
// variables, the secret ones as Pulumi secrets, and nothing else from the environment.
import { beforeAll, expect, test } from "vitest";
import { exampleConfig, variantConfig } from "./fixtures.js";
import { type Declared, installMocks, isSecretValue, reveal, settle } from "./mocks.js";

let declared: Declared[];
let providers: typeof import("../../stacks/providers.js");

beforeAll(async () => {
  declared = await installMocks();
  providers = await import("../../stacks/providers.js");
});

const ENV = {
  OS_USERNAME: "svc",
  OS_PASSWORD: "hunter2",
  OS_PROJECT_NAME: "batch",
  OS_USER_DOMAIN_NAME: "Default",
  OS_PROJECT_DOMAIN_NAME: "Default",
  OS_APPLICATION_CREDENTIAL_ID: "cred-id",
  OS_APPLICATION_CREDENTIAL_SECRET: "cred-secret",
  AWS_SECRET_ACCESS_KEY: "not ours",
};

test("a clouds.yaml entry is named with its region and no credentials", async () => {
  const cloud = exampleConfig().clouds.alberta;
  if (!cloud) throw new Error("alberta");
  const before = declared.length;
  providers.createProvider("alberta", cloud, ENV);
  await settle();
  expect(declared.slice(before)).toEqual([
    {
      type: "pulumi:providers:openstack",
      name: "openstack-alberta",
      inputs: { cloud: "alberta", region: "RegionOne" },
      provider: "",
    },
  ]);
});

test("an auth_url cloud takes OS_* variables; password and credential secret are secrets", async () => {
  const config = variantConfig((raw) => {
    raw.clouds.victoria = {
      ...raw.clouds.victoria,
      cloud: undefined,
      auth_url: "https://keystone.example.org:5000/v3",
    };
    delete raw.clouds.victoria.cloud;
  });
  const cloud = config.clouds.victoria;
  if (!cloud) throw new Error("victoria");
  const before = declared.length;
  providers.createProvider("victoria", cloud, ENV);
  await settle();
  const [provider] = declared.slice(before);
  const inputs = provider?.inputs ?? {};
  expect(Object.keys(inputs).sort()).toEqual(
    [
      "applicationCredentialId",
      "applicationCredentialSecret",
      "authUrl",
      "password",
      "projectDomainName",
      "region",
      "tenantName",
      "userDomainName",
      "userName",
    ].sort(),
  );
  expect(isSecretValue(inputs.password)).toBe(true);
  expect(isSecretValue(inputs.applicationCredentialSecret)).toBe(true);
  expect(reveal(inputs.password)).toBe("hunter2");
  expect(isSecretValue(inputs.userName)).toBe(false);
  expect(inputs.authUrl).toBe("https://keystone.example.org:5000/v3");
  expect(JSON.stringify(inputs)).not.toContain("not ours");
});
