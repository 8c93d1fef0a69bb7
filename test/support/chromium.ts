// Debian's Chromium for browser tests, driven by playwright-core: required when CI=true,
// skipped with one line elsewhere.
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Whether Chromium is there; throws when CI needs it and it is not. */
export function chromiumAvailable(what: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available && process.env.CI === "true") {
    throw new Error(
      `${CHROMIUM} is missing: CI needs Debian's chromium for ${what} (apt-get install chromium)`,
    );
  }
  if (!available) console.warn(`skipping ${what}: no ${CHROMIUM} (apt-get install chromium)`);
  return available;
}

/**
 * Ports Chromium refuses to load (ERR_UNSAFE_PORT) that a listener on port 0 can be given: this
 * machine's ephemeral range starts at 1024 (CI once drew 6669 for the dashboard).
 */
const BLOCKED_EPHEMERAL_PORTS = [
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
  6679, 6697, 10080,
];

/** Headless Chromium with a fresh profile and no background traffic (this machine has no internet). */
export async function launchChromium(): Promise<BrowserContext> {
  const profile = await mkdtemp(join(tmpdir(), "cs-chromium-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--explicitly-allowed-ports=${BLOCKED_EPHEMERAL_PORTS.join(",")}`,
    ],
    viewport: { width: 1400, height: 1100 },
  });
}
