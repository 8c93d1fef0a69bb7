#!/usr/bin/env bash
# Stops exactly the processes test/cloud/up.sh started (pids recorded under $CS_CLOUD_DIR/pids)
# and their descendants: OpenStack services first, then Keystone, then RabbitMQ and PostgreSQL
# (Neutron's RPC workers linger >10 s when RabbitMQ goes first), then epmd. Whatever is still
# alive 10 s after its phase gets SIGKILL. Usage: down.sh [--wipe]  (--wipe also deletes the dir)
set -euo pipefail
. "$(dirname "$0")/lib/env.sh"


stop_phase() { # names...
  local tree="" name pid alive="" p
  for name in "$@"; do
    if pid_alive "$name"; then tree="$tree $(descendants "$(cat "$PIDS/$name")")"; fi
  done
  for name in "$@"; do
    pid_alive "$name" || continue
    pid=$(cat "$PIDS/$name")
    case "$name" in
      postgres) kill -INT "$pid" 2>/dev/null || true ;; # fast shutdown
      rabbit)
        # the beam VM is the real server; the script we started waits on it
        bp=$(cat "$CS_CLOUD_DIR/rabbit/rabbit.pid" 2>/dev/null || true)
        if [ -n "$bp" ]; then kill "$bp" 2>/dev/null || true; fi
        kill "$pid" 2>/dev/null || true
        ;;
      *) kill "$pid" 2>/dev/null || true ;;
    esac
  done
  for _ in $(seq 1 20); do
    alive=""
    for p in $tree; do [ -d "/proc/$p" ] && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.5
  done
  if [ -n "$alive" ]; then
    echo "still alive after 10 s:$alive -> SIGKILL"
    # shellcheck disable=SC2086  # a list of pids
    ps -o pid=,cmd= -p "$(echo $alive | tr ' ' ,)" | cut -c1-120 || true
    for p in $alive; do kill -9 "$p" 2>/dev/null || true; done
  fi
  for name in "$@"; do rm -f "$PIDS/$name" "$PIDS/$name.start"; done
}

if [ -d "$PIDS" ]; then
  started=$(date +%s.%N)
  rm -f "$CS_CLOUD_DIR/ready"
  services=()
  for f in "$PIDS"/*; do
    name=$(basename "$f")
    case "$name" in *.start | rabbit | postgres | epmd | keystone | '*') ;; *) services+=("$name") ;; esac
  done
  [ ${#services[@]} -gt 0 ] && stop_phase "${services[@]}"
  stop_phase keystone
  stop_phase rabbit postgres
  stop_phase epmd
  printf 'down: stopped in %.1f s\n' "$(echo "$(date +%s.%N) $started" | awk '{print $1 - $2}')"
else
  echo "down: nothing recorded under $PIDS"
fi
if [ "${1:-}" = --wipe ]; then
  rm -rf "$CS_CLOUD_DIR"
  echo "down: removed $CS_CLOUD_DIR"
fi
