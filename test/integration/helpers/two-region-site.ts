// The site config the real-pool suites run `cloudscheduler run` with: both local regions, one
// 1-core demo-vm per m1.small, a 5 s cycle, retired by drain. Suites differ only in quota,
// keep-alive and a few policy settings.
export interface TwoRegionSiteOptions {
  /** Instances per cloud (cores and RAM follow: 2 cores, 4 GiB each). */
  instances: number;
  /** The demo-vm's keep-alive and the idle keep-alive, e.g. "20s". */
  keepAlive: string;
  /** Further policy settings (e.g. orphan_grace). */
  policy?: Record<string, unknown>;
}

export function twoRegionSite(
  condorHost: string,
  { instances, keepAlive, policy = {} }: TwoRegionSiteOptions,
): Record<string, unknown> {
  const cloud = (name: string, region: string) => ({
    cloud: name,
    region,
    network: "cs-workers",
    key_pair: "site-admin",
    quota: { instances, cores: 2 * instances, ram_mb: 4096 * instances },
    flavors: ["m1.small"],
    images: ["debian-12-condor"],
  });
  return {
    version: 1,
    clouds: { alberta: cloud("alberta", "RegionOne"), victoria: cloud("victoria", "RegionTwo") },
    vm_types: {
      "demo-vm": {
        image: "debian-12-condor",
        flavor: "m1.small",
        cores: 1,
        ram_mb: 2048,
        disk_gb: 10,
        keep_alive: keepAlive,
      },
    },
    flavors: { "m1.small": { cores: 1, ram_mb: 2048, disk_gb: 10 } },
    ports: { worker_cidrs: ["127.0.0.0/8"] },
    policy: {
      cycle: "5s",
      boot_timeout: "2m",
      idle_keep_alive: keepAlive,
      retire_with: "drain",
      ...policy,
    },
    condor: { timeout: "20s", worker_condor_host: condorHost },
  };
}
