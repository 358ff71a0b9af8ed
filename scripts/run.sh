#!/usr/bin/env bash
# `make run`: a local Kafka (unless EXECQ_BROKERS points at a cluster), one
# executor, the API and one webhook delivery daemon (execq-hooks), in the foreground, supervised: when a part dies the
# script says which and how, and starts it again after a backoff (1 s,
# doubling to 30 s, back to 1 s once it has run for a minute). Ctrl-C or
# SIGTERM stops them all.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
state="$top/.run"
mkdir -p "$state"
kafka_port=${EXECQ_KAFKA_PORT:-9092}
kafka_ctrl_port=${EXECQ_KAFKA_CONTROLLER_PORT:-9093}
own_kafka=0
declare -A pid backoff started

stop_all() {
  trap - INT TERM EXIT
  echo; echo "run: stopping"
  for n in api hooks executor; do [ -n "${pid[$n]:-}" ] && kill -TERM "${pid[$n]}" 2>/dev/null || true; done
  for n in api hooks executor; do [ -n "${pid[$n]:-}" ] && wait "${pid[$n]}" 2>/dev/null || true; done
  [ "$own_kafka" = 1 ] && "$top/scripts/kafka.sh" stop "$state/kafka"
  echo "run: stopped"
  exit 0   # a trap returns into the supervision loop otherwise, which would start them again
}
trap stop_all INT TERM EXIT

start_kafka() {
  "$top/scripts/kafka.sh" start "$state/kafka" "$kafka_port" "$kafka_ctrl_port"
}

# start <name>: starts execq-<name> in the background (execq-hooks with
# its own metrics port: EXECQ_METRICS_ADDR is the executor's).
start() {
  local extra=()
  [ "$1" = hooks ] && extra=("--metrics-addr=${EXECQ_HOOKS_METRICS_ADDR:-127.0.0.1:9465}")
  "$top/build/execq-$1" "${extra[@]}" & pid[$1]=$!
  started[$1]=$(date +%s)
}

if [ -z "${EXECQ_BROKERS:-}" ]; then
  start_kafka
  own_kafka=1
  export EXECQ_BROKERS="127.0.0.1:$kafka_port"
else
  echo "run: using the Kafka cluster at $EXECQ_BROKERS"
fi

export EXECQ_DB_PATH=${EXECQ_DB_PATH:-$state/execq.db}
export EXECQ_METRICS_ADDR=${EXECQ_METRICS_ADDR:-127.0.0.1:9464}   # the executor's /metrics
start executor
start api
start hooks
backoff[executor]=1
backoff[api]=1
backoff[hooks]=1

port=${EXECQ_PORT:-8080}
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
cat <<MSG

execq is up on http://127.0.0.1:$port (Ctrl-C stops it). Try:

  curl -X POST http://127.0.0.1:$port/v1/exec-python \\
    -H "Authorization: Bearer ${EXECQ_DEMO_KEY:-demo_key_slopshop}" \\
    -H "Content-Type: application/json" \\
    -d '{"code": "print(\"hello from execq\")", "timeout": 10}'

  or the client: build/execq --url http://127.0.0.1:$port --key ${EXECQ_DEMO_KEY:-demo_key_slopshop} exec-python "print('hello')"
  metrics: http://127.0.0.1:$port/metrics (API), http://$EXECQ_METRICS_ADDR/metrics (executor),
  http://${EXECQ_HOOKS_METRICS_ADDR:-127.0.0.1:9465}/metrics (webhooks: execq-hooks delivers each job's
  "callback_url", https only; docs/webhooks.md)
  package sets: EXECQ_ENVS_DIR=DIR make run offers every DIR/NAME/requirements.txt as "env": "NAME"
  (docs/operations.md, Environments); build/execq envs lists them

MSG
# Supervise: look once a second.
while sleep 1; do
  if [ "$own_kafka" = 1 ] && ! kill -0 "$(cat "$state/kafka/kafka.pid" 2>/dev/null || echo 0)" 2>/dev/null; then
    echo "run: the Kafka broker died (see $state/kafka/kafka.log); starting it again"
    rm -f "$state/kafka/kafka.pid"
    start_kafka || echo "run: Kafka did not start; trying again"
  fi
  for n in executor api hooks; do
    kill -0 "${pid[$n]}" 2>/dev/null && continue
    set +e; wait "${pid[$n]}"; rc=$?; set -e
    if [ "$rc" -gt 128 ]; then how="was killed by signal $((rc - 128))"; else how="exited with status $rc"; fi
    ran=$(( $(date +%s) - started[$n] ))
    [ "$ran" -ge 60 ] && backoff[$n]=1
    echo "run: execq-$n $how after ${ran} s; starting it again in ${backoff[$n]} s"
    sleep "${backoff[$n]}"
    start "$n"
    backoff[$n]=$(( backoff[$n] * 2 > 30 ? 30 : backoff[$n] * 2 ))
  done
done
