// New workers for the idle jobs existing workers cannot take (capacity.ts packed them first-fit
// decreasing into workers of their shape): those workers are granted to owners round-robin
// (fair-share.ts), each placed on a cloud by weight (spread.ts) within the room the ledger allows
// (quota.ts). Owner queues are walked only as far as grants go; a new worker's jobs are looked at
// only when it is granted (for its keep-alive).
import type { Config } from "../config/schema.js";
import type { PoolWorker } from "../pool/types.js";
import type { Absorption } from "./capacity.js";
import type { ClassGroup, Demand, DemandClass } from "./demand.js";
import {
  type Grant,
  grantInTurns,
  type JobStream,
  OwnerJobQueue,
  ownerOrder,
} from "./fair-share.js";
import { compareText } from "./match.js";
import type { WorkerNamer } from "./naming.js";
import type { PackedWorkers } from "./pack.js";
import type { RoomLedger } from "./quota.js";
import { plural } from "./reasons.js";
import { pickCloud } from "./spread.js";
import type { Decision, Shape } from "./types.js";

export interface NewWorker {
  cloud: string;
  worker: PoolWorker;
}

const OPEN = 0;
const GRANTED = 1;
const DENIED = 2;

export interface ProvisionInput {
  config: Config;
  demand: Demand;
  absorption: Absorption;
  ledger: RoomLedger;
  namer: WorkerNamer;
  now: number;
  keepAliveOf: (vmType: string) => number;
}

export function provision(input: ProvisionInput): { workers: NewWorker[]; decisions: Decision[] } {
  const { config, ledger, demand } = input;
  const owners = demand.owners.length;
  // The candidates are the wanted new workers of every group, numbered in group order, then
  // packing order. Per waiting job, in packing order: the job, its candidate, its stream (owner
  // and group).
  let candidates = 0;
  let packedCount = 0;
  for (const { bins, first, end, covered, held } of input.absorption.packings) {
    for (let b = first + covered; b < end; b++) {
      if (held?.has(b)) continue;
      candidates++;
      packedCount += bins.items(b);
    }
  }
  const jobAt = new Int32Array(packedCount);
  const candidateAt = new Int32Array(packedCount);
  const streamAt = new Int32Array(packedCount);
  const groupOf: ClassGroup[] = new Array(candidates);
  const streams: { group: ClassGroup; owner: number; size: number }[] = [];
  const blockersOf = new Map<string, Record<string, string>>();
  const streamOfOwner = new Int32Array(owners).fill(-1);
  const ownerOfJob = demand.owner;
  let candidate = 0;
  let p = 0;
  for (const { group, bins, first, end, covered, held } of input.absorption.packings) {
    if (first + covered >= end) continue;
    const opened: number[] = [];
    for (let b = first + covered; b < end; b++) {
      if (held?.has(b)) continue;
      groupOf[candidate] = group;
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
            streams.push({ group, owner, size: 0 });
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
  streams.forEach(({ group, owner, size }, s) => {
    const start = next[s] as number;
    (streamsOf[owner] as JobStream[]).push({
      jobs: slots.subarray(start, start + size),
      open: () => !blockersOf.has(group.key),
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
  const state = new Uint8Array(groupOf.length); // OPEN, GRANTED or DENIED
  const cloudOf: (string | undefined)[] = new Array(groupOf.length).fill(undefined);

  const before = ownerOrder({ priority, queuedAt, idOrder }, packOrder);
  const wantedOf = (slot: number): number | undefined => {
    const candidate = candidateOf[slot] as number;
    return state[candidate] === OPEN ? candidate : undefined;
  };
  const queues = demand.owners.flatMap((owner, number) => {
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
  grantInTurns(queues, (candidate): Grant => {
    if (state[candidate] !== OPEN) return "decided";
    const group = groupOf[candidate] as ClassGroup;
    if (!blockersOf.has(group.key)) {
      const pick = pickCloud(config, ledger, group.clouds, group.shape);
      if ("cloud" in pick) {
        ledger.take(pick.cloud, group.shape);
        cloudOf[candidate] = pick.cloud;
        state[candidate] = GRANTED;
        return "granted";
      }
      // Room only shrinks during a plan: this group gets no more workers this cycle.
      blockersOf.set(group.key, pick.blockers);
    }
    state[candidate] = DENIED;
    return "denied";
  });

  const workers: NewWorker[] = [];
  const boots = new Map<string, { cloud: string; shape: Shape; jobs: number; names: string[] }>();
  const decisions: Decision[] = [];
  candidate = 0;
  for (const { group, bins, first, end, covered, held } of input.absorption.packings) {
    const { shape } = group;
    let unserved = 0;
    for (let b = first + covered; b < end; b++) {
      if (held?.has(b)) continue; // held by the ramp: its own decision says so
      const c = candidate++;
      const cloud = cloudOf[c];
      const jobs = bins.items(b);
      if (state[c] !== GRANTED || cloud === undefined) {
        unserved += jobs;
        continue;
      }
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
    if (unserved > 0) decisions.push(unservedDecision(group, unserved, blockersOf.get(group.key)));
  }
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

/** The largest +VMKeepAlive of the jobs packed into new worker `b` (0 when none asks). */
function jobKeepAlive(demand: Demand, group: ClassGroup, bins: PackedWorkers, b: number): number {
  let seconds = 0;
  for (let run = bins.firstRunOf(b); run !== -1; run = bins.nextRun(run)) {
    const classJobs = (group.classes[bins.runClassOf(run)] as DemandClass).jobs;
    const from = bins.runFromOf(run);
    const to = from + bins.runCountOf(run);
    for (let k = from; k < to; k++) {
      seconds = Math.max(seconds, demand.keepAlive[classJobs[k] as number] as number);
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
