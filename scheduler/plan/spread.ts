// Which cloud the next new worker goes to: among the clouds with room, the one furthest below
// its weighted share of all workers (D'Hondt: largest weight / (workers + 1)). Counting the
// whole pool, not only this cycle's boots, keeps the spread proportional when each cycle boots
// only a few workers. Ties: larger weight, then cloud name.
import type { Config } from "../config/schema.js";
import type { CloudRoom, RoomLedger } from "./quota.js";
import type { Shape } from "./types.js";

export type Pick = { cloud: string } | { blockers: Record<string, string> };

/** `_config` is the ledger's: the weights are read from its records of the clouds. */
export function pickCloud(
  _config: Config,
  ledger: RoomLedger,
  clouds: readonly string[],
  shape: Shape,
): Pick {
  // The clouds' records, resolved once per list: a pick asks each one without a lookup by name.
  let best: CloudRoom | undefined;
  let bestScore = 0;
  if (ledger.typeHasRoom(shape)) {
    for (const room of ledger.roomsOf(clouds)) {
      if (!ledger.hasRoomOn(room, shape)) continue;
      const weight = room.weight;
      const score = weight / (room.usage.instances + 1);
      if (
        !best ||
        score > bestScore ||
        (score === bestScore &&
          (weight > best.weight || (weight === best.weight && room.cloud < best.cloud)))
      ) {
        best = room;
        bestScore = score;
      }
    }
  }
  if (best !== undefined) return { cloud: best.cloud };
  // No room anywhere: only now say why, cloud by cloud (most picks find room).
  const blockers: Record<string, string> = {};
  for (const cloud of clouds) {
    const blocker = ledger.blocker(cloud, shape);
    if (blocker !== undefined) blockers[cloud] = blocker;
  }
  return { blockers };
}
