# The set-up the tests and the demo need, on a Debian 12 machine, as root. Sourced (not run) by
# scripts/test, scripts/demo (through e2e/demo/demo.sh) and .ci/run:
#
#   . scripts/test-env.sh && fleet_setup
#
# fleet_setup, from the checkout's root:
# - installs the system packages the integration and e2e tests and the demo use (etcd, systemd-nspawn,
#   debootstrap, OpenSSH), with apt-get, only when one of them is not installed yet;
# - puts the project's Node 24 first in PATH (scripts/node24.sh: from the npm registry, pinned,
#   cached in ~/.cache/fleet-node), and exports that PATH;
# - runs `npm ci` (the machine's npm, under that Node) when node_modules was not installed from the
#   current package-lock.json under this Node yet;
# - exports FLEET_PROMTOOL, promtool taken out of Debian's prometheus package (scripts/promtool.sh).
# Run again on a machine where all that is done, it only checks, in well under a second. It returns
# non-zero with one message on stderr when a step fails.

FLEET_APT_PACKAGES=(etcd-server systemd-container debootstrap openssh-server util-linux zsh chromium)

_fleet_step() { printf '==> %s\n' "$*" >&2; }

# The packages of FLEET_APT_PACKAGES that dpkg does not list as installed.
_fleet_missing_packages() {
  local p
  for p in "${FLEET_APT_PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = 'ii ' ] || printf '%s\n' "$p"
  done
}

_fleet_apt() {
  local missing log
  command -v dpkg-query >/dev/null || {
    echo "set-up: dpkg-query not found; this set-up is for Debian 12" >&2
    return 1
  }
  missing=$(_fleet_missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "set-up: run as root to install the missing packages:" $missing >&2
    return 1
  fi
  _fleet_step "apt-get install" $missing
  log=$(mktemp /tmp/fleet-setup-apt.XXXXXX)
  # shellcheck disable=SC2086 # one word per package
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    echo "set-up: apt-get install failed" >&2
    return 1
  fi
  rm -f "$log"
}

_fleet_node() {
  local bin
  bin=$(scripts/node24.sh) || {
    echo "set-up: could not get Node 24 (scripts/node24.sh)" >&2
    return 1
  }
  case ":$PATH:" in
    "$bin":*) ;;
    *) PATH="$bin:$PATH" ;;
  esac
  export PATH
  hash -r
  [ "$(command -v node)" = "$bin/node" ] || {
    echo "set-up: node on PATH is $(command -v node), not $bin/node" >&2
    return 1
  }
  command -v npm >/dev/null || {
    echo "set-up: npm not found (the machine's npm 11 installs the dependencies)" >&2
    return 1
  }
}

# node_modules is current when it was installed from this package-lock.json under this Node.
_fleet_npm_ci() {
  local stamp want
  stamp=node_modules/.fleet-npm-ci
  want="$(node --version) $(sha256sum package-lock.json | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  _fleet_step "npm ci (npm $(npm --version), node $(node --version))"
  npm ci --no-audit --no-fund >&2 || {
    echo "set-up: npm ci failed" >&2
    return 1
  }
  printf '%s\n' "$want" >"$stamp"
}

# promtool for the test of /metrics (scripts/promtool.sh: extracted from Debian's prometheus package).
_fleet_promtool() {
  FLEET_PROMTOOL=$(scripts/promtool.sh) || {
    echo "set-up: could not get promtool (scripts/promtool.sh)" >&2
    return 1
  }
  export FLEET_PROMTOOL
}

fleet_setup() {
  _fleet_apt && _fleet_node && _fleet_npm_ci && _fleet_promtool
}
