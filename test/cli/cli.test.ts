// The command line through main(): init -> validate round trip with real git, exit codes,
// --help on every command, --json output, import-classic.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { simpleGit } from "simple-git";
import { describe, expect, it } from "vitest";
import { buildProgram, main } from "../../scheduler/cli/main.js";
import { memoryOutput } from "../../scheduler/cli/output.js";

const fixtures = fileURLToPath(new URL("../fixtures/classic/", import.meta.url));

/** A git environment with no user or system config: like a fresh CI machine. */
async function freshEnv(): Promise<NodeJS.ProcessEnv> {
  const home = await mkdtemp(join(tmpdir(), "cs-home-"));
  return {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: join(home, "none"),
  };
}

async function run(args: string[], env?: NodeJS.ProcessEnv) {
  const output = memoryOutput();
  const code = await main(["node", "cloudscheduler", ...args], output, env ?? (await freshEnv()));
  return { code, stdout: output.stdout, stderr: output.stderr };
}

describe("init and validate", () => {
  it("scaffolds a repo that validates, with one commit on main and a clean tree", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "cs-init-")), "site");
    const env = await freshEnv();
    const init = await run(["init", dir], env);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`Created a cloudscheduler config repo in ${dir} (branch main`);
    expect(init.stdout).toContain("Next steps:");
    expect(init.stdout).toContain("No git identity was configured");

    const validate = await run(["validate", dir], env);
    expect(validate).toMatchObject({ code: 0, stderr: "" });
    expect(validate.stdout).toBe(
      `${dir}: valid (2 clouds: alberta, victoria; 2 VM types: demo-vm, four-core)\n`,
    );

    const git = simpleGit(dir);
    const log = await git.log();
    expect(log.total).toBe(1);
    expect(log.latest?.author_email).toBe("cloudscheduler@localhost");
    expect((await git.status()).isClean()).toBe(true);
    expect((await git.revparse(["--abbrev-ref", "HEAD"])).trim()).toBe("main");
    expect((await git.raw(["ls-files"])).split("\n").filter(Boolean).sort()).toEqual([
      ".gitignore",
      "README.md",
      "cloudscheduler.yaml",
      "pool/README.md",
    ]);
    const ignore = (await readFile(join(dir, ".gitignore"), "utf8")).split("\n");
    expect(ignore).toEqual(
      expect.arrayContaining([
        "secure.yaml",
        "clouds.yaml",
        "*.pem",
        "*.key",
        ".env",
        ".cloudscheduler/",
        "*.token",
      ]),
    );
    // The ignore rules work: a secure.yaml dropped in the repo stays untracked and ignored.
    await writeFile(join(dir, "secure.yaml"), "clouds: {}\n");
    expect((await git.status()).isClean()).toBe(true);
  });

  it("keeps the user's git identity when there is one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cs-init-"));
    const env = {
      ...(await freshEnv()),
      GIT_AUTHOR_NAME: "Site Admin",
      GIT_AUTHOR_EMAIL: "admin@example.org",
      GIT_COMMITTER_NAME: "Site Admin",
      GIT_COMMITTER_EMAIL: "admin@example.org",
    };
    const result = await run(["init", dir, "--json"], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dir, branch: "main", identitySet: false });
    expect((await simpleGit(dir).log()).latest?.author_email).toBe("admin@example.org");
  });

  it("refuses a non-empty directory unless --force", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cs-init-"));
    await writeFile(join(dir, "notes.txt"), "mine\n");
    const refused = await run(["init", dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `cloudscheduler: ${dir} is not empty (notes.txt); choose an empty directory or use --force\n`,
    );
    const forced = await run(["init", dir, "--force"]);
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, "notes.txt"), "utf8")).toBe("mine\n");
    // Only the scaffold is committed; the user's own file is left untracked.
    expect((await simpleGit(dir).status()).not_added).toEqual(["notes.txt"]);
  });

  it("exits 1 when git cannot run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cs-init-"));
    const result = await run(["init", dir], { PATH: "/nonexistent", HOME: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^cloudscheduler: /);
  });
});

describe("validate", () => {
  async function brokenRepo(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "cs-validate-"));
    const example = await readFile(
      new URL("../../examples/site/cloudscheduler.yaml", import.meta.url),
      "utf8",
    );
    await writeFile(join(dir, "cloudscheduler.yaml"), example.replace("cores: 40", "cores: -4"));
    return dir;
  }

  it("prints file:line:col key: message and exits 2 for a broken file", async () => {
    const result = await run(["validate", await brokenRepo()]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "cloudscheduler.yaml:12:29 clouds.alberta.quota.cores: expected a positive integer, got -4\n",
    });
  });

  // Observation 9: a YAML alias bomb gave exit 1 without naming the file; 50 MB were accepted;
  // a worker_condor_host rendering later refused passed validate.
  async function repoWith(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "cs-validate-"));
    await writeFile(join(dir, "cloudscheduler.yaml"), text);
    return dir;
  }

  it("an alias bomb is exit 2 naming the file", async () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const name of "bcdefgh") {
      const prev = String.fromCharCode(name.charCodeAt(0) - 1);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const result = await run(["validate", await repoWith(`${levels.join("\n")}\n`)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^cloudscheduler\.yaml: YAML aliases expand too much/);
  });

  it("a config over the size limit is exit 2 naming the file", async () => {
    const huge = `${"# padding\n".repeat(120_000)}version: 1\n`;
    const dir = await repoWith(huge);
    const result = await run(["validate", dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${join(dir, "cloudscheduler.yaml")}: 1.1 MiB is larger than the 1 MiB a config may be`,
    );
  });

  it("a host-name field rendering would refuse is refused by validate", async () => {
    const example = await readFile(
      new URL("../../examples/site/cloudscheduler.yaml", import.meta.url),
      "utf8",
    );
    const text = example.replace(
      "worker_condor_host: cloudscheduler.example.org",
      'worker_condor_host: "cm.example.org; rm -rf /"',
    );
    expect(text).not.toBe(example);
    const result = await run(["validate", await repoWith(text)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /condor\.worker_condor_host: expected a host name or address, optionally with a port/,
    );
  });

  it("prints problems as JSON with --json", async () => {
    const result = await run(["validate", await brokenRepo(), "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: false,
      problems: [
        {
          file: "cloudscheduler.yaml",
          line: 12,
          column: 29,
          path: "clouds.alberta.quota.cores",
          message: "expected a positive integer, got -4",
        },
      ],
    });
  });

  it("prints the summary as JSON for a valid repo", async () => {
    const result = await run([
      "validate",
      fileURLToPath(new URL("../../examples/site", import.meta.url)),
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: true,
      clouds: ["alberta", "victoria"],
      vm_types: ["demo-vm", "four-core"],
      images: ["cernvm-demo"],
    });
  });

  it("exits 2 when the directory has no cloudscheduler.yaml", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cs-validate-"));
    const result = await run(["validate", dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${join(dir, "cloudscheduler.yaml")}: file not found\n`);
  });
});

describe("import-classic", () => {
  const args = [join(fixtures, "cloud_resources.conf"), join(fixtures, "cloud_scheduler.conf")];

  it("converts, tells where the secrets went, and the output validates", async () => {
    const out = await mkdtemp(join(tmpdir(), "cs-cli-import-"));
    const result = await run(["import-classic", ...args, "--out", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "Credentials moved out of the config into secure.yaml: clouds.uvic-west.auth.password, clouds.cybera-calgary.auth.password.",
    );
    expect(result.stdout).toContain("clouds.yaml and secure.yaml are git-ignored (.gitignore)");
    expect(result.stdout).toContain("Not imported:");
    expect(result.stdout).toContain("Skipped clouds:");
    expect(result.stdout).not.toMatch(/fake-[a-z0-9-]+-000\d/);
    expect((await run(["validate", out])).code).toBe(0);
  });

  it("prints JSON without secrets", async () => {
    const out = await mkdtemp(join(tmpdir(), "cs-cli-import-"));
    const result = await run(["import-classic", ...args, "--out", out, "--json"]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.secrets_moved_to_secure_yaml).toEqual([
      "clouds.uvic-west.auth.password",
      "clouds.cybera-calgary.auth.password",
    ]);
    expect(json.clouds).toEqual({
      "uvic-west": "uvic-west",
      Cybera_Calgary: "cybera-calgary",
      "ec2-api-openstack": "ec2-api-openstack",
    });
    expect(json.notices.length).toBeGreaterThan(10);
    expect(result.stdout).not.toMatch(/fake-[a-z0-9-]+-000\d/);
  });

  it("exits 2 for a missing input or existing output", async () => {
    const missing = await run(["import-classic", "/nonexistent/cloud_resources.conf"]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toBe(
      "cloudscheduler: cannot read /nonexistent/cloud_resources.conf: no such file\n",
    );
    const out = await mkdtemp(join(tmpdir(), "cs-cli-import-"));
    expect((await run(["import-classic", ...args, "--out", out])).code).toBe(0);
    const again = await run(["import-classic", ...args, "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /already exist; use --force to overwrite or --out to choose a directory/,
    );
  });
});

describe("usage", () => {
  const names = buildProgram({
    output: memoryOutput(),
    env: {},
    setExitCode: () => {},
  }).commands.map((c) => c.name());

  it("registers init, validate and import-classic", () => {
    expect(names).toEqual(expect.arrayContaining(["init", "validate", "import-classic"]));
  });

  it.each(names)("%s --help prints usage and exits 0", async (name) => {
    const result = await run([name, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: cloudscheduler ${name} `));
  });

  it("--help and --version exit 0", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cloudscheduler /);
    expect((await run(["--version"])).stdout).toBe("0.1.0\n");
  });

  it("exits 2 for an unknown command, an unknown option or a missing argument", async () => {
    expect((await run(["bogus"])).code).toBe(2);
    expect((await run(["validate", "--bogus"])).code).toBe(2);
    const missing = await run(["import-classic"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'cloud_resources.conf'/);
  });
});

describe("run --once", () => {
  // Observation 9: `run --once` exited 0 when its cycle failed (HTCondor timed out, a deploy
  // stopped): a script or a health probe could not tell.
  it("exits 1 when its cycle failed, saying why", async () => {
    const env = await freshEnv();
    const dir = join(await mkdtemp(join(tmpdir(), "cs-run-")), "site");
    expect((await run(["init", dir], env)).code).toBe(0);
    const standins = fileURLToPath(new URL("../bin/", import.meta.url));
    const result = await run(["run", dir, "--once", "--no-listen", "--log-level", "fatal"], {
      ...env,
      PATH: `${standins}:${env.PATH}`,
      CLOUDSCHEDULER_STATE_DIR: join(dir, "..", "state"),
      // The schedd is down: condor_q answers as HTCondor 25 does.
      CONDOR_STANDIN_Q_STDERR: join(
        standins,
        "..",
        "fixtures",
        "condor",
        "condor_q.schedd-down.json.stderr",
      ),
      CONDOR_STANDIN_Q_EXIT: "1",
      CONDOR_STANDIN_STATUS: join(standins, "..", "fixtures", "condor", "condor_status.idle.json"),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/run --once: the cycle failed: observation failed/);
  });
});
