#!/usr/bin/env bash
# Starts a personal HTCondor pool on loopback for the real-HTCondor tests: one central manager
# (collector, negotiator, schedd, shared port; no startd) run by root with CONDOR_IDS set to the
# `condor` account, listening on 127.0.0.1:9618, authenticating with FS and IDTOKENS as a real
# site does. Its config is the product's own central-manager config (the scheduler appliance's
# templates/appliances/scheduler/condor.conf.hbs) plus a local overlay (addresses, directories,
# short intervals). Jobs are submitted by the unprivileged account `csjob`. Workers are started
# by test/htcondor/guests.ts, one per ACTIVE worker server of the local Nova.
# Idempotent: when the pool is already up it only prints the export line.
# Usage: up.sh [--print-env]     Environment: CS_CONDOR_DIR (default /tmp/cs-condor)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
. "$HERE/lib/env.sh"

print_env=0
case "${1:-}" in
  --print-env) print_env=1 ;;
  "") ;;
  *) echo "up.sh: unknown argument $1 (want --print-env)" >&2; exit 2 ;;
esac

set +e
build_export="$("$HERE/build.sh")"
rc=$?
set -e
[ "$rc" = 0 ] || exit "$rc" # 3: no source tarball and no cached build (the tests skip or fail on it)
eval "$build_export"
PREFIX="$(dirname "$(dirname "$(command -v condor_master)")")"

exports() {
  echo "export CONDOR_CONFIG=$CS_CONDOR_DIR/condor_config PATH=\"$PREFIX/bin:$PREFIX/sbin:\$PATH\" CS_CONDOR_DIR=$CS_CONDOR_DIR CS_CONDOR_PORT=$CM_PORT"
}
answers() { CONDOR_CONFIG="$CS_CONDOR_DIR/condor_config" timeout 10 condor_status -schedd -af Name 2>/dev/null | grep -q .; }

if pid_alive master && answers; then
  exports
  exit 0
fi
if [ "$print_env" = 1 ]; then echo "up.sh: the HTCondor pool is not up" >&2; exit 1; fi

T0=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) $1" | awk '{printf "%.1f", $1 - $2}'; }

# Leftovers of an earlier run: stop them, then start from an empty dir.
[ -d "$PIDS" ] && "$HERE/down.sh" >&2
if (exec 3<>"/dev/tcp/$CM_ADDRESS/$CM_PORT") 2>/dev/null; then
  echo "up.sh: $CM_ADDRESS:$CM_PORT is taken by a process this script did not start:" >&2
  ss -ltnp "sport = :$CM_PORT" >&2 || true
  exit 1
fi

# Accounts: the daemons' own, and an ordinary user who submits jobs.
id "$CONDOR_USER" >/dev/null 2>&1 ||
  useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$CONDOR_USER"
id "$SUBMIT_USER" >/dev/null 2>&1 || useradd --user-group --create-home --shell /bin/bash "$SUBMIT_USER"
uid=$(id -u "$CONDOR_USER")
gid=$(id -g "$CONDOR_USER")

D="$CS_CONDOR_DIR"
rm -rf "$D"
mkdir -p "$PIDS" "$D/persistent-config" "$D/etc/config.d" "$D/etc/passwords.d" "$D/etc/tokens.d" \
  "$D/local/log" "$D/local/spool" "$D/local/execute" "$D/local/lock" "$D/local/run" "$D/guests" "$D/jobs"
chmod 755 "$D" "$D/etc" "$D/guests"
chmod 700 "$D/etc/passwords.d" "$D/etc/tokens.d" "$D/persistent-config"
# The key worker tokens are signed with (the scheduler appliance's setup creates it on a site):
# each worker gets its own token, <worker>@workers.cloudscheduler (docs/trust-model.md).
head -c 64 /dev/urandom >"$D/etc/passwords.d/cloudscheduler-workers"
chmod 600 "$D/etc/passwords.d/cloudscheduler-workers"
chown -R "$uid:$gid" "$D/local"
chown "$SUBMIT_USER:" "$D/jobs"

# The product's central-manager config: a handlebars template without variables.
product_conf="$REPO/templates/appliances/scheduler/condor.conf.hbs"
if grep -q '{{' "$product_conf"; then
  echo "up.sh: $product_conf now has template variables; render it instead of copying" >&2
  exit 1
fi
cp "$product_conf" "$D/etc/config.d/10-cloudscheduler-appliance.conf"

cat >"$D/condor_config" <<C
# Personal pool of cloudscheduler's real-HTCondor tests (test/htcondor/up.sh). Loopback only.
RELEASE_DIR = $PREFIX
LOCAL_DIR = $D/local
LOG = \$(LOCAL_DIR)/log
SPOOL = \$(LOCAL_DIR)/spool
EXECUTE = \$(LOCAL_DIR)/execute
LOCK = \$(LOCAL_DIR)/lock
RUN = \$(LOCAL_DIR)/run
LOCAL_CONFIG_FILE =
LOCAL_CONFIG_DIR = $D/etc/config.d
SEC_PASSWORD_DIRECTORY = $D/etc/passwords.d
SEC_TOKEN_SYSTEM_DIRECTORY = $D/etc/tokens.d
C
cat >"$D/etc/config.d/90-test-pool.conf" <<C
# Overlay of the test pool: where it listens, who runs it, and intervals short enough for tests.
CONDOR_HOST = $CM_ADDRESS
NETWORK_INTERFACE = $CM_ADDRESS
BIND_ALL_INTERFACES = False
ENABLE_IPV6 = False
SHARED_PORT_PORT = $CM_PORT
COLLECTOR_HOST = \$(CONDOR_HOST):$CM_PORT
DEFAULT_DOMAIN_NAME = $POOL_DOMAIN
UID_DOMAIN = $POOL_DOMAIN
FILESYSTEM_DOMAIN = $POOL_DOMAIN
CONDOR_IDS = $uid.$gid
CONDOR_ADMIN =
SCHEDD_INTERVAL = 5
NEGOTIATOR_INTERVAL = 2
NEGOTIATOR_CYCLE_DELAY = 5
NEGOTIATOR_UPDATE_INTERVAL = 5
UPDATE_INTERVAL = 5
MASTER_UPDATE_INTERVAL = 5
# Running jobs' usage (ResidentSetSize, MemoryUsage) reaches the queue within seconds, not 15 min.
SHADOW_QUEUE_UPDATE_INTERVAL = 5
RUNBENCHMARKS = 0
# The collector says why it refuses an ad (COLLECTOR_REQUIREMENTS VIOLATION) only at D_MACHINE.
COLLECTOR_DEBUG = D_MACHINE
# The product's config keeps its persistent knobs (the revoked worker tokens) under /var/lib.
PERSISTENT_CONFIG_DIR = $D/persistent-config
C

export CONDOR_CONFIG="$D/condor_config"
if ! condor_config_val -dump >"$D/config.dump" 2>"$D/config.err"; then
  echo "up.sh: HTCondor refuses the pool config:" >&2
  cat "$D/config.err" >&2
  exit 1
fi
setsid condor_master -f >"$D/local/log/master.stdout" 2>&1 &
record_pid master $!

ready=0
for _ in $(seq 1 120); do
  if answers && timeout 10 condor_status -negotiator -af Name 2>/dev/null | grep -q .; then ready=1; break; fi
  pid_alive master || break
  sleep 0.5
done
if [ "$ready" != 1 ]; then
  echo "up.sh: the central manager did not come up; last lines of its logs:" >&2
  tail -n 15 "$D/local/log/MasterLog" "$D/local/log/CollectorLog" "$D/local/log/SchedLog" >&2 2>/dev/null || true
  "$HERE/down.sh" >&2 || true
  exit 1
fi
# The unprivileged account sees the schedd (FS authentication as itself).
su "$SUBMIT_USER" -s /bin/sh -c "CONDOR_CONFIG=$D/condor_config $PREFIX/bin/condor_q -totals" >/dev/null
echo "$(date -u +%FT%TZ) $(elapsed "$T0")s" >"$D/ready"
echo "htcondor pool: ready in $(elapsed "$T0") s ($(condor_version | head -1))" >&2
exports | tee "$D/env.sh"
