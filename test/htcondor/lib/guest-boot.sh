#!/bin/sh
# Boots one guest (test/htcondor/guests.ts): joins its cgroup, so that killing the cgroup kills
# every process of the "VM" at once, takes its own UTS namespace so that its host name is the
# server's name, and becomes its condor_master.   Usage: guest-boot.sh <cgroup-dir|-> <hostname> <condor_master>
set -eu
if [ "$1" != "-" ]; then echo $$ >"$1/cgroup.procs"; fi
# shellcheck disable=SC2016  # expanded by the inner shell
exec unshare --uts /bin/sh -c 'hostname "$1" && exec "$2" -f' guest "$2" "$3"
