#!/usr/bin/env bash
# Prints RSS and PSS of every service the local cloud started (pid files under $CS_CLOUD_DIR/pids),
# children included. PSS shares pages fairly (PostgreSQL's shared buffers would count 30 times in RSS).
set -euo pipefail
. "$(dirname "$0")/lib/env.sh"
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
total_rss=0 total_pss=0
for f in "$PIDS"/*; do
  case "$f" in *.start) continue ;; esac
  [ -f "$f" ] || continue
  name=$(basename "$f")
  if ! pid_alive "$name"; then printf '%-18s not running\n' "$name"; continue; fi
  rss=0 pss=0 n=0
  for q in $(descendants "$(cat "$f")"); do
    rss=$((rss + $(kb "$q" Rss))) pss=$((pss + $(kb "$q" Pss))) n=$((n + 1))
  done
  printf '%-18s RSS %5d MB  PSS %5d MB  (%d processes)\n' "$name" $((rss / 1024)) $((pss / 1024)) "$n"
  total_rss=$((total_rss + rss)) total_pss=$((total_pss + pss))
done
echo "TOTAL              RSS $((total_rss / 1024)) MB  PSS $((total_pss / 1024)) MB"
