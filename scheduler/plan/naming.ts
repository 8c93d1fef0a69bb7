// Worker names: "cs-<cloud>-<vmtype>-<nnnn>", the lowest number no pool entry and no startd uses.
// Names of workers removed this cycle stay taken: their VMs (and startd ads) may still exist.

export function workerName(cloud: string, vmType: string, number: number): string {
  return `cs-${cloud}-${vmType}-${fourDigits(number)}`;
}

/** The names of one cloud and VM type: their common prefix, and the next number to try. */
interface Series {
  cloud: string;
  vmType: string;
  prefix: string;
  next: number;
}

/** Hands out fresh names; `taken` is every name in use anywhere (all clouds, all observations). */
export class WorkerNamer {
  private readonly taken: Set<string>;
  /** Per "cloud/vmType", so naming n workers stays O(n); the last one asked for beside it. */
  private readonly series = new Map<string, Series>();
  private last: Series | undefined;

  /**
   * `inUse` answers for names taken elsewhere without copying them here (the planner's pools,
   * startds and servers: thousands of names, of which naming asks about a few).
   */
  constructor(
    taken: Iterable<string>,
    private readonly inUse: (name: string) => boolean = () => false,
    /**
     * A number every lower one of which is known taken (names a pool already holds), so the
     * search for the lowest free one starts there instead of asking about each from 1.
     */
    private readonly firstUnknown: (cloud: string, vmType: string) => number = () => 1,
  ) {
    this.taken = new Set(taken);
  }

  name(cloud: string, vmType: string): string {
    const series = this.seriesOf(cloud, vmType);
    let number = series.next;
    let name = series.prefix + fourDigits(number);
    while (this.taken.has(name) || this.inUse(name)) {
      number += 1;
      name = series.prefix + fourDigits(number);
    }
    this.taken.add(name);
    series.next = number + 1;
    return name;
  }

  private seriesOf(cloud: string, vmType: string): Series {
    const last = this.last;
    if (last !== undefined && last.cloud === cloud && last.vmType === vmType) return last;
    const key = `${cloud}/${vmType}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = {
        cloud,
        vmType,
        prefix: `cs-${cloud}-${vmType}-`,
        next: this.firstUnknown(cloud, vmType),
      };
      this.series.set(key, series);
    }
    this.last = series;
    return series;
  }
}

/** A worker number as names write it: at least four digits. */
function fourDigits(number: number): string {
  return String(number).padStart(4, "0");
}

/**
 * For names sorted as pools keep them (by name within a cloud): the first number n such that the
 * names numbered 1..n-1 of `cloud` and `vmType` are all among `names[from..to)` (every one of
 * them is taken). Four-digit numbers sort as numbers, so the k-th name with the prefix being
 * number k proves 1..k are there; past the first gap, or past 9999, the caller asks name by name.
 */
export function firstUnlisted(
  names: (i: number) => string,
  from: number,
  to: number,
  cloud: string,
  vmType: string,
): number {
  const prefix = `cs-${cloud}-${vmType}-`;
  let low = from;
  let high = to;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (names(mid) < prefix) low = mid + 1;
    else high = mid;
  }
  let number = 1;
  for (let i = low; i < to && number <= 9999; i++) {
    if (!isNumbered(names(i), prefix, number)) break;
    number++;
  }
  return number;
}

/**
 * Whether `name` is prefix + fourDigits(number) (number 1..9999), read digit by digit: a pool's
 * series holds thousands of names, and building each one to compare costs more than reading it.
 */
function isNumbered(name: string, prefix: string, number: number): boolean {
  if (name.length !== prefix.length + 4 || !name.startsWith(prefix)) return false;
  let value = 0;
  for (let i = prefix.length; i < name.length; i++) {
    const digit = name.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    value = value * 10 + digit;
  }
  return value === number;
}
