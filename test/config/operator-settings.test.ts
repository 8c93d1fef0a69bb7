import { describe, expect, it } from "vitest";
import {
  OperatorSettingError,
  resolveOperatorSettings,
} from "../../scheduler/config/operator-settings.js";

describe("operator settings", () => {
  it("default to PATH, a file backend and the passphrase provider", () => {
    expect(resolveOperatorSettings({})).toEqual({ secretsProvider: "passphrase" });
  });

  it("come from the environment, and the command line wins", () => {
    const env = {
      CLOUDSCHEDULER_CONDOR_BIN_DIR: "/opt/condor/bin",
      CLOUDSCHEDULER_BACKEND_URL: "s3://state",
      CLOUDSCHEDULER_SECRETS_PROVIDER: "awskms://alias/x",
      CLOUDSCHEDULER_TOKEN_SIGNING_KEY: "workers-2",
      CLOUDSCHEDULER_TOKEN_KEY_DIR: "/var/lib/cloudscheduler/signing-keys",
    };
    expect(resolveOperatorSettings(env)).toEqual({
      condorBinDir: "/opt/condor/bin",
      backendUrl: "s3://state",
      secretsProvider: "awskms://alias/x",
      tokenSigningKey: "workers-2",
      tokenKeyDirectory: "/var/lib/cloudscheduler/signing-keys",
    });
    expect(
      resolveOperatorSettings(env, { condorBin: "/usr/local/condor/bin", backendUrl: "file:///s" }),
    ).toMatchObject({ condorBinDir: "/usr/local/condor/bin", backendUrl: "file:///s" });
  });

  it("take HTCondor's bin and sbin together, as PATH does", () => {
    expect(
      resolveOperatorSettings({
        CLOUDSCHEDULER_CONDOR_BIN_DIR: "/opt/condor/bin:/opt/condor/sbin",
      }),
    ).toMatchObject({ condorBinDir: "/opt/condor/bin:/opt/condor/sbin" });
    expect(() =>
      resolveOperatorSettings({ CLOUDSCHEDULER_CONDOR_BIN_DIR: "/opt/condor/bin:sbin" }),
    ).toThrow(/got "sbin"/);
  });

  it("refuse a relative tool directory (it would resolve inside the config repo) or a key path", () => {
    expect(() => resolveOperatorSettings({}, { condorBin: "bin" })).toThrow(
      new OperatorSettingError(
        "--condor-bin: expected absolute directories (joined by ':'), got \"bin\"",
      ),
    );
    expect(() => resolveOperatorSettings({ CLOUDSCHEDULER_CONDOR_BIN_DIR: "./bin" })).toThrow(
      /CLOUDSCHEDULER_CONDOR_BIN_DIR: expected absolute directories/,
    );
    expect(() => resolveOperatorSettings({ CLOUDSCHEDULER_TOKEN_SIGNING_KEY: "../POOL" })).toThrow(
      /expected a key id/,
    );
  });
});
