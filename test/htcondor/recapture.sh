#!/usr/bin/env bash
# Re-records test/fixtures/condor/ (or the directory given) from a fresh personal pool of its own
# (its own dir and port, so job ids start at 1 and the test pool is left alone), then stops it.
# Usage: test/htcondor/recapture.sh [out-dir]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
export CS_CONDOR_DIR=/tmp/cs-condor-recapture CS_CONDOR_PORT=19618
trap '"$HERE/down.sh" --wipe >&2' EXIT
"$HERE/down.sh" --wipe >&2
"$HERE/up.sh" >/dev/null
cd "$HERE/../.."
npx tsx test/htcondor/recapture-cli.ts "$@"
