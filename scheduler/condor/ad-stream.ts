// Splits the JSON array that `condor_q -json` / `condor_status -json` print into one ad at a time,
// as the bytes arrive, so a 100k-job answer never exists as one string or one parsed array.
//
// Only the structure between ads is scanned here ('[', '{', '}', ',', ']', strings and their
// escapes); each complete ad is handed to JSON.parse. All structural characters are ASCII and
// UTF-8 never uses ASCII bytes inside a multi-byte character, so scanning bytes is exact and
// offsets in errors are true byte offsets.
import { CondorParseError } from "./errors.js";

/** One ClassAd as HTCondor prints it in JSON: attribute name -> JSON value. */
export type RawAd = Record<string, unknown>;

export interface AdStreamOptions {
  /** Largest single ad accepted, in bytes (a runaway ad is an error, not an OOM). */
  maxAdBytes?: number;
}

const DEFAULT_MAX_AD_BYTES = 16 * 1024 * 1024;

const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

type Expecting =
  | "array" // nothing but whitespace seen yet
  | "first-ad" // after '[': an ad or ']'
  | "next-ad" // after ',': an ad
  | "separator" // after an ad: ',' or ']'
  | "end"; // after ']': whitespace only

const EXPECTING_TEXT: Record<Expecting, string> = {
  array: "'[' (start of a JSON array)",
  "first-ad": "'{' or ']'",
  "next-ad": "'{' after ','",
  separator: "',' or ']' after an ad",
  end: "end of output after ']'",
};

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Incremental splitter: push() chunks, collect the complete ads it returns, then finish().
 * Memory is the bytes of the ad in progress plus whatever the caller keeps.
 */
export class AdSplitter {
  private expecting: Expecting = "array";
  private offset = 0;
  private adCount = 0;
  /** Inside an ad: nesting depth of {} and [], string/escape state, the bytes so far. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  private adStart = 0;
  private adBytes = 0;
  private pieces: Buffer[] = [];
  private readonly maxAdBytes: number;

  constructor(options: AdStreamOptions = {}) {
    this.maxAdBytes = options.maxAdBytes ?? DEFAULT_MAX_AD_BYTES;
  }

  /** Ads completed so far. */
  get count(): number {
    return this.adCount;
  }

  push(chunk: Buffer): RawAd[] {
    const ads: RawAd[] = [];
    let pieceStart = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.depth > 0) {
        if (this.inString) {
          i = this.skipString(chunk, i);
          continue;
        }
        if (byte === QUOTE) this.inString = true;
        else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth++;
        else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
          this.depth--;
          if (this.depth === 0) {
            this.addPiece(chunk.subarray(pieceStart, i + 1));
            pieceStart = -1;
            ads.push(this.completeAd());
            this.expecting = "separator";
          }
        }
        continue;
      }
      if (isWhitespace(byte)) continue;
      const at = this.offset + i;
      switch (this.expecting) {
        case "array":
          if (byte !== OPEN_BRACKET) this.fail(byte, at);
          this.expecting = "first-ad";
          break;
        case "first-ad":
        case "next-ad":
          if (byte === OPEN_BRACE) {
            this.depth = 1;
            this.adStart = at;
            pieceStart = i;
          } else if (byte === CLOSE_BRACKET && this.expecting === "first-ad") {
            this.expecting = "end";
          } else {
            this.fail(byte, at);
          }
          break;
        case "separator":
          if (byte === COMMA) this.expecting = "next-ad";
          else if (byte === CLOSE_BRACKET) this.expecting = "end";
          else this.fail(byte, at);
          break;
        case "end":
          this.fail(byte, at);
      }
    }
    if (this.depth > 0 && pieceStart >= 0) this.addPiece(chunk.subarray(pieceStart));
    this.offset += chunk.length;
    return ads;
  }

  /** Call at end of output: 0 bytes is a valid empty answer; anything unfinished is an error. */
  finish(): void {
    if (this.expecting === "end") return;
    if (this.expecting === "array" && this.offset === 0) return;
    const what =
      this.depth > 0
        ? `inside ad ${this.adCount} (started at byte ${this.adStart})`
        : `expecting ${EXPECTING_TEXT[this.expecting]}`;
    throw new CondorParseError(
      `HTCondor's JSON answer ended early at byte ${this.offset} ${what}, after ${this.adCount} complete ads: truncated output`,
      this.offset,
      this.depth > 0 ? this.adCount : undefined,
    );
  }

  /**
   * Inside a string: jumps to its closing quote (returns its index, string closed) or past the
   * chunk's end (string still open). indexOf does the scanning: most bytes of an ad are strings.
   */
  private skipString(chunk: Buffer, from: number): number {
    let i = from;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    const start = i;
    for (;;) {
      const quote = chunk.indexOf(QUOTE, i);
      const end = quote === -1 ? chunk.length : quote;
      // A quote (or the chunk's end) preceded by an odd run of backslashes is escaped.
      let backslashes = 0;
      while (end - backslashes - 1 >= start && chunk[end - backslashes - 1] === BACKSLASH)
        backslashes++;
      const escaped = backslashes % 2 === 1;
      if (quote === -1) {
        this.escaped = escaped;
        return chunk.length - 1;
      }
      if (!escaped) {
        this.inString = false;
        return quote;
      }
      i = quote + 1;
    }
  }

  private addPiece(piece: Buffer): void {
    this.adBytes += piece.length;
    if (this.adBytes > this.maxAdBytes) {
      throw new CondorParseError(
        `ad ${this.adCount} starting at byte ${this.adStart} is larger than ${this.maxAdBytes} bytes`,
        this.adStart,
        this.adCount,
      );
    }
    this.pieces.push(piece);
  }

  private completeAd(): RawAd {
    const bytes =
      this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces);
    this.pieces = [];
    this.adBytes = 0;
    const index = this.adCount++;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new CondorParseError(
        `ad ${index} starting at byte ${this.adStart} is not valid JSON: ${(error as Error).message}`,
        this.adStart,
        index,
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new CondorParseError(
        `ad ${index} starting at byte ${this.adStart} is not a JSON object`,
        this.adStart,
        index,
      );
    }
    return value as RawAd;
  }

  private fail(byte: number, at: number): never {
    const shown =
      byte >= 0x20 && byte < 0x7f
        ? `'${String.fromCharCode(byte)}'`
        : `byte 0x${byte.toString(16)}`;
    throw new CondorParseError(
      `HTCondor's answer is not a JSON array of ads: found ${shown} at byte ${at}, expected ${EXPECTING_TEXT[this.expecting]} (after ${this.adCount} ads)`,
      at,
    );
  }
}

/** Yields the ads of one answer as its chunks arrive; throws CondorParseError on bad input. */
export async function* streamAds(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: AdStreamOptions = {},
): AsyncGenerator<RawAd> {
  const splitter = new AdSplitter(options);
  for await (const chunk of chunks) {
    const buffer =
      typeof chunk === "string"
        ? Buffer.from(chunk, "utf8")
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    yield* splitter.push(buffer);
  }
  splitter.finish();
}

/** Whole-buffer convenience (tests, small answers): the same rules as streamAds. */
export function parseAds(text: Buffer | string, options: AdStreamOptions = {}): RawAd[] {
  const splitter = new AdSplitter(options);
  const ads = splitter.push(typeof text === "string" ? Buffer.from(text, "utf8") : text);
  splitter.finish();
  return ads;
}
