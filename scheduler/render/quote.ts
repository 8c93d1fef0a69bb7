// Quoting for every syntax a template writes into. Each function returns text that the
// target parser reads back as exactly one value, whatever the input holds: templates never
// paste a value raw.
import { UnsafeValueError } from "./errors.js";

/**
 * A double-quoted YAML scalar. Everything outside printable ASCII is escaped, so line
 * breaks (including YAML 1.1's NEL/LS/PS), tabs and control characters stay data.
 */
export function yamlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\t") out += "\\t";
    else if (code >= 0x20 && code <= 0x7e) out += char;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${out}"`;
}

/** A single-quoted POSIX shell word: `'` becomes `'\''`; nothing inside is expanded. */
export function shellWord(value: string): string {
  if (value.includes("\0")) throw new UnsafeValueError("shell", "a NUL byte cannot be passed");
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * A ClassAd string literal for an HTCondor configuration file. Quotes and backslashes are
 * escaped and line breaks become ClassAd escapes, so a value can never start a new line.
 * `$` would start a config macro, so it is refused rather than guessed at.
 */
export function condorConfigString(value: string): string {
  if (value.includes("$")) {
    throw new UnsafeValueError("HTCondor config", "'$' would start a macro");
  }
  return classAdLiteral(value, "HTCondor config");
}

/**
 * A ClassAd string literal for a submit file (`+Attr = "..."`): as for config files, with
 * `$` written as the submit macro `$(DOLLAR)` so condor_submit expands nothing.
 */
export function condorSubmitString(value: string): string {
  return classAdLiteral(value, "HTCondor submit file").replaceAll("$", () => "$(DOLLAR)");
}

/**
 * A host name, IPv4 or IPv6 address (optionally with a port) used bare, as HTCondor's
 * CONDOR_HOST or in a URL: anything else is refused, since such places have no quoting.
 */
export function hostWord(value: string): string {
  const name = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/;
  const ipv6 = /^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$|^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;
  if (!name.test(value) && !ipv6.test(value)) {
    throw new UnsafeValueError("host name", `not a host name or address: ${JSON.stringify(value)}`);
  }
  return value;
}

/** An IPv4 or IPv6 CIDR used bare (Squid ACLs, security group rules): anything else is refused. */
export function cidrWord(value: string): string {
  if (!/^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:]*)\/[0-9]{1,3}$/.test(value)) {
    throw new UnsafeValueError("CIDR", `not a CIDR: ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A bare submit-file value (e.g. `Executable = <path>`), which runs to the end of the line
 * with no quoting: only plain path characters are accepted.
 */
export function condorSubmitWord(value: string): string {
  if (!/^[A-Za-z0-9_./+:@%,=-]+$/.test(value)) {
    throw new UnsafeValueError(
      "HTCondor submit file",
      `not a plain word: ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * One argument in the submit file's quoted `Arguments = "..."` syntax: the word is
 * single-quoted inside (quotes doubled), `$` becomes `$(DOLLAR)`. A line break cannot be
 * written in a submit file at all, so it is refused.
 */
export function condorSubmitArgument(value: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new UnsafeValueError("HTCondor submit arguments", "a line break cannot be written");
  }
  const word = `'${value.replaceAll("'", "''").replaceAll('"', '""')}'`;
  return `"${word}"`.replaceAll("$", () => "$(DOLLAR)");
}

const CLASSAD_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function classAdLiteral(value: string, syntax: string): string {
  let out = '"';
  for (const char of value) {
    const escaped = CLASSAD_ESCAPES[char];
    if (escaped !== undefined) {
      out += escaped;
      continue;
    }
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code <= 0x9f)) {
      throw new UnsafeValueError(syntax, `control character U+${hex(code, 4)}`);
    }
    if (code === 0x2028 || code === 0x2029 || code === 0x85) {
      throw new UnsafeValueError(syntax, `line separator U+${hex(code, 4)}`);
    }
    out += char;
  }
  return `${out}"`;
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, "0");
}
