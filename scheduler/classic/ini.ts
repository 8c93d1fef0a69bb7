// Reads the classic CloudScheduler's INI files the way Python's ConfigParser did:
// `key: value` or `key = value`, keys case-insensitive, '#'/';' comment lines,
// indented continuation lines. Hand-written because the `ini` package knows neither
// ':' separators nor continuation lines, and messages need line numbers.

export interface IniOption {
  /** As written, for messages; lookups use the lower-cased key. */
  key: string;
  value: string;
  line: number;
}

export interface IniSection {
  name: string;
  line: number;
  options: Map<string, IniOption>;
}

export interface IniFile {
  /** Name used in messages (the file's base name). */
  file: string;
  sections: IniSection[];
}

/** Thrown for lines ConfigParser would also reject. */
export class IniSyntaxError extends Error {
  override readonly name = "IniSyntaxError";
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

export function parseIni(text: string, file: string): IniFile {
  const sections: IniSection[] = [];
  let section: IniSection | undefined;
  let last: IniOption | undefined;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || /^[#;]/.test(trimmed) || /^rem(\s|$)/i.test(trimmed)) {
      // A blank line ends a continuation value in ConfigParser; comments do not matter.
      if (trimmed === "") last = undefined;
      continue;
    }
    if (/^\s/.test(raw) && last) {
      last.value = `${last.value}\n${trimmed}`;
      continue;
    }
    const header = /^\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(trimmed);
    if (header?.[1] !== undefined) {
      section = { name: header[1].trim(), line, options: new Map() };
      sections.push(section);
      last = undefined;
      continue;
    }
    const option = /^([^:=\s][^:=]*?)\s*[:=]\s*(.*)$/.exec(trimmed);
    if (!option?.[1]) throw new IniSyntaxError(file, line, "expected 'key: value' or '[section]'");
    if (!section) throw new IniSyntaxError(file, line, "option before the first [section]");
    const key = option[1];
    last = { key, value: stripInlineComment(option[2] ?? ""), line };
    section.options.set(key.toLowerCase(), last);
  }
  return { file, sections };
}

/** ConfigParser (Python 2) dropped "; comment" after whitespace; so do we. */
function stripInlineComment(value: string): string {
  return value.replace(/\s;.*$/, "").trim();
}
