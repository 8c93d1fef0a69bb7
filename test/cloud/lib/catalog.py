"""Keystone catalog for the local two-region cloud, in one process (many `openstack` calls
take ~1 s each). Service users get role admin in project `service`; every service gets
public/internal/admin endpoints in both regions. Neutron is shared: both regions point at it."""
import sys

from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

ks_port, pw = sys.argv[1], sys.argv[2]
ports = dict(arg.split('=') for arg in sys.argv[3:])  # e.g. glance1=15292
ks = client.Client(session=session.Session(auth=v3.Password(
    auth_url=f'http://127.0.0.1:{ks_port}/v3', username='admin', password=pw, project_name='admin',
    user_domain_name='Default', project_domain_name='Default')))

service_project = ks.projects.create('service', 'default')
admin_role = next(r for r in ks.roles.list() if r.name == 'admin')
ks.roles.create('service')  # some default policies name it
ks.regions.create(id='RegionTwo')


def url(kind, region):
    base = 'http://127.0.0.1:'
    return {
        'image': f"{base}{ports['glance' + region]}",
        'network': f"{base}{ports['neutron']}",
        'compute': f"{base}{ports['nova' + region]}/v2.1",
        'placement': f"{base}{ports['placement' + region]}",
    }[kind]


for user, kind in (('glance', 'image'), ('neutron', 'network'), ('nova', 'compute'), ('placement', 'placement')):
    u = ks.users.create(user, domain='default', password=pw)
    ks.roles.grant(admin_role, user=u, project=service_project)
    svc = ks.services.create(user, type=kind)
    for region_index, region in (('1', 'RegionOne'), ('2', 'RegionTwo')):
        for iface in ('public', 'internal', 'admin'):
            ks.endpoints.create(svc, url(kind, region_index), interface=iface, region=region)

identity = next(s for s in ks.services.list() if s.type == 'identity')
for iface in ('public', 'internal', 'admin'):
    ks.endpoints.create(identity, f'http://127.0.0.1:{ks_port}/v3/', interface=iface, region='RegionTwo')
print('catalog ok')
