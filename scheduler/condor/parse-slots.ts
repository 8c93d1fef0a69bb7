// Ads from `condor_status -json` -> Slot records and StartD daemon ads. Only startd slot ads
// (MyType "Machine") are slots; HTCondor 25's per-daemon StartD ad (MyType "StartD", no
// SlotType) is read for the daemon's name only, and any other ad type is skipped, never counted.
import { AdLayouts } from "./ad-layout.js";
import { type AdStreamOptions, type RawAd, streamAdBatches } from "./ad-stream.js";
import { AdReader } from "./ad-values.js";
import { CondorParseError } from "./errors.js";
import type { Slot, SlotType, StartdAd } from "./types.js";

/** The attributes parse-slots reads: the projection for `condor_status -attributes`. */
export const SLOT_ATTRIBUTES = [
  "Name",
  "Machine",
  "MyType",
  "SlotType",
  "PartitionableSlot",
  "DynamicSlot",
  "State",
  "Activity",
  "Cpus",
  "Memory",
  "CloudSchedulerVM",
  "VMType",
  "Draining",
  "LastHeardFrom",
  // Set on a slot the startd could not clean up (HTCondor 23+): it can never run a job.
  "SlotBrokenCode",
  "SlotBrokenReason",
  // Worker identity (scheduler/condor/slot-trust.ts, plan/expiration.ts).
  "AuthenticatedIdentity",
  "CloudSchedulerLifeEnds",
] as const;

/** condor_status's query: slot ads and the StartD daemon ads (their Name is what condor_off takes). */
export const STATUS_CONSTRAINT = 'MyType == "Machine" || MyType == "StartD"';

/** Is this ad a slot? A MyType other than "Machine" (e.g. "StartD") is not. */
export function isSlotAd(ad: RawAd): boolean {
  return isSlot(new AdReader(ad));
}

function isSlot(read: AdReader): boolean {
  const myType = read.text("MyType");
  if (myType !== undefined) return myType.toLowerCase() === "machine";
  // Without MyType (not projected), a slot is still recognisable by its slot name "slotN@host".
  return read.text("SlotType") !== undefined || /^slot\d/i.test(read.text("Name") ?? "");
}

function slotTypeOf(read: AdReader): SlotType {
  const declared = read.text("SlotType")?.toLowerCase();
  if (declared === "partitionable" || read.boolean("PartitionableSlot") === true) {
    return "Partitionable";
  }
  if (declared === "dynamic" || read.boolean("DynamicSlot") === true) return "Dynamic";
  return "Static";
}

/** One slot ad -> Slot; throws CondorParseError when it has no usable Name or Machine. */
export function parseSlot(ad: RawAd, index: number): Slot {
  return slotFrom(new AdReader(ad), index);
}

function slotFrom(read: AdReader, index: number): Slot {
  const name = read.string("Name");
  const machine = read.string("Machine");
  if (name === undefined || machine === undefined) {
    throw new CondorParseError(
      `slot ad ${index}: ${name === undefined ? "Name" : "Machine"} is missing or not a string`,
      undefined,
      index,
    );
  }
  const state = read.text("State") ?? "Unknown";
  const slot: Slot = {
    name,
    machine,
    slotType: slotTypeOf(read),
    state,
    activity: read.text("Activity") ?? "Unknown",
    cpus: read.amount("Cpus") ?? 0,
    memoryMb: read.amount("Memory") ?? 0,
    // A draining startd says Draining = true; once empty its p-slot stays Drained/Idle.
    draining: read.boolean("Draining") === true || state === "Drained",
  };
  const workerName = read.text("CloudSchedulerVM");
  if (workerName !== undefined) slot.workerName = workerName;
  const vmType = read.text("VMType");
  if (vmType !== undefined) slot.vmType = vmType;
  const lastHeardFrom = read.amount("LastHeardFrom");
  if (lastHeardFrom !== undefined) slot.lastHeardFrom = lastHeardFrom;
  const brokenCode = read.number("SlotBrokenCode");
  const brokenReason = read.text("SlotBrokenReason");
  // Any code, even 0, means HTCondor marked the slot broken; a reason alone says the same.
  if (brokenCode !== undefined || brokenReason !== undefined) {
    slot.broken = { code: brokenCode ?? 0, reason: brokenReason ?? "no reason given" };
  }
  const identity = read.text("AuthenticatedIdentity");
  if (identity !== undefined) slot.authenticatedIdentity = identity;
  const lifeEnds = read.amount("CloudSchedulerLifeEnds");
  if (lifeEnds !== undefined) slot.lifeEndsAt = lifeEnds;
  return slot;
}

function isStartdDaemonAd(read: AdReader): boolean {
  return read.text("MyType")?.toLowerCase() === "startd";
}

function startdFrom(read: AdReader): StartdAd | undefined {
  const name = read.string("Name");
  const machine = read.string("Machine");
  if (name === undefined || machine === undefined) return undefined;
  const startd: StartdAd = { name, machine };
  const workerName = read.text("CloudSchedulerVM");
  if (workerName !== undefined) startd.workerName = workerName;
  const identity = read.text("AuthenticatedIdentity");
  if (identity !== undefined) startd.authenticatedIdentity = identity;
  return startd;
}

/**
 * Turns the ads of one answer into Slots and StartD daemon ads, batch by batch, remembering
 * their key layouts.
 */
export class SlotAdParser {
  private readonly layouts = new AdLayouts();
  private index = 0;
  readonly slots: Slot[] = [];
  readonly startds: StartdAd[] = [];

  add(ads: readonly RawAd[]): void {
    for (const ad of ads) {
      const read = new AdReader(ad, this.layouts.of(ad));
      if (isSlot(read)) this.slots.push(slotFrom(read, this.index));
      else if (isStartdDaemonAd(read)) {
        const startd = startdFrom(read);
        if (startd) this.startds.push(startd);
      }
      this.index++;
    }
  }
}

/** Slots and StartD daemon ads of one answer, one ad in memory at a time. */
export async function parseStatus(
  ads: AsyncIterable<RawAd> | Iterable<RawAd>,
): Promise<{ slots: Slot[]; startds: StartdAd[] }> {
  const parser = new SlotAdParser();
  const one: RawAd[] = [];
  for await (const ad of ads) {
    one[0] = ad;
    parser.add(one);
  }
  return { slots: parser.slots, startds: parser.startds };
}

/** All ads of one answer -> Slots (non-slot ads skipped), one ad in memory at a time. */
export async function parseSlots(ads: AsyncIterable<RawAd> | Iterable<RawAd>): Promise<Slot[]> {
  return (await parseStatus(ads)).slots;
}

/** condor_status's stdout -> Slots and StartD ads, a batch of ads per chunk (a cycle's path). */
export async function readStatus(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: AdStreamOptions = {},
): Promise<{ slots: Slot[]; startds: StartdAd[] }> {
  const parser = new SlotAdParser();
  for await (const ads of streamAdBatches(chunks, options)) parser.add(ads);
  return { slots: parser.slots, startds: parser.startds };
}

/** condor_status's stdout -> Slots only. */
export async function readSlots(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: AdStreamOptions = {},
): Promise<Slot[]> {
  return (await readStatus(chunks, options)).slots;
}
