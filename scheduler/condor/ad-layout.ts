// The key layout of an ad: its attribute names in order. HTCondor prints every ad of one kind
// with the same names in the same order (an idle job lacks RemoteHost, a running one has it),
// so an answer has a handful of layouts. Resolving a case-insensitive attribute name once per
// layout, instead of once per ad, is what keeps reading 100k ads close to JSON.parse's cost.
import type { RawAd } from "./ad-stream.js";

/** Layouts remembered per answer; more than this and the least recent is rebuilt on reuse. */
const RECENT_LAYOUTS = 16;

export class AdLayout {
  readonly keys: readonly string[];
  /** lower-cased name -> the key an ad of this layout carries for it (the last one wins). */
  private readonly byLowerCase = new Map<string, string>();
  private readonly exact: ReadonlySet<string>;
  private readonly resolved = new Map<string, string | undefined>();
  private readonly resolvedLists = new Map<readonly string[], (string | undefined)[]>();
  private readonly positionLists = new Map<readonly string[], number[]>();
  private readonly unset = new Map<readonly string[], boolean>();

  constructor(keys: readonly string[]) {
    this.keys = keys;
    this.exact = new Set(keys);
    for (const key of keys) this.byLowerCase.set(key.toLowerCase(), key);
  }

  /** The key of attribute `name` (case-insensitive; an exact match wins), or undefined. */
  key(name: string): string | undefined {
    if (this.exact.has(name)) return name;
    let key = this.resolved.get(name);
    if (key === undefined && !this.resolved.has(name)) {
      key = this.byLowerCase.get(name.toLowerCase());
      this.resolved.set(name, key);
    }
    return key;
  }

  /** Does an ad of this layout carry attribute `name` (any case)? */
  has(name: string): boolean {
    return this.key(name) !== undefined;
  }

  /** The keys of a fixed list of attribute names, resolved once for this layout. */
  keysOf(names: readonly string[]): (string | undefined)[] {
    let keys = this.resolvedLists.get(names);
    if (keys === undefined) {
      keys = names.map((name) => this.key(name));
      this.resolvedLists.set(names, keys);
    }
    return keys;
  }

  /**
   * Where each of a fixed list of attribute names sits in an ad of this layout (its index in
   * Object.values(ad)), -1 for absent; resolved once for this layout.
   */
  positionsOf(names: readonly string[]): number[] {
    let positions = this.positionLists.get(names);
    if (positions === undefined) {
      positions = this.keysOf(names).map((key) =>
        key === undefined ? -1 : this.keys.indexOf(key),
      );
      this.positionLists.set(names, positions);
    }
    return positions;
  }

  /** Do ads of this layout lack every one of `names`? (Remembered per list.) */
  setsNoneOf(names: readonly string[]): boolean {
    let none = this.unset.get(names);
    if (none === undefined) {
      none = names.every((name) => !this.has(name));
      this.unset.set(names, none);
    }
    return none;
  }

  /** Does `ad` have exactly these keys in this order? */
  fits(ad: RawAd): boolean {
    const keys = this.keys;
    let i = 0;
    for (const key in ad) {
      if (keys[i] !== key) return false;
      i++;
    }
    return i === keys.length;
  }
}

/** The layouts of one answer, most recently used first. */
export class AdLayouts {
  private readonly recent: AdLayout[] = [];

  of(ad: RawAd): AdLayout {
    const recent = this.recent;
    const first = recent[0];
    if (first?.fits(ad)) return first;
    for (let i = 1; i < recent.length; i++) {
      const layout = recent[i] as AdLayout;
      if (layout.fits(ad)) {
        recent.splice(i, 1);
        recent.unshift(layout);
        return layout;
      }
    }
    const layout = new AdLayout(Object.keys(ad));
    recent.unshift(layout);
    if (recent.length > RECENT_LAYOUTS) recent.pop();
    return layout;
  }
}
