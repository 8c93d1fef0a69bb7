#!/usr/bin/env bash
# Provides the Pulumi engine binaries the tests need: pulumi (CLI), pulumi-language-nodejs and
# pulumi-resource-openstack, at the versions package-lock.json pins for @pulumi/pulumi and
# @pulumi/openstack. No Pulumi binary can be downloaded here, but their Go modules come from the
# Go module proxy: each is built from a small wrapper module generated in a temp dir (their own
# go.mod files carry replace directives, so `go install module@version` refuses them) and cached
# outside the clone, keyed by version, so later runs on the machine reuse it.
#
#   eval "$(test/cloud/toolchain.sh)"        # build or reuse, then put the bin dir on PATH
#   test/cloud/toolchain.sh --print-path     # print only the bin dir
#
# Environment: CLOUDSCHEDULER_TOOLCHAIN_DIR (cache dir, default
# /var/cache/cloudscheduler/toolchain/<pulumi>-<openstack>), CLOUDSCHEDULER_TOOLCHAIN_JOBS (go build
# -p, default 1, or nproc under CI=true). Progress goes to stderr; stdout is only the export line.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

print_path=0
case "${1:-}" in
  --print-path) print_path=1 ;;
  "") ;;
  *) echo "toolchain.sh: unknown argument $1 (want --print-path)" >&2; exit 2 ;;
esac

say() { echo "toolchain: $*" >&2; }
lock_version() { # npm package -> version in package-lock.json
  node -e 'const l = require(process.argv[1]); const p = l.packages["node_modules/" + process.argv[2]];
    if (!p) process.exit(1); console.log(p.version.replace(/^v/, ""));' "$REPO/package-lock.json" "$1"
}
PULUMI_VERSION="$(lock_version @pulumi/pulumi)"
OPENSTACK_VERSION="$(lock_version @pulumi/openstack)"
CACHE="${CLOUDSCHEDULER_TOOLCHAIN_DIR:-/var/cache/cloudscheduler/toolchain/$PULUMI_VERSION-$OPENSTACK_VERSION}"
BIN="$CACHE/bin"
INFO="$CACHE/info" # one file per binary: where it came from; <name>.unavailable when it can't be had

export_line() {
  if [ "$print_path" = 1 ]; then echo "$BIN"; else echo "export PATH=\"$BIN:\$PATH\""; fi
}

# The sources, per binary: Go module, version, main package, and the -X flag that stamps the version.
PULUMI_MOD=github.com/pulumi/pulumi/pkg/v3
LANGHOST_MOD=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
PROVIDER_MOD=github.com/pulumi/pulumi-openstack/provider/v3
SDK_VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

report() { # name: one line on where the binary comes from
  if [ -f "$INFO/$1" ]; then say "$1 <- $(cat "$INFO/$1")"; else say "$1 UNAVAILABLE: $(cat "$INFO/$1.unavailable")"; fi
}
known() { [ -f "$INFO/$1" ] && [ -x "$BIN/$1" ] || [ -f "$INFO/$1.unavailable" ]; }
# The stand-ins' sources are in this repo: a change to them replaces the cached copy.
standin_hash() { # name
  case "$1" in
    pulumi-resource-openstack) cat "$HERE"/openstack-provider/{go.mod,go.sum,main.go,tokens.txt} ;;
    pulumi-language-nodejs) cat "$HERE"/langhost/{langhost.cjs,pulumi-language-nodejs} ;;
  esac | sha256sum | cut -c1-16
}
for n in pulumi-resource-openstack pulumi-language-nodejs; do
  if [ -f "$INFO/$n.standin" ] && [ "$(cat "$INFO/$n.standin")" != "$(standin_hash "$n")" ]; then
    rm -f "$INFO/$n" "$INFO/$n.standin"
  fi
done

# Fast path: everything already decided for this version pair (built, found, or known unavailable).
if known pulumi && known pulumi-language-nodejs && known pulumi-resource-openstack; then
  for n in pulumi pulumi-language-nodejs pulumi-resource-openstack; do report "$n"; done
  export_line
  exit 0
fi

GO="$(command -v go || echo /usr/local/go/bin/go)"
[ -x "$GO" ] || { echo "toolchain.sh: no go toolchain (looked on PATH and /usr/local/go/bin/go)" >&2; exit 1; }
JOBS="${CLOUDSCHEDULER_TOOLCHAIN_JOBS:-$([ "${CI:-}" = true ] && nproc || echo 1)}"
export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=mod -p=$JOBS"
mkdir -p "$BIN" "$INFO"
exec 9>"$CACHE/.lock"
flock 9 # one builder per cache dir; a second caller waits, then finds the cache
WORK="$(mktemp -d /tmp/cs-toolchain.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# go.mod of module@version from the proxy (path printed), or non-zero with the proxy's message in $WORK/err.
fetch_gomod() { # module version
  local json
  json="$("$GO" mod download -json "$1@$2" 2>"$WORK/err" || true)"
  if echo "$json" | grep -q '"Error"'; then
    echo "$json" | sed -n 's/.*"Error": "\(.*\)",\{0,1\}$/\1/p' | sed 's/\\n\\t/ /g' >"$WORK/err"
    return 1
  fi
  echo "$json" | sed -n 's/.*"GoMod": "\(.*\)",\{0,1\}$/\1/p'
}

# The module's replace directives, minus those pointing into its own repo (relative paths):
# those modules are required at the same version instead (the monorepo tags them together).
wrapper_gomod() { # module version gomod-file
  local mod="$1" ver="$2" gomod="$3" goline
  goline="$(grep -m1 '^go ' "$gomod" || echo 'go 1.25')"
  {
    echo "module cloudscheduler.local/toolchain-wrapper"
    echo
    echo "$goline"
    echo
    echo "require $mod $ver"
    awk '
      /^replace[ \t]*\(/ { block = 1; next }
      block && /^\)/ { block = 0; next }
      block { print; next }
      /^replace / { sub(/^replace[ \t]+/, ""); print }
    ' "$gomod" | while read -r line; do
      [ -z "$line" ] && continue
      case "$line" in
        *"=> ./"* | *"=> ../"* | *"=> /"*) echo "require ${line%% *} $ver" ;;
        *) echo "replace $line" ;;
      esac
    done
  } >"$WORK/go.mod.new"
}

build_from_module() { # name module version main-package ldflags-X
  local name="$1" mod="$2" ver="$3" pkg="$4" xflag="$5" gomod dir started
  say "$name: fetching $mod@$ver go.mod from the module proxy"
  if ! gomod="$(fetch_gomod "$mod" "$ver")"; then
    return 1
  fi
  dir="$WORK/$name"
  mkdir -p "$dir"
  wrapper_gomod "$mod" "$ver" "$gomod"
  mv "$WORK/go.mod.new" "$dir/go.mod"
  cp "$dir/go.mod" "$INFO/$name.go.mod" # before tidy: the requires and replaces that matter
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" >"$dir/tools.go"
  say "$name: building $pkg (go build -p $JOBS under nice; first build takes minutes)"
  started=$(date +%s)
  (
    cd "$dir"
    "$GO" mod tidy >"$dir/tidy.log" 2>&1 || { cat "$dir/tidy.log" >&2; exit 1; }
    nice -n 10 "$GO" build -trimpath -ldflags "-s -w -X $xflag" -o "$BIN/.$name.tmp" "$pkg"
  ) || { echo "build of $mod@$ver failed (see above)" >"$WORK/err"; return 1; }
  mv -f "$BIN/.$name.tmp" "$BIN/$name"
  echo "built from $mod@$ver in $(($(date +%s) - started)) s (wrapper: $INFO/$name.go.mod)" >"$INFO/$name"
  say "$name: built in $(($(date +%s) - started)) s ($(du -m "$BIN/$name" | cut -f1) MB)"
}

# pulumi CLI: one already on PATH at the right version wins.
if ! known pulumi; then
  onpath="$(command -v pulumi || true)"
  if [ -n "$onpath" ] && [ "$("$onpath" version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
    ln -sf "$onpath" "$BIN/pulumi"
    echo "found on PATH at $onpath (v$PULUMI_VERSION)" >"$INFO/pulumi"
  elif ! build_from_module pulumi "$PULUMI_MOD" "v$PULUMI_VERSION" "$PULUMI_MOD/cmd/pulumi" \
    "$SDK_VERSION_VAR=v$PULUMI_VERSION"; then
    say "pulumi: $(cat "$WORK/err")"
    exit 1
  fi
fi

# Language host: needed only for project-directory programs (Pulumi.yaml + `pulumi up`); the
# Automation API's inline programs run their language runtime inside the Node process. When its
# module is not served, the stand-in in langhost/ is copied into the cache (a clone may go away).
if ! known pulumi-language-nodejs; then
  rm -f "$INFO/pulumi-language-nodejs.unavailable"
  if ! build_from_module pulumi-language-nodejs "$LANGHOST_MOD" "v$PULUMI_VERSION" "$LANGHOST_MOD" \
    "$SDK_VERSION_VAR=v$PULUMI_VERSION"; then
    say "pulumi-language-nodejs: real module refused: $(cat "$WORK/err")"
    cp "$HERE/langhost/langhost.cjs" "$BIN/langhost.cjs"
    cp "$HERE/langhost/pulumi-language-nodejs" "$BIN/.pulumi-language-nodejs.tmp"
    mv -f "$BIN/.pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs"
    standin_hash pulumi-language-nodejs >"$INFO/pulumi-language-nodejs.standin"
    echo "STAND-IN copied from test/cloud/langhost (serves the engine with @pulumi/pulumi's own" \
      "inline LanguageServer; $LANGHOST_MOD@v$PULUMI_VERSION is not served: $(cat "$WORK/err"))" \
      >"$INFO/pulumi-language-nodejs"
  fi
fi

# OpenStack provider: the real plugin's module if the proxy serves it, else the stand-in in
# openstack-provider/ (the Terraform OpenStack provider through pulumi-terraform-bridge).
if ! known pulumi-resource-openstack; then
  if build_from_module pulumi-resource-openstack "$PROVIDER_MOD" "v$OPENSTACK_VERSION" \
    "$PROVIDER_MOD/cmd/pulumi-resource-openstack" \
    "$PROVIDER_MOD/pkg/version.Version=$OPENSTACK_VERSION"; then
    :
  else
    say "pulumi-resource-openstack: real module refused: $(cat "$WORK/err")"
    say "pulumi-resource-openstack: building the stand-in from test/cloud/openstack-provider"
    started=$(date +%s)
    (
      cd "$HERE/openstack-provider"
      nice -n 10 "$GO" build -mod=readonly -trimpath -ldflags "-s -w -X main.version=$OPENSTACK_VERSION" \
        -o "$BIN/.pulumi-resource-openstack.tmp" .
    )
    mv -f "$BIN/.pulumi-resource-openstack.tmp" "$BIN/pulumi-resource-openstack"
    standin_hash pulumi-resource-openstack >"$INFO/pulumi-resource-openstack.standin"
    tf="$(grep -m1 'terraform-provider-openstack/v3 ' "$HERE/openstack-provider/go.mod" | awk '{print $2}')"
    bridge="$(grep -m1 'pulumi-terraform-bridge/v3 ' "$HERE/openstack-provider/go.mod" | awk '{print $2}')"
    echo "STAND-IN built in $(($(date +%s) - started)) s from test/cloud/openstack-provider" \
      "(terraform-provider-openstack $tf + pulumi-terraform-bridge $bridge; $PROVIDER_MOD@v$OPENSTACK_VERSION" \
      "is not served: $(cat "$WORK/err"))" >"$INFO/pulumi-resource-openstack"
    say "pulumi-resource-openstack: built in $(($(date +%s) - started)) s"
  fi
fi

for n in pulumi pulumi-language-nodejs pulumi-resource-openstack; do report "$n"; done
export_line
