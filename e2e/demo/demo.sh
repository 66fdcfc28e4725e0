#!/usr/bin/env bash
# `scripts/demo` or `npm run demo`: on a fresh Debian 12 machine, as root, installs what the demo
# needs (scripts/test-env.sh), builds, and runs e2e/demo/demo.ts under the project's Node 24 (fleet's
# .deb, installed by dpkg in each of 3 machines of a fleet cluster with the example units; see that
# file).
#   bash e2e/demo/demo.sh [--once] [--machines N]
# Without --once it holds the cluster until Ctrl-C; either way it leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '==> %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (it boots systemd-nspawn machines)" >&2
  exit 2
fi
# System packages when missing, the project's Node 24 first in PATH, `npm ci` when needed: the same
# set-up as scripts/test and .ci/run.
. scripts/test-env.sh
fleet_setup

step "npm run build"
npm run build

# The demo runs in a session of its own, so that the terminal's Ctrl-C reaches only this script,
# which passes it on to the demo as SIGTERM (SIGINT may be ignored by a background job). The demo
# then tears down in order (fleetd drains while etcd is still up) instead of every process of the
# cluster getting the SIGINT at the same moment. GRPC_VERBOSITY=NONE keeps grpc-js's keepalive
# notices out of the demo's output.
GRPC_VERBOSITY=NONE setsid node --import tsx e2e/demo/demo.ts "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM HUP
rc=0
while :; do
  wait "$pid" && rc=0 || rc=$?
  kill -0 "$pid" 2>/dev/null || break
done
exit "$rc"
