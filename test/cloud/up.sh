#!/usr/bin/env bash
# Brings up a local two-region OpenStack on loopback from Debian's packages: one Keystone,
# PostgreSQL, RabbitMQ and Neutron; per region its own Glance, Placement and Nova (fake virt
# driver: servers go ACTIVE, nothing boots). Writes clouds.yaml + secure.yaml for cloud entries
# `alberta` (RegionOne) and `victoria` (RegionTwo). Idempotent: when the cloud is already up it
# only prints the exports. See README.md beside this file.
# Usage: up.sh [--no-install] [--no-smoke] [--print-env]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/lib/env.sh"
. "$HERE/lib/services.sh"

install=1 smoke=1 print_env=0
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    --no-smoke) smoke=0 ;;
    --print-env) print_env=1 ;;
    *) echo "up.sh: unknown argument $arg (want --no-install, --no-smoke, --print-env)" >&2; exit 2 ;;
  esac
done

exports() {
  echo "export OS_CLIENT_CONFIG_FILE=$CS_CLOUD_DIR/clouds.yaml OS_CLIENT_SECURE_FILE=$CS_CLOUD_DIR/secure.yaml"
}

all_alive() {
  local f
  [ -f "$CS_CLOUD_DIR/ready" ] || return 1
  for f in "$PIDS"/*; do
    case "$f" in *.start) continue ;; esac
    pid_alive "$(basename "$f")" || return 1
  done
  port_open "$KS_PORT" && port_open "$NOVA_PORT_1" && port_open "$NOVA_PORT_2"
}

if all_alive; then
  if [ "$print_env" = 1 ]; then exports; exit 0; fi
  echo "up: already running under $CS_CLOUD_DIR (started $(head -1 "$CS_CLOUD_DIR/ready"))"
  "$HERE/mem.sh" | tail -1
  exports
  exit 0
fi
if [ "$print_env" = 1 ]; then echo "up.sh: the cloud is not up" >&2; exit 1; fi

T0=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) $1" | awk '{printf "%.1f", $1 - $2}'; }
step() { # name function args...
  local name="$1" s
  shift
  s=$(date +%s.%N)
  # A subshell outside any `if`, so set -e still stops the step at its first failing command.
  set +e
  (
    set -e
    "$@"
  )
  local rc=$?
  set -e
  if [ "$rc" != 0 ]; then
    echo "up: step $name FAILED; logs under $CS_CLOUD_DIR (stopping what was started)" >&2
    "$HERE/down.sh" >&2 || true
    exit 1
  fi
  printf '  %-18s %6ss  (total %6ss)\n' "$name" "$(elapsed "$s")" "$(elapsed "$T0")" | tee -a "$CS_CLOUD_DIR/timings"
}

if [ "$install" = 1 ]; then
  s=$(date +%s.%N)
  "$HERE/lib/install-packages.sh"
  echo "  packages: $(elapsed "$s")s"
fi
T0=$(date +%s.%N)

# Leftovers of an earlier, partial run: stop them, then start from empty dirs.
[ -d "$PIDS" ] && "$HERE/down.sh"
for port in $PG_PORT $RABBIT_PORT 15369 $KS_PORT $NEUTRON_PORT $GLANCE_PORT_1 $GLANCE_PORT_2 \
  $PLACEMENT_PORT_1 $PLACEMENT_PORT_2 $NOVA_PORT_1 $NOVA_PORT_2; do
  if port_open "$port"; then
    echo "up: port 127.0.0.1:$port is taken by a process this script did not start:" >&2
    ss -ltnp "sport = :$port" >&2 || true
    exit 1
  fi
done
rm -rf "$CS_CLOUD_DIR"
mkdir -p "$PIDS"
chmod 755 "$CS_CLOUD_DIR"
date -u +%FT%TZ >"$CS_CLOUD_DIR/started"
head -c 1048576 /dev/urandom >"$CS_CLOUD_DIR/image.raw" # any bytes do for the fake driver
ssh-keygen -q -t ed25519 -N '' -C site-admin@cs-cloud -f "$CS_CLOUD_DIR/site-admin"

echo "up: starting the local cloud under $CS_CLOUD_DIR"
step postgres start_postgres
step rabbitmq start_rabbit
step keystone start_keystone
step catalog /usr/bin/python3 "$CS_LIB/catalog.py" "$KS_PORT" "$ADMIN_PW" neutron=$NEUTRON_PORT \
  glance1=$GLANCE_PORT_1 glance2=$GLANCE_PORT_2 nova1=$NOVA_PORT_1 nova2=$NOVA_PORT_2 \
  placement1=$PLACEMENT_PORT_1 placement2=$PLACEMENT_PORT_2
step neutron start_neutron
for r in 1 2; do
  step "glance-$(region_name $r)" start_glance $r
  step "placement-$(region_name $r)" start_placement $r
  step "nova-$(region_name $r)" start_nova $r
done
for r in 1 2; do step "compute-$(region_name $r)" register_compute $r; done
step site /usr/bin/python3 "$CS_LIB/site.py" "$CS_CLOUD_DIR" "$KS_PORT" "$ADMIN_PW" \
  "$CS_CLOUD_DIR/image.raw" "$CS_CLOUD_DIR/site-admin.pub"
if [ "$smoke" = 1 ]; then
  step smoke-boot env OS_CLIENT_CONFIG_FILE="$CS_CLOUD_DIR/clouds.yaml" \
    OS_CLIENT_SECURE_FILE="$CS_CLOUD_DIR/secure.yaml" /usr/bin/python3 "$CS_LIB/smoke.py" alberta victoria
fi
echo "$(cat "$CS_CLOUD_DIR/started") $(elapsed "$T0")s" >"$CS_CLOUD_DIR/ready"
echo "up: ready in $(elapsed "$T0")s"
"$HERE/mem.sh"
exports | tee "$CS_CLOUD_DIR/env.sh"
