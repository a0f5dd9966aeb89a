#!/usr/bin/env bash
# Builds the Debian package of the desktop app with the Tauri bundler (release profile):
# the app, its icon and desktop entry, and the `atrama` command-line tool beside it in
# /usr/bin. Prints the package's path and size; the path also goes to
# target/release/bundle/deb/LATEST so that scripts can find it.
#
# Offline once the Rust crates and npm packages are fetched: the Tauri CLI is the npm
# package @tauri-apps/cli in ui/ (a prebuilt binary), and only the `deb` bundle is made
# (AppImage would download tools at build time).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/install-deps.sh

# ATRAMA_PACKAGE_PROFILE=debug packages the debug build instead (CI: it reuses what the tests
# just built — a cold release build with fat LTO takes 20+ minutes on a 2-core machine — and
# still goes through the same bundler, package, install and smoke test). Packages for people
# are built in the release profile, the default.
profile="${ATRAMA_PACKAGE_PROFILE:-release}"
start=$(date +%s)
# The CLI first (package atrama-cli, binary atrama): tauri.conf.json's
# bundle.linux.deb.files puts target/<profile>/atrama into the package as /usr/bin/atrama. `tauri build` then builds the UI (beforeBuildCommand), the
# app, and the .deb.
if [ "$profile" = debug ]; then
  cargo build --locked -p atrama-cli --bin atrama
  (cd src-tauri && ../ui/node_modules/.bin/tauri build --ci --debug --bundles deb \
    --config '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/atrama":"../target/debug/atrama","/usr/share/icons/hicolor/256x256/apps/atrama-neutral.png":"../assets/icons/neutral.png"}}}}}')
else
  cargo build --release --locked -p atrama-cli --bin atrama
  (cd src-tauri && ../ui/node_modules/.bin/tauri build --ci --bundles deb)
fi
end=$(date +%s)

deb=$(ls -t "target/$profile/bundle/deb/"*.deb | head -n 1)
mkdir -p target/release/bundle/deb
echo "$PWD/$deb" > target/release/bundle/deb/LATEST
size=$(stat -c %s "$deb")
echo "==> built $deb ($((size / 1024)) KiB) in $((end - start)) s"
