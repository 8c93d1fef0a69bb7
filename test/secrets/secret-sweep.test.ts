import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { base64Needles, filesUnder, sweep } from "../support/secret-sweep.js";

const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjcy1hbGJlcnRhIn0.c2lnbmF0dXJlLXBhcnQ";

describe("the secret sweep the end-to-end run ends with", () => {
  it("finds a secret in clear text and base64-encoded inside a longer text, at every alignment", () => {
    for (const prefix of ["", "a", "ab", "abc"]) {
      const userData = Buffer.from(`#cloud-config\n${prefix}token: ${token}\n`).toString("base64");
      expect(sweep([{ label: "t", value: token }], [{ label: "ud", text: userData }])).toEqual([
        { secret: "t", place: "ud", form: "base64" },
      ]);
    }
    expect(
      sweep([{ label: "pw", value: "Sup3rSecret!" }], [{ label: "log", text: "x Sup3rSecret! y" }]),
    ).toEqual([{ secret: "pw", place: "log", form: "clear" }]);
  });

  it("finds nothing where the secret is only encrypted or masked", () => {
    const places = [
      { label: "state", text: '{"ciphertext":"v1:Zm9vYmFyYmF6cXV4:c29tZXRoaW5nZWxzZQ=="}' },
      { label: "log", text: "password: [secret]" },
    ];
    expect(sweep([{ label: "t", value: token }], places)).toEqual([]);
    expect(base64Needles(token)).toHaveLength(3);
  });

  it("refuses a value too short to look for", () => {
    expect(() => sweep([{ label: "short", value: "abc" }], [])).toThrow(/too short/);
  });

  it("reads every file under a directory, skipping what it is told to", () => {
    const dir = mkdtempSync(join(tmpdir(), "cs-sweep-"));
    try {
      mkdirSync(join(dir, "state/plugins"), { recursive: true });
      writeFileSync(join(dir, "state/status.json"), `{"token":"${token}"}`);
      writeFileSync(join(dir, "state/plugins/big.bin"), token);
      const places = filesUnder(dir, (p) => p.endsWith("plugins"));
      expect(places.map((p) => p.label)).toEqual(["state/status.json"]);
      expect(sweep([{ label: "t", value: token }], places)).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
