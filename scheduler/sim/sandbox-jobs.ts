// The sandbox's demo workload: what a new user submits in the README's test drive. Five demo-1
// jobs (+VMType "demo-vm", one core each, like test/fixtures/condor/condor_q.all.json) and three
// four-core jobs, then two more demo jobs a few minutes later, so the screen shows workers
// booting, jobs running, a worker reused, and workers retiring after their keep-alive.
import type { SimJobSpec } from "./trace-map.js";

export function sandboxJobs(start: number): SimJobSpec[] {
  const jobs: SimJobSpec[] = [];
  for (let i = 0; i < 5; i++) {
    jobs.push({
      id: `demo-1.${i}`,
      submit: start,
      runtime: 240 + 60 * i,
      cores: 1,
      memoryMb: 1024,
      vmType: "demo-vm",
      owner: "guest",
    });
  }
  for (let i = 0; i < 3; i++) {
    jobs.push({
      id: `four-core.${i}`,
      submit: start,
      runtime: 420,
      cores: 4,
      memoryMb: 8192,
      vmType: "four-core",
      owner: "guest",
    });
  }
  for (let i = 0; i < 2; i++) {
    jobs.push({
      id: `demo-2.${i}`,
      submit: start + 360,
      runtime: 180,
      cores: 1,
      memoryMb: 1024,
      vmType: "demo-vm",
      owner: "guest",
    });
  }
  return jobs;
}
