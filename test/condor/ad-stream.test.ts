import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAds, streamAds } from "../../scheduler/condor/ad-stream.js";
import { CondorParseError } from "../../scheduler/condor/errors.js";
import { readFixture, thrown } from "./helpers.js";

async function* chunksOf(bytes: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const size = Math.max(
      1,
      sizes.length > 0 ? (sizes[i++ % sizes.length] as number) : bytes.length,
    );
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function collect(bytes: Buffer, sizes: number[] = []): Promise<unknown[]> {
  const ads: unknown[] = [];
  for await (const ad of streamAds(chunksOf(bytes, sizes))) ads.push(ad);
  return ads;
}

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

const REAL_ANSWERS = [
  "condor_q.all.json",
  "condor_q.projected.json",
  "condor_q.running.json",
  "condor_q.running.projected.json",
  "condor_status.idle.json",
  "condor_status.busy.json",
  "condor_status.projected.json",
  "condor_status.startd-daemon-ad.json",
  "synthetic.hostile-jobs.json",
];

describe("streamAds", () => {
  it.each(REAL_ANSWERS)(
    "gives the same ads as JSON.parse for %s, in 1-byte and 4 KiB chunks",
    async (name) => {
      const bytes = readFixture(name);
      const expected = JSON.parse(bytes.toString("utf8")) as unknown[];
      expect(expected.length).toBeGreaterThan(0);
      expect(await collect(bytes, [1])).toEqual(expected);
      expect(await collect(bytes, [4096])).toEqual(expected);
    },
  );

  it("reads 0 bytes (HTCondor's empty answer) as no ads", async () => {
    expect(readFixture("condor_q.empty.json").length).toBe(0);
    expect(await collect(readFixture("condor_q.empty.json"))).toEqual([]);
  });

  it("accepts an empty array, as condor_history prints it", () => {
    expect(parseAds("[\n]\n")).toEqual([]);
  });

  it("rejects the plain text of condor_q -global", () => {
    const error = thrown(() => parseAds(readFixture("condor_q.empty.global.json")));
    expect(error).toBeInstanceOf(CondorParseError);
    expect(error.message).toContain("found 'A' at byte 0");
    expect((error as CondorParseError).byteOffset).toBe(0);
  });

  it("rejects a truncated answer even though complete ads came before the cut", async () => {
    const bytes = readFixture("condor_q.truncated.json");
    const seen: unknown[] = [];
    const error = await (async () => {
      try {
        for await (const ad of streamAds(chunksOf(bytes, [512]))) seen.push(ad);
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected a CondorParseError");
    })();
    expect(error).toBeInstanceOf(CondorParseError);
    expect(error.message).toMatch(
      /ended early at byte 2000 inside ad 3 \(started at byte 1913\), after 3 complete ads/,
    );
    expect((error as CondorParseError).byteOffset).toBe(2000);
    expect((error as CondorParseError).adIndex).toBe(3);
    // The ads before the cut were yielded, but the stream still failed: a caller that collects
    // them gets an error, never a short list.
    expect(seen).toHaveLength(3);
  });

  it("rejects whitespace only, trailing garbage, a trailing comma and a bare ad", () => {
    for (const text of [
      "\n",
      '[{"a":1}]\nextra',
      '[{"a":1},]',
      '{"a":1}',
      '[{"a":1}',
      '[{"a":1},',
      "[1]",
    ]) {
      expect(
        thrown(() => parseAds(text)),
        text,
      ).toBeInstanceOf(CondorParseError);
    }
  });

  it("names the ad and its byte offset when one ad is not valid JSON", () => {
    const error = thrown(() => parseAds('[\n{"a": 1}\n,\n{"b": tru}\n]')) as CondorParseError;
    expect(error).toBeInstanceOf(CondorParseError);
    expect(error.adIndex).toBe(1);
    expect(error.byteOffset).toBe(13);
    expect(error.message).toContain("ad 1 starting at byte 13 is not valid JSON");
  });

  it("keeps braces, brackets and escaped quotes inside strings out of the structure", () => {
    const ads = [{ a: '}{"][,\\', b: ["x", { c: '\\"}' }] }, { d: "é – ☃ 𝄞" }];
    expect(parseAds(condorLayout(ads))).toEqual(ads);
  });

  it("refuses an ad larger than the cap instead of holding it", () => {
    const big = condorLayout([{ a: "x".repeat(2000) }]);
    const error = thrown(() => parseAds(big, { maxAdBytes: 1000 }));
    expect(error).toBeInstanceOf(CondorParseError);
    expect(error.message).toContain("larger than 1000 bytes");
  });

  const jsonValue = fc.oneof(
    fc.string({ unit: "grapheme" }),
    fc.string({ unit: fc.constantFrom("{", "}", "[", "]", '"', "\\", ",", "\n", "é", "𝄞", "a") }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.array(fc.oneof(fc.string(), fc.constant(null)), { maxLength: 3 }),
  );
  const ad = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), jsonValue, { maxKeys: 6 });

  it("gives the same ads as JSON.parse for any chunking (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ad, { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (ads, sizes, compact) => {
          const text = compact
            ? ads.length === 0
              ? "[]"
              : JSON.stringify(ads)
            : condorLayout(ads);
          const bytes = Buffer.from(text, "utf8");
          expect(await collect(bytes, sizes)).toEqual(JSON.parse(text === "" ? "[]" : text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("fails on every strict prefix of a non-empty answer (property: truncation is never success)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ad, { minLength: 1, maxLength: 4 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (ads, fraction) => {
          const bytes = Buffer.from(condorLayout(ads), "utf8");
          // Cut before the final "]" (a cut after it only drops the trailing newline).
          const end = bytes.lastIndexOf("]");
          const cut = Math.max(1, Math.floor(fraction * end));
          await expect(collect(bytes.subarray(0, cut), [7])).rejects.toBeInstanceOf(
            CondorParseError,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
