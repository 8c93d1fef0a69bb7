# From the steering repo's shared/openstack/local-cloud/fake-ovs-agent.py (works as is).
# Registers a fake "Open vSwitch agent" for host argv[1] with neutron-server via its own RPC
# (report_state), so ML2's openvswitch mechanism driver can bind ports on that host.
# Neutron must run with a huge agent_down_time so the single report keeps the agent "alive".
import sys
from neutron.common import config as common_config
from neutron.agent import rpc as agent_rpc
from neutron.conf.agent import common as agent_conf
from neutron_lib import context
from neutron_lib.agent import topics
from oslo_config import cfg
host = sys.argv[1]
agent_conf.register_agent_state_opts_helper(cfg.CONF)
common_config.register_common_config_options()
common_config.init(sys.argv[2:])
state = {
    'binary': 'neutron-openvswitch-agent', 'host': host, 'topic': 'N/A',
    'agent_type': 'Open vSwitch agent', 'start_flag': True,
    'configurations': {'bridge_mappings': {'physnet1': 'br-ex'}, 'tunnel_types': [],
                       'integration_bridge': 'br-int', 'datapath_type': 'system',
                       'ovs_hybrid_plug': False, 'ovs_capabilities': {}, 'extensions': [],
                       'l2_population': False, 'enable_distributed_routing': False},
}
r = (agent_rpc.PluginReportStateAPI(topics.REPORTS).report_state(
    context.get_admin_context_without_session(), state, use_call=True))
print(r, flush=True)
import os; os._exit(0)  # skip slow oslo.messaging teardown
