#!/usr/bin/env bash
# Stops exactly what test/glance/up.sh started: the pids in $CS_GLANCE_DIR/pids and their
# descendants. Glance first, then Keystone, then PostgreSQL (SIGINT = fast shutdown); KILL what is
# still alive after 10 s. Keeps the directory (logs); up.sh wipes it on the next start.
set -uo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
DIR=${CS_GLANCE_DIR:-/tmp/cs-glance}
[ -d "$DIR/pids" ] || { echo "nothing to stop ($DIR/pids does not exist)"; exit 0; }

descendants() { # pid -> pid and all its descendants
  local out="$1" frontier="$1" next q
  while [ -n "$frontier" ]; do
    next=""; for q in $frontier; do next="$next $(pgrep -P "$q" | tr '\n' ' ')"; done
    frontier=$(echo $next); out="$out $frontier"
  done
  echo $out
}
stop() { # names...
  local tree="" n p alive=""
  for n in "$@"; do [ -f "$DIR/pids/$n" ] && tree="$tree $(descendants "$(cat "$DIR/pids/$n")")"; done
  for n in "$@"; do
    [ -f "$DIR/pids/$n" ] || continue; p=$(cat "$DIR/pids/$n")
    if [ "$n" = postgres ]; then kill -INT "$p" 2>/dev/null; else kill "$p" 2>/dev/null; fi
  done
  for _ in $(seq 1 20); do
    alive=""; for p in $tree; do [ -d /proc/$p ] && alive="$alive $p"; done
    [ -z "$alive" ] && break; sleep 0.5
  done
  if [ -n "$alive" ]; then echo "still alive after 10 s:$alive -> KILL"; for p in $alive; do kill -9 "$p" 2>/dev/null; done; fi
  for n in "$@"; do rm -f "$DIR/pids/$n"; done
}
stop glance1 glance2
stop keystone
stop postgres
echo "down ($DIR)"
