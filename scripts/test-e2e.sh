#!/usr/bin/env bash
# Builds the desktop app and drives it end to end through tauri-driver + WebKitWebDriver,
# under Xvfb when there is no display. Screenshots of the main screens go to docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Always rebuild the UI: the shell embeds ui/dist, and a stale one would test old screens.
(cd ui && npm run --silent build)
cargo build -p atrama-cli -p atrama-desktop
export ATRAMA_APP="$PWD/target/debug/atrama-desktop"
export ATRAMA_SCREENSHOTS="$PWD/docs/screenshots"
# Keep WebKit from looking for accessibility and portal services a CI machine lacks.
export NO_AT_BRIDGE=1 GTK_A11Y=none

# Under a private D-Bus session bus: the single-instance check (smoke.test.js) meets over it,
# and apps of other runs on this machine never see it.
# Without a display of the caller's, the whole suite (Xvfb, D-Bus, the drivers, the app, the
# CLI it calls) runs in a network namespace with only loopback up (scripts/offline.sh), so
# any attempt to reach the network fails (issue 27.4). With a display of the caller's, it
# runs as is (that X server may be reachable only through the host's network namespace).
run_e2e() {
  if [ -n "${DISPLAY:-}" ]; then
    dbus-run-session -- npm --prefix tests/e2e test
  else
    bash scripts/offline.sh dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" npm --prefix tests/e2e test
  fi
}
run_e2e
