import { describe, expect, it } from "vitest";
import { condorEnv, gitEnv, pulumiEnv } from "../../scheduler/secrets/child-env.js";

const ENV: NodeJS.ProcessEnv = {
  PATH: "/usr/bin",
  HOME: "/var/lib/cloudscheduler",
  LANG: "C.UTF-8",
  CONDOR_CONFIG: "/etc/condor/condor_config",
  _CONDOR_TOOL_DEBUG: "D_ALWAYS",
  OS_PASSWORD: "os-password",
  OS_APPLICATION_CREDENTIAL_SECRET: "app-secret",
  OS_CLIENT_CONFIG_FILE: "/run/credentials/clouds.yaml",
  PULUMI_CONFIG_PASSPHRASE: "passphrase",
  PULUMI_HOME: "/var/lib/cloudscheduler/.pulumi",
  CLOUDSCHEDULER_ADMIN_TOKEN: "admin",
  AWS_SECRET_ACCESS_KEY: "aws",
  SSH_AUTH_SOCK: "/run/ssh.sock",
  GIT_SSH_COMMAND: "evil",
};

describe("each child process sees only what it needs", () => {
  it("HTCondor tools: HTCondor's variables, no secret of ours", () => {
    expect(condorEnv(ENV)).toEqual({
      PATH: "/usr/bin",
      HOME: "/var/lib/cloudscheduler",
      LANG: "C.UTF-8",
      CONDOR_CONFIG: "/etc/condor/condor_config",
      _CONDOR_TOOL_DEBUG: "D_ALWAYS",
    });
  });

  it("git: its own settings and an ssh agent, nothing that changes what it executes", () => {
    expect(gitEnv(ENV)).toEqual({
      PATH: "/usr/bin",
      HOME: "/var/lib/cloudscheduler",
      LANG: "C.UTF-8",
      SSH_AUTH_SOCK: "/run/ssh.sock",
    });
  });

  it("Pulumi: its own variables; the passphrase only for the passphrase provider, a KMS's only for that KMS", () => {
    const passphrase = pulumiEnv(ENV, "passphrase");
    expect(passphrase).toEqual({
      PATH: "/usr/bin",
      HOME: "/var/lib/cloudscheduler",
      LANG: "C.UTF-8",
      PULUMI_CONFIG_PASSPHRASE: "passphrase",
      PULUMI_HOME: "/var/lib/cloudscheduler/.pulumi",
    });
    const kms = pulumiEnv(ENV, "awskms://alias/cloudscheduler");
    expect(kms.PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
    expect(kms.AWS_SECRET_ACCESS_KEY).toBe("aws");
    expect(Object.keys(kms).some((k) => k.startsWith("OS_"))).toBe(false);
  });
});
