// Reading optional values out of a raw ad. Attribute names are case-insensitive in ClassAds
// (a submit file may say +vmtype), values may be expressions ("/Expr(...)/"), and everything a
// user wrote is untrusted text: these readers never throw, they return undefined instead.
import type { AdLayout } from "./ad-layout.js";
import type { RawAd } from "./ad-stream.js";
import { AdScope, isExpr, numberOf, type Value } from "./expr.js";

/** Longest untrusted text kept (VMType, VMAMI, ...); the plan rejects what it does not know. */
export const MAX_TEXT_LENGTH = 256;

/** Trimmed and capped text; control characters are kept (the plan rejects them, we don't crash). */
export function cleanText(text: string): string | undefined {
  let trimmed = text.trim();
  if (trimmed.length > MAX_TEXT_LENGTH) {
    // Cap by code points so a surrogate pair is never split.
    trimmed = Array.from(trimmed).slice(0, MAX_TEXT_LENGTH).join("");
  }
  return trimmed.length > 0 ? trimmed : undefined;
}

const NUMERIC_TEXT = /^\s*\d+(\.\d+)?\s*$/;
const NAME_SEPARATORS = /[\s,]+/;

/** A plain JSON string (not an "/Expr(...)/"): read as is, without the evaluator. */
function isPlainString(raw: unknown): raw is string {
  return typeof raw === "string" && !isExpr(raw);
}

/**
 * Typed, forgiving reads of one ad's attributes (one reader per ad: the lookup index is shared).
 * Plain numbers, strings and booleans are read directly; only expressions go through the
 * evaluator, with the same result (see expr.ts's fromJson for the rules followed here). The
 * `...From(raw, name)` forms take a value the caller already looked up.
 */
export class AdReader {
  private scope: AdScope | undefined;
  private scopeIsCurrent = false;
  private ad: RawAd;
  private layout: AdLayout | undefined;

  /** `layout`: the ad's key layout when the caller tracks it (names resolved once per layout). */
  constructor(ad: RawAd, layout?: AdLayout) {
    this.ad = ad;
    this.layout = layout;
  }

  /** Reads another ad from now on (one reader serves a whole answer). */
  reset(ad: RawAd, layout?: AdLayout): void {
    this.ad = ad;
    this.layout = layout;
    this.scopeIsCurrent = false;
  }

  /** The attribute's JSON value as HTCondor printed it (case-insensitive name). */
  raw(name: string): unknown {
    if (this.layout === undefined) return this.evaluator().lookup(name);
    const key = this.layout.key(name);
    return key === undefined ? undefined : this.ad[key];
  }

  /** The value of an attribute, evaluated if it is an expression. */
  value(name: string): Value {
    return this.evaluator().attribute(name);
  }

  private evaluator(): AdScope {
    if (this.scope === undefined) this.scope = new AdScope(this.ad, this.layout);
    else if (!this.scopeIsCurrent) this.scope.reset(this.ad, this.layout);
    this.scopeIsCurrent = true;
    return this.scope;
  }

  /** A string attribute only (no numbers as text): for names that must be what HTCondor wrote. */
  string(name: string): string | undefined {
    return this.stringFrom(this.raw(name), name);
  }

  stringFrom(raw: unknown, name: string): string | undefined {
    if (raw === undefined) return undefined;
    if (isPlainString(raw)) return cleanText(raw);
    const value = this.value(name);
    return value.kind === "string" ? cleanText(value.value) : undefined;
  }

  /** Text: a string, or a number or boolean written as text. */
  text(name: string): string | undefined {
    return this.textFrom(this.raw(name), name);
  }

  textFrom(raw: unknown, name: string): string | undefined {
    if (raw === undefined) return undefined;
    if (isPlainString(raw)) return cleanText(raw);
    if (typeof raw === "number" && Number.isFinite(raw)) return String(raw);
    const value = this.value(name);
    switch (value.kind) {
      case "string":
        return cleanText(value.value);
      case "int":
      case "real":
      case "bool":
        return String(value.value);
      default:
        return undefined;
    }
  }

  /** Any finite number, negative too (JobPrio). */
  number(name: string): number | undefined {
    return this.numberFrom(this.raw(name), name);
  }

  numberFrom(raw: unknown, name: string): number | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
    const n = numberOf(this.value(name));
    return n !== undefined && Number.isFinite(n) ? n : undefined;
  }

  /** A finite, non-negative number (or numeric text like "8192"); undefined otherwise. */
  amount(name: string): number | undefined {
    return this.amountFrom(this.raw(name), name);
  }

  amountFrom(raw: unknown, name: string): number | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw === "number") return Number.isFinite(raw) && raw >= 0 ? raw : undefined;
    const value = this.value(name);
    let n = numberOf(value);
    if (n === undefined && value.kind === "string" && NUMERIC_TEXT.test(value.value)) {
      n = Number(value.value);
    }
    return n !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
  }

  /** A list of names: a ClassAd list of strings, or text split on commas and whitespace. */
  names(name: string): string[] | undefined {
    return this.namesFrom(this.raw(name), name);
  }

  namesFrom(raw: unknown, name: string): string[] | undefined {
    if (raw === undefined) return undefined;
    const value = this.value(name);
    let parts: string[];
    if (value.kind === "string") parts = value.value.split(NAME_SEPARATORS);
    else if (value.kind === "list") {
      parts = value.items.flatMap((item) =>
        item.kind === "string" ? item.value.split(NAME_SEPARATORS) : [],
      );
    } else return undefined;
    const names = parts.map(cleanText).filter((part): part is string => part !== undefined);
    return names.length > 0 ? names : undefined;
  }

  /** A boolean attribute; undefined when absent or not a boolean. */
  boolean(name: string): boolean | undefined {
    return this.booleanFrom(this.raw(name), name);
  }

  booleanFrom(raw: unknown, name: string): boolean | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw === "boolean") return raw;
    const value = this.value(name);
    return value.kind === "bool" ? value.value : undefined;
  }
}
