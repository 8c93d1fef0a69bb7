// buildFleet: the pure join of pool entries, HTCondor ads, condor_q's RemoteHosts and the
// cloud's servers into one StateWorker per pool worker. Linear in the size of its inputs, with
// no per-worker allocation beyond the record itself.
import { type CloudServer, isOwnWorker } from "../cloud/inventory.js";
import type { Job, ObservedWorker } from "../condor/types.js";
import { UNKNOWN_LAUNCH } from "./launch.js";
import type { Fleet, FleetInput, OrphanServer, StateWorker } from "./types.js";

const NO_SERVERS: ReadonlyMap<string, readonly CloudServer[]> = new Map();
const NO_BROKEN: StateWorker["brokenSlots"] = [];
const NO_SERVER: readonly CloudServer[] = [];

export function buildFleet(input: FleetInput): Fleet {
  const launch = input.launch ?? UNKNOWN_LAUNCH;
  const servers = input.servers ?? NO_SERVERS;
  // One record per pool entry name, in (cloud, name) order when the pools are (pool files are
  // sorted); the first cloud's entry wins a name in two pools. Filled in as the witnesses are read.
  const byName = new Map<string, StateWorker>();
  const workers: StateWorker[] = [];
  const clouds = Object.keys(input.pools).sort(compare);
  for (const cloud of clouds) {
    const first = workers.length;
    let sorted = true;
    for (const entry of input.pools[cloud] ?? []) {
      const name = entry.name;
      const worker: StateWorker = {
        cloud,
        entry,
        ads: undefined,
        queueJobs: 0,
        runningJobs: 0,
        jobKeepAliveSeconds: 0,
        servers: undefined,
        slotCores: 0,
        slotMemoryMb: 0,
        brokenSlots: NO_BROKEN,
        expectedLaunch: undefined,
        drifted: false,
        retireHold: undefined,
        createInterrupted: false,
        serverMissingSince: undefined,
      };
      // One lookup, not two: a name already taken shows as a map that did not grow (rare: the
      // first entry is put back).
      const known = byName.size;
      byName.set(name, worker);
      if (byName.size === known) {
        byName.set(name, firstNamed(workers, name));
        continue;
      }
      if (sorted && workers.length > first) {
        sorted = compare((workers[workers.length - 1] as StateWorker).entry.name, name) < 0;
      }
      workers.push(worker);
    }
    if (!sorted) sortByName(workers, first);
  }

  const { withAds, strangers, strangerByName, strangerNames } = indexAds(input.workers, byName);

  // Each worker's free slots, and whether every machine name a worker claims (its entry's, its
  // ads', its slots') has the worker's name as its first label, as Nova names hosts: then a
  // running job's machine is found by that label alone, with no map of machines built.
  let unlabelled = false;
  for (const worker of workers) {
    const machine = worker.entry.machine;
    if (machine && !labelled(machine, worker.entry.name)) unlabelled = true;
  }
  for (const worker of withAds) {
    const ads = worker.ads as ObservedWorker;
    const name = worker.entry.name;
    if (!labelled(ads.machine, name)) unlabelled = true;
    let broken: { slot: string; code: number; reason: string }[] | undefined;
    let cores = 0;
    let memoryMb = 0;
    for (const slot of ads.slots) {
      if (slot.machine !== ads.machine && !labelled(slot.machine, name)) unlabelled = true;
      if (
        slot.slotType === "Partitionable" ||
        (slot.slotType === "Static" && slot.state === "Unclaimed")
      ) {
        cores += slot.cpus;
        memoryMb += slot.memoryMb;
      }
      if (!slot.broken) continue;
      broken ??= [];
      broken.push({ slot: slot.name, code: slot.broken.code, reason: slot.broken.reason });
    }
    worker.slotCores = cores;
    worker.slotMemoryMb = memoryMb;
    if (broken !== undefined) worker.brokenSlots = broken;
  }
  const workerOfMachine = unlabelled ? machineMap(byName, withAds) : undefined;
  const byServer = attributeJobs(input.jobs, workerOfMachine, byName, strangerByName, servers);

  // Each server onto its pool worker of the same cloud (Nova allows several servers of one
  // name); a server of ours no pool claims is an orphan.
  // Workers come cloud by cloud: whether the cloud was read is asked where a cloud starts.
  let listedCloud: string | undefined;
  let listed = false;
  for (const worker of workers) {
    if (worker.cloud !== listedCloud) {
      listedCloud = worker.cloud;
      listed = servers.has(listedCloud);
    }
    if (listed) worker.servers = NO_SERVER;
  }
  const serverNames = new Set<string>();
  const orphans: OrphanServer[] = [];
  for (const cloud of [...servers.keys()].sort(compare)) {
    for (const server of servers.get(cloud) ?? []) {
      const worker = byName.get(server.name);
      if (worker !== undefined) {
        if (worker.cloud !== cloud) continue;
        const known = worker.servers as readonly CloudServer[];
        worker.servers = known === NO_SERVER ? [server] : [...known, server];
        continue;
      }
      serverNames.add(server.name);
      if (input.owner === undefined || !isOwnWorker(server, input.owner)) continue;
      const ads = strangerByName.get(server.name);
      orphans.push({
        cloud,
        server,
        ads,
        runningJobs: Math.max(ads?.runningJobs ?? 0, byServer.get(server.name) ?? 0),
        firstSeen: input.orphanFirstSeen?.get(`${cloud}/${server.id}`) ?? input.now,
      });
    }
  }
  orphans.sort((a, b) => compare(a.cloud, b.cloud) || compare(a.server.name, b.server.name));

  // Mostly empty: then not asked about every worker (their defaults say the same).
  const holds = input.retireHolds?.size ? input.retireHolds : undefined;
  const interrupted = input.createInterrupted?.size ? input.createInterrupted : undefined;
  // Even empty it says something: a missing server is missing since this listing.
  const missingSince = input.serverMissingSince;
  for (const worker of workers) {
    const entry = worker.entry;
    worker.runningJobs = Math.max(worker.ads?.runningJobs ?? 0, worker.queueJobs);
    const expectedLaunch = launch.of(worker.cloud, entry.vmType, entry.image, entry.flavor);
    worker.expectedLaunch = expectedLaunch;
    // A worker from before launch digests were recorded counts as current.
    worker.drifted =
      expectedLaunch !== undefined && entry.launch !== undefined && entry.launch !== expectedLaunch;
    if (holds !== undefined) worker.retireHold = holds.get(entry.name);
    if (interrupted !== undefined) worker.createInterrupted = interrupted.has(entry.name);
    // Read only when its server is missing: `now` means this listing is the first to lack it.
    if (missingSince !== undefined) {
      worker.serverMissingSince = missingSince.get(entry.name) ?? input.now;
    }
  }

  return {
    workers,
    byName,
    strangers,
    strangerNames,
    orphans,
    serverNames,
    cloudsRead: new Set(servers.keys()),
    launch,
  };
}

/**
 * Machine name -> pool worker, for a fleet where some machine does not carry its worker's name:
 * the names recorded in pool entries, then the ads (which win). An entry whose ads say the same
 * machine is left to its ads: they set it after anyway.
 */
function machineMap(
  byName: ReadonlyMap<string, StateWorker>,
  withAds: readonly StateWorker[],
): Map<string, StateWorker> {
  const workerOfMachine = new Map<string, StateWorker>();
  for (const worker of byName.values()) {
    const machine = worker.entry.machine;
    if (machine && worker.ads?.machine !== machine) workerOfMachine.set(machine, worker);
  }
  for (const worker of withAds) {
    const ads = worker.ads as ObservedWorker;
    workerOfMachine.set(ads.machine, worker);
    for (const slot of ads.slots) {
      if (slot.machine !== ads.machine) workerOfMachine.set(slot.machine, worker);
    }
  }
  return workerOfMachine;
}

/**
 * Whether `machine`'s first label (up to the first dot) is `name`. A machine claimed only by the
 * worker it is labelled with is found by its label: the map would give that worker, and without
 * a claim the label is asked anyway.
 */
export function labelled(machine: string, name: string): boolean {
  const length = name.length;
  if (machine.length !== length && machine.charCodeAt(length) !== 46) return false;
  return machine.startsWith(name) && name.indexOf(".") < 0;
}

/** The worker first given `name` (a pool entry of another cloud, or a repeat in one pool). */
function firstNamed(workers: readonly StateWorker[], name: string): StateWorker {
  const worker = workers.find((w) => w.entry.name === name);
  if (worker === undefined) throw new Error(`buildFleet: no worker named ${name} to keep`);
  return worker;
}

/** Sorts workers[from..] by name (the workers of one cloud, whose pool was not sorted). */
function sortByName(workers: StateWorker[], from: number): void {
  const part = workers.slice(from).sort((a, b) => compare(a.entry.name, b.entry.name));
  for (let i = 0; i < part.length; i++) workers[from + i] = part[i] as StateWorker;
}

/**
 * Startds onto the pool workers they claim (several startds claiming one name are merged, so a
 * job on any of them keeps the worker), and the rest, one per machine. `withAds`: the workers
 * that got ads, in the order of their first startd.
 */
function indexAds(
  observed: readonly ObservedWorker[],
  byName: ReadonlyMap<string, StateWorker>,
): {
  withAds: StateWorker[];
  strangers: ObservedWorker[];
  strangerByName: Map<string, ObservedWorker>;
  strangerNames: Set<string>;
} {
  const withAds: StateWorker[] = [];
  // Rare: several startds claiming one worker. Merged in machine order, so any order of the
  // answer gives the same model.
  let claimedTwice: Map<StateWorker, ObservedWorker[]> | undefined;
  const strangers = new Map<string, ObservedWorker>();
  const strangerByName = new Map<string, ObservedWorker>();
  const strangerNames = new Set<string>();
  for (const w of observed) {
    const worker = w.workerName === undefined ? undefined : byName.get(w.workerName);
    if (worker !== undefined) {
      const prior = worker.ads;
      if (prior === undefined) {
        worker.ads = w;
        withAds.push(worker);
      } else {
        claimedTwice ??= new Map();
        const group = claimedTwice.get(worker) ?? [prior];
        group.push(w);
        claimedTwice.set(worker, group);
      }
      continue;
    }
    if (w.workerName !== undefined) strangerNames.add(w.workerName);
    const known = strangers.get(w.machine);
    if (known === undefined || compare(ads(w), ads(known)) < 0) strangers.set(w.machine, w);
  }
  for (const [worker, group] of claimedTwice ?? []) {
    group.sort((a, b) => compare(a.machine, b.machine) || compare(ads(a), ads(b)));
    let merged = group[0] as ObservedWorker;
    for (const next of group.slice(1)) merged = merge(merged, next);
    worker.ads = merged;
  }
  const strangerList = [...strangers.values()].sort((a, b) => compare(a.machine, b.machine));
  for (const w of strangerList) {
    if (w.workerName !== undefined && !strangerByName.has(w.workerName)) {
      strangerByName.set(w.workerName, w);
    }
  }
  return { withAds, strangers: strangerList, strangerByName, strangerNames };
}

/** A tie-break between ads of one machine: their first slot's name. */
function ads(w: ObservedWorker): string {
  return w.slots[0]?.name ?? w.daemonName ?? "";
}

function merge(a: ObservedWorker, b: ObservedWorker): ObservedWorker {
  const merged: ObservedWorker = {
    ...a,
    slots: [...a.slots, ...b.slots],
    runningJobs: a.runningJobs + b.runningJobs,
    // Draining only when every startd of it drains: an undrained one still takes jobs.
    draining: a.draining && b.draining,
  };
  const daemonName = a.daemonName ?? b.daemonName;
  if (daemonName !== undefined) merged.daemonName = daemonName;
  return merged;
}

/**
 * Running jobs per worker from condor_q's RemoteHost ("slot1_1@<machine>"): the machine of an
 * ad or of a pool entry's recorded name, else a machine whose first label is a pool worker's
 * name (Nova names the host after the server). Counted onto the workers (queueJobs, and the
 * largest +VMKeepAlive); returns the running jobs per orphan-candidate server name (found by
 * host name only). Only ever used to keep a worker: a job found this way never causes a retire.
 */
function attributeJobs(
  jobs: readonly Job[],
  workerOfMachine: ReadonlyMap<string, StateWorker> | undefined,
  byName: ReadonlyMap<string, StateWorker>,
  strangerByName: ReadonlyMap<string, ObservedWorker>,
  servers: ReadonlyMap<string, readonly CloudServer[]>,
): Map<string, number> {
  const byServer = new Map<string, number>();
  const strangerOfMachine = new Map<string, string>();
  for (const [name, ads] of strangerByName) strangerOfMachine.set(ads.machine, name);
  // Indexed, not for-of: a loop over 100k jobs that V8 has not optimized yet would allocate an
  // iterator result per job.
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i] as Job;
    if (job.state !== "running" || !job.remoteHost) continue;
    const host = job.remoteHost;
    const at = host.lastIndexOf("@") + 1;
    let worker = workerOfMachine?.get(host.slice(at));
    if (worker === undefined) {
      const dot = host.indexOf(".", at);
      const label = dot < 0 ? host.slice(at) : host.slice(at, dot);
      worker = byName.get(label);
      if (worker === undefined) {
        const machine = host.slice(at);
        const server = strangerOfMachine.get(machine) ?? (servers.size > 0 ? label : undefined);
        if (server !== undefined) byServer.set(server, (byServer.get(server) ?? 0) + 1);
        continue;
      }
    }
    worker.queueJobs += 1;
    const minutes = job.vmKeepAliveMinutes;
    if (minutes !== undefined && Number.isFinite(minutes) && minutes > 0) {
      worker.jobKeepAliveSeconds = Math.max(worker.jobKeepAliveSeconds, Math.round(minutes * 60));
    }
  }
  return byServer;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
