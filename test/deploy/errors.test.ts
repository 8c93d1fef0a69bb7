import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  AuthError,
  CloudUnreachableError,
  classifyDeployError,
  LockHeldError,
  ProgramError,
  PulumiNotInstalledError,
  QuotaExceededError,
  SecretsError,
  ServerStateError,
} from "../../scheduler/deploy/errors.js";
import { scrubSecrets } from "../../scheduler/deploy/scrub.js";
import { commandError } from "./pulumi-errors.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/deploy/${name}`, import.meta.url), "utf8");

describe("classifyDeployError", () => {
  it("maps the file backend's lock message (a ConcurrentUpdateError) to LockHeldError", () => {
    const raw = commandError(fixture("lock-held.stderr.txt"));
    expect(raw.name).toBe("ConcurrentUpdateError");
    const error = classifyDeployError(raw, "alberta");
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error.cloud).toBe("alberta");
    expect(error.message).toMatch(
      /^pool-alberta: the stack is locked by another operation: error: the stack is currently locked by 1 lock\(s\)/,
    );
  });

  it("maps Pulumi Cloud's 409 conflict to LockHeldError", () => {
    const raw = commandError("error: [409] Conflict: Another update is currently in progress.");
    expect(classifyDeployError(raw, "alberta")).toBeInstanceOf(LockHeldError);
  });

  it("maps a Nova quota refusal in the up diagnostics to QuotaExceededError, quoting it", () => {
    const raw = commandError("", fixture("up-quota.stdout.txt"));
    const error = classifyDeployError(raw, "alberta");
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error.detail).toContain(
      "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances",
    );
  });

  it.each([
    'Request forbidden: [POST http://10.1.0.30/compute/v2.1/servers], error message: {"forbidden": {"code": 403, "message": "Quota exceeded for cores: Requested 4, but already used 38 of 40 cores"}}',
    'Error creating OpenStack server: Expected HTTP response code [202] when accessing [POST https://nova:8774/v2.1/servers], but got 413 instead: {"overLimit": {"code": 413, "message": "Quota exceeded for ram: Requested 16384, but already used 73728 of 81920 ram"}}',
    'Error creating openstack_networking_port_v2: Expected HTTP response code [201] when accessing [POST https://neutron:9696/v2.0/ports], but got 409 instead: {"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: [\'port\'].", "detail": ""}}',
  ])("maps quota text to QuotaExceededError: %s", (text) => {
    expect(classifyDeployError(commandError(`error: ${text}`), "alberta")).toBeInstanceOf(
      QuotaExceededError,
    );
  });

  it("maps the provider's refusal to delete a server in ERROR to ServerStateError, not a program error", () => {
    // Seen in the chaos test (real engine, local Nova, a server reset to ERROR).
    const raw = commandError(
      "",
      [
        "  openstack:compute:Instance (cs-alberta-demo-vm-0001):",
        "    error:   sdk-v2/provider2.go:572: sdk.helper_schema: Error waiting for instance (fa271c52-4f47-44c0-b911-df3ae59e91a2) to Delete:  unexpected state 'ERROR', wanted target 'DELETED, SOFT_DELETED'. last error: %!s(<nil>): provider=openstack@3.15.2",
      ].join("\n"),
    );
    const error = classifyDeployError(raw, "alberta");
    expect(error).toBeInstanceOf(ServerStateError);
    expect(error.kind).toBe("server-state");
    expect(error.detail).toContain("unexpected state 'ERROR'");
  });

  it("maps a Keystone 401 to AuthError", () => {
    const error = classifyDeployError(commandError("", fixture("auth.stdout.txt")), "victoria");
    expect(error).toBeInstanceOf(AuthError);
    expect(error.detail).toContain("The request you have made requires authentication.");
  });

  it("maps gophercloud's old 'Authentication failed' to AuthError", () => {
    expect(
      classifyDeployError(commandError("error: Authentication failed"), "victoria"),
    ).toBeInstanceOf(AuthError);
  });

  it.each([
    ["connection refused", fixture("unreachable.stdout.txt")],
    [
      "i/o timeout",
      'error: Post "https://keystone.victoria.example.org:5000/v3/auth/tokens": dial tcp 192.0.2.10:5000: i/o timeout',
    ],
    [
      "no such host",
      'error: Post "https://keystone.nowhere.example:5000/v3/auth/tokens": dial tcp: lookup keystone.nowhere.example on 127.0.0.53:53: no such host',
    ],
    [
      "503",
      "error: Expected HTTP response code [202] when accessing [POST https://nova:8774/v2.1/servers], but got 503 instead: The service is currently unable to handle the request due to a temporary overloading or maintenance.",
    ],
  ])("maps %s to CloudUnreachableError", (_label, text) => {
    expect(classifyDeployError(commandError("", text), "victoria")).toBeInstanceOf(
      CloudUnreachableError,
    );
  });

  it("maps a missing passphrase to SecretsError", () => {
    const raw = commandError(
      'error: constructing secrets manager of type "passphrase": passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables',
    );
    expect(classifyDeployError(raw, "alberta")).toBeInstanceOf(SecretsError);
  });

  it("maps an ENOENT spawning pulumi to PulumiNotInstalledError, saying how to install", () => {
    const enoent = Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" });
    const raw = commandError(
      "Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT",
      "",
      -2,
      enoent,
    );
    const error = classifyDeployError(raw);
    expect(error).toBeInstanceOf(PulumiNotInstalledError);
    expect(error.message).toMatch(/get\.pulumi\.com/);
    expect(error.message).toMatch(/PATH/);
    expect(error.message).toMatch(/PULUMI_HOME/);
  });

  it("calls anything else a ProgramError and quotes the error line", () => {
    const raw = commandError(
      "",
      "Diagnostics:\n  pulumi:pulumi:Stack (cloudscheduler-pool-pool-alberta):\n    error: Running program '/work' failed with an unhandled exception:\n    TypeError: Cannot read properties of undefined (reading 'flavor')",
    );
    const error = classifyDeployError(raw, "alberta");
    expect(error).toBeInstanceOf(ProgramError);
    expect(error.detail).toMatch(/Running program .* failed/);
  });

  it("passes an already-classified error through", () => {
    const error = new QuotaExceededError({ cloud: "alberta" });
    expect(classifyDeployError(error, "victoria")).toBe(error);
  });

  it("never quotes credentials", () => {
    const raw = commandError(
      "error: Authentication failed: POST https://admin:hunter2@keystone.example.org/v3/auth/tokens X-Auth-Token: gAAAAABmZ2xvYmFsc2VjcmV0dG9rZW52YWx1ZQ password=hunter2 passphrase: correct-horse",
    );
    const error = classifyDeployError(raw, "victoria", ["correct-horse"]);
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).not.toMatch(/hunter2|gAAAAAB|correct-horse/);
  });
});

describe("scrubSecrets", () => {
  it("removes labelled secrets, tokens, URL credentials and known values, keeps the rest", () => {
    const text =
      'OS_PASSWORD=s3cret "application_credential_secret": "abc123def" Authorization: Bearer eyJhbGciOi https://u:p@h/x keep-me';
    const out = scrubSecrets(text, ["keep"]);
    expect(out).not.toMatch(/s3cret|abc123def|eyJhbGciOi|u:p@/);
    expect(out).toContain("***-me");
    expect(scrubSecrets("passphrase must be set with PULUMI_CONFIG_PASSPHRASE")).toBe(
      "passphrase must be set with PULUMI_CONFIG_PASSPHRASE",
    );
  });
});
