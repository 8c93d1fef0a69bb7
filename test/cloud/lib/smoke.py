"""Proves each clouds.yaml entry can boot: a server on cs-workers with m1.small,
debian-12-condor and key site-admin goes ACTIVE, then is deleted. Reads the client config
through OS_CLIENT_CONFIG_FILE / OS_CLIENT_SECURE_FILE, as the scheduler will."""
import sys
import time

import openstack

for cloud in sys.argv[1:]:
    conn = openstack.connect(cloud=cloud)
    started = time.time()
    server = conn.compute.create_server(
        name=f'cs-smoke-{cloud}', flavor_id=conn.compute.find_flavor('m1.small').id,
        image_id=conn.image.find_image('debian-12-condor').id, key_name='site-admin',
        networks=[{'uuid': conn.network.find_network('cs-workers').id}])
    server = conn.compute.wait_for_server(server, wait=120, interval=0.3)
    active = time.time() - started
    addresses = sorted(conn.compute.get_server(server.id).addresses)
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=60, interval=0.3)
    print(f'{cloud}: ACTIVE in {active:.1f}s on {addresses}, deleted after {time.time() - started:.1f}s')
