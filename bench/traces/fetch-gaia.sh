#!/bin/sh
# The second trace of the policy bench, kept out of the repo's fixtures so the policy is not
# tuned to it: the UniLu Gaia cluster log (Parallel Workloads Archive, UniLu-Gaia-2014-2.swf,
# 51,987 jobs, May-Aug 2014; acknowledgement: Joseph Emeras, SnT, University of Luxembourg),
# as shipped in the examples of the evalys package on PyPI. Writes bench/traces/UniLu-Gaia-2014-2.swf.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/UniLu-Gaia-2014-2.swf"
[ -f "$out" ] && { echo "$out"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: evalys==4.0.7 -d "$tmp"
echo "3f1343e40276ca68db58cf5984017a15f2f56758dca180fe0f78aff200be8518  $tmp/evalys-4.0.7.tar.gz" | sha256sum -c --quiet
tar -xzf "$tmp/evalys-4.0.7.tar.gz" -C "$tmp" evalys-4.0.7/examples/UniLu-Gaia-2014-2.swf
echo "56fce4136ef8eec4e8403fb07e194e96bd5d6a519fef87ca7b6111d169e62646  $tmp/evalys-4.0.7/examples/UniLu-Gaia-2014-2.swf" | sha256sum -c --quiet
mv "$tmp/evalys-4.0.7/examples/UniLu-Gaia-2014-2.swf" "$out"
echo "$out"
