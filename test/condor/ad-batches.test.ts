// The batch path a cycle takes (streamAdBatches -> readJobs / readSlots, with the fast path and
// key layouts) against the exact byte scanner and the one-ad-at-a-time readers: the same jobs,
// slots and errors for real answers, any chunking, other layouts and broken input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AdStreamOptions, parseAds, streamAds } from "../../scheduler/condor/ad-stream.js";
import { CondorParseError } from "../../scheduler/condor/errors.js";
import { parseJob, parseJobs, readJobs } from "../../scheduler/condor/parse-jobs.js";
import { parseSlots, readSlots } from "../../scheduler/condor/parse-slots.js";
import { readFixture } from "./helpers.js";

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** What reading an answer gives: the value, or the error's class, text and position. */
async function outcome(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await read() };
  } catch (error) {
    if (!(error instanceof CondorParseError)) throw error;
    return { error: error.message, byteOffset: error.byteOffset, adIndex: error.adIndex };
  }
}

async function adsOf(bytes: Buffer, size: number, options: AdStreamOptions): Promise<unknown[]> {
  const ads: unknown[] = [];
  for await (const ad of streamAds(chunksOf(bytes, size), options)) ads.push(ad);
  return ads;
}

const JOB_ANSWERS = [
  "condor_q.all.json",
  "condor_q.projected.json",
  "condor_q.running.json",
  "condor_q.running.projected.json",
  "synthetic.hostile-jobs.json",
  "condor_q.empty.json",
];
const SLOT_ANSWERS = [
  "condor_status.idle.json",
  "condor_status.busy.json",
  "condor_status.projected.json",
  "condor_status.startd-daemon-ad.json",
];

/** HTCondor's layout: "[", ads with one attribute a line, "," lines between ads, "]". */
function condorLayout(ads: Record<string, unknown>[]): string {
  if (ads.length === 0) return "";
  const body = ads
    .map(
      (ad) =>
        `{\n${Object.entries(ad)
          .map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`)
          .join(",\n")}\n}`,
    )
    .join("\n,\n");
  return `[\n${body}\n]\n`;
}

describe("readJobs / readSlots (batches)", () => {
  it.each(JOB_ANSWERS)("read %s as the one-ad reader does, in any chunking", async (name) => {
    const bytes = readFixture(name);
    const expected = parseAds(bytes, { fastPath: false }).map((ad, i) => parseJob(ad, i));
    for (const size of [1, 3, 100, 4096, Math.max(1, bytes.length)]) {
      expect(await readJobs(chunksOf(bytes, size))).toEqual(expected);
    }
  });

  it.each(SLOT_ANSWERS)("read %s as the one-ad reader does, in any chunking", async (name) => {
    const bytes = readFixture(name);
    const ads = parseAds(bytes, { fastPath: false });
    expect(ads.length).toBeGreaterThan(0);
    const expected = await parseSlots(ads);
    for (const size of [1, 3, 100, 4096, Math.max(1, bytes.length)]) {
      expect(await readSlots(chunksOf(bytes, size))).toEqual(expected);
    }
  });

  it("resolves attribute names per layout: mixed layouts and cases give each ad its own values", async () => {
    const ads = [
      { ClusterId: 1, ProcId: 0, JobStatus: 1, Owner: "a", VMType: "x", RequestMemory: 100 },
      { clusterid: 1, procid: 1, jobstatus: 2, owner: "b", vmtype: "y", RemoteHost: "slot1@h" },
      { ClusterId: 1, ProcId: 2, JobStatus: 1, Owner: "c", VMType: "z", RequestMemory: 300 },
      { Owner: "d", ClusterId: 2, ProcId: 0, JobStatus: 1, VMTYPE: "w", vmType: "v" },
    ];
    const bytes = Buffer.from(condorLayout(ads));
    const jobs = await readJobs(chunksOf(bytes, 64));
    expect(jobs).toEqual(ads.map((ad, i) => parseJob(ad, i)));
    expect(jobs.map((j) => j.vmType)).toEqual(["x", "y", "z", "v"]);
    expect(jobs[1]?.remoteHost).toBe("slot1@h");
    expect(jobs[0]).not.toHaveProperty("remoteHost");
  });

  it("evaluates expressions per ad when an ad sets what they read", async () => {
    const memory =
      "/Expr(ifthenelse(MemoryUsage isnt undefined,MemoryUsage,(ImageSize + 1023) / 1024))/";
    const base = { ProcId: 0, JobStatus: 1, Owner: "u", RequestMemory: memory };
    const ads = [
      { ClusterId: 1, ...base },
      { ClusterId: 2, ...base, ImageSize: 4096 },
      {
        ClusterId: 3,
        ...base,
        MemoryUsage: "/Expr(((ResidentSetSize + 1023) / 1024))/",
        ResidentSetSize: 10_240,
      },
      { ClusterId: 4, ...base },
    ];
    const jobs = await readJobs(chunksOf(Buffer.from(condorLayout(ads)), 50));
    expect(jobs.map((j) => j.requestMemoryMb)).toEqual([2048, 4, 10, 2048]);
  });
});

describe("the fast path against the exact scanner (property)", () => {
  const value = fc.oneof(
    fc.string(),
    fc.string({ unit: fc.constantFrom("{", "}", "[", "]", '"', "\\", ",", "\n", "é", "𝄞", "a") }),
    fc.integer({ min: -3, max: 10 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      "/Expr(DiskUsage)/",
      "/Expr(RequestCpus * 2)/",
      "/Expr(RequestMemory)/",
      "8192",
    ),
    fc.array(fc.oneof(fc.string(), fc.constant(null), fc.dictionary(fc.string(), fc.nat())), {
      maxLength: 3,
    }),
  );
  const names = fc.constantFrom(
    "ClusterId",
    "ProcId",
    "JobStatus",
    "Owner",
    "owner",
    "RequestCpus",
    "RequestMemory",
    "VMType",
    "VMMem",
    "TargetClouds",
    "RemoteHost",
    "Name",
    "Machine",
    "SlotType",
    "Cpus",
  );
  const ad = fc
    .record(
      {
        ClusterId: fc.nat(3),
        ProcId: fc.nat(3),
        JobStatus: fc.integer({ min: 0, max: 8 }),
        Owner: fc.constantFrom("guest", ""),
        Name: fc.constantFrom("slot1@h", "slot1_1@h"),
        Machine: fc.constant("h"),
      },
      { requiredKeys: [] },
    )
    .chain((base) =>
      fc.dictionary(names, value, { maxKeys: 6 }).map((extra) => ({ ...base, ...extra })),
    );
  const damage = fc.option(
    fc.tuple(fc.nat(), fc.constantFrom("", "{", "}", ",", "\n", "]", "[", '"', "x", "\n,\n")),
  );

  it("gives the same ads, jobs, slots or errors as the exact scanner, for any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ad, { maxLength: 8 }),
        fc.integer({ min: 1, max: 400 }),
        damage,
        fc.boolean(),
        async (ads, size, cut, compact) => {
          let text = compact ? JSON.stringify(ads) : condorLayout(ads);
          if (cut !== null) {
            const [at, insert] = cut;
            const where = at % (text.length + 1);
            text = text.slice(0, where) + insert + text.slice(where + (insert === "" ? 1 : 0));
          }
          const bytes = Buffer.from(text, "utf8");
          const exact: AdStreamOptions = { fastPath: false };
          expect(await outcome(() => adsOf(bytes, size, {}))).toEqual(
            await outcome(() => adsOf(bytes, 1, exact)),
          );
          expect(await outcome(() => readJobs(chunksOf(bytes, size)))).toEqual(
            await outcome(() => parseJobs(streamAds(chunksOf(bytes, 1), exact))),
          );
          expect(await outcome(() => readSlots(chunksOf(bytes, size)))).toEqual(
            await outcome(() => readSlots(chunksOf(bytes, 1), exact)),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it("reports the first problem in byte order: a bad job ad before a broken structure", async () => {
    const text = '[\n{\n  "ClusterId": 1\n}\n,\n{\n  "ClusterId": 2,\n}\n]\n';
    for (const size of [1, 16, text.length]) {
      const error = await outcome(() => readJobs(chunksOf(Buffer.from(text), size)));
      expect(error).toMatchObject({ adIndex: 0 });
      expect((error as { error: string }).error).toContain("job ad 0");
    }
  });
});
