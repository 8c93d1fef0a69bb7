// Splits the JSON array that `condor_q -json` / `condor_status -json` print into ads, as the
// bytes arrive, so a 100k-job answer never exists as one string or one parsed array.
//
// Two paths give the same ads and the same errors:
// - The fast path takes the bytes up to the last separator line ("\n,\n", how HTCondor puts
//   ads apart) or the closing ']', and parses them with one JSON.parse as "[" + bytes + "]".
//   That parse succeeds only if the cut lies between ads: JSON text holds no raw newline inside
//   a string, and a cut inside an ad leaves brackets or a string open. Every element must be
//   an object, and the bytes at most maxAdBytes, or the fast path declines.
// - The exact scanner steps over the structure between ads ('[', '{', '}', ',', ']', strings
//   and their escapes) and hands each complete ad to JSON.parse. It takes over whenever the
//   fast path declines (bad input, another layout), so errors name the same ad and byte. All
//   structural characters are ASCII and UTF-8 never uses ASCII bytes inside a multi-byte
//   character, so scanning bytes is exact and offsets in errors are true byte offsets.
import { CondorParseError } from "./errors.js";

/** One ClassAd as HTCondor prints it in JSON: attribute name -> JSON value. */
export type RawAd = Record<string, unknown>;

export interface AdStreamOptions {
  /** Largest single ad accepted, in bytes (a runaway ad is an error, not an OOM). */
  maxAdBytes?: number;
  /** false: the exact scanner reads every byte (the reference the fast path is tested against). */
  fastPath?: boolean;
}

const DEFAULT_MAX_AD_BYTES = 16 * 1024 * 1024;
/** Chunks are split into slices of at most this many bytes: one JSON.parse per slice. */
const SLICE_BYTES = 256 * 1024;
/** Bytes the fast path holds without finding a cut before the exact scanner takes them. */
const MAX_HELD_BYTES = 1024 * 1024;

const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
/** HTCondor's separator line between ads. */
const SEPARATOR = Buffer.from("\n,\n");

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
 * Memory is the bytes since the last complete ad (at most a slice plus one ad) plus whatever
 * the caller keeps.
 */
export class AdSplitter {
  private expecting: Expecting = "array";
  /** Byte offset of the first byte not yet consumed (the first held byte, if any). */
  private offset = 0;
  private adCount = 0;
  /** Inside an ad (exact scanner): nesting depth of {} and [], string/escape state, bytes. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  private adStart = 0;
  private adBytes = 0;
  private pieces: Buffer[] = [];
  /** Bytes the fast path holds: between ads, no cut in them yet. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private failure: CondorParseError | undefined;
  private readonly maxAdBytes: number;
  private readonly fastPath: boolean;

  constructor(options: AdStreamOptions = {}) {
    this.maxAdBytes = options.maxAdBytes ?? DEFAULT_MAX_AD_BYTES;
    this.fastPath = options.fastPath ?? true;
  }

  /** Ads completed so far. */
  get count(): number {
    return this.adCount;
  }

  /**
   * The ads this chunk completes. On bad input it returns the ads before the problem and keeps
   * the error for throwIfFailed() (and every later call): a caller that reads the ads in order
   * meets the first problem of the answer in byte order, however the bytes were chunked.
   */
  push(chunk: Buffer): RawAd[] {
    this.throwIfFailed();
    const ads: RawAd[] = [];
    try {
      this.pushChunk(chunk, ads);
    } catch (error) {
      if (!(error instanceof CondorParseError)) throw error;
      this.failure = error;
    }
    return ads;
  }

  /** Throws the problem push() found, if any. */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private pushChunk(chunk: Buffer, ads: RawAd[]): void {
    for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
      this.pushSlice(
        at === 0 && chunk.length <= SLICE_BYTES ? chunk : chunk.subarray(at, at + SLICE_BYTES),
        ads,
      );
    }
  }

  /**
   * Call at end of output: the last ads. 0 bytes is a valid empty answer; anything unfinished is
   * an error, kept like push()'s for throwIfFailed() after the ads before it.
   */
  finish(): RawAd[] {
    this.throwIfFailed();
    const ads: RawAd[] = [];
    try {
      this.releaseHeld(ads);
      this.checkComplete();
    } catch (error) {
      if (!(error instanceof CondorParseError)) throw error;
      this.failure = error;
    }
    return ads;
  }

  private checkComplete(): void {
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

  private pushSlice(slice: Buffer, ads: RawAd[]): void {
    if (!this.fastPath) {
      this.scan(slice, ads, false);
      return;
    }
    let rest = slice;
    if (!this.betweenAds()) {
      // Finish the ad in progress (or the opening '[') exactly, then go on fast.
      const used = this.scan(rest, ads, true);
      if (used === rest.length) return;
      rest = rest.subarray(used);
    }
    this.pushFast(rest, ads);
  }

  /** Between ads, before an ad: where the fast path can start. */
  private betweenAds(): boolean {
    return this.depth === 0 && (this.expecting === "first-ad" || this.expecting === "next-ad");
  }

  private pushFast(slice: Buffer, ads: RawAd[]): void {
    const cut = this.lastCut(slice);
    if (cut === -1) {
      this.held.push(slice);
      this.heldBytes += slice.length;
      if (this.heldBytes > Math.min(MAX_HELD_BYTES, this.maxAdBytes)) this.releaseHeld(ads);
      return;
    }
    const isEnd = slice[cut] === CLOSE_BRACKET;
    const parsed = this.parseRegion(slice, cut, isEnd);
    if (parsed === undefined) {
      // Not a cut between ads, or bad input: the exact scanner decides, with its errors.
      this.held.push(slice);
      this.heldBytes += slice.length;
      this.releaseHeld(ads);
      return;
    }
    for (const ad of parsed) ads.push(ad);
    this.adCount += parsed.length;
    this.offset += this.heldBytes + cut + 1;
    this.held = [];
    this.heldBytes = 0;
    this.expecting = isEnd ? "end" : "next-ad";
    const rest = slice.subarray(cut + 1);
    if (rest.length === 0) return;
    if (isEnd) this.scan(rest, ads, false);
    else {
      this.held.push(rest);
      this.heldBytes = rest.length;
    }
  }

  /**
   * Where the fast path may cut this slice: the comma of its last separator line, or a
   * closing ']' followed by whitespace only; -1 for neither.
   */
  private lastCut(slice: Buffer): number {
    let last = slice.length - 1;
    while (last >= 0 && isWhitespace(slice[last] as number)) last--;
    if (last >= 0 && slice[last] === CLOSE_BRACKET) return last;
    const separator = slice.lastIndexOf(SEPARATOR);
    if (separator !== -1) return separator + 1;
    // A separator line split between the held bytes and this slice.
    const previous = this.held[this.held.length - 1];
    if (previous === undefined || previous.length === 0) return -1;
    const end = previous.length - 1;
    if (slice[0] === NEWLINE && previous[end] === COMMA && previous[end - 1] === NEWLINE) {
      return -1; // the comma is in the held bytes: left to the next cut
    }
    if (
      slice.length >= 2 &&
      slice[0] === COMMA &&
      slice[1] === NEWLINE &&
      previous[end] === NEWLINE
    )
      return 0;
    return -1;
  }

  /** The ads in held bytes + slice[0, cut), if they are a complete run of ads; else undefined. */
  private parseRegion(slice: Buffer, cut: number, isEnd: boolean): RawAd[] | undefined {
    const length = this.heldBytes + cut;
    if (length > this.maxAdBytes) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.regionText(slice, cut));
    } catch {
      return undefined;
    }
    const ads = parsed as unknown[];
    // "[" and "]" alone is the empty answer; a ',' or a ']' after ',' needs an ad before it.
    if (ads.length === 0 && !(isEnd && this.expecting === "first-ad")) return undefined;
    for (const ad of ads) {
      if (ad === null || typeof ad !== "object" || Array.isArray(ad)) return undefined;
    }
    return ads as RawAd[];
  }

  /** "[" + held bytes + slice[0, cut) + "]" as text. */
  private regionText(slice: Buffer, cut: number): string {
    // Decoding piece by piece is exact when no piece ends inside a UTF-8 sequence (an ASCII last
    // byte); otherwise the pieces are joined first.
    let text = "[";
    for (const piece of this.held) {
      if (piece.length > 0 && (piece[piece.length - 1] as number) >= 0x80) {
        return `[${Buffer.concat([...this.held, slice.subarray(0, cut)]).toString("utf8")}]`;
      }
      text += piece.toString("utf8");
    }
    return `${text}${slice.toString("utf8", 0, cut)}]`;
  }

  /** Hands the held bytes to the exact scanner. */
  private releaseHeld(ads: RawAd[]): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const piece of held) this.scan(piece, ads, false);
  }

  /**
   * The exact scanner: consumes `chunk` from its start (byte `this.offset`), appending the ads
   * it completes. With `yieldWhenBetween`, it stops right after the '[' or ',' that leaves it
   * between ads, for the fast path to go on; returns the bytes consumed.
   */
  private scan(chunk: Buffer, ads: RawAd[], yieldWhenBetween: boolean): number {
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
      if (yieldWhenBetween && this.betweenAds()) {
        this.offset += i + 1;
        return i + 1;
      }
    }
    if (this.depth > 0 && pieceStart >= 0) this.addPiece(chunk.subarray(pieceStart));
    this.offset += chunk.length;
    return chunk.length;
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

/**
 * Yields the ads of one answer in batches (the ads each chunk completes) as its chunks arrive;
 * throws CondorParseError on bad input. The path for large answers: one step per chunk.
 */
export async function* streamAdBatches(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: AdStreamOptions = {},
): AsyncGenerator<RawAd[]> {
  const splitter = new AdSplitter(options);
  for await (const chunk of chunks) {
    const buffer =
      typeof chunk === "string"
        ? Buffer.from(chunk, "utf8")
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const ads = splitter.push(buffer);
    if (ads.length > 0) yield ads;
    splitter.throwIfFailed();
  }
  const last = splitter.finish();
  if (last.length > 0) yield last;
  splitter.throwIfFailed();
}

/** Yields the ads of one answer one by one as its chunks arrive; the same rules as above. */
export async function* streamAds(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: AdStreamOptions = {},
): AsyncGenerator<RawAd> {
  for await (const ads of streamAdBatches(chunks, options)) yield* ads;
}

/** Whole-buffer convenience (tests, small answers): the same rules as streamAds. */
export function parseAds(text: Buffer | string, options: AdStreamOptions = {}): RawAd[] {
  const splitter = new AdSplitter(options);
  const ads = splitter.push(typeof text === "string" ? Buffer.from(text, "utf8") : text);
  splitter.throwIfFailed();
  for (const ad of splitter.finish()) ads.push(ad);
  splitter.throwIfFailed();
  return ads;
}
