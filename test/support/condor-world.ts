// Worlds for the HTCondor stand-ins built from the real HTCondor 25 ads in test/fixtures/condor:
// the ads of a worker renamed to a planned worker, rendered in HTCondor's own JSON layout.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Ad } from "../../scheduler/sim/condor-json.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const condorFixture = (name: string) => join(ROOT, "test/fixtures/condor", name);

export type RawAd = Record<string, unknown>;

export const readAds = (name: string): RawAd[] =>
  JSON.parse(readFileSync(condorFixture(name), "utf8")) as RawAd[];

/** The real ads of one worker's startd (cs-alberta-demo-vm-0001), renamed to `worker`. */
export function startdAds(
  fixtureName: string,
  worker: string,
  change: (ad: RawAd) => RawAd = (ad) => ad,
): RawAd[] {
  const text = readFileSync(condorFixture(fixtureName), "utf8")
    .replaceAll("cs-alberta-demo-vm-0001", worker)
    .replaceAll("vm.cloudscheduler.test", `${worker}.cloudscheduler.test`);
  return (JSON.parse(text) as RawAd[]).map(change);
}

/** Keeps what the layout renderer prints (the ads used here hold no lists we need). */
export function primitive(ad: RawAd): Ad {
  return Object.fromEntries(Object.entries(ad).filter(([, v]) => typeof v !== "object")) as Ad;
}

export function git(repo: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: repo, encoding: "utf8" });
}
