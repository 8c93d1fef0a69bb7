import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RevocationError } from "../../scheduler/identity/errors.js";
import {
  NOTHING_REVOKED,
  parseRevocationExpression,
  revocationExpression,
  updateRevocations,
} from "../../scheduler/identity/revocations.js";
import type { Revocation } from "../../scheduler/identity/types.js";

const id = (n: number) => `cs-alberta-demo-vm-${String(n).padStart(4, "0")}@workers.cloudscheduler`;

describe("the revocation expression", () => {
  it("revokes nothing when empty, and every token of a worker issued up to its retirement", () => {
    expect(revocationExpression([])).toBe("false");
    expect(
      revocationExpression([
        { identity: id(2), issuedUpTo: 1_700_000_100 },
        { identity: id(1), issuedUpTo: 1_700_000_000 },
      ]),
    ).toBe(
      `(sub =?= "${id(1)}" && iat <= 1700000000) || (sub =?= "${id(2)}" && iat <= 1700000100)`,
    );
  });

  it("reads back what it wrote, whatever the list", () => {
    const revocation = fc.record({
      identity: fc.integer({ min: 1, max: 9999 }).map(id),
      issuedUpTo: fc.integer({ min: 0, max: 2 ** 40 }),
    });
    fc.assert(
      fc.property(fc.array(revocation, { maxLength: 30 }), (list) => {
        const text = revocationExpression(list);
        expect(revocationExpression(parseRevocationExpression(text))).toBe(text);
      }),
    );
  });

  it("refuses a list it did not write rather than overwrite someone's revocations", () => {
    for (const foreign of [
      "true",
      `(sub =?= "alice@example.org" && iat <= 1)`,
      `(sub =?= "${id(1)}" && iat <= 1) || member(jti, {"x"})`,
      `(sub =?= "${id(1)}" && iat <= -1)`,
    ]) {
      expect(() => parseRevocationExpression(foreign), foreign).toThrow(RevocationError);
    }
    expect(parseRevocationExpression(` ${NOTHING_REVOKED} `)).toEqual([]);
    expect(parseRevocationExpression("")).toEqual([]);
  });

  it("refuses to write an identity that is not a worker's (it would be pasted into a config value)", () => {
    expect(() => revocationExpression([{ identity: 'x" || true || "', issuedUpTo: 1 }])).toThrow(
      RevocationError,
    );
  });
});

describe("updateRevocations", () => {
  const week = 7 * 86_400;

  it("adds retirements, keeps each worker's latest, drops entries whose tokens have all expired", () => {
    const current: Revocation[] = [
      { identity: id(1), issuedUpTo: 1_000 },
      { identity: id(2), issuedUpTo: 5_000 },
    ];
    const now = 1_000 + week + 1;
    const next = updateRevocations(
      current,
      [
        { identity: id(2), issuedUpTo: now },
        { identity: id(3), issuedUpTo: now },
      ],
      now,
      week,
    );
    expect(next).toEqual([
      { identity: id(2), issuedUpTo: now },
      { identity: id(3), issuedUpTo: now },
    ]);
  });

  it("stays bounded: never more entries than workers retired within one token lifetime", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 * 86_400 }), { minLength: 1, maxLength: 200 }),
        (times) => {
          let list: Revocation[] = [];
          const sorted = [...times].sort((a, b) => a - b);
          sorted.forEach((at, i) => {
            list = updateRevocations(list, [{ identity: id(i + 1), issuedUpTo: at }], at, week);
          });
          const last = sorted[sorted.length - 1] as number;
          expect(list.length).toBe(sorted.filter((t) => t + week >= last).length);
        },
      ),
    );
  });
});
