// Credential lookup: the openstacksdk search order, secure.yaml merge, OS_CLOUD, OS_* env,
// errors that name file and entry, and secrets that never print.
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  type CredentialSources,
  CredentialsError,
  credentialsForCloud,
  credentialsForEntry,
  credentialsFromEnv,
  loadCloudsFiles,
  nodeCredentialSources,
  searchPath,
} from "../../scheduler/config/credentials.js";
import { Secret } from "../../scheduler/config/secret.js";

const HOME = "/home/op";
const CWD = "/srv/site";

/** Sources over an in-memory file system: path -> text. */
function sources(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): CredentialSources {
  return { env, cwd: CWD, home: HOME, readFile: async (path) => files[path] };
}

const cloudsYaml = (authUrl: string) => `
clouds:
  alberta:
    region_name: RegionOne
    interface: internal
    auth:
      auth_url: ${authUrl}
      username: hep
      project_name: hep-batch
      user_domain_name: Default
      project-domain-name: Default
`;
const secureYaml = `
clouds:
  alberta:
    auth:
      password: pw-from-secure-yaml
`;

describe("search order", () => {
  it("lists the override file first, then cwd, user and site directories, each with .yaml, .yml, .json", () => {
    const paths = searchPath(
      "clouds",
      sources({}, { OS_CLIENT_CONFIG_FILE: "/opt/clouds.yaml", XDG_CONFIG_DIRS: "/etc/xdg" }),
    );
    expect(paths.slice(0, 4)).toEqual([
      "/opt/clouds.yaml",
      `${CWD}/clouds.yaml`,
      `${CWD}/clouds.yml`,
      `${CWD}/clouds.json`,
    ]);
    expect(paths.filter((p) => p.endsWith(".yaml"))).toEqual([
      "/opt/clouds.yaml",
      `${CWD}/clouds.yaml`,
      `${HOME}/.config/openstack/clouds.yaml`,
      "/etc/xdg/openstack/clouds.yaml",
      "/etc/openstack/clouds.yaml",
    ]);
    expect(searchPath("secure", sources({}, { OS_CLIENT_SECURE_FILE: "/opt/s.yaml" }))[0]).toBe(
      "/opt/s.yaml",
    );
  });

  it("takes the first clouds.yaml found: cwd before ~/.config before /etc", async () => {
    const files: Record<string, string> = {
      [`${CWD}/clouds.yaml`]: cloudsYaml("https://cwd.example:5000/v3"),
      [`${HOME}/.config/openstack/clouds.yaml`]: cloudsYaml("https://home.example:5000/v3"),
      "/etc/openstack/clouds.yaml": cloudsYaml("https://etc.example:5000/v3"),
      "/etc/openstack/secure.yaml": secureYaml,
    };
    const first = await credentialsForEntry("alberta", sources(files));
    expect(first.auth_url).toBe("https://cwd.example:5000/v3");
    delete files[`${CWD}/clouds.yaml`];
    expect((await credentialsForEntry("alberta", sources(files))).auth_url).toBe(
      "https://home.example:5000/v3",
    );
    delete files[`${HOME}/.config/openstack/clouds.yaml`];
    expect((await credentialsForEntry("alberta", sources(files))).auth_url).toBe(
      "https://etc.example:5000/v3",
    );
  });

  it("honours OS_CLIENT_CONFIG_FILE and XDG_CONFIG_HOME", async () => {
    const files = {
      "/opt/cs/clouds.yaml": cloudsYaml("https://override.example:5000/v3"),
      "/xdg/openstack/clouds.yaml": cloudsYaml("https://xdg.example:5000/v3"),
      "/etc/openstack/secure.yaml": secureYaml,
    };
    const viaOverride = await credentialsForEntry(
      "alberta",
      sources(files, { OS_CLIENT_CONFIG_FILE: "/opt/cs/clouds.yaml", XDG_CONFIG_HOME: "/xdg" }),
    );
    expect(viaOverride.auth_url).toBe("https://override.example:5000/v3");
    const viaXdg = await credentialsForEntry(
      "alberta",
      sources(files, { XDG_CONFIG_HOME: "/xdg" }),
    );
    expect(viaXdg.auth_url).toBe("https://xdg.example:5000/v3");
  });
});

describe("clouds.yaml + secure.yaml", () => {
  const files = {
    [`${HOME}/.config/openstack/clouds.yaml`]: cloudsYaml("https://keystone.example:5000/v3"),
    [`${HOME}/.config/openstack/secure.yaml`]: secureYaml,
  };

  it("merges the password from secure.yaml into the entry", async () => {
    const creds = await credentialsForEntry("alberta", sources(files));
    expect(creds).toMatchObject({
      auth_url: "https://keystone.example:5000/v3",
      region: "RegionOne",
      interface: "internal",
      verify: true,
      auth: {
        type: "password",
        username: "hep",
        project_name: "hep-batch",
        user_domain_name: "Default",
        project_domain_name: "Default",
      },
    });
    expect(creds.auth.type === "password" && creds.auth.password.reveal()).toBe(
      "pw-from-secure-yaml",
    );
    expect(creds.source).toBe(
      `clouds.yaml entry 'alberta' (${HOME}/.config/openstack/clouds.yaml + ${HOME}/.config/openstack/secure.yaml)`,
    );
  });

  it("lets secure.yaml override clouds.yaml values and keeps the rest", async () => {
    const loaded = await loadCloudsFiles(
      sources({
        ...files,
        [`${HOME}/.config/openstack/secure.yaml`]:
          "clouds:\n  alberta:\n    auth:\n      password: x\n      username: other\n",
      }),
    );
    expect(loaded.clouds.alberta?.auth).toMatchObject({
      username: "other",
      password: "x",
      project_name: "hep-batch",
    });
  });

  it("uses OS_CLOUD when no entry is named, and the config's region over the entry's", async () => {
    const creds = await credentialsForEntry(undefined, sources(files, { OS_CLOUD: "alberta" }));
    expect(creds.auth_url).toBe("https://keystone.example:5000/v3");
    const cloud = await credentialsForCloud(
      "alberta",
      { cloud: "alberta", region: "RegionTwo" },
      sources(files),
    );
    expect(cloud.region).toBe("RegionTwo");
  });

  it("reads application credentials and the TLS settings", async () => {
    const creds = await credentialsForEntry(
      "appcred",
      sources({
        [`${CWD}/clouds.yaml`]: `
clouds:
  appcred:
    auth_type: v3applicationcredential
    regions: [Calgary, Edmonton]
    cacert: /etc/ssl/site-ca.pem
    verify: false
    auth:
      auth_url: https://k.example:5000/v3
      application_credential_id: 0123abcd
`,
        [`${CWD}/secure.yaml`]:
          "clouds:\n  appcred:\n    auth:\n      application_credential_secret: app-secret-value\n",
      }),
    );
    expect(creds).toMatchObject({
      region: "Calgary",
      verify: false,
      cacert: "/etc/ssl/site-ca.pem",
      interface: "public",
      auth: { type: "application_credential", application_credential_id: "0123abcd" },
    });
    expect(
      creds.auth.type === "application_credential" &&
        creds.auth.application_credential_secret.reveal(),
    ).toBe("app-secret-value");
  });

  it("applies domain_name to user and project domains", async () => {
    const creds = await credentialsForEntry(
      "d",
      sources({
        [`${CWD}/clouds.yaml`]:
          "clouds:\n  d:\n    auth: {auth_url: 'https://k.example/v3', username: u, password: p, project_id: 42, domain_name: hep}\n",
      }),
    );
    expect(creds.auth).toMatchObject({
      user_domain_name: "hep",
      project_domain_name: "hep",
      project_id: "42",
    });
  });
});

describe("errors", () => {
  const home = `${HOME}/.config/openstack`;

  async function errorOf(promise: Promise<unknown>): Promise<CredentialsError> {
    try {
      await promise;
    } catch (err) {
      if (err instanceof CredentialsError) return err;
      throw err;
    }
    throw new Error("expected a CredentialsError");
  }

  it("names the file and lists the entries when the entry is missing", async () => {
    const err = await errorOf(
      credentialsForEntry(
        "victoria",
        sources({ [`${home}/clouds.yaml`]: cloudsYaml("https://k.example/v3") }),
      ),
    );
    expect(err.message).toBe(
      `clouds.yaml entry 'victoria' (${home}/clouds.yaml) does not exist; entries are: alberta`,
    );
    expect(err.file).toBe(`${home}/clouds.yaml`);
    expect(err.entry).toBe("victoria");
  });

  it("says where it searched when there is no clouds.yaml", async () => {
    const err = await errorOf(credentialsForEntry("alberta", sources({})));
    expect(err.message).toMatch(/^no clouds.yaml found for entry 'alberta'; searched /);
    expect(err.message).toContain(`${home}/clouds.yaml`);
  });

  it("asks for an entry when neither cloud: nor OS_CLOUD names one", async () => {
    const err = await errorOf(credentialsForEntry(undefined, sources({})));
    expect(err.message).toMatch(/set 'cloud:' in cloudscheduler.yaml or OS_CLOUD/);
  });

  it("names the missing password and where it belongs", async () => {
    const err = await errorOf(
      credentialsForEntry(
        "alberta",
        sources({ [`${home}/clouds.yaml`]: cloudsYaml("https://k/v3") }),
      ),
    );
    expect(err.message).toBe(
      `clouds.yaml entry 'alberta' (${home}/clouds.yaml): auth.password is missing (secrets belong in secure.yaml next to clouds.yaml)`,
    );
  });

  it("names the file of an unparsable clouds.yaml without quoting it", async () => {
    const err = await errorOf(
      credentialsForEntry(
        "alberta",
        sources({ [`${home}/clouds.yaml`]: "clouds:\n  alberta:\n\tpassword: leaked-pw\n" }),
      ),
    );
    expect(err.message).toMatch(new RegExp(`^${home}/clouds.yaml: cannot parse clouds file: `));
    expect(err.message).not.toContain("leaked-pw");
    expect(err.file).toBe(`${home}/clouds.yaml`);
  });

  it("rejects an unsupported auth_type and a wrong type without echoing values", async () => {
    const token = await errorOf(
      credentialsForEntry(
        "t",
        sources({
          [`${CWD}/clouds.yaml`]:
            "clouds:\n  t:\n    auth_type: token\n    auth: {auth_url: 'https://k/v3', token: tok-value}\n",
        }),
      ),
    );
    expect(token.message).toMatch(/auth_type 'token' is not supported/);
    expect(token.message).not.toContain("tok-value");
    const wrong = await errorOf(
      credentialsForEntry(
        "w",
        sources({
          [`${CWD}/clouds.yaml`]:
            "clouds:\n  w:\n    auth: {auth_url: 'https://k/v3', username: u, password: [pw-in-list]}\n",
        }),
      ),
    );
    expect(wrong.message).toBe(
      `clouds.yaml entry 'w' (${CWD}/clouds.yaml): auth.password: has the wrong type`,
    );
  });
});

describe("OS_* environment (auth_url clouds)", () => {
  const env = {
    OS_AUTH_URL: "https://keystone.example:5000/v3",
    OS_USERNAME: "hep",
    OS_PASSWORD: "env-password",
    OS_PROJECT_NAME: "hep-batch",
    OS_USER_DOMAIN_NAME: "Default",
    OS_PROJECT_DOMAIN_NAME: "Default",
    OS_REGION_NAME: "RegionOne",
    OS_INSECURE: "true",
  };

  it("builds credentials from the variables", async () => {
    const creds = await credentialsForCloud(
      "alberta",
      { auth_url: "https://keystone.example:5000/v3/" },
      sources({}, env),
    );
    expect(creds).toMatchObject({
      source: "OS_* environment variables for cloud 'alberta'",
      auth_url: "https://keystone.example:5000/v3/",
      region: "RegionOne",
      verify: false,
      auth: { type: "password", username: "hep", project_name: "hep-batch" },
    });
  });

  it("refuses variables that belong to another cloud", () => {
    expect(() => credentialsFromEnv("victoria", "https://other.example:5000/v3", env)).toThrow(
      /OS_AUTH_URL \(https:\/\/keystone.example:5000\/v3\) is not this cloud's auth_url/,
    );
  });

  it("names the missing variable", () => {
    const { OS_PASSWORD: _, ...noPassword } = env;
    expect(() => credentialsFromEnv("alberta", env.OS_AUTH_URL, noPassword)).toThrow(
      "OS_* environment variables for cloud 'alberta': OS_PASSWORD is missing",
    );
  });
});

describe("redaction", () => {
  it("never prints a Secret", () => {
    const secret = new Secret("hunter2");
    expect(String(secret)).toBe("[redacted]");
    expect(`${secret}`).toBe("[redacted]");
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect({ secret })).not.toContain("hunter2");
    expect(secret.reveal()).toBe("hunter2");
  });

  it("keeps secrets out of logged or serialised credentials", async () => {
    const creds = credentialsFromEnv("alberta", "https://k.example/v3", {
      OS_USERNAME: "u",
      OS_PASSWORD: "env-password-xyz",
      OS_PROJECT_ID: "p",
    });
    expect(JSON.stringify(creds)).not.toContain("env-password-xyz");
    expect(inspect(creds, { depth: 10 })).not.toContain("env-password-xyz");
    expect(JSON.stringify(creds)).toContain('"password":"[redacted]"');
  });
});

describe("nodeCredentialSources", () => {
  it("reads real files and skips missing ones", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cs-creds-"));
    await writeFile(join(dir, "clouds.yaml"), cloudsYaml("https://k.example:5000/v3"));
    await writeFile(join(dir, "secure.yaml"), secureYaml, { mode: 0o600 });
    const creds = await credentialsForEntry(
      "alberta",
      nodeCredentialSources({
        OS_CLIENT_CONFIG_FILE: join(dir, "clouds.yaml"),
        OS_CLIENT_SECURE_FILE: join(dir, "secure.yaml"),
      }),
    );
    expect(creds.auth.type === "password" && creds.auth.password.reveal()).toBe(
      "pw-from-secure-yaml",
    );
  });
});

describe("entry names", () => {
  it("keeps hyphens in entry names (only keys inside an entry are normalised)", async () => {
    const files = {
      [`${CWD}/clouds.yaml`]: cloudsYaml("https://keystone.example.org:5000/v3").replace(
        "alberta:",
        "uvic-west:",
      ),
      [`${CWD}/secure.yaml`]: secureYaml.replace("alberta:", "uvic-west:"),
    };
    const creds = await credentialsForEntry("uvic-west", sources(files));
    expect(creds.auth.type).toBe("password");
    if (creds.auth.type === "password") {
      expect(creds.auth.password.reveal()).toBe("pw-from-secure-yaml");
      expect(creds.auth.project_domain_name).toBe("Default");
    }
  });
});

describe("file modes, as ssh checks a private key", () => {
  async function filesIn(
    modes: { clouds: number; secure?: number },
    clouds = cloudsYaml("https://k.example:5000/v3"),
  ) {
    const dir = await mkdtemp(join(tmpdir(), "cs-creds-mode-"));
    await writeFile(join(dir, "clouds.yaml"), clouds);
    await chmod(join(dir, "clouds.yaml"), modes.clouds);
    const env: NodeJS.ProcessEnv = { OS_CLIENT_CONFIG_FILE: join(dir, "clouds.yaml") };
    if (modes.secure !== undefined) {
      await writeFile(join(dir, "secure.yaml"), secureYaml);
      await chmod(join(dir, "secure.yaml"), modes.secure);
      env.OS_CLIENT_SECURE_FILE = join(dir, "secure.yaml");
    }
    return { dir, env };
  }

  it("refuses a secure.yaml readable by others, naming the file and the fix", async () => {
    const { dir, env } = await filesIn({ clouds: 0o644, secure: 0o644 });
    const error = await credentialsForEntry("alberta", nodeCredentialSources(env)).catch(
      (err: unknown) => err,
    );
    const file = join(dir, "secure.yaml");
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).message).toBe(
      `${file} holds credentials but is readable or writable by group or others (mode 0644): refusing to use it; run chmod 600 ${file}`,
    );
    expect((error as Error).message).not.toContain("pw-from-secure-yaml");
  });

  it("refuses a group-readable secure.yaml too, and accepts it once it is 0600", async () => {
    const { dir, env } = await filesIn({ clouds: 0o644, secure: 0o640 });
    await expect(credentialsForEntry("alberta", nodeCredentialSources(env))).rejects.toThrow(
      /mode 0640/,
    );
    await chmod(join(dir, "secure.yaml"), 0o600);
    const creds = await credentialsForEntry("alberta", nodeCredentialSources(env));
    expect(creds.auth.type).toBe("password");
  });

  it("lets a clouds.yaml without secrets be world-readable, but not one with a password", async () => {
    const { env } = await filesIn({ clouds: 0o644, secure: 0o600 });
    await expect(credentialsForEntry("alberta", nodeCredentialSources(env))).resolves.toBeTruthy();
    const withPassword = cloudsYaml("https://k.example:5000/v3").replace(
      "username:",
      "password: pw-in-clouds-yaml\n      username:",
    );
    const { dir, env: env2 } = await filesIn({ clouds: 0o604 }, withPassword);
    await expect(credentialsForEntry("alberta", nodeCredentialSources(env2))).rejects.toThrow(
      `${join(dir, "clouds.yaml")} holds credentials but is readable or writable by group or others (mode 0604)`,
    );
  });
});
