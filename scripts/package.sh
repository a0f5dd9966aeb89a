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
# One cargo build for both binaries, run by `tauri build` after its beforeBuildCommand has
# built the UI (`tauri build -- ARGS` passes ARGS to that `cargo build`; tauri-cli 2.12.5
# runs `cargo build ARGS --bins --features tauri/custom-protocol`):
# tauri.conf.json's bundle.linux.deb.files puts target/<profile>/atrama (package atrama-cli,
# binary atrama) into the package as /usr/bin/atrama. Both packages in the one call: cargo
# resolves the features of shared crates per set of packages, so building the CLI alone and
# then the app alone compiled the core and ~90 other crates twice, in two feature sets; with
# the set scripts/test-e2e.sh builds, CI's package step reuses that build
# (`cargo build --unit-graph`: 0 new units instead of 93; docs/reliability.md, CI timing).
both=(-- --locked -p atrama-cli -p atrama-desktop)
if [ "$profile" = debug ]; then
  (cd src-tauri && ../ui/node_modules/.bin/tauri build --ci --debug --bundles deb \
    --config '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/atrama":"../target/debug/atrama","/usr/share/icons/hicolor/256x256/apps/atrama-neutral.png":"../assets/icons/neutral.png"}}}}}' \
    "${both[@]}")
else
  (cd src-tauri && ../ui/node_modules/.bin/tauri build --ci --bundles deb "${both[@]}")
fi
end=$(date +%s)

deb=$(ls -t "target/$profile/bundle/deb/"*.deb | head -n 1)
mkdir -p target/release/bundle/deb
echo "$PWD/$deb" > target/release/bundle/deb/LATEST
size=$(stat -c %s "$deb")
echo "==> built $deb ($((size / 1024)) KiB) in $((end - start)) s"
