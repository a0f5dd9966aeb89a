#!/usr/bin/env bash
# Builds Atrama and runs the desktop app on a demo store (under Xvfb when there is no
# display), installing what is missing first. The demo store is fictitious and lives in
# target/demo-store unless ATRAMA_DEMO_STORE names another folder.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/install-deps.sh
(cd ui && npm run --silent build)
cargo build -p atrama-cli -p atrama-desktop

STORE="${ATRAMA_DEMO_STORE:-$PWD/target/demo-store}"
DEMO_USER=demo
DEMO_PASSPHRASE="demo passphrase 1"
if [ ! -f "$STORE/keyslots.json" ]; then
  echo "==> creating the demo store in $STORE"
  ATRAMA_PASSPHRASE="$DEMO_PASSPHRASE" ./target/debug/atrama --store "$STORE" init \
    --centre-code DEMO-01 --centre-name "Demo help centre (fictitious)" --country LT \
    --language en --admin "$DEMO_USER" >/dev/null
fi
ATRAMA_PASSPHRASE="$DEMO_PASSPHRASE" ./target/debug/atrama --store "$STORE" --user "$DEMO_USER" status

echo
echo "Unlock the demo store as user '$DEMO_USER' with passphrase '$DEMO_PASSPHRASE'."
export ATRAMA_STORE="$STORE"
if [ -n "${DISPLAY:-}" ]; then
  exec ./target/debug/atrama-desktop
else
  echo "(no display: running under Xvfb; screenshot with 'DISPLAY=:99 import -window root shot.png')"
  exec xvfb-run -n 99 -s "-screen 0 1280x800x24" ./target/debug/atrama-desktop
fi
