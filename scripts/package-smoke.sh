#!/usr/bin/env bash
# Installs the .deb that scripts/package.sh built (apt-get install, so its dependencies are
# checked for real), checks what the package put on the system, runs the installed CLI, and
# drives the installed app through the smoke test (tests/e2e/smoke.test.js: first run on an
# existing store, unlock, case list, the store lock against the CLI, single instance).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

deb=$(cat target/release/bundle/deb/LATEST)
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "==> apt-get install $deb"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$deb"

pkg=$(dpkg-deb -f "$deb" Package)
echo "==> $pkg $(dpkg-deb -f "$deb" Version), depends: $(dpkg-deb -f "$deb" Depends)"
files=$(dpkg -L "$pkg")
app=$(grep -E '^/usr/bin/' <<<"$files" | grep -v '^/usr/bin/atrama$' | head -n 1)
desktop=$(grep -E '^/usr/share/applications/.*\.desktop$' <<<"$files")
for f in /usr/bin/atrama "$app" "$desktop"; do
  [ -x "$f" ] || [ -f "$f" ] || { echo "error: the package did not install $f" >&2; exit 1; }
done
grep -qE '^/usr/share/icons/hicolor/.*/apps/.*\.png$' <<<"$files" || { echo "error: the package installs no icon" >&2; exit 1; }
echo "==> desktop entry $desktop"
cat "$desktop"
grep -q '^Categories=Office;' "$desktop" || { echo "error: the desktop entry has no Office category" >&2; exit 1; }
grep -q "^Exec=$(basename "$app")" "$desktop" || { echo "error: the desktop entry does not start $app" >&2; exit 1; }
# The app's libraries all resolve on this system (the package's Depends are enough).
if ldd "$app" /usr/bin/atrama | grep -q 'not found'; then
  ldd "$app" /usr/bin/atrama | grep 'not found' >&2
  echo "error: the installed binaries miss libraries; add them to bundle.linux.deb.depends" >&2
  exit 1
fi

echo "==> installed CLI"
atrama --version
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ATRAMA_PASSPHRASE="installed cli passphrase" atrama --store "$tmp/store" init \
  --centre-code PKG-01 --centre-name "Package check" --country LT --admin ona >/dev/null
ATRAMA_PASSPHRASE="installed cli passphrase" atrama --store "$tmp/store" --user ona status | grep "Package check" >/dev/null

echo "==> smoke test of the installed app ($app)"
export ATRAMA_APP="$app"
export NO_AT_BRIDGE=1 GTK_A11Y=none
run=(npm --prefix tests/e2e test -- smoke.test.js)
if [ -z "${DISPLAY:-}" ]; then
  run=(xvfb-run -a -s "-screen 0 1280x800x24" "${run[@]}")
fi
# A private D-Bus session bus: single instance meets over it, and nothing outside sees it.
dbus-run-session -- "${run[@]}"
