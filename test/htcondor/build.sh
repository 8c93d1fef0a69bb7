#!/usr/bin/env bash
# Provides a real HTCondor (daemons and tools) for the tests that run a real pool. No registry
# serves HTCondor's daemons here, so it is built from its public source tarball once per machine
# and cached outside the clone, keyed by version; later runs reuse the install in well under a
# second.
#
#   eval "$(test/htcondor/build.sh)"         # build or reuse, then put bin/ and sbin/ on PATH
#   test/htcondor/build.sh --print-prefix     # print only the install prefix
#   test/htcondor/build.sh --check            # exit 0 when a cached install exists, else 1 (no build)
#
# Where the source comes from, first found wins: $CLOUDSCHEDULER_HTCONDOR_TARBALL, then
# htcondor-<version>-src.tar.gz in ../shared/htcondor beside the clone, /work/shared/htcondor,
# or the cache's own src/ (a copy is kept there once seen). Without a tarball and without a
# cached install it exits 3 with a one-line reason (the tests skip on that, and fail under CI=true).
#
# Environment: CLOUDSCHEDULER_HTCONDOR_DIR (cache, default
# /var/cache/cloudscheduler/htcondor/<version>), CLOUDSCHEDULER_HTCONDOR_JOBS (ninja -j, default
# nproc). Progress and times go to stderr; stdout is only the export line.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VERSION=25.0.13
# sha256 of the upstream tarball at tag v25.0.13 (see test/htcondor/README.md)
SHA256=1da0ea4018730cb711668efd3a2e96f762da22773cc58c300cf9fe76a9b7cc30
CACHE="${CLOUDSCHEDULER_HTCONDOR_DIR:-/var/cache/cloudscheduler/htcondor/$VERSION}"
PREFIX="$CACHE/install"
STAMP="$CACHE/installed"

mode="export"
case "${1:-}" in
  --print-prefix) mode=prefix ;;
  --check) mode=check ;;
  "") ;;
  *) echo "build.sh: unknown argument $1 (want --print-prefix or --check)" >&2; exit 2 ;;
esac

say() { echo "htcondor: $*" >&2; }
out() {
  if [ "$mode" = prefix ]; then echo "$PREFIX"; else echo "export PATH=\"$PREFIX/bin:$PREFIX/sbin:\$PATH\""; fi
}

if [ -f "$STAMP" ] && [ -x "$PREFIX/sbin/condor_master" ]; then
  [ "$mode" = check ] && exit 0
  say "cached: $(cat "$STAMP")"
  out
  exit 0
fi
[ "$mode" = check ] && exit 1

TARBALL=""
for c in "${CLOUDSCHEDULER_HTCONDOR_TARBALL:-}" "$REPO/../shared/htcondor/htcondor-$VERSION-src.tar.gz" \
  "/work/shared/htcondor/htcondor-$VERSION-src.tar.gz" "$CACHE/src/htcondor-$VERSION-src.tar.gz"; do
  if [ -n "$c" ] && [ -f "$c" ]; then TARBALL="$c"; break; fi
done
if [ -z "$TARBALL" ]; then
  echo "htcondor-$VERSION-src.tar.gz not found (set CLOUDSCHEDULER_HTCONDOR_TARBALL, or put it in ../shared/htcondor beside the clone)" >&2
  exit 3
fi
if [ "$(sha256sum "$TARBALL" | cut -d' ' -f1)" != "$SHA256" ]; then
  echo "build.sh: $TARBALL is not HTCondor $VERSION's source (sha256 differs)" >&2
  exit 1
fi

# Debian packages the build needs (system libraries only; nothing is downloaded by cmake).
PACKAGES=(cmake ninja-build g++ make libpcre2-dev libcurl4-openssl-dev libkrb5-dev uuid-dev libexpat1-dev
  libsqlite3-dev libssl-dev zlib1g-dev pkg-config)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -q >&2
  apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "$CACHE/src"
exec 9>"$CACHE/.lock"
flock 9 # one builder per cache dir; a second caller waits, then finds the install
if [ -f "$STAMP" ] && [ -x "$PREFIX/sbin/condor_master" ]; then
  say "cached (built while waiting): $(cat "$STAMP")"
  out
  exit 0
fi
[ "$TARBALL" = "$CACHE/src/htcondor-$VERSION-src.tar.gz" ] || cp "$TARBALL" "$CACHE/src/"

JOBS="${CLOUDSCHEDULER_HTCONDOR_JOBS:-$(nproc)}"
# The build tree lives in the cache until the install succeeds, so a build cut short (a
# failed step, a killed CI run) resumes where it stopped instead of starting over.
WORK="$CACHE/build-tree"
mkdir -p "$WORK"
T0=$(date +%s)
SRC="$WORK/htcondor-$VERSION"
if [ ! -f "$SRC/.unpacked" ]; then
  say "unpacking $TARBALL"
  rm -rf "$SRC"
  tar xzf "$TARBALL" -C "$WORK"
  touch "$SRC/.unpacked"
fi
# Upstream forces RelWithDebInfo with -g3 (CondorConfigure.cmake), which is most of the object
# size and a good part of the compile time; tests never debug HTCondor itself, so a compiler
# launcher turns -g3 into -g0.
cat >"$WORK/no-debug-info" <<'L'
#!/bin/sh
for arg; do shift; [ "$arg" = -g3 ] && arg=-g0; set -- "$@" "$arg"; done
exec "$@"
L
chmod +x "$WORK/no-debug-info"
if [ ! -f "$WORK/build/build.ninja" ]; then
  say "configuring (cmake, system libraries only)"
  cmake -S "$SRC" -B "$WORK/build" -G Ninja -DCMAKE_INSTALL_PREFIX="$PREFIX" \
    -DCMAKE_C_COMPILER_LAUNCHER="$WORK/no-debug-info" -DCMAKE_CXX_COMPILER_LAUNCHER="$WORK/no-debug-info" \
    -DPROPER=ON -DCMAKE_SKIP_RPATH=OFF -DCONDOR_PACKAGE_BUILD=OFF -DBUILD_TESTING=OFF \
    -DWANT_MAN_PAGES=OFF -DWITH_PYTHON_BINDINGS=OFF -DWANT_PYTHON3_BINDINGS=OFF \
    -DWITH_PYTHON_BINDINGS_V2=OFF -DWITH_PYTHON_BINDINGS_V3=OFF -DWITH_LIBVIRT=OFF \
    -DWITH_VOMS=OFF -DWITH_MUNGE=OFF -DWITH_SCITOKENS=OFF -DWITH_GANGLIA=OFF -DWITH_BLAHP=OFF \
    -DHAVE_BOINC=OFF -DCMAKE_UNITY_BUILD=ON >"$WORK/cmake.log" 2>&1 || {
    tail -40 "$WORK/cmake.log" >&2
    rm -rf "$WORK/build"
    exit 1
  }
else
  say "resuming the build in $WORK/build"
fi
T1=$(date +%s)
say "compiling with ninja -j $JOBS (about 15 CPU-minutes cold)"
ninja -C "$WORK/build" -j "$JOBS" >"$WORK/ninja.log" 2>&1 || {
  grep -A12 '^FAILED' "$WORK/ninja.log" | head -40 >&2
  tail -5 "$WORK/ninja.log" >&2
  exit 1
}
T2=$(date +%s)
rm -rf "$PREFIX"
cmake --install "$WORK/build" --strip >"$WORK/install.log" 2>&1 || {
  tail -40 "$WORK/install.log" >&2
  exit 1
}
# A startd exits at start without a GPU discovery tool; the install has it, but say so if not.
[ -x "$PREFIX/libexec/condor_gpu_discovery" ] || say "warning: libexec/condor_gpu_discovery missing"
"$PREFIX/bin/condor_version" | head -1 >&2
T3=$(date +%s)
rm -rf "$WORK"
echo "HTCondor $VERSION built $(date -u +%FT%TZ) in $((T3 - T0)) s (configure $((T1 - T0)) s, compile $((T2 - T1)) s, install $((T3 - T2)) s, -j $JOBS), $(du -sm "$PREFIX" | cut -f1) MB" >"$STAMP"
say "$(cat "$STAMP")"
out
