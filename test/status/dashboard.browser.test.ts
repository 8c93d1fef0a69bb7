// The dashboard in real headless Chromium (Debian's, driven by playwright-core) against the real
// runDaemon with in-memory doubles: the page loads, shows the clouds and workers, follows the
// world as it changes without a reload, shows hostile job text as text, and is screenshotted to
// test-artifacts/dashboard.png.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseListen } from "../../scheduler/status/listen.js";
import { startStatusService } from "../../scheduler/status/service.js";
import { chromiumAvailable, launchChromium } from "../support/chromium.js";
import { type LiveWorld, startLiveWorld } from "./live-world.js";
import { exampleConfig, HOSTILE_OWNER, job, NOW, startd } from "./world.js";

const available = chromiumAvailable("the dashboard browser test");

describe.skipIf(!available)("dashboard in Chromium", () => {
  let browser: BrowserContext;
  let world: LiveWorld;

  beforeAll(async () => {
    browser = await launchChromium();
    const stateDir = await mkdtemp(join(tmpdir(), "cs-dash-"));
    world = await startLiveWorld({
      config: exampleConfig(),
      start: NOW,
      status: ({ now, backoff }) =>
        startStatusService({ stateDir, now, backoff, listen: parseListen("127.0.0.1:0", false) }),
      setup: (condor) => {
        condor.jobs_ = [
          ...job("guest", "idle", "demo-vm", 6),
          ...job(HOSTILE_OWNER, "idle", "demo-vm"),
        ];
      },
    });
    await world.cycle(1);
  });

  afterAll(async () => {
    await world?.stop();
    await browser?.close();
  });

  it("shows clouds and workers, follows the world without a reload, escapes job text", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    await page.goto(`${world.status.server?.url}/`);

    await expect
      .poll(() =>
        page
          .locator("#clouds tbody tr")
          .evaluateAll((rows) =>
            rows.map((r) => (r as unknown as { dataset: { cloud?: string } }).dataset.cloud),
          ),
      )
      .toEqual(["alberta", "victoria"]);
    const booted = world.status.state.snapshot().workers;
    expect(booted.length).toBeGreaterThan(0);
    expect(booted.every((w) => w.state === "booting")).toBe(true);
    const first = booted[0]?.name ?? "";
    const row = page.locator(`#workers tr[data-worker="${first}"]`);
    await expect.poll(() => row.getAttribute("data-state")).toBe("booting");
    await expect
      .poll(() => page.locator("#workers tbody tr[data-worker]").count())
      .toBe(booted.length);

    // Hostile owner: shown as text, never as markup.
    const owners = await page.locator("#jobs-owner tbody td:first-child").allTextContents();
    expect(owners).toContain(HOSTILE_OWNER);
    expect(await page.locator("main img").count()).toBe(0);

    // The world changes: the first worker registers and runs two jobs; the page follows.
    const marker = await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 42;
      return 42;
    });
    world.condor.startds = [{ ...startd(first, 2), vmType: "demo-vm" }];
    world.condor.jobs_ = world.condor.jobs_.map((j, i) =>
      i < 2 ? { ...j, state: "running" as const } : j,
    );
    world.clock.step();
    await world.cycle(2);
    await expect.poll(() => row.getAttribute("data-state"), { timeout: 10_000 }).toBe("busy");
    await expect.poll(() => row.locator("td").nth(1).textContent()).toBe(`${first}.cloud.test`);
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(
      marker,
    );

    // A few more cycles for the plots and the log.
    for (let n = 3; n <= 5; n++) {
      world.clock.step();
      await world.cycle(n);
    }
    await expect
      .poll(() => page.locator("#cycle").textContent(), { timeout: 10_000 })
      .toContain("cycle 5");
    await expect
      .poll(() => page.locator("#plot-jobs polyline").count(), { timeout: 10_000 })
      .toBe(2);
    await expect
      .poll(() => page.locator("#events li").first().textContent())
      .toMatch(/registered|boot/);

    await mkdir("test-artifacts", { recursive: true });
    await page.screenshot({ path: "test-artifacts/dashboard.png", fullPage: true });
    expect(errors).toEqual([]);
  });
});
