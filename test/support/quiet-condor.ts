// HTCondor as a test sets it: the startds it assigns, no jobs in the queue, retires accepted.
import type { CondorClient } from "../../scheduler/condor/client.js";
import type { ObservedWorker } from "../../scheduler/condor/types.js";

export class QuietCondor implements CondorClient {
  startds: ObservedWorker[] = [];
  async jobs() {
    return [];
  }
  async workers() {
    return this.startds;
  }
  async drain() {}
  async peacefulOff() {}
}
