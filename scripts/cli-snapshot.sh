#!/usr/bin/env bash
# Usage: bash scripts/cli-snapshot.sh BIN OUTDIR
# Runs the `atrama` binary BIN (its file name must be `atrama`: clap prints it in usage lines)
# through every help page and a scripted session on two fresh demo stores (a centre and a
# coordination centre: init, status, cases, search, staff, audit, backup, retention,
# instruments, reports, keys, enrolment, bundles both ways, inbox, centres, targets,
# directory, reference data, analysis, spreadsheet import (dry run, import, list, undo,
# shred), key rotation, passwd, and a range of refusals), and
# saves each step's stdout, stderr and exit status in OUTDIR, with what differs from run to
# run masked (ids, times, keys, fingerprints, hashes, HLC versions, bundle sizes, the timing
# of rotation progress lines). For restructuring the CLI without changing what it prints:
#   bash scripts/cli-snapshot.sh /tmp/old/atrama /tmp/before   # the binary before
#   bash scripts/cli-snapshot.sh target/debug/atrama /tmp/after
#   diff -r /tmp/before /tmp/after
# Writes only in OUTDIR and in a temporary folder; fictitious data only.
set -u
BIN=$(realpath "$1"); OUT=$(realpath -m "$2")
rm -rf "$OUT"; mkdir -p "$OUT"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cd "$W"
unset ATRAMA_PASSPHRASE ATRAMA_NEW_PASSPHRASE ATRAMA_RECOVERY_KEY ATRAMA_USER ATRAMA_STORE
n=0
norm() { sed -E -e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<uuid>/g' \
  -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)?/<ts>/g' \
  -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/<ts>/g' \
  -e 's/\b[0-9a-f]{64}\b/<hash>/g' \
  -e 's/\b([A-Z0-9]{4}-){5,}[A-Z0-9]{4}\b/<key>/g' \
  -e 's/\b([A-Z2-7]{4} ){3,}[A-Z2-7]{4}\b/<fp>/g' \
  -e 's/"version": "[0-9]{15,}"/"version": "<hlc>"/' -e 's/\([0-9]+ bytes\)/(<n> bytes)/' \
  -e 's/"size": [0-9]+/"size": <n>/' -e '/^Copying: [0-9]+%/d' \
  -e "s#$W#<tmp>#g" ; }
run() { # run NAME [env...] -- args...
  local name=$1; shift; local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  n=$((n+1)); local f; f=$(printf "%s/%03d-%s" "$OUT" $n "$name")
  env "${envs[@]}" "$BIN" "$@" </dev/null >"$f.out.raw" 2>"$f.err.raw"; echo $? >"$f.rc"
  norm <"$f.out.raw" >"$f.out"; norm <"$f.err.raw" >"$f.err"; rm "$f.out.raw" "$f.err.raw"
}
# Help pages, recursively.
helps() {
  local path=("$@")
  local IFS=_; local hn="help-${path[*]}"; IFS=$' \t\n'
  run "$hn" X=1 -- "${path[@]}" --help
  local subs
  subs=$("$BIN" "${path[@]}" --help | awk '/^Commands:/{c=1;next} /^$/{c=0} c && /^  [a-z]/{print $1}' | grep -v '^help$')
  for s in $subs; do helps "${path[@]}" "$s"; done
}
helps
run version X=1 -- --version
run noargs X=1 --
run bogus X=1 -- bogus
run help-sub X=1 -- help case
run status-nouser X=1 -- --store "$W/c" status
P=ATRAMA_PASSPHRASE="snapshot passphrase one"
run init-c "$P" -- --store "$W/c" init --centre-code klp-01 --centre-name "Klaipėdos centras" --country lt --admin Ona
run init-k "$P" -- --json --store "$W/k" init --centre-code koord --centre-name "Koordinacija" --country lt --admin Jonas --mode coordinator
run init-bad "$P" -- --store "$W/x" init --centre-code klp-01 --centre-name "X" --country zz --admin Ona
run init-weak ATRAMA_PASSPHRASE=short -- --store "$W/y" init --centre-code klp-01 --centre-name "X" --country lt --admin Ona
C=(--store "$W/c" --user ona); K=(--store "$W/k" --user jonas)
run status "$P" -- "${C[@]}" status
run status-json "$P" -- "${C[@]}" --json status
run status-wrong ATRAMA_PASSPHRASE="wrong passphrase here" -- "${C[@]}" status
run demo "$P" -- "${C[@]}" demo --clients 12 --seed 3 --months 6
run demo-json "$P" -- "${K[@]}" --json demo --clients 1 --seed 3 --months 1
run case-list "$P" -- "${C[@]}" case list --limit 5
run case-list-json "$P" -- "${C[@]}" --json case list --limit 3 --open
CASE=$(ATRAMA_PASSPHRASE="snapshot passphrase one" "$BIN" "${C[@]}" case list --limit 1 | head -1 | awk '{print $1}')
run case-show "$P" -- "${C[@]}" case show "$CASE"
run case-show-id "$P" -- "${C[@]}" case show "$CASE" --identity
run case-show-json "$P" -- "${C[@]}" --json case show "$CASE" --identity
run case-show-missing "$P" -- "${C[@]}" case show KLP-01-1999-9999
run search "$P" -- "${C[@]}" search a --limit 5
run search-json "$P" -- "${C[@]}" --json search a --limit 2
run staff-add "$P" ATRAMA_NEW_PASSPHRASE="another long passphrase" -- "${C[@]}" staff add tomas --role counsellor --disciplines legal,psychological
run staff-add-bad "$P" ATRAMA_NEW_PASSPHRASE="another long passphrase" -- "${C[@]}" staff add petras --role nobody
run staff-list "$P" -- "${C[@]}" staff list
run staff-list-json "$P" -- "${C[@]}" --json staff list
run staff-disable "$P" -- "${C[@]}" staff disable tomas
run staff-enable "$P" ATRAMA_NEW_PASSPHRASE="yet another passphrase" -- "${C[@]}" staff enable tomas
run audit-verify "$P" -- "${C[@]}" audit verify
run audit-verify-json "$P" -- "${C[@]}" --json audit verify
run audit-show "$P" -- "${C[@]}" audit show --limit 3
run audit-show-case "$P" -- "${C[@]}" --json audit show --case "$CASE" --limit 2
run backup-create "$P" -- "${C[@]}" backup create --out "$W/b.atramabak"
run backup-verify "$P" -- "${C[@]}" backup verify "$W/b.atramabak"
run backup-status "$P" -- "${C[@]}" backup status --reminder-days 10
run backup-status-json "$P" -- "${C[@]}" --json backup status
run retention-show "$P" -- "${C[@]}" retention show
run retention-set "$P" -- "${C[@]}" --json retention set --closed-cases 7 --documents never
run retention-set-bad "$P" -- "${C[@]}" retention set --closed-cases lots
run retention-preview "$P" -- "${C[@]}" retention preview
run retention-purge-noyes "$P" -- "${C[@]}" retention purge
run instrument-list "$P" -- "${C[@]}" instrument list
run instrument-list-json "$P" -- "${C[@]}" --json instrument list
echo '{"nope":1}' > "$W/pack.json"
run instrument-import-bad "$P" -- "${C[@]}" --json instrument import "$W/pack.json"
run instrument-import-missing "$P" -- "${C[@]}" instrument import "$W/none.json"
M=$(date +%Y-%m)
run report-show "$P" -- "${C[@]}" report show --period "$M" --whole-period
run report-show-json "$P" -- "${C[@]}" --json report show --period "$M" --consolidated
run report-show-bad "$P" -- "${C[@]}" report show --period 2026-13
run report-monthly "$P" -- "${C[@]}" report monthly --period "$M" --format csv --out "$W/r.csv"
run report-monthly-json "$P" -- "${C[@]}" --json report monthly --period "$M" --format xlsx --out "$W/r.xlsx"
run report-quality "$P" -- "${C[@]}" report quality --period "$M"
run report-trends "$P" -- "${C[@]}" report trends --period "$M" --measures cases_opened,women
run report-trends-json "$P" -- "${C[@]}" --json report trends --period "$M" --measures cases_opened --by city
run report-trends-bad "$P" -- "${C[@]}" report trends --period "$M" --measures cases_opened --by planet
run keys-show-c "$P" -- "${C[@]}" keys show
run keys-show-k "$P" -- "${K[@]}" --json keys show
run keys-export-c "$P" -- "${C[@]}" keys export --out "$W/c.enrol"
run keys-export-k "$P" -- "${K[@]}" keys export --out "$W/k.enrol"
FPC=$(ATRAMA_PASSPHRASE="snapshot passphrase one" "$BIN" "${C[@]}" keys show | tail -1 | sed 's/^ *//')
FPK=$(ATRAMA_PASSPHRASE="snapshot passphrase one" "$BIN" "${K[@]}" keys show | tail -1 | sed 's/^ *//')
run peers-empty "$P" -- "${C[@]}" peers
run enrol-wrong "$P" -- "${C[@]}" enrol "$W/k.enrol" --fingerprint "AAAA BBBB CCCC DDDD"
run enrol-c "$P" -- "${C[@]}" enrol "$W/k.enrol" --fingerprint "$FPK"
run enrol-k "$P" -- "${K[@]}" --json enrol "$W/c.enrol" --fingerprint "$FPC"
run peers "$P" -- "${C[@]}" peers
run peers-json "$P" -- "${K[@]}" --json peers
run sharing "$P" -- "${C[@]}" sharing --to KOORD pseudonymised
run bundle-preview "$P" -- "${C[@]}" bundle export --to KOORD --preview
run bundle-preview-json "$P" -- "${C[@]}" --json bundle export --to KOORD --preview
run bundle-noout "$P" -- "${C[@]}" bundle export --to KOORD
run bundle-export "$P" -- "${C[@]}" bundle export --to KOORD --out "$W/b1.atrama"
run bundle-export2 "$P" -- "${C[@]}" --json bundle export --to KOORD --out "$W/b2.atrama"
run bundle-import-dry "$P" -- "${K[@]}" bundle import --dry-run "$W/b1.atrama"
run bundle-import "$P" -- "${K[@]}" bundle import --progress "$W/b1.atrama"
echo garbage > "$W/bad.atrama"
run bundle-import-json "$P" -- "${K[@]}" --json bundle import "$W/b2.atrama" "$W/bad.atrama"
run bundle-import-bad "$P" -- "${K[@]}" bundle import "$W/bad.atrama"
mkdir -p "$W/inbox"; cp "$W/b2.atrama" "$W/inbox/"
run inbox-show0 "$P" -- "${K[@]}" inbox show
run inbox-run-none "$P" -- "${K[@]}" inbox run
run inbox-set "$P" -- "${K[@]}" inbox set "$W/inbox"
run inbox-show "$P" -- "${K[@]}" --json inbox show
run inbox-run "$P" -- "${K[@]}" inbox run
run inbox-clear "$P" -- "${K[@]}" inbox set --clear
run centres-list "$P" -- "${K[@]}" centres list
run centres-set "$P" -- "${K[@]}" centres set KLP-01 --region Klaipėda --city Klaipėda --cadence-days 14
run centres-board "$P" -- "${K[@]}" centres board --today 2030-01-01
run centres-board-json "$P" -- "${K[@]}" --json centres board
run centres-board-bad "$P" -- "${K[@]}" centres board --today tomorrow
run targets-measures "$P" -- "${K[@]}" targets measures
run targets-set "$P" -- "${K[@]}" targets set --centre KLP-01 --year 2026 --measure women --target 40
run targets-list "$P" -- "${K[@]}" targets list --year 2026 --today 2026-06-30
run targets-list-json "$P" -- "${K[@]}" --json targets list --year 2026 --today 2026-06-30
run targets-remove "$P" -- "${K[@]}" targets set --centre KLP-01 --year 2026 --measure women --remove
run k-report-quality "$P" -- "${K[@]}" --json report quality --period "$M"
run k-report-trends "$P" -- "${K[@]}" report trends --period "$M" --measures cases_opened --by city
run directory-list "$P" -- "${C[@]}" directory list
run directory-list-k "$P" -- "${K[@]}" --json directory list --type police
printf 'region,type,name,address,phone,email,language\nKlaipėda,police,Policija,Adresas 1,+37000000000,a@b.lt,lt\n' > "$W/dir.csv"
run directory-import "$P" -- "${K[@]}" directory import "$W/dir.csv"
run directory-import-c "$P" -- "${C[@]}" directory import "$W/dir.csv"
run reference-show "$P" -- "${C[@]}" reference show
run reference-show-k "$P" -- "${K[@]}" --json reference show
run reference-load-bad "$P" -- "${K[@]}" reference load-codes "$W/pack.json"
run analysis-tl "$P" -- "${K[@]}" analysis template list
run analysis-tl-json "$P" -- "${C[@]}" --json analysis template list
run analysis-ti-bad "$P" -- "${K[@]}" analysis template import "$W/pack.json"
run analysis-export-bad "$P" -- "${K[@]}" analysis export --period 26 --out "$W/a.xlsx"
run analysis-export-by "$P" -- "${K[@]}" analysis export --period 2026 --by planet --out "$W/a.xlsx"
run analysis-export-json "$P" -- "${K[@]}" --json analysis export --period 2026 --format json --out "$W/a.json"
run analysis-export-fmt "$P" -- "${K[@]}" analysis export --period 2026 --format pdf --out "$W/a.pdf"
run return-bundle "$P" -- "${K[@]}" bundle export --to KLP-01 --out "$W/r1.atrama"
run return-import "$P" -- "${C[@]}" bundle import "$W/r1.atrama"
run case-transfer-nope "$P" -- "${C[@]}" case transfer "$CASE" --to KOORD --out "$W/t.atrama"
# Spreadsheet import (issue 24): a three-row register and a mapping file written here.
printf 'Kliento Nr.;Vardas;Pavardė;Kreipimosi data;Smurto forma\nK-1;Rūta;Petraitienė;2024-03-05;Fizinis\nK-2;Aušra;Jonaitienė;05.03.2024;Raganavimas\nK-3;Eglė;Kazlauskienė;31.02.2024;Psichologinis\n' >"$W/reg.csv"
printf 'Kliento Nr.;Vardas;Pavardė;Kreipimosi data;Smurto forma\nK-1;Rūta;Petraitienė;2024-03-05;Fizinis\nK-2;Aušra;Jonaitienė;05.03.2024;Psichologinis\n' >"$W/ok.csv"
cat >"$W/map.json" <<'MAP'
{"format": "atrama-sheet-mapping", "version": 1, "mapping": {"name": "snapshot",
 "columns": [{"column": "Kliento Nr.", "field": "client_key"}, {"column": "Vardas", "field": "given_name"},
  {"column": "Pavardė", "field": "family_name"}, {"column": "Kreipimosi data", "field": "opened_on"},
  {"column": "Smurto forma", "field": "violence_forms"}]}}
MAP
run import-dry "$P" -- "${C[@]}" import records "$W/reg.csv" --mapping "$W/map.json" --dry-run
run import-dry-json "$P" -- "${C[@]}" --json import records "$W/reg.csv" --mapping "$W/map.json" --dry-run
run import-bad "$P" -- "${C[@]}" import records "$W/reg.csv" --mapping "$W/map.json"
run import-no-mapping "$P" -- "${C[@]}" import records "$W/reg.csv" --mapping nosuch
run import-dry-shred "$P" -- "${C[@]}" import records "$W/ok.csv" --mapping "$W/map.json" --dry-run --shred
run import-ok "$P" -- "${C[@]}" import records "$W/ok.csv" --mapping "$W/map.json"
run import-list "$P" -- "${C[@]}" import list
BATCH=$(ATRAMA_PASSPHRASE="snapshot passphrase one" "$BIN" "${C[@]}" --json import list | sed -nE 's/.*"id": "([^"]+)".*/\1/p' | head -1)
run import-undo "$P" -- "${C[@]}" import undo "$BATCH"
run import-undo-again "$P" -- "${C[@]}" import undo "$BATCH"
run import-shred "$P" -- "${C[@]}" import records "$W/ok.csv" --mapping "$W/map.json" --shred
run import-shred-gone "$P" -- "${C[@]}" import shred "$W/ok.csv"
run import-shred-dir "$P" -- "${C[@]}" import shred "$W"
run import-shred-file "$P" -- "${C[@]}" import shred "$W/reg.csv"
run rotate "$P" -- "${C[@]}" staff rotate-key
run rotate-json "$P" -- "${C[@]}" --json staff rotate-key
run passwd "$P" ATRAMA_NEW_PASSPHRASE="snapshot passphrase two" -- "${C[@]}" passwd
run passwd-rk-bad ATRAMA_RECOVERY_KEY="NOT-A-KEY" ATRAMA_NEW_PASSPHRASE="snapshot passphrase one" -- "${C[@]}" passwd --recovery
run backup-restore-bad ATRAMA_RECOVERY_KEY="NOT-A-KEY" -- --store "$W/restored" backup restore "$W/b.atramabak"
run status-after ATRAMA_PASSPHRASE="snapshot passphrase two" -- "${C[@]}" status
