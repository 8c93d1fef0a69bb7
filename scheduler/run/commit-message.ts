// The commit message of a cycle's pool change: the plan's per-cloud summaries, so
// `git log pool/` tells why every worker came and went.
import { poolFileGitPath } from "../pool/store.js";

export function commitMessage(changedPaths: string[], summary: Record<string, string>): string {
  const clouds = Object.keys(summary)
    .filter((cloud) => changedPaths.includes(poolFileGitPath(cloud)))
    .sort();
  const lines = clouds.map((cloud) => summary[cloud] ?? cloud);
  if (lines.length === 0) return "pool: update worker states";
  if (lines.length === 1) return lines[0] ?? "";
  return `${clouds.length} clouds: ${clouds.join(", ")}\n\n${lines.join("\n")}`;
}
