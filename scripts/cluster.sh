#!/usr/bin/env bash
# A whole execq cluster on one machine, each "host" in a network namespace
# of its own with its own address, joined by a bridge this script makes and
# removes: three Kafka brokers (KRaft, each broker and controller,
# replication factor 3, min.insync.replicas 2), PostgreSQL, two APIs sharing
# it, and executor hosts.
# Nothing listens on the machine's own addresses: only on 10.213.0.0/24
# inside the namespaces (and their loopbacks).
#
#   cluster.sh up DIR [EXECUTORS]   start everything (EXECUTORS hosts, default 4); state in DIR
#   cluster.sh down DIR             stop everything, remove the namespaces and the bridge
#   cluster.sh exec HOST CMD...     run CMD on HOST (client, db, k1-k3, api1-api2, e1-e4)
#   cluster.sh kill HOST            SIGKILL every process of HOST (a host failure)
#   cluster.sh start-broker DIR N   start broker kN again (after a kill)
#   cluster.sh start-executor DIR N start executor host eN (again)
#   cluster.sh start-api DIR N      start API host apiN (again)
#
# Hosts: client 10.213.0.2 (for curl and tests), db .5 (PostgreSQL on
# :5432), k1-k3 .11-.13 (brokers on :9092), api1-api2 .21-.22 (:8080; API N
# gets its sync replies on partition N-1 of the results topic), e1-e4
# .31-.34. Each executor has its own uid range, sandbox root and static
# member id; all share one consumer group. The APIs share the store and one
# results group.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
libs="$top/.kafka/libs"
net=10.213.0
bridge=execq-br
brokers="$net.11:9092,$net.12:9092,$net.13:9092"
java_opts=(-Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
           -Dlog4j2.configurationFile="$top/scripts/kafka/log4j2.properties" -cp "$libs/*")

addr() {   # addr HOST: its address
  case $1 in
    client) echo "$net.2" ;;
    db) echo "$net.5" ;;
    k[1-3]) echo "$net.1${1#k}" ;;
    api[1-2]) echo "$net.2${1#api}" ;;
    e[1-9]) echo "$net.3${1#e}" ;;
    *) echo "cluster: no host $1" >&2; return 1 ;;
  esac
}

host_up() {   # host_up HOST: its namespace, a veth into the bridge, its address
  local h=$1 ns=execq-$1
  ip netns add "$ns"
  ip link add "vx-$h" type veth peer name eth0 netns "$ns"
  ip link set "vx-$h" master "$bridge" up
  ip -n "$ns" addr add "$(addr "$h")/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
}

on() {   # on HOST CMD...: CMD in HOST's network namespace (nsenter, not `ip netns
  local h=$1; shift   # exec`, which also remounts /sys and so hides the cgroup tree)
  nsenter --net="/run/netns/execq-$h" "$@"
}

broker_props() {   # broker_props DIR N
  local d=$1/k$2 a
  a=$(addr "k$2")
  mkdir -p "$d"
  cat > "$d/server.properties" <<PROPS
process.roles=broker,controller
node.id=$2
controller.quorum.voters=1@$net.11:9093,2@$net.12:9093,3@$net.13:9093
listeners=PLAINTEXT://$a:9092,CONTROLLER://$a:9093
advertised.listeners=PLAINTEXT://$a:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$d/data
num.partitions=1
default.replication.factor=3
min.insync.replicas=2
auto.create.topics.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
group.initial.rebalance.delay.ms=0
# A broker that dies is fenced (its partitions get new leaders) once it
# misses heartbeats this long: 9 s by default, during which a third of the
# partitions take no jobs. See docs/scaling.md.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
PROPS
}

start_broker() {   # start_broker DIR N
  local d=$1/k$2
  on "k$2" java "${java_opts[@]}" kafka.Kafka "$d/server.properties" > "$d/kafka.log" 2>&1 &
  echo $! > "$d/pid"
}

wait_brokers() {   # until every broker answers metadata from the client host
  for _ in $(seq 1 240); do
    local ok=0
    for n in 1 2 3; do
      on client kcat -b "$(addr "k$n"):9092" -L -m 1 2>/dev/null | grep -q "3 brokers" && ok=$((ok + 1))
    done
    [ "$ok" = 3 ] && return 0
    sleep 0.5
  done
  echo "cluster: the brokers did not all come up; see $1/k*/kafka.log"; return 1
}

# PostgreSQL's files live under /run (DIR may sit in a directory its user
# cannot enter), as the sandbox roots do.
pg_dir=/run/execq-cluster/db

start_db() {
  mkdir -p /run/execq-cluster
  chmod 755 /run/execq-cluster
  on db "$top/scripts/pg.sh" start "$pg_dir" 5432 "$(addr db)" >/dev/null
}

start_api() {   # start_api DIR N
  local d=$1/api$2
  mkdir -p "$d"
  on "api$2" env EXECQ_BROKERS="$brokers" EXECQ_LISTEN_ADDR="$(addr "api$2")" EXECQ_PORT=8080 \
     EXECQ_DB_URL="$("$top/scripts/pg.sh" url "$pg_dir" 5432 "$(addr db)")" EXECQ_REPLY_PARTITION=$(($2 - 1)) \
     EXECQ_ADMIN_TOKEN="${EXECQ_ADMIN_TOKEN:-cluster-admin-token-0123456789}" \
     EXECQ_ACCOUNT_REQUESTS_PER_S=0 "$top/build/execq-api" >> "$d/api.log" 2>&1 &
  echo $! > "$d/pid"
}

wait_api() {   # wait_api N: until apiN answers /healthz from the client host
  for _ in $(seq 1 240); do
    on client curl -sf "http://$(addr "api$1"):8080/healthz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "cluster: api$1 did not come up"; return 1
}

start_executor() {   # start_executor DIR N
  # The sandbox root must be reachable by the sandboxes' own uids (DIR may
  # sit under a private directory): one under /run per executor host.
  local d=$1/e$2 sbx=/run/execq-cluster/e$2
  mkdir -p "$d" "$sbx"
  chmod 755 /run/execq-cluster "$sbx"
  on "e$2" env EXECQ_BROKERS="$brokers" "$top/build/execq-executor" --slots="${EXECQ_CLUSTER_SLOTS:-2}" \
     --uid-base=$((300000 + 1000 * $2)) --sandbox-root="$sbx" --cgroup-parent=execq-cluster \
     --instance-id="e$2" --metrics-addr="$(addr "e$2"):9464" > "$d/executor.log" 2>&1 &
  echo $! > "$d/pid"
}

kill_host() {   # every process in the host's namespace, at once
  local pids
  pids=$(ip netns pids "execq-$1" 2>/dev/null || true)
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
}

up() {
  local dir=$1 nexec=${2:-4}
  "$top/scripts/kafka.sh" fetch
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  echo "$nexec" > "$dir/executors"
  ip link add "$bridge" type bridge
  ip link set "$bridge" up
  for h in client db k1 k2 k3 api1 api2 $(seq -f 'e%g' 1 "$nexec"); do host_up "$h"; done
  start_db
  local id
  id=$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid)
  for n in 1 2 3; do
    broker_props "$dir" "$n"
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$id" -c "$dir/k$n/server.properties" \
        > "$dir/k$n/format.log" 2>&1
    start_broker "$dir" "$n"
  done
  wait_brokers "$dir"
  # The first API makes the topics and the schema; the second then joins.
  start_api "$dir" 1
  wait_api 1
  start_api "$dir" 2
  # EXECQ_CLUSTER_START: how many executor hosts run at once (the rest wait
  # for start-executor: the scale-out test adds them one by one).
  for n in $(seq 1 "${EXECQ_CLUSTER_START:-$nexec}"); do start_executor "$dir" "$n"; done
  wait_api 2
  echo "cluster: up in $dir: brokers $brokers, store $("$top/scripts/pg.sh" url "$pg_dir" 5432 "$(addr db)"),"
  echo "cluster: APIs http://$(addr api1):8080 and http://$(addr api2):8080, executor hosts e1-e${EXECQ_CLUSTER_START:-$nexec} of $nexec"
  echo "cluster: try  $0 exec client curl -s -X POST http://$(addr api1):8080/v1/exec-python \\"
  echo "                -H 'Authorization: Bearer demo_key_slopshop' -d '{\"code\": \"print(42)\"}'"
}

down() {
  local dir=$1
  for h in $(ip netns list | awk '/^execq-/ {print $1}'); do kill_host "${h#execq-}"; done
  sleep 0.5
  for h in $(ip netns list | awk '/^execq-/ {print $1}'); do ip netns del "$h"; done
  ip link del "$bridge" 2>/dev/null || true
  # what the dead executors left: their cgroups (a new executor reaps them too)
  for c in /sys/fs/cgroup/*/execq-cluster /sys/fs/cgroup/execq-cluster; do
    [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  "$top/scripts/pg.sh" stop "$pg_dir" >/dev/null 2>&1 || true   # its host is gone already: a no-op then
  rm -rf /run/execq-cluster
  echo "cluster: down"
}

case "${1:-}" in
  up) up "$2" "${3:-4}" ;;
  down) down "$2" ;;
  exec) h=$2; shift 2; on "$h" "$@" ;;
  kill) kill_host "$2" ;;
  start-broker) start_broker "$(cd "$2" && pwd)" "$3" ;;
  start-executor) start_executor "$(cd "$2" && pwd)" "$3" ;;
  start-api) start_api "$(cd "$2" && pwd)" "$3"; wait_api "$3" ;;
  *) sed -n '2,26p' "$0"; exit 2 ;;
esac
