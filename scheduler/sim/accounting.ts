// Where the waiting and the paid time go, per policy run: each job's wait split by what it was
// waiting for, each VM's paid core-seconds split by what the VM was doing. Exact per job and
// per VM (from its own timestamps); only the "held" part of a wait is attributed by the cause
// the plan gave for its VM type at the time (the plan's `unserved` decisions).

export const WAIT_CAUSES = [
  "next cycle",
  "held: quota",
  "held: boots per cycle",
  "held: back-off",
  "held: max_instances",
  "held: ramp",
  "held: policy",
  "deploy",
  "boot",
  "busy workers",
] as const;
export type WaitCause = (typeof WAIT_CAUSES)[number];

export const PAID_USES = [
  "running jobs",
  "booting",
  "idle VM (keep-alive)",
  "idle cores of busy VMs",
  "draining",
  "failed VMs",
] as const;
export type PaidUse = (typeof PAID_USES)[number];

/** What the plan said held a VM type's jobs: a blocker of its `unserved` decision, or none. */
export type HoldCause = Exclude<WaitCause, "next cycle" | "deploy" | "boot" | "busy workers">;

/** The worker a job started on, as far as its wait is concerned. */
export interface StartedOn {
  /** The plan decided to boot it (the pool entry's createdAt). */
  plannedAt?: number;
  /** The cloud got its create request. */
  requestedAt?: number;
  /** Its startd joined the pool. */
  joinedAt: number;
}

export class WaitLedger {
  readonly seconds = zeros(WAIT_CAUSES);
  /** Per VM type: times at which the plan's hold cause changed, in order. */
  private readonly holds = new Map<string, { at: number[]; cause: (HoldCause | undefined)[] }>();

  /** Records, after a cycle at `t`, what holds `vmType`'s waiting jobs until the next one. */
  hold(vmType: string, t: number, cause: HoldCause | undefined): void {
    let line = this.holds.get(vmType);
    if (!line) {
      line = { at: [], cause: [] };
      this.holds.set(vmType, line);
    }
    if (line.cause.length > 0 && line.cause[line.cause.length - 1] === cause) return;
    line.at.push(t);
    line.cause.push(cause);
  }

  /**
   * A job of `vmType` submitted at `submit`, first seen by a cycle at `seenAt` (undefined: it
   * started before any cycle saw it), started at `startedAt` on `worker`.
   */
  started(
    vmType: string,
    submit: number,
    seenAt: number | undefined,
    startedAt: number,
    worker: StartedOn,
  ): void {
    const end = startedAt;
    const seen = Math.min(seenAt ?? end, end);
    this.add("next cycle", seen - submit);
    // Started the moment its worker joined, after waiting: it waited for that boot.
    const forBoot = worker.joinedAt === startedAt && startedAt > submit;
    if (!forBoot) {
      this.add("busy workers", end - seen);
      return;
    }
    const requested = clamp(worker.requestedAt ?? worker.joinedAt, seen, end);
    const planned = clamp(worker.plannedAt ?? requested, seen, requested);
    this.holdBetween(vmType, seen, planned);
    this.add("deploy", requested - planned);
    this.add("boot", end - requested);
  }

  private holdBetween(vmType: string, from: number, to: number): void {
    if (to <= from) return;
    const line = this.holds.get(vmType);
    if (!line || line.at.length === 0) {
      this.add("held: policy", to - from);
      return;
    }
    // The cause in force at `from`, then each change up to `to`.
    let i = upperBound(line.at, from) - 1;
    let t = from;
    while (t < to) {
      const cause = i >= 0 ? line.cause[i] : undefined;
      const next = i + 1 < line.at.length ? Math.min(to, line.at[i + 1] as number) : to;
      this.add(cause ?? "held: policy", next - t);
      t = next;
      i++;
    }
  }

  private add(cause: WaitCause, seconds: number): void {
    if (seconds > 0) this.seconds[cause] += seconds;
  }
}

/** What one startd did over its life, in core-seconds, for its VM's paid-time split. */
export class StartdUsage {
  private used = 0;
  private since: number;
  busyCoreSeconds = 0;
  /** Whole-worker idle seconds while not draining (the keep-alive). */
  idleSeconds = 0;
  drainAt?: number;
  private busyAtDrain = 0;
  private idleAtDrain = 0;

  constructor(
    readonly cores: number,
    readonly joinedAt: number,
  ) {
    this.since = joinedAt;
  }

  /** Cores in use change at `now` (a job started or ended). */
  change(now: number, deltaCores: number): void {
    this.advance(now);
    this.used += deltaCores;
  }

  drain(now: number): void {
    if (this.drainAt !== undefined) return;
    this.advance(now);
    this.drainAt = now;
    this.busyAtDrain = this.busyCoreSeconds;
    this.idleAtDrain = this.idleSeconds;
  }

  /** Core-seconds by use from join to `end` (the VM's delete, or the end of the run). */
  split(end: number): Partial<Record<PaidUse, number>> {
    this.advance(end);
    const cores = this.cores;
    const drainAt = Math.min(this.drainAt ?? end, end);
    const beforeDrain = Math.max(0, drainAt - this.joinedAt) * cores;
    const busyBefore = this.drainAt === undefined ? this.busyCoreSeconds : this.busyAtDrain;
    const idleBefore = (this.drainAt === undefined ? this.idleSeconds : this.idleAtDrain) * cores;
    const draining = Math.max(0, end - drainAt) * cores;
    const busyDraining = this.busyCoreSeconds - busyBefore;
    return {
      "running jobs": this.busyCoreSeconds,
      "idle VM (keep-alive)": idleBefore,
      "idle cores of busy VMs": Math.max(0, beforeDrain - busyBefore - idleBefore),
      draining: Math.max(0, draining - busyDraining),
    };
  }

  private advance(now: number): void {
    const dt = now - this.since;
    if (dt <= 0) return;
    this.busyCoreSeconds += this.used * dt;
    if (this.used === 0 && this.drainAt === undefined) this.idleSeconds += dt;
    this.since = now;
  }
}

export class PaidLedger {
  readonly coreSeconds = zeros(PAID_USES);

  /**
   * A VM requested at `requestedAt` and gone (or measured) at `end`; `usage` once it joined;
   * `failed`: it went to ERROR or will never join.
   */
  add(
    cores: number,
    requestedAt: number,
    end: number,
    usage: StartdUsage | undefined,
    failed: boolean,
  ): void {
    if (!usage) {
      this.coreSeconds[failed ? "failed VMs" : "booting"] += Math.max(0, end - requestedAt) * cores;
      return;
    }
    this.coreSeconds.booting += Math.max(0, usage.joinedAt - requestedAt) * cores;
    for (const [use, seconds] of Object.entries(usage.split(end)))
      this.coreSeconds[use as PaidUse] += seconds ?? 0;
  }
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
