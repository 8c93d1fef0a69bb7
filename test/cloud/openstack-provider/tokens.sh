#!/usr/bin/env bash
# Regenerates tokens.txt from the installed @pulumi/openstack SDK (run from the repo root).
set -euo pipefail
sdk=node_modules/@pulumi/openstack
{
  echo "# Resource and function tokens of @pulumi/openstack $(node -p "require('./$sdk/package.json').version") (grep of its .js: __pulumiType / invoke)."
  echo "# Regenerate: test/cloud/openstack-provider/tokens.sh"
  grep -rhoE "__pulumiType = '[^']+'" --include=*.js "$sdk" | sed -E "s/.*'(.*)'/\1/" | sort -u
  grep -rhoE "invoke\(\"openstack:[^\"]+\"" --include=*.js "$sdk" | sed -E 's/.*"(.*)"/\1/' | sort -u
} >test/cloud/openstack-provider/tokens.txt
