#!/usr/bin/env bash
# `npm run demo`: on a fresh Debian 12 machine, as root, installs what the demo needs, builds, and
# runs e2e/demo/demo.ts (a 3-machine fleet cluster with the example units; see that file).
#   bash e2e/demo/demo.sh [--once] [--machines N]
# Without --once it holds the cluster until Ctrl-C; either way it leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '==> %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (it boots systemd-nspawn machines)" >&2
  exit 2
fi
if ! command -v node >/dev/null || ! node -e '
  const [a, b] = process.versions.node.split(".").map(Number);
  process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1);'; then
  echo "demo: needs Node.js 20.19+ or 22.12+ as \`node\` (Debian 12's nodejs 18 is too old)" >&2
  exit 2
fi

# The same packages as .ci/run, installed only when a command from them is missing.
missing=0
for c in etcd systemd-nspawn debootstrap ssh ssh-keygen sshd nsenter flock; do
  command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] || missing=1
done
if [ "$missing" -eq 1 ]; then
  step "apt-get install etcd-server systemd-container debootstrap openssh-server"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp /tmp/fleet-demo-apt.XXXXXX)
  if ! { apt-get update -qq && apt-get install -y -qq etcd-server systemd-container \
    debootstrap openssh-server util-linux; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
fi

if [ ! -d node_modules ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

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
