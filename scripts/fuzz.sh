#!/usr/bin/env bash
# Runs each libFuzzer target (tests/fuzz/fuzz_*.c, built by make into
# build/fuzz/) for SECONDS (default 60): first every saved regression input
# (tests/fuzz/regressions/<target>/, each a crash found once), then fresh
# fuzzing from the seed corpus (tests/fuzz/corpus/<target>/, committed) and
# a working corpus under build/fuzz/ (not committed). A crash fails the run
# and leaves its input in build/fuzz/crash-<target>-*: fix the bug, then
# copy the input into tests/fuzz/regressions/<target>/ so it stays fixed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=${BUILD:-$top/build}
status=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  t=${bin##*/fuzz_}
  reg="$top/tests/fuzz/regressions/$t"
  work="$build/fuzz/corpus-$t"
  mkdir -p "$work"
  if compgen -G "$reg/*" >/dev/null; then
    "$bin" "$reg"/* >/dev/null 2>&1 || { echo "fuzz $t: a saved regression input fails again"; "$bin" "$reg"/*; exit 1; }
  fi
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz/crash-$t-" "$work" "$top/tests/fuzz/corpus/$t" > "$build/fuzz/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz/$t.log")
    echo "fuzz $t: ${runs:-?} inputs in ${seconds} s, no crash"
  else
    echo "fuzz $t: CRASH; input saved as $(ls -t "$build"/fuzz/crash-"$t"-* 2>/dev/null | head -1)"
    tail -40 "$build/fuzz/$t.log"
    status=1
  fi
done
exit $status
