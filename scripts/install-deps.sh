#!/usr/bin/env bash
# Installs what building and testing Atrama needs on Debian 12, skipping what is there:
# Debian packages (strace for scripts/no-network.sh and the file trace of tests/e2e/leak.test.js, dbus-daemon for the e2e session,
# xdotool for the real X pointer of tests/e2e/today.test.js,
# iproute2 and util-linux for the loopback-only namespace of scripts/offline.sh,
# libxml2-utils for xmllint, which validates the ADX files against assets/schemas/adx.xsd),
# Python's openpyxl, PostgreSQL and a Python venv with DuckDB for scripts/test-warehouse.sh, the UI's and the end-to-end tests' npm packages (the UI's include the
# Tauri CLI that builds the .deb), tauri-driver and cargo-deny.
# Safe to run again; it changes nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev
  xvfb xauth xdotool webkit2gtk-driver strace dbus-daemon iproute2 util-linux libxml2-utils
  postgresql python3-venv)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "error: cargo is missing; install Rust 1.95 with rustup" >&2; exit 1; }
command -v node >/dev/null || { echo "error: Node.js >= 20.19 is missing; install it (Debian 12's nodejs 18 is too old for Vite 8)" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { echo "error: Node.js $(node --version) is too old; Vite 8 needs >= 20.19" >&2; exit 1; }

# Python's openpyxl: the XLSX report is read back by an independent reader in a test
# (tests/it/stats.rs).
command -v python3 >/dev/null || { echo "error: python3 is missing; install it (Debian: python3 python3-pip)" >&2; exit 1; }
if ! python3 -c 'import openpyxl' 2>/dev/null; then
  # From PyPI for whichever python3 is first on PATH; Debian's package when there is no pip.
  echo "==> installing openpyxl"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  python3 -m pip install --quiet --disable-pip-version-check openpyxl 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages openpyxl 2>/dev/null \
    || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-openpyxl; } \
    || true
  python3 -c 'import openpyxl' || { echo "error: could not install openpyxl for $(command -v python3); install it with pip or apt (python3-openpyxl)" >&2; exit 1; }
fi

# The warehouse test (scripts/test-warehouse.sh): DuckDB from PyPI, pinned, in a venv of its
# own under target/ (Debian's PostgreSQL comes with the packages above; the test starts a
# temporary cluster of its own, so the service Debian starts is not used).
DUCKDB_VERSION=2.0.0
VENV=target/warehouse-venv
if ! "$VENV/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION')" 2>/dev/null; then
  echo "==> a Python venv with duckdb $DUCKDB_VERSION in $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION"
fi

npm_install() {
  local dir=$1
  # npm ci only when the lock file changed since the last install.
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "==> npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
npm_install ui
npm_install tests/e2e

# Tools are built without LTO and with many codegen units (cargo-deny's own release profile
# is fat LTO with one codegen unit): a profile set in the environment overrides the tool's
# Cargo.toml. They run for seconds in CI; their build took minutes (docs/reliability.md, CI).
tool_install() {
  echo "==> cargo install $*"
  local start=$SECONDS
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked "$@"
  echo "<== $((SECONDS - start)) s: cargo install $*"
}

if ! command -v tauri-driver >/dev/null; then
  tool_install tauri-driver --version 2.1.0
fi

# The dependency audit (licences, banned crates, sources) in scripts/test.sh.
if ! cargo deny --version >/dev/null 2>&1; then
  tool_install cargo-deny
fi
