#!/usr/bin/env bash
# Runs every cargo-fuzz target of Atrama for N seconds each (default 20), installing
# cargo-fuzz when it is missing. The committed seeds in fuzz/corpus/<target> are read; new
# inputs go to fuzz/target/corpus/<target> (not committed); a crash stops the run with the
# input in fuzz/artifacts/<target>. Needs the nightly toolchain (`cargo +nightly`). The
# build has overflow checks and debug assertions on (`-a`, and the profile in
# fuzz/Cargo.toml; every target refuses to start without them), so an overflowing size,
# count or offset read from a file is a finding.
# ATRAMA_FUZZ_SEED=N fixes libFuzzer's random seed (a run is then the same on every machine
# for the same code and seeds; unset or 0: a new seed each run, as for the long runs of
# docs/reliability.md, which explore further). CI does not run this script: it replays the
# committed seeds through the same target code in `cargo test` (tests/it/fuzz_seeds.rs).
# Usage: bash scripts/fuzz.sh [seconds] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# `step NAME` prints the time of the step before it; a table of every step at the end.
source scripts/steps.sh
steps_init fuzz.sh

seconds="${1:-20}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(bundle_header bundle_open bundle_stream bundle_payload enrolment keyslots instrument_pack
    directory code_lists analysis_template backup_header backup_body backup_fields sheets_read
    peer_sync)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  step "installing cargo-fuzz"
  # A tool's build, not the app's: no LTO and many codegen units, as in scripts/install-deps.sh.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install cargo-fuzz --locked
fi

cd fuzz
# The enrolment and backup targets write scratch files: keep them inside fuzz/target, in a
# folder of this run's own (two runs with different targets may share the machine).
export TMPDIR="$PWD/target/tmp-$$"
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
trap 'status=$?; rm -rf "$TMPDIR"; steps_summary $status' EXIT
step "building the fuzz targets (nightly, address sanitizer, overflow checks)"
cargo +nightly fuzz build -a

for target in "${targets[@]}"; do
  step "fuzzing $target for ${seconds} s"
  mkdir -p "target/corpus/$target"
  cargo +nightly fuzz run -a "$target" "target/corpus/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -seed="${ATRAMA_FUZZ_SEED:-0}" -print_final_stats=1 2>&1 | tee "target/fuzz-$target.log" | grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|thread .* panicked)" || true
  # tee hides cargo-fuzz's exit status; a finding leaves an artifact and a non-zero status.
  if grep -qE "panicked|==[0-9]+==ERROR|deadly signal|Test unit written to" "target/fuzz-$target.log"; then
    echo "error: fuzz target $target found a failure; see fuzz/target/fuzz-$target.log and fuzz/artifacts/$target" >&2
    exit 1
  fi
done
echo "Fuzzing passed: ${targets[*]} (${seconds} s each)."
