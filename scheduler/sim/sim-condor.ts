// A simulated HTCondor pool: a queue of jobs and the startds of booted workers, in simulated
// time. jobs() and workers() print the state as HTCondor 25's projected JSON and parse it back
// with the real adapter (readJobs / readSlots + groupWorkers), so the real parser
// runs every cycle. Matching follows partitionable slots: an idle job runs on a registered,
// non-draining startd of its VMType with free cores and memory, as a dynamic slot, for its
// runtime, then leaves the queue. drain / peaceful off follow HTCondor (fixtures/README.md):
// drain stops new matches, running jobs finish, the empty startd stays as Drained/Idle; peaceful
// off removes the startd once it is empty.

import { isDeepStrictEqual } from "node:util";
import type { CondorClient } from "../condor/client.js";
import { CondorMachineNotFoundError } from "../condor/errors.js";
import { groupWorkers } from "../condor/group-workers.js";
import { JOB_ATTRIBUTES, readJobs } from "../condor/parse-jobs.js";
import { readSlots, SLOT_ATTRIBUTES } from "../condor/parse-slots.js";
import type { Job, ObservedWorker, Slot } from "../condor/types.js";
import type { JoinFence } from "../identity/types.js";
import { StartdUsage, WaitLedger } from "./accounting.js";
import { type Ad, renderAds } from "./condor-json.js";
import type { EventQueue } from "./event-queue.js";
import type { SimJobSpec } from "./trace-map.js";

/** Where simulated workers live in DNS; their machine name is `<worker>.<domain>`. */
export const SIM_DOMAIN = "sim.cloudscheduler.test";
/** Disk every simulated job requests, KiB (request_disk = 1 GB). */
const JOB_DISK_KB = 1024 * 1024;

export interface StartdSpec {
  /** CloudSchedulerVM: the pool entry the worker was booted as. */
  workerName: string;
  vmType: string;
  cores: number;
  memoryMb: number;
  /** When the plan decided to boot the worker (pool createdAt), for the wait split. */
  plannedAt?: number;
  /** When the cloud got the worker's create request. */
  requestedAt?: number;
}

interface QueuedJob {
  spec: SimJobSpec;
  cluster: number;
  state: "idle" | "running";
  stateSince: number;
  startedAt?: number;
  machine?: string;
  slot?: string;
  /** When a cycle first saw the job idle (condor_q). */
  seenAt?: number;
  /** Its condor_q record, built once per change of state (frozen: the scheduler only reads it). */
  record?: Job;
}

interface DynamicSlot {
  name: string;
  cluster: number;
  cores: number;
  memoryMb: number;
  since: number;
}

interface Startd extends StartdSpec {
  machine: string;
  freeCores: number;
  freeMemoryMb: number;
  slots: DynamicSlot[];
  nextSlot: number;
  draining: boolean;
  offRequested: boolean;
  since: number;
  usage: StartdUsage;
}

export interface FinishedJob {
  id: string;
  vmType: string;
  cores: number;
  submit: number;
  startedAt: number;
  finishedAt: number;
}

export interface SimCondorCounters {
  submitted: number;
  started: number;
  finished: number;
  /** Jobs whose worker vanished under them (they go back to idle, as after a lost claim). */
  evicted: number;
  drains: number;
  peacefulOffs: number;
  /** Startds refused because their worker was fenced (its token revoked) before it joined. */
  fencedJoins: number;
}

export class SimCondor implements CondorClient, JoinFence {
  private readonly queue = new Map<number, QueuedJob>();
  private readonly idleByType = new Map<string, QueuedJob[]>();
  private readonly startds = new Map<string, Startd>();
  private nextCluster = 1;
  /** Jobs in the idle state (kept as they change: the loop samples it every cycle). */
  private idleCount = 0;
  readonly finished: FinishedJob[] = [];
  readonly counters: SimCondorCounters = {
    submitted: 0,
    started: 0,
    finished: 0,
    evicted: 0,
    drains: 0,
    peacefulOffs: 0,
    fencedJoins: 0,
  };
  /**
   * Workers whose tokens were revoked, and when: a startd whose token was issued by then is
   * refused, as the collector does; a later worker reusing the name has a newer token.
   */
  private readonly fenced = new Map<string, number>();
  /** Called when a job's worker vanished while it ran (a VM deleted under a job). */
  onEvict?: (jobId: string, workerName: string) => void;
  /** Every started job's wait, split by what it waited for. */
  readonly waits = new WaitLedger();
  /** What each worker's startd did, kept after it left the pool until its VM is gone. */
  private readonly usages = new Map<string, StartdUsage>();

  /** Observations so far (jobs() and workers() calls each count). */
  private observations = 0;

  /**
   * `jsonEvery`: print and parse the JSON HTCondor would print for one observation in
   * `jsonEvery` (1 = always) and check it gives exactly the records built directly, which the
   * other observations use (long traces: printing and parsing every cycle dominated the run).
   */
  constructor(
    private readonly events: EventQueue,
    private readonly jsonEvery = 1,
  ) {}

  // --- the world changing -------------------------------------------------------------------

  /** Queues a job now (condor_submit). */
  submit(spec: SimJobSpec): string {
    const cluster = this.nextCluster++;
    const job: QueuedJob = { spec, cluster, state: "idle", stateSince: this.events.now() };
    this.queue.set(cluster, job);
    this.idleCount++;
    this.enqueueIdle(job);
    this.counters.submitted++;
    this.negotiate();
    return `${cluster}.0`;
  }

  /**
   * Would the collector refuse this worker's startd, its token issued at `issuedAt` (the
   * create)? Counts each refusal.
   */
  refusesJoin(workerName: string, issuedAt: number): boolean {
    if ((this.fenced.get(workerName) ?? Number.NEGATIVE_INFINITY) < issuedAt) return false;
    this.counters.fencedJoins++;
    return true;
  }

  /** A booted worker's startd joins the pool. */
  join(spec: StartdSpec): string {
    const machine = `${spec.workerName}.${SIM_DOMAIN}`;
    const usage = new StartdUsage(spec.cores, this.events.now());
    this.usages.set(spec.workerName, usage);
    this.sorted = undefined;
    this.startds.set(machine, {
      usage,
      ...spec,
      machine,
      freeCores: spec.cores,
      freeMemoryMb: spec.memoryMb,
      slots: [],
      nextSlot: 1,
      draining: false,
      offRequested: false,
      since: this.events.now(),
    });
    this.negotiate();
    return machine;
  }

  /** The join fence (identity/types.ts): the collector refuses these workers from now on. */
  async close(workers: readonly string[]): Promise<ReadonlySet<string>> {
    const joined = new Set<string>();
    for (const name of workers) {
      this.fenced.set(name, this.events.now());
      if (this.startds.has(`${name}.${SIM_DOMAIN}`)) joined.add(name);
    }
    return joined;
  }

  /** The worker's VM is gone: its startd vanishes; jobs on it go back to idle. */
  vanish(workerName: string): void {
    const startd = this.startds.get(`${workerName}.${SIM_DOMAIN}`);
    if (!startd) return;
    this.deleteStartd(startd.machine);
    startd.usage.change(this.events.now(), -startd.slots.reduce((n, slot) => n + slot.cores, 0));
    for (const slot of startd.slots) {
      const job = this.queue.get(slot.cluster);
      if (!job) continue;
      job.state = "idle";
      job.stateSince = this.events.now();
      delete job.record;
      delete job.machine;
      delete job.slot;
      delete job.startedAt;
      this.idleCount++;
      this.enqueueIdle(job);
      this.counters.evicted++;
      this.onEvict?.(`${job.cluster}.0`, workerName);
    }
    this.negotiate();
  }

  // --- CondorClient: what the scheduler sees ------------------------------------------------

  async jobs(): Promise<Job[]> {
    const now = this.events.now();
    const direct: Job[] = [];
    for (const job of this.queue.values()) {
      if (job.state === "idle" && job.seenAt === undefined) job.seenAt = now;
      job.record ??= Object.freeze(jobRecord(job));
      direct.push(job.record);
    }
    if (this.throughJson()) {
      const parsed = await readJobs(once(this.renderQueue()));
      if (!isDeepStrictEqual(parsed, direct)) throw new JsonPathMismatch("condor_q", now);
    }
    return direct;
  }

  async workers(): Promise<ObservedWorker[]> {
    const now = this.events.now();
    // One worker per startd, sorted by machine (= worker name + domain), as groupWorkers makes.
    const direct: ObservedWorker[] = [];
    for (const startd of this.sortedStartds()) {
      direct.push({
        machine: startd.machine,
        slots: slotRecords(startd, now),
        runningJobs: startd.slots.length,
        draining: startd.draining,
        workerName: startd.workerName,
        vmType: startd.vmType,
      });
    }
    if (this.throughJson()) {
      const parsed = groupWorkers(await readSlots(once(this.renderStatus())));
      if (!isDeepStrictEqual(parsed, direct)) throw new JsonPathMismatch("condor_status", now);
    }
    return direct;
  }

  private throughJson(): boolean {
    return this.observations++ % Math.max(1, this.jsonEvery) === 0;
  }

  private sorted: Startd[] | undefined;

  private deleteStartd(machine: string): void {
    this.startds.delete(machine);
    this.sorted = undefined;
  }

  /** Startds by machine; kept until one joins or leaves. */
  private sortedStartds(): Startd[] {
    this.sorted ??= [...this.startds.values()].sort((a, b) => compare(a.machine, b.machine));
    return this.sorted;
  }

  async drain(machine: string, _reason: string): Promise<void> {
    const startd = this.startds.get(machine);
    if (!startd) {
      throw new CondorMachineNotFoundError(
        `condor_drain -graceful ${machine}`,
        `ERROR: Can't find address for startd ${machine}`,
        machine,
      );
    }
    startd.draining = true;
    startd.usage.drain(this.events.now());
    this.counters.drains++;
  }

  async peacefulOff(machine: string): Promise<void> {
    // Against a startd already gone, the real condor_off still exits 0.
    const startd = this.startds.get(machine);
    if (!startd) return;
    startd.offRequested = true;
    startd.usage.drain(this.events.now());
    this.counters.peacefulOffs++;
    if (startd.slots.length === 0) this.deleteStartd(machine);
  }

  // --- the JSON HTCondor would print ---------------------------------------------------------

  /** `condor_q -allusers -json -attributes <JOB_ATTRIBUTES>` output for the queue now. */
  renderQueue(): string {
    const now = this.events.now();
    const ads: Ad[] = [];
    for (const job of this.queue.values()) ads.push(jobAd(job, now));
    return renderAds(ads, JOB_ATTRIBUTES);
  }

  /** `condor_status -json -attributes <SLOT_ATTRIBUTES>` output for the pool now. */
  renderStatus(): string {
    const now = this.events.now();
    const ads: Ad[] = [];
    for (const startd of this.sortedStartds()) ads.push(...slotAds(startd, now));
    return renderAds(ads, SLOT_ATTRIBUTES);
  }

  // --- state for metrics and tests -----------------------------------------------------------

  get idleJobs(): number {
    return this.idleCount;
  }

  /** When the longest-waiting idle job entered the idle state; undefined when none waits. */
  oldestIdleSince(): number | undefined {
    let oldest: number | undefined;
    for (const job of this.queue.values()) {
      if (job.state === "idle" && (oldest === undefined || job.stateSince < oldest))
        oldest = job.stateSince;
    }
    return oldest;
  }

  get runningJobs(): number {
    return this.queue.size - this.idleJobs;
  }

  get queued(): number {
    return this.queue.size;
  }

  /** Startds in the pool by worker name, with the jobs each runs. */
  startdsNow(): { workerName: string; machine: string; running: number; draining: boolean }[] {
    return [...this.startds.values()].map((s) => ({
      workerName: s.workerName,
      machine: s.machine,
      running: s.slots.length,
      draining: s.draining,
    }));
  }

  /** What the worker's startd did (undefined: it never joined); `forget` once its VM is gone. */
  usageOf(workerName: string): StartdUsage | undefined {
    return this.usages.get(workerName);
  }

  forget(workerName: string): void {
    this.usages.delete(workerName);
  }

  runningOn(workerName: string): number {
    return this.startds.get(`${workerName}.${SIM_DOMAIN}`)?.slots.length ?? 0;
  }

  // --- matching -----------------------------------------------------------------------------

  private enqueueIdle(job: QueuedJob): void {
    const list = this.idleByType.get(job.spec.vmType);
    if (list) {
      // Keep queue order (a re-queued job goes back to its place by cluster id).
      if (list.length === 0 || (list[list.length - 1] as QueuedJob).cluster < job.cluster)
        list.push(job);
      else list.splice(lowerBound(list, job.cluster), 0, job);
    } else this.idleByType.set(job.spec.vmType, [job]);
  }

  /** The negotiator: fills free room of usable startds with idle jobs, in queue order. */
  private negotiate(): void {
    const byType = new Map<string, Startd[]>();
    for (const s of this.startds.values()) {
      if (s.draining || s.offRequested || s.freeCores <= 0) continue;
      const list = byType.get(s.vmType);
      if (list) list.push(s);
      else byType.set(s.vmType, [s]);
    }
    for (const [vmType, startds] of byType) {
      const idle = this.idleByType.get(vmType);
      if (!idle || idle.length === 0) continue;
      let freeCores = startds.reduce((n, s) => n + s.freeCores, 0);
      const left: QueuedJob[] = [];
      for (let i = 0; i < idle.length; i++) {
        const job = idle[i] as QueuedJob;
        if (freeCores <= 0) {
          left.push(...idle.slice(i));
          break;
        }
        const startd = startds.find(
          (s) => s.freeCores >= job.spec.cores && s.freeMemoryMb >= job.spec.memoryMb,
        );
        if (!startd) {
          left.push(job);
          continue;
        }
        this.start(job, startd);
        freeCores -= job.spec.cores;
      }
      this.idleByType.set(vmType, left);
    }
  }

  private start(job: QueuedJob, startd: Startd): void {
    const now = this.events.now();
    const slot: DynamicSlot = {
      name: `slot1_${startd.nextSlot++}@${startd.machine}`,
      cluster: job.cluster,
      cores: job.spec.cores,
      memoryMb: job.spec.memoryMb,
      since: now,
    };
    startd.slots.push(slot);
    startd.usage.change(now, slot.cores);
    this.waits.started(job.spec.vmType, job.spec.submit, job.seenAt, now, {
      joinedAt: startd.since,
      ...(startd.plannedAt === undefined ? {} : { plannedAt: startd.plannedAt }),
      ...(startd.requestedAt === undefined ? {} : { requestedAt: startd.requestedAt }),
    });
    startd.freeCores -= slot.cores;
    startd.freeMemoryMb -= slot.memoryMb;
    job.state = "running";
    job.stateSince = now;
    this.idleCount--;
    delete job.record;
    job.startedAt = now;
    job.machine = startd.machine;
    job.slot = slot.name;
    this.counters.started++;
    this.events.at(now + job.spec.runtime, () => this.finish(job, slot.name));
  }

  private finish(job: QueuedJob, slotName: string): void {
    // The job may have been evicted (its worker vanished) and restarted elsewhere since.
    if (job.state !== "running" || job.slot !== slotName || job.machine === undefined) return;
    const startd = this.startds.get(job.machine);
    const now = this.events.now();
    this.queue.delete(job.cluster);
    this.counters.finished++;
    this.finished.push({
      id: job.spec.id,
      vmType: job.spec.vmType,
      cores: job.spec.cores,
      submit: job.spec.submit,
      startedAt: job.startedAt ?? now,
      finishedAt: now,
    });
    if (startd) {
      startd.slots = startd.slots.filter((s) => s.name !== slotName);
      startd.usage.change(now, -job.spec.cores);
      startd.freeCores += job.spec.cores;
      startd.freeMemoryMb += job.spec.memoryMb;
      if (startd.offRequested && startd.slots.length === 0) this.deleteStartd(startd.machine);
    }
    this.negotiate();
  }
}

/** The printed and the directly built observation differ: a simulator bug, never a result. */
export class JsonPathMismatch extends Error {
  override readonly name = "JsonPathMismatch";
  constructor(command: string, now: number) {
    super(
      `simulated HTCondor: ${command} parsed from JSON differs from the records built directly (t=${now})`,
    );
  }
}

/** What parseJob makes of jobAd(job): the same record, built without printing. */
function jobRecord(job: QueuedJob): Job {
  const { spec } = job;
  const record: Job = {
    id: `${job.cluster}.0`,
    owner: spec.owner,
    state: job.state,
    queuedAt: Math.floor(spec.submit),
    stateSince: Math.floor(job.stateSince),
    requestCpus: Math.ceil(spec.cores),
    requestMemoryMb: Math.ceil(spec.memoryMb),
    requestDiskKb: JOB_DISK_KB,
    priority: 0,
    vmType: spec.vmType,
  };
  if (job.slot !== undefined) record.remoteHost = job.slot;
  return record;
}

/** What parseSlot makes of slotAds(startd): the same records, built without printing. */
function slotRecords(startd: Startd, now: number): Slot[] {
  const busy = startd.slots.length > 0;
  const lastHeardFrom = Math.floor(now);
  const { machine, workerName, vmType, draining } = startd;
  const records: Slot[] = [
    {
      name: `slot1@${machine}`,
      machine,
      slotType: "Partitionable",
      state: draining ? "Drained" : "Unclaimed",
      activity: draining && busy ? "Retiring" : "Idle",
      cpus: startd.freeCores,
      memoryMb: startd.freeMemoryMb,
      draining,
      workerName,
      vmType,
      lastHeardFrom,
    },
  ];
  const activity = draining ? "Retiring" : "Busy";
  for (const slot of startd.slots) {
    records.push({
      name: slot.name,
      machine,
      slotType: "Dynamic",
      state: "Claimed",
      activity,
      cpus: slot.cores,
      memoryMb: slot.memoryMb,
      draining,
      workerName,
      vmType,
      lastHeardFrom,
    });
  }
  return records;
}

function jobAd(job: QueuedJob, now: number): Ad {
  const { spec } = job;
  return {
    ClusterId: job.cluster,
    ProcId: 0,
    JobStatus: job.state === "idle" ? 1 : 2,
    Owner: spec.owner,
    QDate: Math.floor(spec.submit),
    EnteredCurrentStatus: Math.floor(job.stateSince),
    JobPrio: 0,
    RequestCpus: spec.cores,
    RequestMemory: spec.memoryMb,
    RequestDisk: JOB_DISK_KB,
    VMType: spec.vmType,
    RemoteHost: job.slot,
    JobStartDate: job.startedAt === undefined ? undefined : Math.floor(job.startedAt),
    ServerTime: Math.floor(now),
  };
}

function slotAds(startd: Startd, now: number): Ad[] {
  const common = {
    CloudSchedulerVM: startd.workerName,
    VMType: startd.vmType,
    Machine: startd.machine,
    MyType: "Machine",
    LastHeardFrom: Math.floor(now),
    Draining: startd.draining ? true : undefined,
  };
  const busy = startd.slots.length > 0;
  const pslot: Ad = {
    ...common,
    Name: `slot1@${startd.machine}`,
    SlotType: "Partitionable",
    PartitionableSlot: true,
    State: startd.draining ? "Drained" : "Unclaimed",
    Activity: startd.draining && busy ? "Retiring" : "Idle",
    Cpus: startd.freeCores,
    Memory: startd.freeMemoryMb,
  };
  const dslots = startd.slots.map(
    (slot): Ad => ({
      ...common,
      Name: slot.name,
      SlotType: "Dynamic",
      DynamicSlot: true,
      State: "Claimed",
      Activity: startd.draining ? "Retiring" : "Busy",
      Cpus: slot.cores,
      Memory: slot.memoryMb,
    }),
  );
  return [pslot, ...dslots];
}

async function* once(text: string): AsyncGenerator<Buffer> {
  if (text.length > 0) yield Buffer.from(text, "utf8");
}

function lowerBound(list: readonly QueuedJob[], cluster: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as QueuedJob).cluster < cluster) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
