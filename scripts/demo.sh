#!/usr/bin/env bash
# Builds Atrama and runs the desktop app on a demo store (under Xvfb when there is no
# display), installing what is missing first. The demo store (scripts/demo-store.sh: 5,000
# fictitious clients over three years, two people who can unlock it) lives in
# target/demo-store unless ATRAMA_DEMO_STORE names another folder.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/install-deps.sh
(cd ui && npm run --silent build)
cargo build -p atrama-cli -p atrama-desktop

STORE="${ATRAMA_DEMO_STORE:-$PWD/target/demo-store}"
if [ ! -f "$STORE/keyslots.json" ]; then
  echo "==> creating the demo store in $STORE (${ATRAMA_DEMO_CLIENTS:-5000} fictitious clients, about a minute)"
  bash scripts/demo-store.sh "$STORE"
fi
ATRAMA_PASSPHRASE="demo passphrase 1" ./target/debug/atrama --store "$STORE" --user demo status

echo
echo "Unlock the demo store as the counsellor 'jurgita' with passphrase 'demo passphrase 2',"
echo "or as the administrator 'demo' with passphrase 'demo passphrase 1'."
export ATRAMA_STORE="$STORE"
if [ -n "${DISPLAY:-}" ]; then
  exec ./target/debug/atrama-desktop
else
  # xvfb-run keeps the display's cookie in a file of its own: name it, so that a screenshot
  # tool can be pointed at it.
  AUTH="$PWD/target/demo-xauthority"
  : >"$AUTH"
  echo "(no display: running under Xvfb on :99; screenshot with"
  echo "  DISPLAY=:99 XAUTHORITY=$AUTH import -window root shot.png )"
  exec xvfb-run -n 99 -f "$AUTH" -s "-screen 0 1366x768x24" ./target/debug/atrama-desktop
fi
