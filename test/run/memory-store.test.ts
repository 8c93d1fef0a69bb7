// The cycle's memory survives a restart in the state directory, and a broken file is an error
// the daemon reports (then starts empty), never a crash.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CycleMemory } from "../../scheduler/run/memory.js";
import { FileMemoryStore, MemoryStoreError } from "../../scheduler/run/memory-store.js";
import { exampleConfig, NOW } from "../plan/world.js";

describe("FileMemoryStore", () => {
  it("round-trips the memory with mode 0600 and no secret in it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-memory-"));
    const store = new FileMemoryStore(dir);
    expect(await store.load()).toBeUndefined();
    const memory = new CycleMemory();
    memory.rememberConfigs(exampleConfig());
    memory.holdRetire("cs-alberta-demo-vm-0001", NOW, "unknown host");
    memory.orphanFirstSeen.set("alberta/abc", NOW - 10);
    memory.createInterrupted.add("cs-alberta-demo-vm-0002");
    memory.settled.add("victoria");
    const backoff = [
      {
        cloud: "alberta",
        failures: 2,
        until: NOW + 60,
        lastErrorKind: "auth" as const,
        lastError: "401",
      },
    ];
    await store.save(memory.toJSON(backoff));
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(store.file, "utf8")).not.toMatch(/password|passphrase|token/i);

    const saved = await store.load();
    expect(saved?.backoff).toEqual(backoff);
    const restored = CycleMemory.from(saved as NonNullable<typeof saved>);
    expect(restored.retireHolds.get("cs-alberta-demo-vm-0001")).toEqual({
      until: NOW + 300,
      failures: 1,
      reason: "unknown host",
    });
    expect(restored.cloudConfigs.get("victoria")?.network).toBe(
      exampleConfig().clouds.victoria?.network,
    );
    expect([...restored.settled]).toEqual(["victoria"]);
    expect([...restored.createInterrupted]).toEqual(["cs-alberta-demo-vm-0002"]);
  });

  it("reports a corrupt file as a MemoryStoreError naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-memory-"));
    const store = new FileMemoryStore(dir);
    writeFileSync(store.file, '{"version": 1, "backoff": "nope"}');
    await expect(store.load()).rejects.toThrow(MemoryStoreError);
    await expect(store.load()).rejects.toThrow(store.file);
  });

  it("doubles a retire hold with each refusal, up to six hours", () => {
    const memory = new CycleMemory();
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map(
      () => memory.holdRetire("w", NOW, "denied").until - NOW,
    );
    expect(waits).toEqual([300, 600, 1200, 2400, 4800, 9600, 19200, 21600]);
  });
});
