// Plain aligned text tables for the terminal, and the one place untrusted text is made safe to
// print: control characters (ANSI escapes, newlines) and bidi overrides are shown escaped.

// C0/C1 controls (ANSI escapes, newlines) and bidi overrides; \p{Cc} keeps the regex printable.
const UNSAFE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const MAX_CELL = 60;

/** Text safe for a terminal cell: no escapes, no line breaks, at most 60 characters. */
export function terminalSafe(text: string, max = MAX_CELL): string {
  const safe = text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const chars = Array.from(safe);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : safe;
}

export type Align = "left" | "right";

/** Rows under a header, columns padded; numbers right-aligned where `align` says. */
export function formatTable(header: string[], rows: string[][], align: Align[] = []): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => terminalSafe(cell)));
  const widths = header.map((_, i) =>
    Math.max(...cells.map((row) => Array.from(row[i] ?? "").length)),
  );
  return cells
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = " ".repeat((widths[i] ?? 0) - Array.from(cell).length);
          return align[i] === "right" ? pad + cell : cell + pad;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
