// Assigning interchangeable supply to demand over allowed pairs (a transportation problem), by
// maximum flow. Used to hand booting workers to the demand groups that may use them, so a
// group that can only use one cloud is not crowded out by a group that could go anywhere.
// Deterministic: augmenting paths are searched breadth-first in index order.

/**
 * How many units each demand takes from each supply: result[d][s]. Maximises the total;
 * `allowed(d, s)` says whether demand d may use supply s.
 */
export function assignByMaxFlow(
  demands: readonly number[],
  supplies: readonly number[],
  allowed: (demand: number, supply: number) => boolean,
): number[][] {
  const flow = demands.map(() => supplies.map(() => 0));
  const demandLeft = [...demands];
  const supplyLeft = [...supplies];
  // Each demand's allowed supplies (a plan asks this of every pair: no array per pair).
  const edges: number[][] = new Array(demands.length);
  for (let d = 0; d < demands.length; d++) {
    const list: number[] = [];
    for (let s = 0; s < supplies.length; s++) if (allowed(d, s)) list.push(s);
    edges[d] = list;
  }
  // Residual graph: demand d -> supply s always (unbounded), supply s -> demand d when flow > 0.
  // One set of search arrays, cleared for each augmenting path (a plan searches hundreds).
  const fromDemand: (number | undefined)[] = supplies.map(() => undefined);
  const fromSupply: (number | undefined)[] = demands.map(() => undefined);
  const queue = new Int32Array(demands.length);
  const reached: boolean[] = demands.map(() => false);
  // Per supply, the demands with flow from it, in index order: the search steps back along
  // these instead of asking every demand (a shape has hundreds of groups, a supply a few users).
  const users: number[][] = supplies.map(() => []);
  let supplyTotal = 0;
  for (const units of supplies) supplyTotal += units;
  for (;;) {
    // No supply left: no augmenting path ends anywhere (each ends at a supply with some left).
    if (!(supplyTotal > 0)) return flow;
    fromDemand.fill(undefined);
    fromSupply.fill(undefined);
    reached.fill(false);
    let head = 0;
    let tail = 0;
    for (let d = 0; d < demands.length; d++) {
      if ((demandLeft[d] as number) > 0) {
        reached[d] = true;
        queue[tail++] = d;
      }
    }
    let sink: number | undefined;
    while (head < tail && sink === undefined) {
      const d = queue[head++] as number;
      for (const s of edges[d] as number[]) {
        if (fromDemand[s] !== undefined) continue;
        fromDemand[s] = d;
        if ((supplyLeft[s] as number) > 0) {
          sink = s;
          break;
        }
        for (const back of users[s] as number[]) {
          if (!reached[back]) {
            reached[back] = true;
            fromSupply[back] = s;
            queue[tail++] = back;
          }
        }
      }
    }
    if (sink === undefined) return flow;
    // Walk back to the source, finding the bottleneck, then push it.
    let amount = supplyLeft[sink] as number;
    let s = sink;
    for (;;) {
      const d = fromDemand[s] as number;
      const via = fromSupply[d];
      if (via === undefined) {
        amount = Math.min(amount, demandLeft[d] as number);
        break;
      }
      amount = Math.min(amount, flow[d]?.[via] as number);
      s = via;
    }
    s = sink;
    supplyLeft[sink] = (supplyLeft[sink] as number) - amount;
    supplyTotal -= amount;
    for (;;) {
      const d = fromDemand[s] as number;
      addFlow(flow, users, d, s, amount);
      const via = fromSupply[d];
      if (via === undefined) {
        demandLeft[d] = (demandLeft[d] as number) - amount;
        break;
      }
      addFlow(flow, users, d, via, -amount);
      s = via;
    }
  }
}

/** Changes the flow from supply s to demand d, keeping `users[s]` (in index order) in step. */
function addFlow(flow: number[][], users: number[][], d: number, s: number, amount: number): void {
  const row = flow[d] as number[];
  const before = row[s] as number;
  const after = before + amount;
  row[s] = after;
  const list = users[s] as number[];
  if (!(before > 0) && after > 0) {
    let at = list.length;
    while (at > 0 && (list[at - 1] as number) > d) at--;
    list.splice(at, 0, d);
  } else if (before > 0 && !(after > 0)) {
    list.splice(list.indexOf(d), 1);
  }
}
