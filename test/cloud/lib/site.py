"""Creates what cloudscheduler's example config expects on the local cloud and writes the client
config for it. Run after every service is up, as admin.

Per cloud entry (alberta -> RegionOne, victoria -> RegionTwo): a project and a plain member
user, network `cs-workers` + subnet, router `cs-router` to the external network `public`, and
key pair `site-admin` in both regions. Per region: flavors m1.small and c4.large, public images
debian-12-condor (both) and cernvm-demo (RegionOne only, so image copies have work to do); in
RegionOne also flavor m1.large and image NEP52-batch, which the real demo jobs in
test/fixtures/condor/condor_q.all.json ask for (+VMInstanceType m1.large, +VMAMI "NEP52-batch").
Flavors and images are looked up before they are created (a rerun against the same services adds
only the missing ones).
Writes clouds.yaml (no passwords) and secure.yaml (passwords, mode 0600) into argv[1]."""
import os
import secrets
import sys
import time

import openstack

out_dir, ks_port, admin_pw, image_file, pubkey_file = sys.argv[1:6]
AUTH_URL = f'http://127.0.0.1:{ks_port}/v3'
REGIONS = ('RegionOne', 'RegionTwo')
CLOUDS = (('alberta', 'RegionOne', '10.42.0.0/21'), ('victoria', 'RegionTwo', '10.42.8.0/21'))
FLAVORS = (('m1.small', 1, 2048, 10, REGIONS), ('c4.large', 4, 16384, 40, REGIONS),
           ('m1.large', 4, 8192, 40, ('RegionOne',)))
IMAGES = (('debian-12-condor', REGIONS), ('cernvm-demo', ('RegionOne',)), ('NEP52-batch', ('RegionOne',)))


def connect(region, user='admin', password=admin_pw, project='admin'):
    return openstack.connect(auth_url=AUTH_URL, username=user, password=password, project_name=project,
                             user_domain_name='Default', project_domain_name='Default', region_name=region)


admin = {region: connect(region) for region in REGIONS}

# Hypervisors first: a region whose compute host is not mapped yet cannot schedule.
started = time.time()
for region, conn in admin.items():
    while not list(conn.compute.hypervisors()):
        if time.time() - started > 120:
            raise SystemExit(f'no hypervisor in {region} after 120 s')
        time.sleep(0.5)

for name, vcpus, ram, disk, regions in FLAVORS:
    for region in regions:
        if admin[region].compute.find_flavor(name, ignore_missing=True) is None:
            admin[region].compute.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk, is_public=True)
for name, regions in IMAGES:
    for region in regions:
        if admin[region].image.find_image(name, ignore_missing=True) is not None:
            continue
        with open(image_file, 'rb') as data:
            admin[region].image.create_image(name=name, disk_format='raw', container_format='bare',
                                             visibility='public', data=data)

# One Neutron serves both regions, so these are created once.
net_admin = admin['RegionOne']
public = net_admin.network.create_network(name='public', is_router_external=True, provider_network_type='flat',
                                          provider_physical_network='physnet1')
net_admin.network.create_subnet(network_id=public.id, name='public-v4', ip_version=4, cidr='203.0.113.0/24',
                                is_dhcp_enabled=False)

identity = net_admin.identity
member_role = identity.find_role('member')
with open(pubkey_file) as f:
    public_key = f.read().strip()

clouds, secure = {}, {}
for cloud, region, cidr in CLOUDS:
    password = secrets.token_urlsafe(18)
    project = identity.create_project(name=cloud, domain_id='default', description='cloudscheduler test')
    user = identity.create_user(name=f'{cloud}-member', password=password, domain_id='default',
                                default_project_id=project.id)
    identity.assign_project_role_to_user(project, user, member_role)
    member = connect(region, user.name, password, cloud)
    net = member.network.create_network(name='cs-workers')
    subnet = member.network.create_subnet(network_id=net.id, name='cs-workers-v4', ip_version=4, cidr=cidr)
    router = member.network.create_router(name='cs-router', external_gateway_info={'network_id': public.id})
    member.network.add_interface_to_router(router, subnet_id=subnet.id)
    for key_region in REGIONS:  # key pairs belong to a user *and* a Nova
        connect(key_region, user.name, password, cloud).compute.create_keypair(name='site-admin',
                                                                                public_key=public_key)
    clouds[cloud] = {'auth': {'auth_url': AUTH_URL, 'username': user.name, 'project_name': cloud,
                              'user_domain_name': 'Default', 'project_domain_name': 'Default'},
                     'region_name': region, 'identity_api_version': 3, 'interface': 'public'}
    secure[cloud] = {'auth': {'password': password}}


def write_yaml(path, clouds_map, mode):
    # Hand-written YAML keeps this free of PyYAML; every value here is a plain safe scalar.
    lines = ['# written by test/cloud/up.sh for the local test cloud', 'clouds:']

    def emit(d, indent):
        for k, v in d.items():
            if isinstance(v, dict):
                lines.append(f"{' ' * indent}{k}:")
                emit(v, indent + 2)
            else:
                lines.append(f"{' ' * indent}{k}: {v!r}" if isinstance(v, str) else f"{' ' * indent}{k}: {v}")

    emit(clouds_map, 2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'w') as f:
        f.write('\n'.join(lines) + '\n')


write_yaml(os.path.join(out_dir, 'clouds.yaml'), clouds, 0o644)
write_yaml(os.path.join(out_dir, 'secure.yaml'), secure, 0o600)
print('site ok')
