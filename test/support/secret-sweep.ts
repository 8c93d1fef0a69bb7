// Looks for known secrets in everything a run left behind (logs, state files, git history,
// command output): the check behind "credentials never land in git, logs, state files or error
// messages in clear text". A secret is also looked for base64-encoded, at each of the three
// alignments it can have inside a longer base64 text (user-data travels base64-encoded).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface KnownSecret {
  /** What it is, for the report ("worker token of cs-alberta-demo-vm-0001"); never the value. */
  label: string;
  value: string;
}

export interface Place {
  /** Where the text came from ("state/status.json", "scheduler log"). */
  label: string;
  text: string;
}

export interface Finding {
  secret: string;
  place: string;
  form: "clear" | "base64";
}

/** Shorter values would match by chance; nothing this short is a real secret here. */
const MIN_SECRET_LENGTH = 8;

/** base64 fragments that appear in any base64 text containing `value`, whatever its offset. */
export function base64Needles(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const needles: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    // Characters touched by the padding bytes before, or by what follows, vary: drop them.
    const start = Math.ceil((offset * 4) / 3);
    const end = Math.floor(((offset + bytes.length) * 4) / 3);
    const needle = encoded.slice(start, end);
    if (needle.length >= MIN_SECRET_LENGTH) needles.push(needle);
  }
  return needles;
}

/** Every place where any secret appears, in clear or base64-encoded. */
export function sweep(secrets: readonly KnownSecret[], places: readonly Place[]): Finding[] {
  const findings: Finding[] = [];
  for (const secret of secrets) {
    if (secret.value.length < MIN_SECRET_LENGTH) {
      throw new Error(`secret ${secret.label} is too short to look for reliably`);
    }
    const encoded = base64Needles(secret.value);
    for (const place of places) {
      if (place.text.includes(secret.value)) {
        findings.push({ secret: secret.label, place: place.label, form: "clear" });
      } else if (encoded.some((needle) => place.text.includes(needle))) {
        findings.push({ secret: secret.label, place: place.label, form: "base64" });
      }
    }
  }
  return findings;
}

/** Every regular file under `dir` as a place (binary files read as latin1), skipping `skip`. */
export function filesUnder(dir: string, skip: (path: string) => boolean = () => false): Place[] {
  const places: Place[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (skip(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && statSync(path).size <= 64 * 1024 * 1024) {
        places.push({ label: relative(dir, path), text: readFileSync(path, "latin1") });
      }
    }
  };
  walk(dir);
  return places;
}
