// The quoting functions read back, by the target's own parser, as exactly the value given.
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { UnsafeValueError } from "../../scheduler/render/errors.js";
import {
  cidrWord,
  condorConfigString,
  condorSubmitArgument,
  condorSubmitString,
  condorSubmitWord,
  hostWord,
  shellWord,
  yamlString,
} from "../../scheduler/render/quote.js";
import { HOSTILE } from "./hostile.js";

describe("yamlString", () => {
  test("any string reads back as itself, as the only value of its key", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const doc = parse(`key: ${yamlString(value)}\nother: 1\n`) as Record<string, unknown>;
        expect(doc).toEqual({ key: value, other: 1 });
      }),
      { numRuns: 500 },
    );
  });

  test("the quoted text is one line of printable ASCII", () => {
    for (const value of HOSTILE) expect(yamlString(value)).toMatch(/^"[\x20-\x7e]*"$/);
  });
});

describe("shellWord", () => {
  test("bash reads every hostile value back as one word, expanding nothing", () => {
    const words = HOSTILE.filter((v) => !v.includes("\0"));
    const script = `printf '%s\\0' ${words.map(shellWord).join(" ")}`;
    const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(words);
  });

  test("a NUL byte is refused", () => {
    expect(() => shellWord("a\0b")).toThrow(UnsafeValueError);
  });
});

/** Control characters other than the escapable \t, \n, \r. */
function hasControl(value: string): boolean {
  return [...value].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && !"\t\n\r".includes(c)) || code === 0x7f;
  });
}

/** ClassAd string unescape, the inverse of the escapes classAdLiteral uses. */
function unClassAd(literal: string): string {
  const body = literal.slice(1, -1);
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c] ?? c);
}

describe("HTCondor strings", () => {
  test("config strings stay on one line, quote everything and read back", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes("$") && !hasControl(s)),
        (value) => {
          const literal = condorConfigString(value);
          expect(literal).not.toMatch(/[\r\n]/);
          expect(literal).toMatch(/^"([^"\\]|\\.)*"$/);
          expect(unClassAd(literal)).toBe(value);
        },
      ),
    );
  });

  test("config strings refuse '$' (a macro) and control characters", () => {
    expect(() => condorConfigString("$(STARTD_ATTRS)")).toThrow(UnsafeValueError);
    expect(() => condorConfigString("a\u0001b")).toThrow(UnsafeValueError);
  });

  test("submit strings turn every '$' into $(DOLLAR) and never end the line", () => {
    const literal = condorSubmitString('x"; $(rm -rf /)\nVMType = "evil');
    expect(literal).toBe('"x\\"; $(DOLLAR)(rm -rf /)\\nVMType = \\"evil"');
    expect(literal.replaceAll("$(DOLLAR)", "")).not.toContain("$");
  });

  test("submit arguments are one quoted word with quotes doubled", () => {
    expect(condorSubmitArgument(`it's "me" $(x)`)).toBe(`"'it''s ""me"" $(DOLLAR)(x)'"`);
    expect(() => condorSubmitArgument("a\nQueue 100")).toThrow(UnsafeValueError);
  });

  test("bare words accept paths only", () => {
    expect(condorSubmitWord("/cvmfs/software.cloudscheduler.test/hello")).toBe(
      "/cvmfs/software.cloudscheduler.test/hello",
    );
    for (const value of ["a b", "a\nQueue", "$(x)", "#x", ""]) {
      expect(() => condorSubmitWord(value)).toThrow(UnsafeValueError);
    }
  });
});

describe("bare host names and CIDRs", () => {
  test("addresses and names pass unchanged", () => {
    for (const host of [
      "cm.example.org",
      "10.0.0.1",
      "2001:db8::1",
      "[2001:db8::1]:9618",
      "cm:9618",
    ]) {
      expect(hostWord(host)).toBe(host);
    }
    for (const cidr of ["0.0.0.0/0", "::/0", "2001:db8:1::/48"]) expect(cidrWord(cidr)).toBe(cidr);
  });

  test("anything else is refused", () => {
    for (const value of HOSTILE) {
      expect(() => hostWord(value)).toThrow(UnsafeValueError);
      expect(() => cidrWord(value)).toThrow(UnsafeValueError);
    }
    expect(() => hostWord("a.b/x")).toThrow(UnsafeValueError);
  });
});
