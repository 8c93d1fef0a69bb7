// Orphans: worker servers tagged with our owner that no pool claims (left by a crash between a
// create and its record, by an undone boot, or by a removed cloud's leftovers after a restart).
// Each is swept once it has been an orphan for policy.orphan_grace, and never while its startd
// runs a job: an idle startd is drained first (so it takes no new job), a busy one is left to
// finish, and only a server that runs nothing is deleted.
import type { PolicyConfig } from "../../../../scheduler/config/schema.js";
import type { OrphanServer, RetireHold } from "../../../../scheduler/state/types.js";
import { duration, plural, quote } from "./reasons.js";
import { retireName } from "./retire.js";
import type { Decision, RetireAction, ServerDeletion } from "./types.js";

export interface OrphanSweep {
  retire: RetireAction[];
  deletions: ServerDeletion[];
  decisions: Decision[];
}

export function sweepOrphans(
  orphans: readonly OrphanServer[],
  policy: PolicyConfig,
  now: number,
  holds?: ReadonlyMap<string, RetireHold>,
): OrphanSweep {
  const sweep: OrphanSweep = { retire: [], deletions: [], decisions: [] };
  for (const orphan of orphans) {
    const { cloud, server, ads } = orphan;
    const about = { cloud, workers: [server.name] };
    const what = `server ${quote(server.name)} (${server.id}, ${server.status}) is in no pool`;
    if (orphan.runningJobs > 0) {
      sweep.decisions.push({
        ...about,
        kind: "orphan",
        reason: `${what}; its startd runs ${plural(orphan.runningJobs, "job")}: kept until they finish`,
      });
      continue;
    }
    if (ads && !ads.draining) {
      // A registered, idle startd still takes jobs: stop that before the server may go.
      const hold = holds?.get(server.name);
      if (hold && now < hold.until) {
        sweep.decisions.push({
          ...about,
          kind: "retire-refused",
          reason: `${what}; not asked to drain again for ${duration(hold.until - now)}: ${hold.reason}`,
        });
        continue;
      }
      const method = policy.retire_with;
      const reason = `orphan server in no pool, idle`;
      sweep.retire.push({
        cloud,
        worker: server.name,
        machine: retireName(ads, method),
        method,
        reason,
      });
      sweep.decisions.push({
        ...about,
        kind: "orphan",
        reason: `${what}; its startd is idle: ${method === "drain" ? "draining" : "peaceful off"} before deleting it`,
      });
      continue;
    }
    const age = Math.max(0, now - orphan.firstSeen);
    if (age < policy.orphan_grace) {
      sweep.decisions.push({
        ...about,
        kind: "orphan",
        reason: `${what}; deleted if still unclaimed in ${duration(policy.orphan_grace - age)}`,
        seconds: policy.orphan_grace,
      });
      continue;
    }
    const reason = `${what} for ${duration(age)} and runs nothing: deleted`;
    sweep.deletions.push({ cloud, id: server.id, name: server.name, reason });
    sweep.decisions.push({
      ...about,
      kind: "orphan-deleted",
      reason,
      seconds: policy.orphan_grace,
    });
  }
  return sweep;
}
