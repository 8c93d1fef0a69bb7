// New workers for the idle jobs existing workers cannot take (capacity.ts packed them first-fit
// decreasing into workers of their shape): those workers are granted to owners round-robin (fair-share.ts), each placed on a cloud by weight (spread.ts) within the room the
// ledger allows (quota.ts).
import type { Config } from "../../../scheduler/config/schema.js";
import type { PoolWorker } from "../../../scheduler/pool/types.js";
import { grantRoundRobin, ownerQueues } from "./fair-share.js";
import { compareText } from "./match.js";
import type { WorkerNamer } from "./naming.js";
import type { Bin } from "./pack.js";
import type { RoomLedger } from "./quota.js";
import { plural } from "./reasons.js";
import { pickCloud } from "./spread.js";
import type { Decision, DemandGroup, DemandJob, Shape } from "./types.js";

export interface NewWorker {
  cloud: string;
  worker: PoolWorker;
}

interface Candidate {
  group: DemandGroup;
  bin: Bin<DemandJob>;
  cloud?: string;
  state: "open" | "granted" | "denied";
}

export interface ProvisionInput {
  config: Config;
  groups: readonly DemandGroup[];
  /** Per group key: the new workers (already packed) its remaining jobs want. */
  wanted: ReadonlyMap<string, Bin<DemandJob>[]>;
  ledger: RoomLedger;
  namer: WorkerNamer;
  now: number;
  /** Idle jobs per owner across all groups (fair-share order). */
  idleJobsByOwner: ReadonlyMap<string, number>;
  keepAliveOf: (vmType: string) => number;
}

export function provision(input: ProvisionInput): { workers: NewWorker[]; decisions: Decision[] } {
  const { config, ledger } = input;
  const groups = [...input.groups].sort((a, b) => compareText(a.key, b.key));
  const candidatesOf = new Map<string, Candidate[]>();
  const candidateOfJob = new Map<DemandJob, Candidate>();
  const waiting: DemandJob[] = [];

  for (const group of groups) {
    const bins = input.wanted.get(group.key) ?? [];
    const candidates = bins.map((bin): Candidate => ({ group, bin, state: "open" }));
    for (const candidate of candidates) {
      for (const job of candidate.bin.items) {
        candidateOfJob.set(job, candidate);
        waiting.push(job);
      }
    }
    candidatesOf.set(group.key, candidates);
  }

  const blockersOf = new Map<string, Record<string, string>>();
  grantRoundRobin(
    ownerQueues(waiting, input.idleJobsByOwner, (job) => candidateOfJob.get(job) as Candidate),
    (candidate) => {
      if (candidate.state !== "open") return "decided";
      const { group } = candidate;
      if (!blockersOf.has(group.key)) {
        const pick = pickCloud(config, ledger, group.clouds, group.shape);
        if ("cloud" in pick) {
          ledger.take(pick.cloud, group.shape);
          candidate.cloud = pick.cloud;
          candidate.state = "granted";
          return "granted";
        }
        // Room only shrinks during a plan: this group gets no more workers this cycle.
        blockersOf.set(group.key, pick.blockers);
      }
      candidate.state = "denied";
      return "denied";
    },
  );

  const workers: NewWorker[] = [];
  const boots = new Map<string, { cloud: string; shape: Shape; jobs: number; names: string[] }>();
  const decisions: Decision[] = [];
  for (const group of groups) {
    const { shape } = group;
    let unserved = 0;
    for (const candidate of candidatesOf.get(group.key) ?? []) {
      if (candidate.state !== "granted" || candidate.cloud === undefined) {
        unserved += candidate.bin.items.length;
        continue;
      }
      const cloud = candidate.cloud;
      const name = input.namer.name(cloud, shape.vmType);
      const jobKeepAlive = Math.max(0, ...candidate.bin.items.map((job) => job.keepAliveSeconds));
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
          keepAliveSeconds: Math.max(input.keepAliveOf(shape.vmType), jobKeepAlive),
        },
      });
      const key = `${cloud}|${shape.key}`;
      const boot = boots.get(key) ?? { cloud, shape, jobs: 0, names: [] };
      boot.jobs += candidate.bin.items.length;
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

function unservedDecision(
  group: DemandGroup,
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
