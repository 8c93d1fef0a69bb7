# shellcheck shell=bash disable=SC2034  # settings used by the files that source this
# Shared settings of the personal HTCondor pool on loopback (sourced by up.sh and down.sh).
# The central manager listens on 127.0.0.1:9618 (HTCondor's own port, so a worker's rendered
# CONDOR_HOST needs no port); guests (test/htcondor/guests.ts) take addresses in 127.77.0.0/16.
CS_CONDOR_DIR="${CS_CONDOR_DIR:-/tmp/cs-condor}"
CONDOR_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PIDS="$CS_CONDOR_DIR/pids"
CM_ADDRESS=127.0.0.1
CM_PORT="${CS_CONDOR_PORT:-9618}"
POOL_DOMAIN=cloudscheduler.test
# The daemons' own account (CONDOR_IDS) and the unprivileged account that submits test jobs.
CONDOR_USER=condor
SUBMIT_USER=csjob

# proc_start, record_pid, pid_alive, descendants (on $PIDS).
# shellcheck source=../../support/pids.sh
. "$CONDOR_LIB/../../support/pids.sh"
