// Worker names: "cs-<cloud>-<vmtype>-<nnnn>", the lowest number no pool entry and no startd uses.
// Names of workers removed this cycle stay taken: their VMs (and startd ads) may still exist.

export function workerName(cloud: string, vmType: string, number: number): string {
  return `cs-${cloud}-${vmType}-${String(number).padStart(4, "0")}`;
}

/** Hands out fresh names; `taken` is every name in use anywhere (all clouds, all observations). */
export class WorkerNamer {
  private readonly taken: Set<string>;
  /** Next number to try per "cloud/vmType", so naming n workers stays O(n). */
  private readonly next = new Map<string, number>();

  /**
   * `inUse` answers for names taken elsewhere without copying them here (the planner's pools,
   * startds and servers: thousands of names, of which naming asks about a few).
   */
  constructor(
    taken: Iterable<string>,
    private readonly inUse: (name: string) => boolean = () => false,
  ) {
    this.taken = new Set(taken);
  }

  name(cloud: string, vmType: string): string {
    const key = `${cloud}/${vmType}`;
    let number = this.next.get(key) ?? 1;
    for (;;) {
      const candidate = workerName(cloud, vmType, number);
      if (!this.taken.has(candidate) && !this.inUse(candidate)) break;
      number += 1;
    }
    const name = workerName(cloud, vmType, number);
    this.taken.add(name);
    this.next.set(key, number + 1);
    return name;
  }
}
