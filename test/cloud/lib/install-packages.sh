#!/usr/bin/env bash
# Installs the Debian packages the local cloud needs, when any is missing. Never nova-compute:
# it pulls libvirt/qemu; the fake driver ships in python3-nova. A policy-rc.d that exits 101
# keeps every postinst from starting its service on the default (public) ports.
set -euo pipefail

PACKAGES=(keystone glance-api python3-openstackclient neutron-server python3-nova nova-common
  nova-api nova-conductor nova-scheduler placement-api python3-osc-placement rabbitmq-server
  postgresql-15 python3-psycopg2 uwsgi-plugin-python3 bc)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "packages: all ${#PACKAGES[@]} present"
  exit 0
fi
echo "packages: installing ${missing[*]}"

policy=/usr/sbin/policy-rc.d
restore=""
if [ -e "$policy" ]; then
  if ! grep -qx 'exit 101' "$policy"; then
    cp -p "$policy" "$policy.cs-cloud-saved"
    restore="saved"
  fi
else
  restore="remove"
fi
if [ -n "$restore" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
fi
cleanup() {
  case "$restore" in
    saved) mv -f "$policy.cs-cloud-saved" "$policy" ;;
    remove) rm -f "$policy" ;;
  esac
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -q
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
