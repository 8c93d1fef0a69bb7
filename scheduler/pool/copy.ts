// Changed copies of pool entries. A spread that adds a key the entry lacks ({ ...w, machine })
// costs V8 several times an Object.assign of the same fields, and the planner makes one for
// thousands of workers per cycle; the result is the same: the entry's keys in their order, then
// the new ones.
import type { PoolWorker } from "./types.js";

/** The worker with `fields` set (keys it lacks are added after its own). */
export function withFields(worker: PoolWorker, fields: Partial<PoolWorker>): PoolWorker {
  return Object.assign({}, worker, fields);
}
