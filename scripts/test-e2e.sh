#!/usr/bin/env bash
# Builds the desktop app and drives it end to end through tauri-driver + WebKitWebDriver,
# under Xvfb when there is no display. Screenshots of the main screens go to docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Always rebuild the UI: the shell embeds ui/dist, and a stale one would test old screens.
(cd ui && npm run --silent build)
cargo build -p atrama -p atrama-desktop
export ATRAMA_APP="$PWD/target/debug/atrama-desktop"
export ATRAMA_SCREENSHOTS="$PWD/docs/screenshots"
# Keep WebKit from looking for accessibility and portal services a CI machine lacks.
export NO_AT_BRIDGE=1 GTK_A11Y=none

# Under a private D-Bus session bus: the single-instance check (smoke.test.js) meets over it,
# and apps of other runs on this machine never see it.
run_e2e() {
  if [ -n "${DISPLAY:-}" ]; then
    dbus-run-session -- npm --prefix tests/e2e test
  else
    dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" npm --prefix tests/e2e test
  fi
}
run_e2e
