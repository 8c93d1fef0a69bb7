// The pool files kept in memory, for long simulations where a git commit per cycle would
// dominate the run time (the sandbox uses RepoPoolFiles on a real git repo): the cycle's own
// in-memory PoolFiles, keeping the last 1000 commit messages.
import { MemoryPoolFiles as CyclePoolFiles } from "../run/memory-pool-files.js";

export class MemoryPoolFiles extends CyclePoolFiles {
  constructor(keep = 1000) {
    super({}, keep);
  }
}
