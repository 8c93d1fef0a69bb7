// Loads cloudscheduler.yaml: YAML syntax, credentials, schema and cross-references,
// every problem reported with file, line, column and key path.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { checkReferences } from "./check.js";
import { locate } from "./locate.js";
import { findOperatorOnlyKeys, operatorOnlyAdvice } from "./operator-settings.js";
import { ConfigError, type ConfigProblem, formatPath } from "./problem.js";
import { type Config, configSchema } from "./schema.js";
import { allowedKeysAt } from "./schema-keys.js";
import {
  findSecretKeys,
  findUrlCredentials,
  SECRET_ADVICE,
  URL_CREDENTIAL_ADVICE,
} from "./secrets.js";
import { closest } from "./suggest.js";

export const CONFIG_FILE = "cloudscheduler.yaml";

/** Largest config accepted: a real site's file is a few KiB; anything near this is a mistake. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** YAML aliases expanded at most this many times (an "alias bomb" expands exponentially). */
export const MAX_ALIAS_COUNT = 100;

/** The problem of a config larger than MAX_CONFIG_BYTES, or undefined. */
export function sizeProblem(file: string, bytes: number): ConfigProblem | undefined {
  if (bytes <= MAX_CONFIG_BYTES) return undefined;
  return {
    file,
    line: 0,
    column: 0,
    path: "",
    message: `${(bytes / 1024 / 1024).toFixed(1)} MiB is larger than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB a config may be`,
  };
}

/** Loads and validates `<dir>/cloudscheduler.yaml`; throws ConfigError. */
export async function loadConfigDir(dir: string): Promise<Config> {
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    const tooBig = sizeProblem(file, (await stat(file)).size);
    if (tooBig) throw new ConfigError([tooBig]);
    text = await readFile(file, "utf8");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const reason =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(err);
    throw new ConfigError([{ file, line: 0, column: 0, path: "", message: reason }]);
  }
  return parseConfig(text, CONFIG_FILE);
}

/** Validates config text; `file` is the name used in messages. Throws ConfigError. */
export function parseConfig(text: string, file: string): Config {
  const tooBig = sizeProblem(file, Buffer.byteLength(text, "utf8"));
  if (tooBig) throw new ConfigError([tooBig]);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          column: pos.col,
          path: "",
          message: `YAML syntax: ${firstLine(e.message)}`,
        };
      }),
    );
  }
  const at = (path: readonly PropertyKey[], message: string): ConfigProblem => {
    const pos = locate(doc, lines, path);
    return { file, line: pos.line, column: pos.column, path: formatPath(path), message };
  };

  if (doc.contents === null) {
    throw new ConfigError([
      {
        file,
        line: 0,
        column: 0,
        path: "",
        message: "the file is empty; 'cloudscheduler init' writes a commented example",
      },
    ]);
  }

  const refused = [
    ...findSecretKeys(doc).map((path) => at(path, SECRET_ADVICE)),
    ...findUrlCredentials(doc).map((path) => at(path, URL_CREDENTIAL_ADVICE)),
    ...findOperatorOnlyKeys(doc).map(({ path, setting }) => at(path, operatorOnlyAdvice(setting))),
  ];
  if (refused.length > 0) throw new ConfigError(refused);

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (err) {
    // yaml refuses to expand aliases past the limit (a "billion laughs" document).
    throw new ConfigError([
      {
        file,
        line: 0,
        column: 0,
        path: "",
        message: `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} uses of an alias): ${firstLine(err instanceof Error ? err.message : String(err))}`,
      },
    ]);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((issue) => describeIssue(issue, raw, at)));
  }
  const crossProblems = checkReferences(result.data);
  if (crossProblems.length > 0)
    throw new ConfigError(crossProblems.map((p) => at(p.path, p.message)));
  return result.data;
}

type At = (path: readonly PropertyKey[], message: string) => ConfigProblem;

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, at: At): ConfigProblem[] {
  const value = valueAt(raw, issue.path);
  const missing =
    value === undefined && issue.path.length > 0 && isObject(valueAt(raw, issue.path.slice(0, -1)));
  if (missing && (issue.code === "invalid_type" || issue.code === "invalid_value")) {
    const expected =
      issue.code === "invalid_value"
        ? issue.values.map((v) => JSON.stringify(v)).join(" or ")
        : issue.message.startsWith("expected ")
          ? issue.message.slice("expected ".length)
          : typeName(issue.expected);
    return [at(issue.path, `is required (expected ${expected})`)];
  }
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const suggestion = closest(key, allowedKeysAt(configSchema, issue.path));
        const hint = suggestion ? `; did you mean '${suggestion}'?` : "";
        return at([...issue.path, key], `unknown key${hint}`);
      });
    case "invalid_type":
      if (value === undefined) return [at(issue.path, "is required")];
      return [
        at(
          issue.path,
          withGot(
            issue.message.startsWith("expected")
              ? issue.message
              : `expected ${typeName(issue.expected)}`,
            value,
          ),
        ),
      ];
    case "invalid_value":
      return [
        at(
          issue.path,
          withGot(`expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`, value),
        ),
      ];
    case "invalid_key":
      return [at(issue.path, `invalid name: ${issue.issues[0]?.message ?? issue.message}`)];
    case "invalid_union":
      return [
        at(
          issue.path,
          withGot(
            issue.message.startsWith("expected")
              ? issue.message
              : "expected a different kind of value",
            value,
          ),
        ),
      ];
    case "too_small":
      if (issue.origin === "array")
        return [
          at(
            issue.path,
            issue.minimum === 1
              ? "expected at least one item"
              : `expected at least ${issue.minimum} items`,
          ),
        ];
      return [
        at(
          issue.path,
          withGot(
            issue.message.startsWith("expected")
              ? issue.message
              : `expected at least ${issue.minimum}`,
            value,
          ),
        ),
      ];
    case "custom":
      // Only "expected ..." rules quote the value; the others (e.g. 'cloud' or 'auth_url') need not.
      return [
        at(
          issue.path,
          issue.message.startsWith("expected") ? withGot(issue.message, value) : issue.message,
        ),
      ];
    default:
      return [at(issue.path, withGot(issue.message, value))];
  }
}

/** zod's type names as a config author reads them. */
function typeName(expected: string): string {
  const names: Record<string, string> = {
    object: "a mapping",
    array: "a list",
    record: "a mapping",
    string: "a string",
    number: "a number",
    boolean: "true or false",
  };
  return names[expected] ?? expected;
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === "object";
}

function withGot(message: string, value: unknown): string {
  return value === undefined ? message : `${message}, got ${render(value)}`;
}

/** A short, single-line rendering of a config value for messages. */
function render(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = raw;
  for (const part of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
