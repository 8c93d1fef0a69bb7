// The dashboard in real headless Chromium against the sandbox (the real daemon, two simulated
// clouds, the demo jobs): the page shows the clouds, workers appear and change state as the
// simulated world moves, without a reload; a screenshot goes to test-artifacts/.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSandbox } from "../../scheduler/sim/sandbox.js";
import { parseListen } from "../../scheduler/status/listen.js";
import { type StatusService, startStatusService } from "../../scheduler/status/service.js";
import { chromiumAvailable, launchChromium } from "../support/chromium.js";

const available = chromiumAvailable("the sandbox dashboard test");

describe.skipIf(!available)("dashboard against the sandbox", () => {
  it("follows workers booting, running jobs and retiring", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "cs-sandbox-dash-"));
    let service: StatusService | undefined;
    let ready: (url: string) => void = () => {};
    const served = new Promise<string>((resolve) => {
      ready = resolve;
    });
    const controller = new AbortController();
    // 15 simulated seconds per real second: a 60 s cycle every 4 s, slow enough to watch.
    const sandbox = runSandbox({
      speed: 15,
      start: 1_795_596_400,
      signal: controller.signal,
      show: () => {},
      status: async (now, backoff) => {
        service = await startStatusService({
          stateDir,
          now,
          backoff,
          listen: parseListen("127.0.0.1:0", false),
        });
        ready(service.server?.url ?? "");
        return service;
      },
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      await page.goto(`${await served}/`);
      const clouds = () =>
        page
          .locator("#clouds tbody tr")
          .evaluateAll((rows) =>
            rows.map((r) => (r as unknown as { dataset: { cloud?: string } }).dataset.cloud),
          );
      await expect.poll(clouds, { timeout: 15_000 }).toEqual(["alberta", "victoria"]);
      const states = () =>
        page
          .locator("#workers tbody tr[data-worker]")
          .evaluateAll((rows) =>
            rows.map((r) => (r as unknown as { dataset: { state?: string } }).dataset.state ?? ""),
          );
      // Workers appear booting, then run jobs, then drain: seen live, no reload.
      await expect
        .poll(async () => (await states()).includes("booting"), { timeout: 30_000 })
        .toBe(true);
      await expect
        .poll(async () => (await states()).includes("busy"), { timeout: 30_000 })
        .toBe(true);
      await mkdir("test-artifacts", { recursive: true });
      await page.screenshot({ path: "test-artifacts/dashboard-sandbox.png", fullPage: true });
      await expect
        .poll(async () => (await states()).some((s) => s === "draining" || s === "idle"), {
          timeout: 60_000,
        })
        .toBe(true);
      expect(errors).toEqual([]);
    } finally {
      controller.abort();
      await sandbox;
      await service?.close();
      await browser.close();
    }
  }, 150_000);
});
