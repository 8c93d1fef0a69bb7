// What each cloud has room for this cycle: quota (instances, cores, RAM), the VM type's
// max_instances across clouds, boots per cycle, back-off. Every worker of a cloud's current pool
// counts, including the ones this plan removes: Pulumi deletes them only after it has created
// the new ones, so their quota is not free until the next cycle.
import type { Config } from "../config/schema.js";
import type { PoolWorker } from "../pool/types.js";
import type { Shape } from "./types.js";

interface Usage {
  instances: number;
  cores: number;
  ramMb: number;
  boots: number;
}

/** What stops a boot on a cloud (RoomLedger.blocker says it in words). */
type Blocked =
  | "config"
  | "disabled"
  | "back-off"
  | "boots"
  | "instances"
  | "cores"
  | "ram"
  | "max-instances";

/** One cloud as the ledger knows it, resolved once: its settings (undefined: not in config). */
export interface CloudRoom {
  readonly cloud: string;
  /** Its weight in the spread (1 when not in config). */
  readonly weight: number;
  readonly settings: Config["clouds"][string] | undefined;
  readonly unavailable: boolean;
  readonly usage: Usage;
}

export class RoomLedger {
  private readonly rooms = new Map<string, CloudRoom>();
  /** roomsOf's answers, by the list asked about (a group asks with its one list each time). */
  private readonly roomLists = new Map<readonly string[], readonly CloudRoom[]>();
  private readonly perVmType = new Map<string, number>();

  constructor(
    private readonly config: Config,
    pools: Record<string, readonly PoolWorker[]>,
    private readonly unavailable: ReadonlySet<string>,
  ) {
    for (const [cloud, workers] of Object.entries(pools)) {
      const usage = this.roomOf(cloud).usage;
      // A pool sorted by name holds each VM type's workers in one run: counted run by run.
      let vmType: string | undefined;
      let run = 0;
      for (const worker of workers) {
        usage.instances += 1;
        usage.cores += worker.cores;
        usage.ramMb += worker.ramMb;
        if (worker.vmType !== vmType) {
          if (vmType !== undefined) this.countType(vmType, run);
          vmType = worker.vmType;
          run = 0;
        }
        run++;
      }
      if (vmType !== undefined) this.countType(vmType, run);
    }
  }

  private countType(vmType: string, workers: number): void {
    this.perVmType.set(vmType, (this.perVmType.get(vmType) ?? 0) + workers);
  }

  /** Workers counted on the cloud (current pool plus boots so far). */
  instances(cloud: string): number {
    return this.roomOf(cloud).usage.instances;
  }

  /** Whether one more worker of `shape` can boot on `cloud` now (no text built). */
  hasRoom(cloud: string, shape: Shape): boolean {
    return this.blocked(cloud, shape) === undefined;
  }

  /** The clouds' records, in their order: ask hasRoomOn() of each without a lookup by name. */
  roomsOf(clouds: readonly string[]): readonly CloudRoom[] {
    let rooms = this.roomLists.get(clouds);
    if (rooms === undefined) {
      rooms = clouds.map((cloud) => this.roomOf(cloud));
      this.roomLists.set(clouds, rooms);
    }
    return rooms;
  }

  /**
   * hasRoom() on a cloud's record for a VM type below its max_instances (typeHasRoom): a pick
   * asks that once and this of each cloud.
   */
  hasRoomOn(room: CloudRoom, shape: Shape): boolean {
    return this.blockedOn(room, shape) === undefined;
  }

  /** The VM type of `shape` is below its max_instances across all clouds. */
  typeHasRoom(shape: Shape): boolean {
    const max = this.config.vm_types[shape.vmType]?.max_instances;
    return !(max !== undefined && (this.perVmType.get(shape.vmType) ?? 0) + 1 > max);
  }

  /** Why one more worker of `shape` cannot boot on `cloud` now; undefined when it can. */
  blocker(cloud: string, shape: Shape): string | undefined {
    const why = this.blocked(cloud, shape);
    if (why === undefined) return undefined;
    const limit = this.config.policy.max_boots_per_cycle;
    const quota = this.config.clouds[cloud]?.quota;
    const usage = this.roomOf(cloud).usage;
    switch (why) {
      case "config":
        return "not in config";
      case "disabled":
        return "disabled";
      case "back-off":
        return "in back-off after deploy errors";
      case "boots":
        return `max_boots_per_cycle ${limit} reached`;
      case "instances":
        return `quota instances ${quota?.instances} full`;
      case "cores":
        return `quota cores ${quota?.cores} full (${usage.cores} used, ${shape.vmType} needs ${shape.cores})`;
      case "ram":
        return `quota ram_mb ${quota?.ram_mb} full (${usage.ramMb} used, ${shape.vmType} needs ${shape.ramMb})`;
      case "max-instances":
        return `VM type ${shape.vmType} max_instances ${this.config.vm_types[shape.vmType]?.max_instances} reached`;
    }
  }

  /** What stops one more worker of `shape` on `cloud` now, if anything. */
  private blocked(cloud: string, shape: Shape): Blocked | undefined {
    return (
      this.blockedOn(this.roomOf(cloud), shape) ??
      (this.typeHasRoom(shape) ? undefined : "max-instances")
    );
  }

  /** blocked(), all but the VM type's max_instances. */
  private blockedOn(room: CloudRoom, shape: Shape): Blocked | undefined {
    const settings = room.settings;
    if (!settings) return "config";
    if (!settings.enabled) return "disabled";
    if (room.unavailable) return "back-off";
    const usage = room.usage;
    if (usage.boots >= this.config.policy.max_boots_per_cycle) return "boots";
    const quota = settings.quota;
    if (usage.instances + 1 > quota.instances) return "instances";
    if (usage.cores + shape.cores > quota.cores) return "cores";
    if (usage.ramMb + shape.ramMb > quota.ram_mb) return "ram";
    return undefined;
  }

  /**
   * No cloud can take another worker of any VM type this cycle: blocker() has a reason for
   * every cloud and shape (back-off, boots per cycle, quota, max_instances, out of config).
   */
  full(): boolean {
    const limit = this.config.policy.max_boots_per_cycle;
    for (const [cloud, settings] of Object.entries(this.config.clouds)) {
      if (!settings.enabled || this.unavailable.has(cloud)) continue;
      const usage = this.roomOf(cloud).usage;
      const quota = settings.quota;
      if (usage.boots >= limit || usage.instances + 1 > quota.instances) continue;
      for (const [vmType, type] of Object.entries(this.config.vm_types)) {
        if (usage.cores + type.cores > quota.cores) continue;
        if (usage.ramMb + type.ram_mb > quota.ram_mb) continue;
        const max = type.max_instances;
        if (max !== undefined && (this.perVmType.get(vmType) ?? 0) + 1 > max) continue;
        return false;
      }
    }
    return true;
  }

  /** Counts one new worker of `shape` on `cloud`; the caller checked blocker() first. */
  take(cloud: string, shape: Shape): void {
    const usage = this.roomOf(cloud).usage;
    usage.instances += 1;
    usage.cores += shape.cores;
    usage.ramMb += shape.ramMb;
    usage.boots += 1;
    this.perVmType.set(shape.vmType, (this.perVmType.get(shape.vmType) ?? 0) + 1);
  }

  private roomOf(cloud: string): CloudRoom {
    let room = this.rooms.get(cloud);
    if (!room) {
      const settings = Object.hasOwn(this.config.clouds, cloud)
        ? this.config.clouds[cloud]
        : undefined;
      room = {
        cloud,
        weight: settings?.weight ?? 1,
        settings,
        unavailable: this.unavailable.has(cloud),
        usage: { instances: 0, cores: 0, ramMb: 0, boots: 0 },
      };
      this.rooms.set(cloud, room);
    }
    return room;
  }
}
