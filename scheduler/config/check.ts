// Checks that span several parts of the config: names that must refer to each other.
import { workerName } from "../plan/naming.js";
import type { Config } from "./schema.js";

/** RFC 1123: a host name label, and so a worker's name, holds at most 63 characters. */
const HOST_LABEL_MAX = 63;

export interface CrossProblem {
  path: (string | number)[];
  message: string;
}

export function checkReferences(config: Config): CrossProblem[] {
  const problems: CrossProblem[] = [];
  const cloudNames = Object.keys(config.clouds);
  const knownCloud = (cloud: string, path: (string | number)[]): void => {
    if (!config.clouds[cloud]) {
      problems.push({
        path,
        message: `unknown cloud '${cloud}'; clouds are: ${cloudNames.join(", ") || "(none)"}`,
      });
    }
  };

  for (const [typeName, vmType] of Object.entries(config.vm_types)) {
    for (const [i, cloud] of (vmType.clouds ?? []).entries())
      knownCloud(cloud, ["vm_types", typeName, "clouds", i]);
    // Unknown clouds are reported above; judge the type only on the clouds that exist.
    const candidates = (vmType.clouds ?? cloudNames).filter((c) => config.clouds[c]);
    const usable = candidates.filter((c) => {
      const cloud = config.clouds[c];
      return cloud?.images.includes(vmType.image) && cloud.flavors.includes(vmType.flavor);
    });
    if (candidates.length > 0 && usable.length === 0) {
      problems.push({
        path: ["vm_types", typeName],
        message: `no cloud allows both image '${vmType.image}' and flavor '${vmType.flavor}'; add them to a cloud's images and flavors`,
      });
      continue;
    }
    // Its workers' names are host names (and HTCondor machine names): one DNS label each.
    for (const c of usable) {
      const longest = workerName(c, typeName, 9999);
      if (longest.length > HOST_LABEL_MAX) {
        problems.push({
          path: ["vm_types", typeName],
          message: `its workers on cloud '${c}' would be named like '${longest}' (${longest.length} characters); a host name label holds at most ${HOST_LABEL_MAX}: shorten the cloud or VM type name`,
        });
      }
    }
    // A worker larger than every usable cloud's whole quota could never boot.
    const fits = usable.filter((c) => {
      const quota = config.clouds[c]?.quota;
      return quota && vmType.cores <= quota.cores && vmType.ram_mb <= quota.ram_mb;
    });
    if (usable.length > 0 && fits.length === 0) {
      problems.push({
        path: ["vm_types", typeName],
        message: `needs ${vmType.cores} cores and ${vmType.ram_mb} MB RAM, more than the quota of ${usable.join(", ")} allows`,
      });
    }
  }

  // A worker observed only once per cycle could never register in time: it would be replaced
  // every cycle, booting without end.
  if (config.policy.boot_timeout <= 2 * config.policy.cycle) {
    problems.push({
      path: ["policy", "boot_timeout"],
      message: `expected more than two cycles (2 x policy.cycle = ${2 * config.policy.cycle}s), got ${config.policy.boot_timeout}s`,
    });
  }

  // A worker must be able to register before its life ends.
  if (config.policy.max_worker_life <= config.policy.boot_timeout) {
    problems.push({
      path: ["policy", "max_worker_life"],
      message: `expected more than policy.boot_timeout (${config.policy.boot_timeout}s), got ${config.policy.max_worker_life}s`,
    });
  }

  for (const [image, copy] of Object.entries(config.images)) {
    knownCloud(copy.from, ["images", image, "from"]);
    copy.to.forEach((cloud, i) => {
      knownCloud(cloud, ["images", image, "to", i]);
      if (cloud === copy.from) {
        problems.push({
          path: ["images", image, "to", i],
          message: `'${cloud}' is the source cloud; an image cannot be copied onto itself`,
        });
      }
    });
  }

  for (const kind of ["scheduler", "cvmfs"] as const) {
    const appliance = config.appliances[kind];
    if (appliance) knownCloud(appliance.cloud, ["appliances", kind, "cloud"]);
  }
  return problems;
}
