#!/usr/bin/env bash
# Keystone + two Glance services ("RegionOne" on 25292, "RegionTwo" on 25293) on 127.0.0.1, from
# Debian's packages, for the image-migration tests and bench. PostgreSQL (25432) backs Keystone and
# Glance: Keystone on sqlite fails with "database is locked" (see ../shared/openstack/README.md).
# Idempotent: when everything is already up it says so. Every process it starts has its pid in
# $CS_GLANCE_DIR/pids; test/glance/down.sh stops exactly those (and their children).
# Writes $CS_GLANCE_DIR/clouds.yaml (entries glance_one, glance_two, glance_one_appcred: a plain
# member user, not admin) and prints its path on the last line.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin # Debian's python3 has the OpenStack modules, pyenv's does not
DIR=${CS_GLANCE_DIR:-/tmp/cs-glance}
PG_PORT=25432 KS_PORT=25000 G1_PORT=25292 G2_PORT=25293
ADMIN_PW=${CS_GLANCE_ADMIN_PASSWORD:-cs-glance-admin}
MEMBER_PW=${CS_GLANCE_MEMBER_PASSWORD:-cs-glance-member}
KS=http://127.0.0.1:$KS_PORT/v3
HERE=$(cd "$(dirname "$0")" && pwd)

T0=$(date +%s.%N)
step() { # name command... : runs one step, prints its seconds
  local s=$(date +%s.%N)
  "${@:2}" || { echo "up.sh: step '$1' FAILED (logs under $DIR)" >&2; exit 1; }
  printf "%-12s %6.1fs (total %6.1fs)\n" "$1" "$(echo "$(date +%s.%N) - $s" | bc)" "$(echo "$(date +%s.%N) - $T0" | bc)"
}
port_open() { (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; }
wait_port() { for _ in $(seq 1 "${2:-240}"); do port_open "$1" && return 0; sleep 0.5; done; echo "port $1 did not open" >&2; return 1; }
alive() { [ -f "$DIR/pids/$1" ] && kill -0 "$(cat "$DIR/pids/$1")" 2>/dev/null; }

SERVICES="postgres keystone glance1 glance2"
all_up() { for s in $SERVICES; do alive $s || return 1; done
  port_open $PG_PORT && port_open $KS_PORT && port_open $G1_PORT && port_open $G2_PORT && [ -f "$DIR/clouds.yaml" ]; }
if all_up; then echo "Keystone + Glance already up ($DIR)"; echo "$DIR/clouds.yaml"; exit 0; fi
if [ -d "$DIR/pids" ] && [ -n "$(ls -A "$DIR/pids" 2>/dev/null)" ]; then
  echo "partly up: stopping what is left, then starting afresh"; bash "$HERE/down.sh"
fi
for p in $PG_PORT $KS_PORT $G1_PORT $G2_PORT; do
  if port_open $p; then echo "up.sh: port $p is already taken by a process this script did not start" >&2; exit 1; fi
done

packages() {
  local missing="" p
  for p in keystone glance-api python3-openstackclient postgresql python3-psycopg2 uwsgi-core uwsgi-plugin-python3 bc; do
    dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "installing:$missing"
  # no service may start from a postinst (machines with systemd): a policy-rc.d that says no
  local made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  if ! apt-cache policy $missing 2>/dev/null | grep -q 'Candidate: [0-9]'; then apt-get update -qq; fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing > "$DIR/apt.log" 2>&1 \
    || { tail -20 "$DIR/apt.log" >&2; return 1; }
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

postgres_up() {
  local P=$DIR/pg PGBIN
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  rm -rf "$P"; mkdir -p "$P/run"; chown -R postgres:postgres "$P"; chmod 700 "$P"
  su postgres -s /bin/sh -c "$PGBIN/initdb -D $P/data -U postgres -A trust --no-sync > $P/initdb.log 2>&1"
  cat >> "$P/data/postgresql.conf" <<C
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$P/run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
C
  su postgres -s /bin/sh -c "nohup $PGBIN/postgres -D $P/data > $P/postgres.log 2>&1 & echo \$! > $P/pid"
  cp "$P/pid" "$DIR/pids/postgres"
  wait_port $PG_PORT
  for db in keystone glance1 glance2; do
    for _ in $(seq 1 20); do $PGBIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -qc "CREATE DATABASE $db" 2>/dev/null && break; sleep 0.5; done
  done
}
dburl() { echo "postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT/$1"; }

keystone_up() {
  local D=$DIR/keystone; mkdir -p "$D/fernet" "$D/cred"
  cat > "$D/keystone.conf" <<C
[DEFAULT]
log_file = $D/keystone.log
[database]
connection = $(dburl keystone)
[fernet_tokens]
key_repository = $D/fernet
[credential]
key_repository = $D/cred
[token]
provider = fernet
C
  keystone-manage --config-file "$D/keystone.conf" db_sync > "$D/manage.log" 2>&1
  keystone-manage --config-file "$D/keystone.conf" fernet_setup --keystone-user root --keystone-group root >> "$D/manage.log" 2>&1
  keystone-manage --config-file "$D/keystone.conf" credential_setup --keystone-user root --keystone-group root >> "$D/manage.log" 2>&1
  keystone-manage --config-file "$D/keystone.conf" bootstrap --bootstrap-password "$ADMIN_PW" \
    --bootstrap-admin-url $KS/ --bootstrap-public-url $KS/ --bootstrap-internal-url $KS/ --bootstrap-region-id RegionOne >> "$D/manage.log" 2>&1
  # uwsgi with "Connection: close": wsgiref resets connections under parallel clients, keep-alive starves workers
  OS_KEYSTONE_CONFIG_FILES=$D/keystone.conf nohup uwsgi --plugin python3 --http-socket 127.0.0.1:$KS_PORT \
    --wsgi-file /usr/bin/keystone-wsgi-public --add-header "Connection: close" \
    --master --processes 2 --die-on-term --lazy-apps > "$D/stdout.log" 2>&1 &
  echo $! > "$DIR/pids/keystone"
  wait_port $KS_PORT
}

catalog() { # service user for Glance, RegionTwo, image endpoints, a member user + application credential
  KS=$KS ADMIN_PW=$ADMIN_PW MEMBER_PW=$MEMBER_PW G1=http://127.0.0.1:$G1_PORT G2=http://127.0.0.1:$G2_PORT OUT=$DIR/appcred.json \
    python3 - > "$DIR/keystone/catalog.log" 2>&1 <<'P'
import json, os
from keystoneauth1.identity import v3
from keystoneauth1 import session
from keystoneclient.v3 import client
env = os.environ
def connect(user, pw, project):
    return session.Session(auth=v3.Password(auth_url=env['KS'], username=user, password=pw, project_name=project,
                                            user_domain_name='Default', project_domain_name='Default'))
ks = client.Client(session=connect('admin', env['ADMIN_PW'], 'admin'))
roles = {r.name: r for r in ks.roles.list()}
service = ks.projects.create('service', 'default')
glance = ks.users.create('glance', domain='default', password=env['ADMIN_PW'])
ks.roles.grant(roles['admin'], user=glance, project=service)
ks.regions.create(id='RegionTwo')
identity = [s for s in ks.services.list() if s.type == 'identity'][0]
for iface in ('public', 'internal', 'admin'):
    ks.endpoints.create(identity, env['KS'] + '/', interface=iface, region='RegionTwo')
image = ks.services.create('glance', type='image')
for region, url in (('RegionOne', env['G1']), ('RegionTwo', env['G2'])):
    for iface in ('public', 'internal', 'admin'):
        ks.endpoints.create(image, url, interface=iface, region=region)
project = ks.projects.create('cs-images', 'default')
member = ks.users.create('cs-images', domain='default', password=env['MEMBER_PW'])
ks.roles.grant(roles['member'], user=member, project=project)
own = client.Client(session=connect('cs-images', env['MEMBER_PW'], 'cs-images'))
cred = own.application_credentials.create('cs-images-tests', user=member.id)
with open(env['OUT'], 'w') as f:
    json.dump({'id': cred.id, 'secret': cred.secret}, f)
print('ok')
P
}

glance_up() { # n port region
  local n=$1 port=$2 D=$DIR/glance$1
  mkdir -p "$D/images" "$D/staging" "$D/tasks"
  cat > "$D/glance-api.conf" <<C
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
enabled_backends = fs:file
log_file = $D/api.log
workers = 1
[database]
connection = $(dburl glance$n)
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $D/images/
[os_glance_staging_store]
filesystem_store_datadir = $D/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $D/tasks/
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:$KS_PORT
auth_url = http://127.0.0.1:$KS_PORT
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = $ADMIN_PW
region_name = $3
C
  glance-manage --config-file "$D/glance-api.conf" db_sync > "$D/dbsync.log" 2>&1
  nohup glance-api --config-file "$D/glance-api.conf" > "$D/stdout.log" 2>&1 &
  echo $! > "$DIR/pids/glance$n"
}
glances_up() { glance_up 1 $G1_PORT RegionOne; glance_up 2 $G2_PORT RegionTwo; wait_port $G1_PORT && wait_port $G2_PORT; }

clouds_yaml() {
  local id secret
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$DIR/appcred.json")
  secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$DIR/appcred.json")
  umask 077
  cat > "$DIR/clouds.yaml" <<Y
# written by test/glance/up.sh: test-only credentials for the loopback Keystone on port $KS_PORT
clouds:
  glance_one:
    auth: {auth_url: "$KS", username: cs-images, password: "$MEMBER_PW", project_name: cs-images, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  glance_two:
    auth: {auth_url: "$KS", username: cs-images, password: "$MEMBER_PW", project_name: cs-images, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionTwo
    interface: public
    identity_api_version: 3
  glance_one_appcred:
    auth_type: v3applicationcredential
    auth: {auth_url: "$KS", application_credential_id: "$id", application_credential_secret: "$secret"}
    region_name: RegionOne
    identity_api_version: 3
Y
  rm -f "$DIR/appcred.json"
  # where the tests find each Glance's filesystem store
  printf 'glance_one=%s\nglance_two=%s\n' "$DIR/glance1/images" "$DIR/glance2/images" > "$DIR/stores"
}

# a fresh start: nothing of an earlier run (keys, stores, databases) is reused
rm -rf "$DIR/keystone" "$DIR/glance1" "$DIR/glance2" "$DIR/clouds.yaml" "$DIR/stores"
mkdir -p "$DIR/pids"; chmod 755 "$DIR"
step packages packages
step postgres postgres_up
step keystone keystone_up
step catalog catalog
step glance glances_up
step clouds.yaml clouds_yaml
echo "$DIR/clouds.yaml"
