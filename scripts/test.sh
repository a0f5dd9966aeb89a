#!/usr/bin/env bash
# Runs every test of Atrama on Debian 12, installing what is missing first:
# formatting, clippy, the dependency audit (cargo deny), Rust unit and integration tests (with
# the crash harnesses' short form), the TypeScript bindings check, the UI's type check, lint
# and unit tests, the end-to-end test of the real desktop app (with the leak check), and the
# no-network check (the leak session again with the app under strace).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# `step NAME` prints the time of the step before it; a table of every step at the end.
source scripts/steps.sh
steps_init test.sh

step "install what is missing (scripts/install-deps.sh)"
bash scripts/install-deps.sh

step "UI build (the desktop shell embeds ui/dist)"
(cd ui && npm run --silent build)

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo deny: licences, banned crates, sources (the app's and the fuzz targets' trees)"
cargo deny check licenses bans sources
cargo deny --manifest-path fuzz/Cargo.toml check licenses bans sources

step "cargo test: build the tests"
# Built first, then run in a network namespace with only loopback (scripts/offline.sh): the
# CLI tests and everything else in `cargo test` cannot reach the network.
cargo test --workspace --no-run
step "cargo test: run the tests, with loopback only (also regenerates the TypeScript bindings)"
bash scripts/offline.sh cargo test --workspace --offline

if git rev-parse --git-dir >/dev/null 2>&1; then
  step "TypeScript bindings are up to date"
  if [ -n "$(git status --porcelain -- ui/src/lib/bindings)" ]; then
    git status --porcelain -- ui/src/lib/bindings
    echo "error: ui/src/lib/bindings differ from the Rust types; commit the regenerated files" >&2
    exit 1
  fi
fi

step "the Parquet warehouse read by DuckDB and PostgreSQL (T1–T10 recomputed in SQL)"
bash scripts/offline.sh bash scripts/test-warehouse.sh

step "UI type check, lint and unit tests"
(cd ui && npm run --silent check && npm run --silent lint && npm test --silent)

step "end-to-end test of the desktop app (with loopback only)"
bash scripts/test-e2e.sh

step "no network: the leak session with the app under strace"
ATRAMA_APP="$PWD/target/debug/atrama-desktop" bash scripts/no-network.sh

echo
echo "All tests passed."
