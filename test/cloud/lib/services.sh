# shellcheck shell=bash
# Start functions, one per service, sourced by up.sh after env.sh. Each writes its config under
# $CS_CLOUD_DIR, runs its DB migrations, starts the daemon in the background with its pid
# recorded in $PIDS, and waits for its port. Settings and the reasons for them:
# ../../shared/openstack/README.md (copied into test/cloud/README.md where they matter).

start_postgres() {
  local P="$CS_CLOUD_DIR/pg"
  mkdir -p "$P/run"
  chown -R postgres:postgres "$P"
  chmod 700 "$P"
  su postgres -s /bin/sh -c "$PGBIN/initdb -D $P/data -U postgres -A trust --no-sync >$P/initdb.log 2>&1"
  cat >>"$P/data/postgresql.conf" <<C
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$P/run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 128MB
C
  # postgres refuses to run as root: start it as user postgres, the shell's $! is its pid.
  su postgres -s /bin/sh -c "nohup $PGBIN/postgres -D $P/data >$P/postgres.log 2>&1 & echo \$! >$P/pid"
  record_pid postgres "$(cat "$P/pid")"
  waitport "$PG_PORT"
  local db
  for db in keystone neutron glance placement nova_api nova nova_cell0 glance2 placement2 nova2_api nova2 nova2_cell0; do
    "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $db"
  done
}

rabbit_env() {
  local R="$CS_CLOUD_DIR/rabbit"
  export HOME="$R" RABBITMQ_CONF_ENV_FILE="$R/rabbitmq-env.conf" ERL_EPMD_PORT=15369
}
rabbitmqctl_local() {
  (
    rabbit_env
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} -kernel inet_dist_listen_min 15674 -kernel inet_dist_listen_max 15679" \
      "$RABBITMQ_SBIN/rabbitmqctl" -n rabbit@localhost "$@"
  )
}

start_rabbit() {
  local R="$CS_CLOUD_DIR/rabbit"
  mkdir -p "$R/mnesia" "$R/log"
  : >"$R/rabbitmq-env.conf"
  echo '[].' >"$R/enabled_plugins"
  printf 'listeners.tcp.1 = 127.0.0.1:%s\nloopback_users = none\n' "$RABBIT_PORT" >"$R/rabbitmq.conf"
  (
    rabbit_env
    export RABBITMQ_MNESIA_BASE="$R/mnesia" RABBITMQ_LOG_BASE="$R/log" RABBITMQ_NODENAME=rabbit@localhost \
      RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$RABBIT_PORT" RABBITMQ_DIST_PORT=15673 \
      ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_ENABLED_PLUGINS_FILE="$R/enabled_plugins" \
      RABBITMQ_CONFIG_FILE="$R/rabbitmq.conf" RABBITMQ_PID_FILE="$R/rabbit.pid" \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    # Our own epmd first, as a plain child with a pid; otherwise Erlang daemonizes one we can't track.
    spawn epmd "$R/epmd.log" epmd -port 15369 -address 127.0.0.1
    sleep 0.3
    spawn rabbit "$R/stdout.log" "$RABBITMQ_SBIN/rabbitmq-server"
  )
  waitport "$RABBIT_PORT" 240
  # One vhost per Nova: queues are named by topic, so two Novas on one vhost steal each other's messages.
  rabbitmqctl_local add_vhost two >/dev/null
  rabbitmqctl_local set_permissions -p two guest '.*' '.*' '.*' >/dev/null
}

start_keystone() {
  local D="$CS_CLOUD_DIR/keystone" c
  mkdir -p "$D/fernet" "$D/cred"
  cat >"$D/keystone.conf" <<C
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
  c="--config-file $D/keystone.conf"
  {
    keystone-manage $c db_sync
    keystone-manage $c fernet_setup --keystone-user root --keystone-group root
    keystone-manage $c credential_setup --keystone-user root --keystone-group root
    keystone-manage $c bootstrap --bootstrap-password "$ADMIN_PW" --bootstrap-admin-url "$KS_URL/" \
      --bootstrap-public-url "$KS_URL/" --bootstrap-internal-url "$KS_URL/" --bootstrap-region-id RegionOne
  } >"$D/manage.log" 2>&1
  # uwsgi with Connection: close. wsgiref resets connections under parallel clients, and
  # keep-alive lets idle service connections occupy both workers.
  OS_KEYSTONE_CONFIG_FILES="$D/keystone.conf" spawn keystone "$D/stdout.log" \
    uwsgi --plugin python3 --http-socket "127.0.0.1:$KS_PORT" --wsgi-file /usr/bin/keystone-wsgi-public \
    --add-header "Connection: close" --master --processes 2 --die-on-term --lazy-apps
  waitport "$KS_PORT"
}

start_glance() { # region index
  local r="$1" s port D
  s=$(region_sfx "$r")
  port=$(eval echo "\$GLANCE_PORT_$r")
  D="$CS_CLOUD_DIR/glance$s"
  mkdir -p "$D/images" "$D/staging" "$D/tasks"
  cat >"$D/glance-api.conf" <<C
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
enabled_backends = fs:file
log_file = $D/api.log
workers = 1
[database]
connection = $(dburl "glance$s")
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
$(authtoken_block glance "$(region_name "$r")")
C
  glance-manage --config-file "$D/glance-api.conf" db_sync >"$D/dbsync.log" 2>&1
  spawn "glance$s" "$D/stdout.log" glance-api --config-file "$D/glance-api.conf"
  waitport "$port"
}

start_neutron() {
  local D="$CS_CLOUD_DIR/neutron"
  mkdir -p "$D/state" "$D/lock" "$D/policy.d"
  # agent_down_time: huge so one fake agent report keeps the agent alive, but < 4.29e6 (epoll overflow).
  cat >"$D/neutron.conf" <<C
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $NEUTRON_PORT
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
api_paste_config = /etc/neutron/api-paste.ini
transport_url = rabbit://guest:guest@127.0.0.1:$RABBIT_PORT/
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
notify_nova_on_port_status_changes = True
notify_nova_on_port_data_changes = True
log_file = $D/server.log
state_path = $D/state
agent_down_time = 2000000
graceful_shutdown_timeout = 5
[quotas]
default_quota = -1
quota_network = -1
quota_subnet = -1
quota_port = -1
quota_security_group = -1
quota_security_group_rule = -1
quota_router = -1
quota_floatingip = -1
[database]
connection = $(dburl neutron)
[keystone_authtoken]
$(authtoken_block neutron RegionOne)
[nova]
$(auth_block nova RegionOne)
[oslo_concurrency]
lock_path = $D/lock
[oslo_policy]
policy_file = $D/policy.yaml
policy_dirs = $D/policy.d
C
  cat >"$D/ml2_conf.ini" <<C
[ml2]
type_drivers = flat,vlan,local
tenant_network_types = local
mechanism_drivers = openvswitch
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[ml2_type_vlan]
network_vlan_ranges = physnet1:100:200
[securitygroup]
enable_security_group = True
firewall_driver = openvswitch
C
  neutron-db-manage --config-file "$D/neutron.conf" --config-file "$D/ml2_conf.ini" upgrade heads >"$D/dbsync.log" 2>&1
  spawn neutron "$D/stdout.log" neutron-server --config-file "$D/neutron.conf" --config-file "$D/ml2_conf.ini"
  waitport "$NEUTRON_PORT" 240
}

start_placement() { # region index
  local r="$1" s port D
  s=$(region_sfx "$r")
  port=$(eval echo "\$PLACEMENT_PORT_$r")
  D="$CS_CLOUD_DIR/placement$s"
  mkdir -p "$D"
  cat >"$D/placement.conf" <<C
[DEFAULT]
log_file = $D/placement.log
[placement_database]
connection = $(dburl "placement$s")
[api]
auth_strategy = keystone
[keystone_authtoken]
$(authtoken_block placement "$(region_name "$r")")
[oslo_policy]
policy_file = $D/policy.yaml
C
  placement-manage --config-file "$D/placement.conf" db sync >"$D/dbsync.log" 2>&1
  OS_PLACEMENT_CONFIG_DIR="$D" spawn "placement$s" "$D/stdout.log" \
    uwsgi --plugin python3 --http-socket "127.0.0.1:$port" --wsgi-file /usr/bin/placement-api \
    --add-header "Connection: close" --master --processes 2 --die-on-term --lazy-apps
  waitport "$port"
}

nova_host() { [ "$1" = 1 ] && echo fakehost || echo "fakehost$1"; }

start_nova() { # region index
  local r="$1" s port D region vhost c
  s=$(region_sfx "$r")
  port=$(eval echo "\$NOVA_PORT_$r")
  region=$(region_name "$r")
  D="$CS_CLOUD_DIR/nova$s"
  vhost=$([ "$r" = 1 ] && echo "" || echo two)
  mkdir -p "$D/state" "$D/instances" "$D/lock"
  # fake.FakeDriver: servers go ACTIVE, nothing boots (1000 vCPU, 800 GB RAM of fake capacity).
  # ram_allocation_ratio = 4: room for ~1,500 m1.small (2 GiB), so the fleet bench can hold 1,000.
  # periodic_fuzzy_delay = 0: otherwise host discovery waits up to 60 s.
  cat >"$D/nova.conf" <<C
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:$RABBIT_PORT/$vhost
compute_driver = fake.FakeDriver
host = $(nova_host "$r")
my_ip = 127.0.0.1
state_path = $D/state
instances_path = $D/instances
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $port
osapi_compute_workers = 1
periodic_fuzzy_delay = 0
ram_allocation_ratio = 4.0
[api]
auth_strategy = keystone
[api_database]
connection = $(dburl "nova${s}_api")
[database]
connection = $(dburl "nova$s")
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 5
[keystone_authtoken]
$(authtoken_block nova "$region")
[neutron]
$(auth_block neutron "$region")
[placement]
$(auth_block placement "$region")
[glance]
region_name = $region
[cinder]
os_region_name = $region
[oslo_concurrency]
lock_path = $D/lock
[oslo_policy]
policy_file = $D/policy.yaml
[vnc]
enabled = false
[quota]
instances = -1
cores = -1
ram = -1
key_pairs = -1
metadata_items = -1
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
C
  c=(--config-file "$D/nova.conf")
  {
    nova-manage "${c[@]}" api_db sync
    nova-manage "${c[@]}" cell_v2 map_cell0 --database_connection "$(dburl "nova${s}_cell0")"
    nova-manage "${c[@]}" cell_v2 create_cell --name cell1
    nova-manage "${c[@]}" db sync
  } >"$D/dbsync.log" 2>&1
  spawn "nova$s-conductor" "$D/conductor.out" nova-conductor "${c[@]}" --log-file "$D/conductor.log"
  spawn "nova$s-scheduler" "$D/scheduler.out" nova-scheduler "${c[@]}" --log-file "$D/scheduler.log"
  spawn "nova$s-api" "$D/api.out" nova-api "${c[@]}" --log-file "$D/api.log"
  # nova-compute waits 10 s per unanswered conductor ping: start it once the conductor consumes.
  waitlog "$D/conductor.log" 'Starting conductor node'
  # nova-compute's package pulls in libvirt/qemu; the fake driver is in python3-nova, so run its main().
  spawn "nova$s-compute" "$D/compute.out" /usr/bin/python3 -c \
    'import sys; sys.argv[0]="nova-compute"; from nova.cmd.compute import main; sys.exit(main())' \
    "${c[@]}" --log-file "$D/compute.log"
  waitport "$port" 240
}

# Make the compute host usable: a fake OVS agent report lets ML2 bind ports on it, and an
# explicit discover_hosts maps it into cell1 without waiting for the scheduler's periodic task.
register_compute() { # region index
  local r="$1" s D
  s=$(region_sfx "$r")
  D="$CS_CLOUD_DIR/nova$s"
  /usr/bin/python3 "$CS_LIB/fake-ovs-agent.py" "$(nova_host "$r")" \
    --config-file "$CS_CLOUD_DIR/neutron/neutron.conf" >"$CS_CLOUD_DIR/neutron/fake-agent$s.log" 2>&1
  waitlog "$D/compute.log" 'Created resource provider record'
  nova-manage --config-file "$D/nova.conf" cell_v2 discover_hosts >"$D/discover.log" 2>&1
}
