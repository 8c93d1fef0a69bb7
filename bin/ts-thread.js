// A worker thread's bootstrap when running from sources: registers tsx in this thread (a
// worker does not inherit the loader the main thread registered through tsx's API), then runs
// the thread's TypeScript entry named in workerData.entry (scheduler/deploy/thread-deployer.ts).
import { workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
await import(workerData.entry);
