// OwnerOrderQueue against a sorted list: jobs placed in batches, some placed anew (leaving a dead
// position) or gone, dead positions swept now and then. Read with dead positions skipped, the
// queue must always be the live jobs in the owner's order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type OrderedJob, OwnerOrderQueue } from "../../scheduler/plan/owner-order.js";

interface TestJob extends OrderedJob {
  /** The cycle it was last placed in; 0 once gone. */
  placed: number;
}

/** The owner's order: higher priority, then older, then id (text order, as idKey keeps it). */
function ownerOrder(a: TestJob, b: TestJob): number {
  return (
    b.priority - a.priority || a.queuedAt - b.queuedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** The live jobs of the queue, in its order. */
function live(queue: OwnerOrderQueue<TestJob>): string[] {
  const ids: string[] = [];
  for (let p = 0; p < queue.length; p++) {
    const job = queue.job(p);
    if (job.placed === queue.placedAt(p)) ids.push(job.id);
  }
  return ids;
}

const stepArb = fc.record({
  added: fc.array(
    fc.record({
      priority: fc.integer({ min: -1, max: 1 }),
      queuedAt: fc.integer({ min: 0, max: 5 }),
    }),
    { maxLength: 12 },
  ),
  replaced: fc.array(
    fc.record({
      pick: fc.nat(),
      priority: fc.integer({ min: -1, max: 1 }),
      queuedAt: fc.integer({ min: 0, max: 5 }),
    }),
    { maxLength: 6 },
  ),
  gone: fc.array(fc.nat(), { maxLength: 6 }),
  sweep: fc.boolean(),
});

describe("OwnerOrderQueue", () => {
  it("reads as the live jobs in the owner's order, whatever was placed, replaced, gone or swept", () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (steps, numericIds) => {
          const queue = new OwnerOrderQueue<TestJob>();
          const jobs: TestJob[] = [];
          let next = 0;
          steps.forEach((step, s) => {
            const cycle = s + 1;
            const fresh: TestJob[] = [];
            const alive = () => jobs.filter((j) => j.placed > 0);
            for (const { pick, priority, queuedAt } of step.replaced) {
              const list = alive().filter((j) => !fresh.includes(j));
              const job = list[pick % Math.max(1, list.length)];
              if (job === undefined) continue;
              job.priority = priority;
              job.queuedAt = queuedAt;
              fresh.push(job);
            }
            for (const pick of step.gone) {
              const list = alive().filter((j) => !fresh.includes(j));
              const job = list[pick % Math.max(1, list.length)];
              if (job !== undefined) job.placed = 0;
            }
            for (const { priority, queuedAt } of step.added) {
              // Ids that sort as text unlike numbers ("10" before "9"), with or without a key.
              const n = next++;
              const id = `${n % 3 === 0 ? 10 * n : n}.0`;
              const job: TestJob = {
                id,
                key: numericIds ? (n % 3 === 0 ? 10 * n : n) : -1,
                priority,
                queuedAt,
                placed: 0,
              };
              jobs.push(job);
              fresh.push(job);
            }
            if (numericIds) {
              // key must order as the id text does: rank every id as text.
              const ranks = [...jobs].sort((a, b) => (a.id < b.id ? -1 : 1));
              ranks.forEach((j, r) => {
                Object.assign(j, { key: r });
              });
            }
            fresh.sort(ownerOrder);
            for (const job of fresh) job.placed = cycle;
            queue.insert(fresh, cycle);
            if (step.sweep) queue.sweep((job, placed) => job.placed === placed);
            expect(live(queue)).toEqual(
              alive()
                .sort(ownerOrder)
                .map((j) => j.id),
            );
          });
        },
      ),
    );
  });

  it("sweeping drops only dead positions and keeps their order", () => {
    const queue = new OwnerOrderQueue<TestJob>();
    const jobs: TestJob[] = [3, 1, 2, 5, 4].map((n) => ({
      id: `${n}.0`,
      key: n,
      priority: 0,
      queuedAt: n,
      placed: 1,
    }));
    queue.insert([...jobs].sort(ownerOrder), 1);
    const second = jobs[1] as TestJob; // 1.0, oldest
    second.queuedAt = 9;
    second.placed = 2;
    queue.insert([second], 2);
    expect(queue.length).toBe(6);
    (jobs[3] as TestJob).placed = 0; // 5.0 gone
    queue.sweep((job, placed) => job.placed === placed);
    expect(queue.length).toBe(4);
    expect(live(queue)).toEqual(["2.0", "3.0", "4.0", "1.0"]);
  });
});
