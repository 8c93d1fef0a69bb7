// Durations in config: whole seconds, or a number with a unit (s, m, h, d).
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds for 600, "600", "90s", "10m", "2h" or "1d"; undefined when it is none of these. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) && value >= 0 ? value : undefined;
  }
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_SECONDS[match[2] || "s"] ?? 1);
}

/** "1h 30m" style rendering for messages and status output. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  // The two largest units present; built without arrays (a plan formats thousands a cycle).
  let rest = Math.round(seconds);
  let text = "";
  let units = 0;
  for (let u = 0; u < FORMAT_UNITS.length; u += 2) {
    const size = FORMAT_UNITS[u + 1] as number;
    if (!(rest >= size)) continue;
    if (units < 2) text += `${units > 0 ? " " : ""}${Math.floor(rest / size)}${FORMAT_UNITS[u]}`;
    units++;
    rest %= size;
  }
  return text;
}

/** Unit, seconds; largest first. */
const FORMAT_UNITS: readonly (string | number)[] = ["d", 86_400, "h", 3600, "m", 60, "s", 1];
