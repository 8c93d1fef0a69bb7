// Which cloud the next new worker goes to: among the clouds with room, the one furthest below
// its weighted share of all workers (D'Hondt: largest weight / (workers + 1)). Counting the
// whole pool, not only this cycle's boots, keeps the spread proportional when each cycle boots
// only a few workers. Ties: larger weight, then cloud name.
import type { Config } from "../config/schema.js";
import type { RoomLedger } from "./quota.js";
import type { Shape } from "./types.js";

export type Pick = { cloud: string } | { blockers: Record<string, string> };

export function pickCloud(
  config: Config,
  ledger: RoomLedger,
  clouds: readonly string[],
  shape: Shape,
): Pick {
  let best: { cloud: string; score: number; weight: number } | undefined;
  for (const cloud of clouds) {
    if (!ledger.hasRoom(cloud, shape)) continue;
    const weight = config.clouds[cloud]?.weight ?? 1;
    const score = weight / (ledger.instances(cloud) + 1);
    if (
      !best ||
      score > best.score ||
      (score === best.score &&
        (weight > best.weight || (weight === best.weight && cloud < best.cloud)))
    ) {
      best = { cloud, score, weight };
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
