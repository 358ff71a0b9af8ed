#!/usr/bin/env bash
# `make run`: a local Kafka (unless EXECQ_BROKERS points at a cluster), one
# executor and the API, in the foreground. Ctrl-C or SIGTERM stops all three.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
state="$top/.run"
mkdir -p "$state"
kafka_port=${EXECQ_KAFKA_PORT:-9092}
kafka_ctrl_port=${EXECQ_KAFKA_CONTROLLER_PORT:-9093}
own_kafka=0
pids=()

cleanup() {
  trap - INT TERM EXIT
  echo; echo "run: stopping"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "$own_kafka" = 1 ] && "$top/scripts/kafka.sh" stop "$state/kafka"
  echo "run: stopped"
}
trap cleanup INT TERM EXIT

if [ -z "${EXECQ_BROKERS:-}" ]; then
  "$top/scripts/kafka.sh" start "$state/kafka" "$kafka_port" "$kafka_ctrl_port"
  own_kafka=1
  export EXECQ_BROKERS="127.0.0.1:$kafka_port"
else
  echo "run: using the Kafka cluster at $EXECQ_BROKERS"
fi

export EXECQ_DB_PATH=${EXECQ_DB_PATH:-$state/execq.db}
"$top/build/execq-executor" & pids+=($!)
"$top/build/execq-api" & pids+=($!)

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

MSG
# Stop everything as soon as any part dies.
wait -n "${pids[@]}" || true
