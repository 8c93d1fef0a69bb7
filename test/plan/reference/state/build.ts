// buildFleet: the pure join of pool entries, HTCondor ads, condor_q's RemoteHosts and the
// cloud's servers into one StateWorker per pool worker. Linear in the size of its inputs, with
// no per-worker allocation beyond the record itself.
import { type CloudServer, isOwnWorker } from "../../../../scheduler/cloud/inventory.js";
import type { Job, ObservedWorker } from "../../../../scheduler/condor/types.js";
import type { PoolWorker } from "../../../../scheduler/pool/types.js";
import { UNKNOWN_LAUNCH } from "../../../../scheduler/state/launch.js";
import type {
  Fleet,
  FleetInput,
  OrphanServer,
  StateWorker,
} from "../../../../scheduler/state/types.js";

const NO_SERVERS: ReadonlyMap<string, readonly CloudServer[]> = new Map();
const NO_BROKEN: StateWorker["brokenSlots"] = [];
const NO_SERVER: readonly CloudServer[] = [];

export function buildFleet(input: FleetInput): Fleet {
  const launch = input.launch ?? UNKNOWN_LAUNCH;
  const servers = input.servers ?? NO_SERVERS;
  // Pool entries by name, in (cloud, name) order when the pools are (pool files are sorted).
  const entries = new Map<string, PoolWorker>();
  const clouds = Object.keys(input.pools).sort(compare);
  for (const cloud of clouds) {
    for (const entry of input.pools[cloud] ?? []) {
      if (!entries.has(entry.name)) entries.set(entry.name, entry);
    }
  }

  const { byWorker, strangers, strangerByName } = indexAds(input.workers, entries);

  // Machine name -> pool worker: from the ads, then the names recorded in pool entries.
  const workerOfMachine = new Map<string, string>();
  for (const [name, entry] of entries) if (entry.machine) workerOfMachine.set(entry.machine, name);
  for (const [name, ads] of byWorker) {
    workerOfMachine.set(ads.machine, name);
    for (const slot of ads.slots) {
      if (slot.machine !== ads.machine) workerOfMachine.set(slot.machine, name);
    }
  }
  const queue = attributeJobs(input.jobs, workerOfMachine, entries, strangerByName, servers);

  // Servers by cloud and name, once: Nova allows several servers of one name.
  const serversByName = new Map<string, Map<string, CloudServer[]>>();
  const serverNames = new Set<string>();
  const orphans: OrphanServer[] = [];
  for (const cloud of [...servers.keys()].sort(compare)) {
    const named = new Map<string, CloudServer[]>();
    for (const server of servers.get(cloud) ?? []) {
      serverNames.add(server.name);
      const same = named.get(server.name);
      if (same) same.push(server);
      else named.set(server.name, [server]);
      if (entries.has(server.name)) continue;
      if (input.owner === undefined || !isOwnWorker(server, input.owner)) continue;
      const ads = strangerByName.get(server.name);
      orphans.push({
        cloud,
        server,
        ads,
        runningJobs: Math.max(ads?.runningJobs ?? 0, queue.byServer.get(server.name) ?? 0),
        firstSeen: input.orphanFirstSeen?.get(`${cloud}/${server.id}`) ?? input.now,
      });
    }
    serversByName.set(cloud, named);
  }
  orphans.sort((a, b) => compare(a.cloud, b.cloud) || compare(a.server.name, b.server.name));

  const workers: StateWorker[] = [];
  const byName = new Map<string, StateWorker>();
  let sorted = true;
  for (const cloud of clouds) {
    const cloudServers = serversByName.get(cloud);
    for (const entry of input.pools[cloud] ?? []) {
      const name = entry.name;
      if (byName.has(name)) continue; // a name in two pools: the first cloud's entry wins
      const ads = byWorker.get(name);
      const onQueue = queue.byWorker.get(name);
      const queueJobs = onQueue?.count ?? 0;
      const expectedLaunch = launch.of(cloud, entry.vmType, entry.image, entry.flavor);
      const worker: StateWorker = {
        cloud,
        entry,
        ads,
        queueJobs,
        runningJobs: Math.max(ads?.runningJobs ?? 0, queueJobs),
        jobKeepAliveSeconds: onQueue?.keepAlive ?? 0,
        servers: cloudServers === undefined ? undefined : (cloudServers.get(name) ?? NO_SERVER),
        brokenSlots: ads ? brokenSlotsOf(ads) : NO_BROKEN,
        expectedLaunch,
        // A worker from before launch digests were recorded counts as current.
        drifted:
          expectedLaunch !== undefined &&
          entry.launch !== undefined &&
          entry.launch !== expectedLaunch,
        retireHold: input.retireHolds?.get(name),
        createInterrupted: input.createInterrupted?.has(name) ?? false,
      };
      const previous = workers[workers.length - 1];
      if (previous && previous.cloud === cloud && compare(previous.entry.name, name) > 0) {
        sorted = false;
      }
      workers.push(worker);
      byName.set(name, worker);
    }
  }
  if (!sorted)
    workers.sort((a, b) => compare(a.cloud, b.cloud) || compare(a.entry.name, b.entry.name));

  return {
    workers,
    byName,
    strangers,
    orphans,
    serverNames,
    cloudsRead: new Set(servers.keys()),
    launch,
  };
}

/**
 * Startds by the pool entry they claim (several startds claiming one name are merged, so a job
 * on any of them keeps the worker), and the rest, one per machine.
 */
function indexAds(
  observed: readonly ObservedWorker[],
  entries: ReadonlyMap<string, PoolWorker>,
): {
  byWorker: Map<string, ObservedWorker>;
  strangers: ObservedWorker[];
  strangerByName: Map<string, ObservedWorker>;
} {
  const byWorker = new Map<string, ObservedWorker>();
  // Rare: several startds claiming one worker. Merged in machine order, so any order of the
  // answer gives the same model.
  let claimedTwice: Map<string, ObservedWorker[]> | undefined;
  const strangers = new Map<string, ObservedWorker>();
  const strangerByName = new Map<string, ObservedWorker>();
  for (const w of observed) {
    if (w.workerName !== undefined && entries.has(w.workerName)) {
      const prior = byWorker.get(w.workerName);
      if (prior === undefined) byWorker.set(w.workerName, w);
      else {
        claimedTwice ??= new Map();
        const group = claimedTwice.get(w.workerName) ?? [prior];
        group.push(w);
        claimedTwice.set(w.workerName, group);
      }
      continue;
    }
    const known = strangers.get(w.machine);
    if (known === undefined || compare(ads(w), ads(known)) < 0) strangers.set(w.machine, w);
  }
  for (const [name, group] of claimedTwice ?? []) {
    group.sort((a, b) => compare(a.machine, b.machine) || compare(ads(a), ads(b)));
    let merged = group[0] as ObservedWorker;
    for (const next of group.slice(1)) merged = merge(merged, next);
    byWorker.set(name, merged);
  }
  const strangerList = [...strangers.values()].sort((a, b) => compare(a.machine, b.machine));
  for (const w of strangerList) {
    if (w.workerName !== undefined && !strangerByName.has(w.workerName)) {
      strangerByName.set(w.workerName, w);
    }
  }
  return { byWorker, strangers: strangerList, strangerByName };
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

interface QueueAttribution {
  byWorker: Map<string, { count: number; keepAlive: number }>;
  /** Running jobs per orphan-candidate server name (found by host name only). */
  byServer: Map<string, number>;
}

/**
 * Running jobs per worker from condor_q's RemoteHost ("slot1_1@<machine>"): the machine of an
 * ad or of a pool entry's recorded name, else a machine whose first label is a pool worker's
 * name (Nova names the host after the server). Only ever used to keep a worker: a job found
 * this way never causes a retire.
 */
function attributeJobs(
  jobs: readonly Job[],
  workerOfMachine: ReadonlyMap<string, string>,
  entries: ReadonlyMap<string, PoolWorker>,
  strangerByName: ReadonlyMap<string, ObservedWorker>,
  servers: ReadonlyMap<string, readonly CloudServer[]>,
): QueueAttribution {
  const byWorker = new Map<string, { count: number; keepAlive: number }>();
  const byServer = new Map<string, number>();
  const strangerOfMachine = new Map<string, string>();
  for (const [name, ads] of strangerByName) strangerOfMachine.set(ads.machine, name);
  for (const job of jobs) {
    if (job.state !== "running" || !job.remoteHost) continue;
    const machine = job.remoteHost.slice(job.remoteHost.lastIndexOf("@") + 1);
    let name = workerOfMachine.get(machine);
    if (name === undefined) {
      const dot = machine.indexOf(".");
      const label = dot < 0 ? machine : machine.slice(0, dot);
      if (entries.has(label)) name = label;
      else {
        const server = strangerOfMachine.get(machine) ?? (servers.size > 0 ? label : undefined);
        if (server !== undefined) byServer.set(server, (byServer.get(server) ?? 0) + 1);
        continue;
      }
    }
    let seen = byWorker.get(name);
    if (seen === undefined) {
      seen = { count: 0, keepAlive: 0 };
      byWorker.set(name, seen);
    }
    seen.count += 1;
    const minutes = job.vmKeepAliveMinutes;
    if (minutes !== undefined && Number.isFinite(minutes) && minutes > 0) {
      seen.keepAlive = Math.max(seen.keepAlive, Math.round(minutes * 60));
    }
  }
  return { byWorker, byServer };
}

function brokenSlotsOf(ads: ObservedWorker): StateWorker["brokenSlots"] {
  let broken: { slot: string; code: number; reason: string }[] | undefined;
  for (const slot of ads.slots) {
    if (!slot.broken) continue;
    broken ??= [];
    broken.push({ slot: slot.name, code: slot.broken.code, reason: slot.broken.reason });
  }
  return broken ?? NO_BROKEN;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
