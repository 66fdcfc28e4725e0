#!/usr/bin/env bash
# Makes Prometheus's promtool available, without Prometheus, and prints its path.
#
# Debian 12's `prometheus` package ships /usr/bin/promtool, but installing it would also install
# and start a Prometheus server. This fetches the package with `apt-get download` (apt checks it
# against the signed archive's hashes) and extracts only promtool into $FLEET_PROMTOOL_CACHE
# (default ~/.cache/fleet-promtool/VERSION), reused after that. A promtool already installed
# (/usr/bin/promtool) is used as it is. Used by scripts/test-env.sh (FLEET_PROMTOOL), for the
# test that runs `promtool check metrics` on a real fleetd's /metrics.
#
#   scripts/promtool.sh            # prints e.g. /root/.cache/fleet-promtool/2.42.0+ds-5+deb12u1/promtool
set -euo pipefail

if command -v promtool >/dev/null; then
  command -v promtool
  exit 0
fi
base="${FLEET_PROMTOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleet-promtool}"
for cached in "$base"/*/promtool; do
  # Fetched before (the version apt offered then): asking apt again takes seconds.
  if [ -x "$cached" ]; then
    echo "$cached"
    exit 0
  fi
done
command -v apt-get >/dev/null || { echo "promtool.sh: apt-get not found (Debian 12 expected)" >&2; exit 1; }

version() { apt-cache policy prometheus 2>/dev/null | sed -n 's/^ *Candidate: //p'; }
v=$(version)
if [ -z "$v" ] || [ "$v" = '(none)' ]; then
  # No package lists yet (a fresh machine): read them once.
  apt-get update -qq >/dev/null 2>&1 || true
  v=$(version)
fi
if [ -z "$v" ] || [ "$v" = '(none)' ]; then
  echo "promtool.sh: apt knows no prometheus package" >&2
  exit 1
fi
dir="$base/$v"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work" # apt's sandbox user writes the download here
if ! (cd "$work" && apt-get download -qq "prometheus=$v") >"$work/log" 2>&1; then
  tail -n 5 "$work/log" >&2
  echo "promtool.sh: apt-get download prometheus=$v failed" >&2
  exit 1
fi
mkdir -p "$work/x"
dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb | tar -x -C "$work/x" ./usr/bin/promtool
mkdir -p "$dir"
install -m 0755 "$work/x/usr/bin/promtool" "$dir/promtool.tmp"
mv "$dir/promtool.tmp" "$dir/promtool"
"$dir/promtool" --version >/dev/null
echo "$dir/promtool"
