#!/usr/bin/env bash
# Runs the adversarial suite RUNS times in a row (default 20), each on a fresh
# broker and executors, and stops at the first failure: a flaky host check
# shows here before it costs a CI run. Under ASan/UBSan as CI's second pass:
#   make clean && make SANITIZE=address,undefined stress-adversarial
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
runs=${1:-20}
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if ! /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/adversarial > "build/stress-$i.log" 2>&1; then
    tail -30 "build/stress-$i.log"
    echo "stress: run $i of $runs FAILED (log: build/stress-$i.log)"
    exit 1
  fi
  echo "stress: run $i of $runs passed in $(( $(date +%s) - start )) s: $(tail -1 "build/stress-$i.log")"
done
echo "stress: $runs of $runs runs passed"
