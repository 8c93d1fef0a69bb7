#!/bin/bash
# Runs inside `unshare --net --mount` (root): a throwaway copy of a worker's view of the world,
# then the product's rendered lockdown script, probing what a job's user can reach before and
# after. Nothing here touches the host: /etc is an overlay, /var/lib, /var/log and /run are
# tmpfs, and the network is the namespace's own loopback.
#   lockdown-probe.sh <scratch dir> <lockdown script> <job user> <firewall: nft|iptables>
set -euo pipefail
scratch=$1 lockdown=$2 user=$3 firewall=$4

mkdir -p "$scratch/etc-up" "$scratch/etc-work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$scratch/etc-up,workdir=$scratch/etc-work" /etc
for dir in /var/lib /var/log /run; do mount -t tmpfs tmpfs "$dir"; done
# The iptables variant runs with a PATH that has the script's tools but nft, as on an image
# without it.
lockdown_path=$PATH
if [ "$firewall" = iptables ]; then
  mkdir -p "$scratch/bin"
  for tool in bash iptables ip6tables chmod chown tee cat; do
    ln -sf "$(command -v "$tool")" "$scratch/bin/$tool"
  done
  lockdown_path=$scratch/bin
fi

# The metadata service, as Nova's is seen from a VM.
ip link set lo up
ip addr add 169.254.169.254/32 dev lo
python3 -m http.server 80 --bind 169.254.169.254 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('169.254.169.254', 80), 1)" 2>/dev/null && break
  sleep 0.1
done

# What cloud-init leaves behind, readable by anyone until the lockdown runs.
mkdir -p /var/lib/cloud/instance /run/cloud-init /etc/condor/tokens.d
echo "user-data with the token" >/var/lib/cloud/instance/user-data.txt
echo "cloud-init's copy" >/run/cloud-init/instance-data.json
echo "boot output" >/var/log/cloud-init-output.log
echo "the worker token" >/etc/condor/tokens.d/cloudscheduler-worker
chmod 0755 /var/lib/cloud /run/cloud-init /etc/condor/tokens.d
chmod 0644 /var/lib/cloud/instance/user-data.txt /run/cloud-init/instance-data.json \
  /var/log/cloud-init-output.log /etc/condor/tokens.d/cloudscheduler-worker

metadata() { # <user>: HTTP status, or "refused"
  runuser -u "$1" -- python3 -c "
import urllib.request
try:
    print(urllib.request.urlopen('http://169.254.169.254/', timeout=3).status)
except Exception:
    print('refused')"
}
readable() { # <user> <file>: yes/no
  if runuser -u "$1" -- cat "$2" >/dev/null 2>&1; then echo yes; else echo no; fi
}
probe() { # <phase>: one JSON line of what root and the job user reach
  printf '{"phase":"%s","root_metadata":"%s","job_metadata":"%s","job_reads_token":"%s","job_reads_user_data":"%s","job_reads_instance_data":"%s","job_reads_boot_log":"%s"}\n' \
    "$1" "$(metadata root)" "$(metadata "$user")" \
    "$(readable "$user" /etc/condor/tokens.d/cloudscheduler-worker)" \
    "$(readable "$user" /var/lib/cloud/instance/user-data.txt)" \
    "$(readable "$user" /run/cloud-init/instance-data.json)" \
    "$(readable "$user" /var/log/cloud-init-output.log)"
}

probe before
PATH=$lockdown_path bash "$lockdown" >&2
probe after
