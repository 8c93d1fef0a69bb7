#!/usr/bin/env bash
# Stops exactly what test/htcondor/up.sh and the guests started: every pid recorded under
# $CS_CONDOR_DIR/pids (the central manager's condor_master and each guest's), with their
# descendants. SIGTERM first (condor_master shuts its daemons down), SIGKILL after 10 s.
# Usage: down.sh [--wipe]   (--wipe also deletes the dir)
set -euo pipefail
. "$(dirname "$0")/lib/env.sh"


if [ -d "$PIDS" ]; then
  started=$(date +%s.%N)
  tree=""
  for f in "$PIDS"/*; do
    name=$(basename "$f")
    case "$name" in *.start | '*') continue ;; esac
    if pid_alive "$name"; then
      pid=$(cat "$f")
      tree="$tree $(descendants "$pid")"
      kill "$pid" 2>/dev/null || true
    fi
  done
  alive=""
  for _ in $(seq 1 20); do
    alive=""
    for p in $tree; do [ -d "/proc/$p" ] && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.5
  done
  if [ -n "$alive" ]; then
    echo "still alive after 10 s:$alive -> SIGKILL"
    for p in $alive; do kill -9 "$p" 2>/dev/null || true; done
  fi
  rm -f "$PIDS"/*
  printf 'htcondor down: stopped in %.1f s\n' "$(echo "$(date +%s.%N) $started" | awk '{print $1 - $2}')"
else
  echo "htcondor down: nothing recorded under $PIDS"
fi
# Guests live in cgroups of their own (test/htcondor/guests.ts): kill whatever is left in them.
cg_mount=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
cg_root="$cg_mount/cloudscheduler-guests-${CS_CONDOR_DIR//\//_}"
if [ -n "$cg_mount" ] && [ -d "$cg_root" ]; then
  for cg in "$cg_root"/*/; do
    [ -f "$cg/cgroup.kill" ] || continue
    echo 1 >"$cg/cgroup.kill"
    for _ in $(seq 1 20); do [ -s "$cg/cgroup.procs" ] || break; sleep 0.25; done
    rmdir "$cg" 2>/dev/null || echo "htcondor down: $cg still has processes"
  done
  rmdir "$cg_root" 2>/dev/null || true
fi
if [ "${1:-}" = --wipe ]; then
  rm -rf "$CS_CONDOR_DIR"
  echo "htcondor down: removed $CS_CONDOR_DIR"
fi
