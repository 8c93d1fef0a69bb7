import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Secret } from "../../scheduler/config/secret.js";
import { scrubbedDestination } from "../../scheduler/run/logger.js";
import {
  knownSecrets,
  registerEnvironmentSecrets,
  SecretRegistry,
} from "../../scheduler/secrets/registry.js";

describe("SecretRegistry", () => {
  it("removes every known value, raw and as it appears inside JSON", () => {
    const registry = new SecretRegistry();
    registry.add('pa"ss\\word-1');
    registry.add("tok");
    const text = `a pa"ss\\word-1 b ${JSON.stringify({ v: 'pa"ss\\word-1' })} tok`;
    expect(registry.scrub(text)).toBe('a *** b {"v":"***"} tok');
  });

  it("removes credential shapes it was never told about", () => {
    const registry = new SecretRegistry();
    expect(
      registry.scrub(
        "OS_PASSWORD=hunter2 https://deploy:pw@git.example.org X-Auth-Token: gAAAAABk1234567890abcdefghijklmn eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMTIz",
      ),
    ).toBe("OS_PASSWORD=*** https://***@git.example.org X-Auth-Token: *** ***");
  });

  it("leaves tool names and ordinary words alone", () => {
    const registry = new SecretRegistry();
    const line = "condor_token_create: exit 1; token_file missing; the secretary said hello";
    expect(registry.scrub(line)).toBe(line);
  });

  it("forgets a value no longer in use", () => {
    const registry = new SecretRegistry();
    registry.add("one-time-value");
    registry.forget("one-time-value");
    expect(registry.scrub("one-time-value")).toBe("one-time-value");
  });

  it("learns every Secret as it is made, and the environment's secrets on request", () => {
    new Secret("made-as-a-secret-42");
    expect(knownSecrets.scrub("x made-as-a-secret-42 y")).toBe("x *** y");
    const registry = new SecretRegistry();
    registerEnvironmentSecrets(
      {
        OS_PASSWORD: "env-os-password",
        PULUMI_CONFIG_PASSPHRASE: "env-passphrase",
        CLOUDSCHEDULER_ADMIN_TOKEN: "env-admin-token",
        HOME: "/home/cloudscheduler",
      },
      registry,
    );
    expect(
      registry.scrub("env-os-password env-passphrase env-admin-token /home/cloudscheduler"),
    ).toBe("*** *** *** /home/cloudscheduler");
  });
});

describe("the daemon's log", () => {
  it("never writes a known secret, in a message, a field or an error", () => {
    const registry = new SecretRegistry();
    registry.add("s3cr3t-application-credential");
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = pino({ base: null }, scrubbedDestination(sink, registry));
    log.info(
      { cloud: "alberta", detail: "auth s3cr3t-application-credential" },
      "message s3cr3t-application-credential",
    );
    log.error({ err: new Error("failed with s3cr3t-application-credential") }, "boom");
    const text = lines.join("");
    expect(text).not.toContain("s3cr3t-application-credential");
    expect(text.match(/\*\*\*/g)?.length).toBeGreaterThanOrEqual(3);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
