#!/usr/bin/env bash
# A real single-node Apache Kafka in KRaft mode, for development and tests.
#   kafka.sh fetch                      jars from Maven Central into .kafka/libs
#   kafka.sh start DIR PORT CTRL_PORT   format DIR and start a broker on 127.0.0.1:PORT
#   kafka.sh stop DIR                   stop the broker started in DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
libs="$top/.kafka/libs"

fetch() {
  if [ -f "$libs/.complete" ]; then return; fi
  echo "kafka: fetching Apache Kafka from Maven Central (once)"
  rm -rf "$libs"
  mvn -q -B -f "$top/scripts/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$libs"
  ls "$libs"/kafka_2.13-*.jar >/dev/null
  touch "$libs/.complete"
}

# C1 only (TieredStopAtLevel=1): the broker of a test or a bench lives for
# seconds to minutes, and C2's compiling cost more than it saved: over 800
# jobs, 5.1 ms of broker CPU per job against 9.9-10.7 with C2
# (docs/performance.md). EXECQ_BROKER_JIT replaces the flag.
java_opts=(-Xms128m -Xmx512m -XX:+UseSerialGC ${EXECQ_BROKER_JIT:--XX:TieredStopAtLevel=1}
           -Dlog4j2.configurationFile="$top/scripts/kafka/log4j2.properties" -cp "$libs/*")

start() {
  local dir=$1 port=$2 cport=$3
  fetch
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
PROPS
  if [ ! -f "$dir/data/meta.properties" ]; then
    java "${java_opts[@]}" kafka.tools.StorageTool format \
        -t "$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid)" \
        -c "$dir/server.properties" > "$dir/format.log" 2>&1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "kafka: 127.0.0.1:$port is already in use (another broker?); set EXECQ_KAFKA_PORT or stop it"
    return 1
  fi
  # java itself in the background (not a function or subshell), so $! is
  # the broker's pid and `stop` really stops it.
  java "${java_opts[@]}" kafka.Kafka "$dir/server.properties" > "$dir/kafka.log" 2>&1 &
  echo $! > "$dir/kafka.pid"
  for _ in $(seq 1 120); do
    if kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null && kcat -b "127.0.0.1:$port" -L -m 1 >/dev/null 2>&1; then
      echo "kafka: broker up on 127.0.0.1:$port (pid $(cat "$dir/kafka.pid"), logs in $dir/kafka.log)"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
      echo "kafka: broker exited; last lines of $dir/kafka.log:"; tail -20 "$dir/kafka.log"; return 1
    fi
    sleep 0.5
  done
  echo "kafka: broker did not answer on 127.0.0.1:$port within 60 s"; return 1
}

stop() {
  local dir=$1 pid
  [ -f "$dir/kafka.pid" ] || return 0
  pid=$(cat "$dir/kafka.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/kafka.pid"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start "$2" "$3" "$4" ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 fetch | start DIR PORT CTRL_PORT | stop DIR"; exit 2 ;;
esac
