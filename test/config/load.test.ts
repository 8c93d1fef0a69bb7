import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigDir, parseConfig } from "../../scheduler/config/load.js";
import { ConfigError } from "../../scheduler/config/problem.js";

const example = readFileSync(
  new URL("../../examples/site/cloudscheduler.yaml", import.meta.url),
  "utf8",
);

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, "cloudscheduler.yaml");
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split("\n");
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("accepts the bundled example and fills defaults", () => {
    const config = parseConfig(example, "cloudscheduler.yaml");
    expect(Object.keys(config.clouds)).toEqual(["alberta", "victoria"]);
    expect(config.policy.cycle).toBe(60);
    expect(config.policy.drain_timeout).toBe(86_400);
    expect(config.vm_types["demo-vm"]?.keep_alive).toBe(600);
    expect(config.clouds.alberta?.enabled).toBe(true);
  });

  it("names file, line, column and key of a bad value", () => {
    expect(problemsOf(example.replace("cores: 40", "cores: -4"))).toEqual([
      "cloudscheduler.yaml:12:29 clouds.alberta.quota.cores: expected a positive integer, got -4",
    ]);
  });

  it("rejects unknown keys with a suggestion", () => {
    expect(problemsOf(example.replace("weight: 1\n", "wieght: 1\n"))).toEqual([
      "cloudscheduler.yaml:19:5 clouds.victoria.wieght: unknown key; did you mean 'weight'?",
    ]);
  });

  it("rejects committed credentials without echoing them", () => {
    const problems = problemsOf(
      example.replace("region: RegionTwo", "region: RegionTwo\n    password: hunter2"),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^cloudscheduler\.yaml:18:5 clouds\.victoria\.password: credentials must not be committed/,
    );
    expect(problems.join("\n")).not.toContain("hunter2");
  });
});

describe("parseConfig positions and messages", () => {
  it("points a YAML syntax error at its line and column", () => {
    expect(problemsOf("version: 1\nclouds:\n\talberta: {}\n")).toEqual([
      "cloudscheduler.yaml:3:1: YAML syntax: Tabs are not allowed as indentation",
    ]);
  });

  it("rejects a duplicated key", () => {
    const text = example.replace("    weight: 1\n", "    weight: 1\n    weight: 3\n");
    expect(problemsOf(text)).toEqual([
      "cloudscheduler.yaml:20:5: YAML syntax: Map keys must be unique",
    ]);
  });

  it("says an empty file is empty", () => {
    expect(problemsOf("# nothing yet\n")).toEqual([
      "cloudscheduler.yaml: the file is empty; 'cloudscheduler init' writes a commented example",
    ]);
  });

  it("points a missing key at the mapping that lacks it", () => {
    const text = example.replace("    network: cs-workers\n    weight: 1\n", "    weight: 1\n");
    expect(problemsOf(text)).toEqual([
      "cloudscheduler.yaml:15:3 clouds.victoria.network: is required (expected a string)",
    ]);
  });

  it("reports every problem, not just the first", () => {
    const text = example
      .replace("cores: 40", "cores: -4")
      .replace("retire_with: drain", "retire_with: kill");
    expect(problemsOf(text)).toEqual([
      "cloudscheduler.yaml:12:29 clouds.alberta.quota.cores: expected a positive integer, got -4",
      'cloudscheduler.yaml:71:3 policy.retire_with: expected "drain" or "peaceful-off", got "kill"',
    ]);
  });

  it("rejects unknown keys without a suggestion when nothing is close", () => {
    expect(problemsOf(example.replace("condor:\n", "condor:\n  colour: blue\n"))).toEqual([
      "cloudscheduler.yaml:79:3 condor.colour: unknown key",
    ]);
  });

  it("suggests keys at the top level and inside list items", () => {
    expect(problemsOf(example.replace("policy:", "polcy:"))).toEqual([
      "cloudscheduler.yaml:66:1 polcy: unknown key; did you mean 'policy'?",
    ]);
    const extra = example.replace(
      "# CVMFS over HTTP (80, 8000)\n",
      "# CVMFS over HTTP (80, 8000)\n  extra:\n    - nmae: gridftp\n      port: 2811\n      cidrs: [10.0.0.0/8]\n",
    );
    expect(problemsOf(extra)).toEqual([
      "cloudscheduler.yaml:66:7 ports.extra[0].name: is required (expected a string)",
      "cloudscheduler.yaml:66:7 ports.extra[0].nmae: unknown key; did you mean 'name'?",
    ]);
  });

  it("carries line, column and path in ConfigError.problems", () => {
    try {
      parseConfig(example.replace("cores: 40", "cores: -4"), "cloudscheduler.yaml");
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        {
          file: "cloudscheduler.yaml",
          line: 12,
          column: 29,
          path: "clouds.alberta.quota.cores",
          message: "expected a positive integer, got -4",
        },
      ]);
    }
  });
});

describe("committed credentials", () => {
  const secretCases: [string, string, string][] = [
    [
      "a cloud's application credential secret",
      example.replace(
        "region: RegionOne",
        "region: RegionOne\n    application_credential_secret: s3cr3t-A",
      ),
      "cloudscheduler.yaml:10:5 clouds.alberta.application_credential_secret",
    ],
    [
      "an OS_-style key at the top level",
      example.replace("version: 1", "version: 1\nos_password: s3cr3t-A"),
      "cloudscheduler.yaml:5:1 os_password",
    ],
    [
      "a token inside a list item",
      example.replace(
        "# CVMFS over HTTP (80, 8000)\n",
        "# CVMFS over HTTP (80, 8000)\n  extra:\n    - name: x\n      api_token: s3cr3t-A\n",
      ),
      "cloudscheduler.yaml:67:7 ports.extra[0].api_token",
    ],
    [
      "a nested auth block",
      example.replace(
        "key_pair: site-admin\n    config_repo",
        "key_pair: site-admin\n    auth:\n      password: s3cr3t-A\n    config_repo",
      ),
      "cloudscheduler.yaml:54:7 appliances.scheduler.auth.password",
    ],
    [
      "a password in a URL",
      example.replace("https://git.example.org", "https://deploy:s3cr3t-A@git.example.org"),
      "cloudscheduler.yaml:53:5 appliances.scheduler.config_repo",
    ],
  ];
  it.each(secretCases)("rejects %s and never echoes the value", (_, text, where) => {
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.startsWith(`${where}: `)).toBe(true);
    expect(problems[0]).toMatch(/must not be committed/);
    expect(problems.join("\n")).not.toContain("s3cr3t-A");
  });

  it("reports every credential and checks them before the schema", () => {
    const text = example
      .replace("region: RegionOne", "region: RegionOne\n    password: s3cr3t-A")
      .replace("region: RegionTwo", "region: RegionTwo\n    secret: s3cr3t-B");
    const problems = problemsOf(text);
    expect(problems.map((p) => p.slice(0, p.indexOf(": ")))).toEqual([
      "cloudscheduler.yaml:10:5 clouds.alberta.password",
      "cloudscheduler.yaml:19:5 clouds.victoria.secret",
    ]);
    expect(problems.join("\n")).not.toMatch(/s3cr3t/);
  });
});

describe("operator-only settings", () => {
  it("rejects each one where it is committed, saying where it belongs", () => {
    const text = example
      .replace("condor:\n  timeout: 30s", "condor:\n  bin_dir: ./bin\n  timeout: 30s")
      .concat("deploy:\n  backend_url: s3://bucket/state\n  secrets_provider: passphrase\n");
    const problems = problemsOf(text);
    expect(problems).toHaveLength(3);
    const lines = text.split("\n");
    const lineOf = (key: string) => lines.findIndex((l) => l.trimStart().startsWith(`${key}:`)) + 1;
    expect(problems[0]).toBe(
      `cloudscheduler.yaml:${lineOf("bin_dir")}:3 condor.bin_dir: is an operator-only setting (it chooses the programs the scheduler runs): remove it from the committed config and set CLOUDSCHEDULER_CONDOR_BIN_DIR in the scheduler's environment or pass --condor-bin`,
    );
    expect(problems[1]).toMatch(
      new RegExp(
        `^cloudscheduler.yaml:${lineOf("backend_url")}:3 deploy.backend_url: is an operator-only setting .*CLOUDSCHEDULER_BACKEND_URL.*--backend-url$`,
      ),
    );
    expect(problems[2]).toMatch(
      new RegExp(
        `^cloudscheduler.yaml:${lineOf("secrets_provider")}:3 deploy.secrets_provider: .*CLOUDSCHEDULER_SECRETS_PROVIDER.*--secrets-provider$`,
      ),
    );
  });
});

describe("loadConfigDir", () => {
  it("names the missing file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cs-load-"));
    await expect(loadConfigDir(dir)).rejects.toThrow(
      `${join(dir, "cloudscheduler.yaml")}: file not found`,
    );
  });

  it("loads a directory's cloudscheduler.yaml", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cs-load-"));
    await writeFile(join(dir, "cloudscheduler.yaml"), example);
    expect(Object.keys((await loadConfigDir(dir)).vm_types)).toEqual(["demo-vm", "four-core"]);
  });
});

describe("condor.timeout", () => {
  it("rejects 0 (it would kill every HTCondor call at once)", () => {
    expect(problemsOf(example.replace("timeout: 30s", "timeout: 0"))).toEqual([
      "cloudscheduler.yaml:79:3 condor.timeout: expected at least 1 second, got 0",
    ]);
  });
});
