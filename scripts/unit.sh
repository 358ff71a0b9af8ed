#!/usr/bin/env bash
# Runs each unit test binary and adds up their "N passed, N failed" lines.
set -u
passed=0 failed=0 status=0
for t in "$@"; do
  out=$("$t" 2>&1) || status=1
  printf '%s\n' "$out"
  line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -1)
  if [ -z "$line" ]; then echo "unit: $t printed no summary"; status=1; continue; fi
  p=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" = 0 ] && exit $status || exit 1
