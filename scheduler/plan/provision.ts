// New workers for the idle jobs existing workers cannot take (capacity.ts packed them first-fit
// decreasing into workers of their shape): those workers are granted to owners round-robin
// (fair-share.ts), each placed on a cloud by weight (spread.ts) within the room the ledger allows
// (quota.ts). Owner queues are walked only as far as grants go; a new worker's jobs are looked at
// only when it is granted (for its keep-alive).
import type { Config } from "../config/schema.js";
import type { PoolWorker } from "../pool/types.js";
import type { Absorption, GroupPacking } from "./capacity.js";
import type { ClassGroup, Demand, DemandClass, OwnerJobs } from "./demand.js";
import {
  type Grant,
  grantInTurns,
  type JobStream,
  OrderedJobQueue,
  OwnerJobQueue,
  type OwnerTurns,
  ownerOrder,
} from "./fair-share.js";
import { compareText } from "./match.js";
import type { WorkerNamer } from "./naming.js";
import type { PackedWorkers } from "./pack.js";
import type { RoomLedger } from "./quota.js";
import { plural } from "./reasons.js";
import { Scratch } from "./scratch.js";
import { pickCloud } from "./spread.js";
import type { Decision, Shape } from "./types.js";

export interface NewWorker {
  cloud: string;
  worker: PoolWorker;
}

const NO_JOBS: OwnerJobs = { length: 0, indexAt: () => -1 };

const OPEN = 0;
const GRANTED = 1;
const DENIED = 2;

/** Per candidate and per job arrays, read only within a provision() call (scratch.ts). */
const packingScratch = new Scratch((n) => new Int32Array(n));
const rowScratch = new Scratch((n) => new Int32Array(n));
const stateScratch = new Scratch((n) => new Uint8Array(n));
const candidateScratch = new Scratch((n) => new Int32Array(n));

export interface ProvisionInput {
  config: Config;
  demand: Demand;
  absorption: Absorption;
  ledger: RoomLedger;
  namer: WorkerNamer;
  now: number;
  keepAliveOf: (vmType: string) => number;
  /**
   * Offer every waiting worker even once no cloud can take one (each offer then denied): the
   * walk the early end stands for, kept for the property test that holds them equal.
   */
  walkToEnd?: boolean;
}

export function provision(input: ProvisionInput): { workers: NewWorker[]; decisions: Decision[] } {
  const { config, ledger, demand } = input;
  // The candidates are the wanted new workers of every group, numbered in group order, then
  // packing order.
  const packings = input.absorption.packings;
  let candidates = 0;
  for (const { first, end, covered, held } of packings) {
    for (let b = first + covered; b < end; b++) if (!held?.has(b)) candidates++;
  }
  /** Per candidate: its group's place in the packings, and its row in the packing. */
  const packingOf = packingScratch.take(candidates);
  const rowOf = rowScratch.take(candidates);
  /** Per packing: the jobs its wanted workers would take (all unserved until granted). */
  const wantedJobs = new Float64Array(packings.length);
  let numbered = 0;
  packings.forEach(({ bins, first, end, covered, held }, packing) => {
    let jobs = 0;
    for (let b = first + covered; b < end; b++) {
      if (held?.has(b)) continue; // held by the ramp: its own decision says so
      packingOf[numbered] = packing;
      rowOf[numbered++] = b;
      jobs += bins.items(b);
    }
    wantedJobs[packing] = jobs;
  });
  const groupOf = (candidate: number) =>
    (packings[packingOf[candidate] as number] as GroupPacking).group;
  const state = stateScratch.take(candidates).fill(OPEN); // OPEN, GRANTED or DENIED
  /** The granted candidates and their clouds, in the order granted. */
  const granted: { candidate: number; cloud: string }[] = [];
  const blockersOf = new Map<string, Record<string, string>>();
  /** Per packing: its group can get no more workers this cycle. */
  const blocked = new Uint8Array(input.absorption.packings.length);
  // Set when a group runs out of room and no cloud can take any worker: nothing more is granted.
  let full = false;
  const room: CandidateRoom = {
    open: (candidate) => state[candidate] === OPEN,
    groupOpen: (candidate) => blocked[packingOf[candidate] as number] === 0,
  };
  const queues =
    demand.ownerOrder === undefined
      ? heapQueues(demand, input.absorption, room)
      : orderedQueues(demand, demand.ownerOrder, input.absorption, candidates, room);
  grantInTurns(
    queues,
    (candidate): Grant => {
      if (state[candidate] !== OPEN) return "decided";
      const group = groupOf(candidate);
      if (room.groupOpen(candidate)) {
        const pick = pickCloud(config, ledger, group.clouds, group.shape);
        if ("cloud" in pick) {
          ledger.take(pick.cloud, group.shape);
          granted.push({ candidate, cloud: pick.cloud });
          state[candidate] = GRANTED;
          return "granted";
        }
        // Room only shrinks during a plan: this group gets no more workers this cycle.
        blockersOf.set(group.key, pick.blockers);
        blocked[packingOf[candidate] as number] = 1;
        full ||= ledger.full();
      }
      state[candidate] = DENIED;
      return "denied";
    },
    () => full && input.walkToEnd !== true,
  );
  if (full) {
    // The walk ended early: each group still waiting would have been offered a worker and
    // denied, with what the ledger says now (it no longer changes).
    for (let c = 0; c < candidates; c++) {
      if (state[c] !== OPEN || !room.groupOpen(c)) continue;
      const group = groupOf(c);
      const pick = pickCloud(config, ledger, group.clouds, group.shape);
      if ("cloud" in pick) throw new Error(`provision: room on ${pick.cloud} after all was full`);
      blockersOf.set(group.key, pick.blockers);
      blocked[packingOf[c] as number] = 1;
    }
  }

  // New workers in candidate order (their names are handed out in it); the jobs of every other
  // wanted worker wait.
  const workers: NewWorker[] = [];
  const boots = new Map<string, { cloud: string; shape: Shape; jobs: number; names: string[] }>();
  const decisions: Decision[] = [];
  const unserved = wantedJobs;
  granted.sort((a, b) => a.candidate - b.candidate);
  for (const { candidate, cloud } of granted) {
    const packing = packingOf[candidate] as number;
    const { group, bins } = packings[packing] as GroupPacking;
    const { shape } = group;
    const b = rowOf[candidate] as number;
    const jobs = bins.items(b);
    unserved[packing] = (unserved[packing] as number) - jobs;
    const name = input.namer.name(cloud, shape.vmType);
    workers.push({
      cloud,
      worker: {
        name,
        vmType: shape.vmType,
        image: shape.image,
        flavor: shape.flavor,
        cores: shape.cores,
        ramMb: shape.ramMb,
        diskGb: shape.diskGb,
        state: "booting",
        createdAt: input.now,
        keepAliveSeconds: Math.max(
          input.keepAliveOf(shape.vmType),
          jobKeepAlive(demand, group, bins, b),
        ),
      },
    });
    const key = `${cloud}|${shape.key}`;
    const boot = boots.get(key) ?? { cloud, shape, jobs: 0, names: [] };
    boot.jobs += jobs;
    boot.names.push(name);
    boots.set(key, boot);
  }
  packings.forEach(({ group }, packing) => {
    const jobs = unserved[packing] as number;
    if (jobs > 0) decisions.push(unservedDecision(group, jobs, blockersOf.get(group.key)));
  });
  for (const key of [...boots.keys()].sort(compareText)) {
    const { cloud, shape, jobs, names } = boots.get(key) as NonNullable<
      ReturnType<typeof boots.get>
    >;
    const vmType = config.vm_types[shape.vmType];
    const variant = [
      shape.image !== vmType?.image ? `image ${shape.image}` : "",
      shape.flavor !== vmType?.flavor ? `flavor ${shape.flavor}` : "",
    ].filter(Boolean);
    const shapeText = variant.length > 0 ? ` (${variant.join(", ")})` : "";
    decisions.push({
      kind: "boot",
      cloud,
      vmType: shape.vmType,
      workers: names.sort(compareText),
      count: names.length,
      reason: `boot ${names.length} ${shape.vmType}${shapeText} for ${plural(jobs, "idle job")}`,
    });
  }
  return { workers, decisions };
}

/** What an owner queue asks of the grants so far, per candidate (a wanted new worker). */
interface CandidateRoom {
  /** Neither granted nor denied yet. */
  open(candidate: number): boolean;
  /** Its group may still get workers this cycle. */
  groupOpen(candidate: number): boolean;
}

/**
 * Owner queues from each owner's jobs as the classifier keeps them in the owner's order
 * (Demand.ownerOrder): per job, the candidate it waits for (-1: none), and each queue walks its
 * owner's list only as far as its turns go.
 */
function orderedQueues(
  demand: Demand,
  ownerOrder: NonNullable<Demand["ownerOrder"]>,
  absorption: Absorption,
  candidates: number,
  room: CandidateRoom,
): OwnerTurns<number>[] {
  const candidateOf = candidateScratch.take(demand.jobs.length).fill(-1);
  const waiting = new Int32Array(demand.owners.length);
  const ownerOf = demand.owner;
  let candidate = 0;
  for (const { group, bins, first, end, covered, held } of absorption.packings) {
    for (let b = first + covered; b < end; b++) {
      if (held?.has(b)) continue;
      for (let run = bins.firstRunOf(b); run !== -1; run = bins.nextRun(run)) {
        const classJobs = (group.classes[bins.runClassOf(run)] as DemandClass).jobs;
        const from = bins.runFromOf(run);
        const to = from + bins.runCountOf(run);
        for (let k = from; k < to; k++) {
          const job = classJobs[k] as number;
          candidateOf[job] = candidate;
          const owner = ownerOf[job] as number;
          waiting[owner] = (waiting[owner] as number) + 1;
        }
      }
      candidate++;
    }
  }
  if (candidate !== candidates) throw new Error("provision: candidates numbered twice apart");
  const wanted = (c: number) => room.open(c) && room.groupOpen(c);
  return demand.owners.flatMap((owner, number) => {
    const jobs = waiting[number] as number;
    if (jobs === 0) return [];
    const list = ownerOrder[number] ?? NO_JOBS;
    return [
      {
        owner,
        idleJobs: demand.idleJobs[number] as number,
        wanted: new OrderedJobQueue(list, candidateOf, jobs, wanted),
      },
    ];
  });
}

/**
 * Owner queues ordered here: per owner and group a stream of its waiting jobs, with the keys
 * the owner order reads copied beside them, merged by heaps (fair-share.ts OwnerJobQueue).
 */
function heapQueues(
  demand: Demand,
  absorption: Absorption,
  room: CandidateRoom,
): OwnerTurns<number>[] {
  const owners = demand.owners.length;
  // Per waiting job, in packing order: the job, its candidate, its stream (owner and group).
  let packedCount = 0;
  for (const { bins, first, end, covered, held } of absorption.packings) {
    for (let b = first + covered; b < end; b++) {
      if (held?.has(b)) continue;
      packedCount += bins.items(b);
    }
  }
  const jobAt = new Int32Array(packedCount);
  const candidateAt = new Int32Array(packedCount);
  const streamAt = new Int32Array(packedCount);
  const streams: { firstCandidate: number; owner: number; size: number }[] = [];
  const streamOfOwner = new Int32Array(owners).fill(-1);
  const ownerOfJob = demand.owner;
  let candidate = 0;
  let p = 0;
  for (const { group, bins, first, end, covered, held } of absorption.packings) {
    if (first + covered >= end) continue;
    const opened: number[] = [];
    for (let b = first + covered; b < end; b++) {
      if (held?.has(b)) continue;
      for (let run = bins.firstRunOf(b); run !== -1; run = bins.nextRun(run)) {
        const classJobs = (group.classes[bins.runClassOf(run)] as DemandClass).jobs;
        const from = bins.runFromOf(run);
        const to = from + bins.runCountOf(run);
        for (let k = from; k < to; k++) {
          const job = classJobs[k] as number;
          const owner = ownerOfJob[job] as number;
          let stream = streamOfOwner[owner] as number;
          if (stream < 0) {
            stream = streams.length;
            streamOfOwner[owner] = stream;
            opened.push(owner);
            streams.push({ firstCandidate: candidate, owner, size: 0 });
          }
          jobAt[p] = job;
          candidateAt[p] = candidate;
          streamAt[p] = stream;
          p++;
          (streams[stream] as { size: number }).size++;
        }
      }
      candidate++;
    }
    for (const owner of opened) streamOfOwner[owner] = -1;
  }
  // The owner queues walk "slots": each stream's jobs side by side, in packing order, with the
  // keys the owner order reads copied beside them, so a stream's jobs are compared in one run
  // of memory instead of at their places among all jobs.
  const next = new Int32Array(streams.length);
  let offset = 0;
  streams.forEach((stream, s) => {
    next[s] = offset;
    offset += stream.size;
  });
  const slots = new Int32Array(packedCount);
  const priority = new Float64Array(packedCount);
  const queuedAt = new Float64Array(packedCount);
  const idOrder = new Float64Array(packedCount);
  const packOrder = new Int32Array(packedCount);
  const candidateOf = new Int32Array(packedCount);
  const streamsOf: JobStream[][] = demand.owners.map(() => []);
  streams.forEach(({ firstCandidate, owner, size }, s) => {
    const start = next[s] as number;
    (streamsOf[owner] as JobStream[]).push({
      jobs: slots.subarray(start, start + size),
      // Every candidate of a stream is of one group.
      open: () => room.groupOpen(firstCandidate),
    });
  });
  for (let at = 0; at < packedCount; at++) {
    const s = streamAt[at] as number;
    const slot = next[s] as number;
    next[s] = slot + 1;
    const job = jobAt[at] as number;
    slots[slot] = slot;
    priority[slot] = demand.priority[job] as number;
    queuedAt[slot] = demand.queuedAt[job] as number;
    idOrder[slot] = demand.idOrder[job] as number;
    packOrder[slot] = at;
    candidateOf[slot] = candidateAt[at] as number;
  }

  const before = ownerOrder({ priority, queuedAt, idOrder }, packOrder);
  const wantedOf = (slot: number): number | undefined => {
    const candidate = candidateOf[slot] as number;
    return room.open(candidate) ? candidate : undefined;
  };
  return demand.owners.flatMap((owner, number) => {
    const streams = streamsOf[number] as JobStream[];
    if (streams.length === 0) return [];
    return [
      {
        owner,
        idleJobs: demand.idleJobs[number] as number,
        wanted: new OwnerJobQueue(streams, before, wantedOf),
      },
    ];
  });
}

/** The largest +VMKeepAlive of the jobs packed into new worker `b` (0 when none asks). */
function jobKeepAlive(demand: Demand, group: ClassGroup, bins: PackedWorkers, b: number): number {
  const keepAlive = demand.keepAlive;
  let seconds = 0;
  for (let run = bins.firstRunOf(b); run !== -1; run = bins.nextRun(run)) {
    const classJobs = (group.classes[bins.runClassOf(run)] as DemandClass).jobs;
    const from = bins.runFromOf(run);
    const to = from + bins.runCountOf(run);
    for (let k = from; k < to; k++) {
      seconds = Math.max(seconds, keepAlive[classJobs[k] as number] as number);
    }
  }
  return seconds;
}

function unservedDecision(
  group: ClassGroup,
  jobs: number,
  blockers: Record<string, string> | undefined,
): Decision {
  const why = blockers
    ? Object.keys(blockers)
        .sort(compareText)
        .map((cloud) => `${cloud}: ${blockers[cloud]}`)
        .join("; ")
    : "no room";
  return {
    kind: "unserved",
    vmType: group.shape.vmType,
    count: jobs,
    reason: `${plural(jobs, "idle job")} for ${group.shape.vmType} wait for room (${why})`,
  };
}
