# Step timing for the test and CI scripts (sourced, not run): `step NAME` ends the step
# before it (printing how many seconds it took) and starts NAME; `steps_summary` (run on
# exit, also when a step fails) ends the last step and prints a table of every step, so a
# CI log shows where the time went. With ATRAMA_STEP_LOG set (.ci/run sets it for the
# scripts it runs), each finished step is also appended to that file as
# "<script>\t<seconds>\t<name>", and the outermost script prints one table of all of them.
# Usage: source scripts/steps.sh; steps_init <script name>; step "..."; ...

steps_init() {
  _steps_script=$1
  _steps_names=()
  _steps_secs=()
  _steps_current=""
  _steps_start=$SECONDS
  _steps_begin=$SECONDS
  trap 'steps_summary $?' EXIT
}

_steps_end() {
  [ -n "$_steps_current" ] || return 0
  local secs=$((SECONDS - _steps_start))
  _steps_names+=("$_steps_current")
  _steps_secs+=("$secs")
  echo "<== ${secs} s: $_steps_current ($_steps_script)"
  if [ -n "${ATRAMA_STEP_LOG:-}" ]; then
    printf '%s\t%s\t%s\n' "$_steps_script" "$secs" "$_steps_current" >>"$ATRAMA_STEP_LOG"
  fi
  _steps_current=""
}

step() {
  _steps_end
  _steps_current="$*"
  _steps_start=$SECONDS
  echo
  echo "==> $*"
}

steps_summary() {
  local status=${1:-0}
  _steps_end
  echo
  echo "Step times of $_steps_script (seconds)$([ "$status" = 0 ] || echo ", stopped by a failure: exit status $status"):"
  local i
  for i in "${!_steps_names[@]}"; do
    printf '%7d  %s\n' "${_steps_secs[$i]}" "${_steps_names[$i]}"
  done
  printf '%7d  %s\n' "$((SECONDS - _steps_begin))" "total"
}

# The table of every step in ATRAMA_STEP_LOG (the nested scripts' steps), for the outermost
# script's summary.
steps_log_table() {
  [ -n "${ATRAMA_STEP_LOG:-}" ] && [ -s "$ATRAMA_STEP_LOG" ] || return 0
  echo
  echo "Every step (seconds, script, step):"
  awk -F'\t' '{ printf "%7d  %-12s %s\n", $2, $1, $3 }' "$ATRAMA_STEP_LOG"
}
