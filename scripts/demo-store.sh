#!/usr/bin/env bash
# Makes the demo store: a fictitious help centre (DEMO-01, Lithuania) with an administrator
# ('demo'), a second counsellor who can unlock it ('jurgita'), demo staff without a
# passphrase, and ATRAMA_DEMO_CLIENTS clients (5,000 by default) over three years with
# their incidents, services, referrals, orders, notes, risk assessments and safety plans,
# written in one transaction from a fixed seed. Uses the CLI at $ATRAMA_CLI (default
# target/debug/atrama). Usage: scripts/demo-store.sh STORE_FOLDER (which must not exist).
set -euo pipefail
STORE="${1:?usage: demo-store.sh STORE_FOLDER}"
CLI="${ATRAMA_CLI:-$(dirname "$0")/../target/debug/atrama}"
CLIENTS="${ATRAMA_DEMO_CLIENTS:-5000}"
if [ -e "$STORE/keyslots.json" ]; then
  echo "demo-store.sh: $STORE already holds a store; remove it first" >&2
  exit 1
fi
export ATRAMA_PASSPHRASE="demo passphrase 1"
"$CLI" --store "$STORE" init --centre-code DEMO-01 --centre-name "Demo help centre (fictitious)" \
  --country LT --language en --admin demo >/dev/null
ATRAMA_NEW_PASSPHRASE="demo passphrase 2" "$CLI" --store "$STORE" --user demo staff add jurgita \
  --role counsellor --disciplines social_work,psychological >/dev/null
"$CLI" --store "$STORE" --user demo demo --clients "$CLIENTS" --months 36 --seed 26
