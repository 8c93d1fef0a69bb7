# shellcheck shell=bash disable=SC2034  # settings used by the files that source this
# Shared settings for the local two-region cloud (sourced by up.sh, down.sh and the helpers).
# Everything binds 127.0.0.1 on ports 15xxx; state lives under CS_CLOUD_DIR.
CS_CLOUD_DIR="${CS_CLOUD_DIR:-/tmp/cs-cloud}"
CS_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PIDS="$CS_CLOUD_DIR/pids"
# Test-only admin/service password: the cloud listens on loopback only and is thrown away.
ADMIN_PW=secretpw
KS_PORT=15000
KS_URL="http://127.0.0.1:$KS_PORT/v3"
PG_PORT=15432
RABBIT_PORT=15672
NEUTRON_PORT=15696
# Per region (index 1 = RegionOne, 2 = RegionTwo).
GLANCE_PORT_1=15292 GLANCE_PORT_2=15293
PLACEMENT_PORT_1=15778 PLACEMENT_PORT_2=15779
NOVA_PORT_1=15774 NOVA_PORT_2=15775
RABBITMQ_SBIN=/usr/lib/rabbitmq/lib/rabbitmq_server-3.10.8/sbin
PGBIN=/usr/lib/postgresql/15/bin
# Debian's OpenStack modules live in the system python, not pyenv's.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

region_name() { [ "$1" = 1 ] && echo RegionOne || echo RegionTwo; }
# Suffix for per-region dirs, databases, pid names: "" for RegionOne, "2" for RegionTwo.
region_sfx() { [ "$1" = 1 ] && echo "" || echo "$1"; }
dburl() { echo "postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT/$1"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
waitport() { # port [tries of 0.5 s]
  local _
  for _ in $(seq 1 "${2:-240}"); do port_open "$1" && return 0; sleep 0.5; done
  echo "port $1 did not open within $(( ${2:-240} / 2 )) s" >&2
  return 1
}
waitlog() { # file pattern [tries of 0.5 s]
  local _
  for _ in $(seq 1 "${3:-240}"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done
  echo "'$2' did not appear in $1 within $(( ${3:-240} / 2 )) s" >&2
  return 1
}
# Start a background service and record its pid under a name that down.sh knows.
spawn() { # name logfile cmd...
  local name="$1" log="$2"
  shift 2
  nohup "$@" >"$log" 2>&1 &
  record_pid "$name" $!
}
# proc_start, record_pid, pid_alive, descendants (on $PIDS).
# shellcheck source=../../support/pids.sh
. "$CS_LIB/../../support/pids.sh"

# The client block every service config carries for talking to Keystone as a service user.
auth_block() { # username region
  cat <<C
auth_url = http://127.0.0.1:$KS_PORT
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $ADMIN_PW
region_name = $2
C
}
authtoken_block() { # username region
  echo "www_authenticate_uri = http://127.0.0.1:$KS_PORT"
  auth_block "$1" "$2"
}
admin_env() {
  export OS_AUTH_URL="$KS_URL" OS_USERNAME=admin OS_PASSWORD="$ADMIN_PW" OS_PROJECT_NAME=admin \
    OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_IDENTITY_API_VERSION=3 \
    OS_REGION_NAME=RegionOne
}
