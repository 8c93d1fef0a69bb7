// OwnerJobQueue walks an owner's waiting jobs lazily (a heap per group, merged) and passes over
// decided workers and groups out of room. The round-robin over it must grant exactly what the
// round-robin over fully built owner queues grants: every waiting job of the owner sorted by
// its order, each wanted worker listed once at its first job.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Grant,
  grantInTurns,
  grantRoundRobin,
  type JobStream,
  OwnerJobQueue,
  ownerOrder,
} from "../../scheduler/plan/fair-share.js";

interface World {
  /** Per job: owner, group, worker (candidate), priority, queue time, id order. */
  jobs: { owner: number; worker: number; priority: number; queuedAt: number; id: number }[];
  /** Per worker: its group. */
  groupOf: number[];
  /** Per group: how many grants it gets goesFirst it runs out of room. */
  room: number[];
  owners: number;
  idleJobs: number[];
}

const worldArb: fc.Arbitrary<World> = fc
  .record({
    owners: fc.integer({ min: 1, max: 4 }),
    groups: fc.integer({ min: 1, max: 3 }),
    workers: fc.integer({ min: 1, max: 12 }),
  })
  .chain(({ owners, groups, workers }) =>
    fc.record({
      groupOf: fc.array(fc.nat(groups - 1), { minLength: workers, maxLength: workers }),
      room: fc.array(fc.nat(6), { minLength: groups, maxLength: groups }),
      jobs: fc.array(
        fc.record({
          owner: fc.nat(owners - 1),
          worker: fc.nat(workers - 1),
          priority: fc.integer({ min: -1, max: 1 }),
          queuedAt: fc.integer({ min: 0, max: 3 }),
          id: fc.nat(5),
        }),
        { maxLength: 40 },
      ),
      idleJobs: fc.array(fc.nat(50), { minLength: owners, maxLength: owners }),
      owners: fc.constant(owners),
    }),
  );

/** The grants, in order, with rooms spent per group (a group out of room is denied for good). */
function granter(world: World) {
  const state = world.groupOf.map(() => "open" as "open" | "granted" | "denied");
  const left = [...world.room];
  const blocked = world.room.map(() => false);
  const granted: number[] = [];
  const tryGrant = (worker: number): Grant => {
    if (state[worker] !== "open") return "decided";
    const group = world.groupOf[worker] as number;
    if (!blocked[group]) {
      if ((left[group] as number) > 0) {
        left[group] = (left[group] as number) - 1;
        state[worker] = "granted";
        granted.push(worker);
        return "granted";
      }
      blocked[group] = true;
    }
    state[worker] = "denied";
    return "denied";
  };
  return { tryGrant, granted, state, blocked };
}

describe("OwnerJobQueue", () => {
  it("grants what the round-robin over fully built owner queues grants (property)", () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const n = world.jobs.length;
        const keys = {
          priority: Float64Array.from(world.jobs, (j) => j.priority),
          queuedAt: Float64Array.from(world.jobs, (j) => j.queuedAt),
          idOrder: Float64Array.from(world.jobs, (j) => j.id),
        };
        // Jobs in packing order are job numbers here; ties end on it.
        const goesFirst = ownerOrder(
          keys,
          Int32Array.from({ length: n }, (_, i) => i),
        );

        // Built in full, as planners did goesFirst: sort, then list each worker once.
        const expected = granter(world);
        grantRoundRobin(
          Array.from({ length: world.owners }, (_, owner) => {
            const mine = world.jobs.flatMap((j, i) => (j.owner === owner ? [i] : []));
            mine.sort((a, b) => (goesFirst(a, b) ? -1 : goesFirst(b, a) ? 1 : 0));
            return {
              owner: `o${owner}`,
              idleJobs: world.idleJobs[owner] as number,
              wanted: [...new Set(mine.map((i) => world.jobs[i]?.worker as number))],
            };
          }).filter((q) => q.wanted.length > 0),
          expected.tryGrant,
        );

        // Lazily, one stream per owner and group.
        const actual = granter(world);
        const queues = Array.from({ length: world.owners }, (_, owner) => {
          const byGroup = new Map<number, number[]>();
          world.jobs.forEach((j, i) => {
            if (j.owner !== owner) return;
            const group = world.groupOf[j.worker] as number;
            byGroup.set(group, [...(byGroup.get(group) ?? []), i]);
          });
          const streams: JobStream[] = [...byGroup].map(([group, jobs]) => ({
            jobs: Int32Array.from(jobs),
            open: () => !actual.blocked[group],
          }));
          return {
            owner: `o${owner}`,
            idleJobs: world.idleJobs[owner] as number,
            wanted: new OwnerJobQueue(streams, goesFirst, (job) => {
              const worker = world.jobs[job]?.worker as number;
              return actual.state[worker] === "open" ? worker : undefined;
            }),
          };
        }).filter((q) => !q.wanted.done());
        grantInTurns(queues, actual.tryGrant);

        expect(actual.granted).toEqual(expected.granted);
        expect(actual.blocked).toEqual(expected.blocked);
      }),
      { numRuns: 2000 },
    );
  });
});
