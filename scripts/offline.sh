#!/usr/bin/env bash
# Runs a command in a network namespace of its own in which only the loopback interface is up
# (issue 27.4): any attempt to reach another address fails by construction ("network is
# unreachable"), while the tests' own loopback servers (WebDriver, the app's automation
# port) keep working. Needs root and util-linux `unshare` (the CI and build machines run the
# tests as root); elsewhere it says so and runs the command with the network as it is.
# Usage: bash scripts/offline.sh COMMAND [ARG...]
set -euo pipefail
if [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then
  exec unshare --net -- bash -c 'ip link set lo up && exec "$@"' offline "$@"
fi
echo "warning: cannot make a network namespace here (not root, or no unshare): running with the network" >&2
exec "$@"
