#!/usr/bin/env bash
# The Lambda runtime is nodejs22.x while this machine's Node is 20: run the unit tests, the probe tests and
# the `sla` bin again on Node 22. The official Node 22 binary comes from the npm registry (package
# node-linux-<arch>), pinned, cached under node_modules/.cache/node22 (a fresh clone downloads it once).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=22.23.5
if [ "$(node -p 'process.versions.node.split(".")[0]')" = 22 ]; then
  node22=$(command -v node)
else
  dir=node_modules/.cache/node22
  pkg="node-linux-$(node -p process.arch)"
  node22="$dir/node_modules/$pkg/bin/node"
  if [ "$("$node22" --version 2>/dev/null)" != "v$VERSION" ]; then
    npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$dir" "$pkg@$VERSION" >/dev/null
  fi
fi
echo "node22: $("$node22" --version)"
"$node22" packages/cli/bin/sla.mjs --help >/dev/null
"$node22" packages/cli/bin/sla.mjs validate --config sla.config.example.yaml
"$node22" node_modules/vitest/vitest.mjs run --project unit --project integration \
  packages test/unit test/probe test/faults/probe-faults.test.ts
