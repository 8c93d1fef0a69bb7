// Where the cycle's memory survives a restart: <state dir>/lifecycle.json, written atomically
// (temp file, fsync, rename), mode 0600. It holds no secret. A missing file is a first start;
// an unreadable or corrupt one is reported and the scheduler starts with an empty memory:
// everything in it can be learnt again (back-offs restart, orphans wait one more grace period).
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { type SavedMemory, savedMemorySchema } from "./memory.js";

export interface MemoryStore {
  /** The saved memory; undefined when there is none. Throws MemoryStoreError when unusable. */
  load(): Promise<SavedMemory | undefined>;
  save(memory: SavedMemory): Promise<void>;
}

export class MemoryStoreError extends Error {
  override readonly name = "MemoryStoreError";
}

export const MEMORY_FILE = "lifecycle.json";

export class FileMemoryStore implements MemoryStore {
  readonly file: string;

  constructor(private readonly stateDir: string) {
    this.file = join(stateDir, MEMORY_FILE);
  }

  async load(): Promise<SavedMemory | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new MemoryStoreError(`${this.file}: cannot read: ${(err as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new MemoryStoreError(`${this.file}: not valid JSON`);
    }
    const parsed = savedMemorySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MemoryStoreError(
        `${this.file}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "unexpected content"}`,
      );
    }
    return parsed.data;
  }

  async save(memory: SavedMemory): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(memory, null, 2)}\n`, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }
}

/** A store in memory (tests: a "restart" is a new daemon on the same store). */
export class InMemoryStore implements MemoryStore {
  saved: SavedMemory | undefined;
  async load(): Promise<SavedMemory | undefined> {
    return this.saved === undefined ? undefined : structuredClone(this.saved);
  }
  async save(memory: SavedMemory): Promise<void> {
    this.saved = structuredClone(memory);
  }
}
