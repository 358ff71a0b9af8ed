#!/usr/bin/env bash
# A scratch PostgreSQL 15 (Debian's postgresql-15) for tests and the
# cluster, in a directory of its own, run as the postgres user (it refuses
# root), trusting local connections: never a production database.
#
#   scripts/pg.sh start DIR PORT [LISTEN]   initdb if needed, start, make db "execq";
#                                           prints the URL (LISTEN: an IPv4 address
#                                           to listen on besides the socket)
#   scripts/pg.sh stop DIR                  stop it (fast), keep the data
#   scripts/pg.sh url DIR PORT [HOST]       the URL a client uses
#   scripts/pg.sh run CMD [ARG...]          CMD with EXECQ_TEST_PG_URL set to a scratch
#                                           server made for it and removed after it
#                                           (an EXECQ_TEST_PG_URL already set is kept)
set -euo pipefail
if [ "${1:-}" = run ]; then
  shift
  [ -n "${EXECQ_TEST_PG_URL:-}" ] && exec "$@"
  d=$(mktemp -d /tmp/execq-pg.XXXXXX)
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  trap '"$0" stop "$d" >/dev/null 2>&1; rm -rf "$d"' EXIT
  EXECQ_TEST_PG_URL=$("$0" start "$d" "$port") || exit 1
  export EXECQ_TEST_PG_URL
  status=0; "$@" || status=$?
  exit $status
fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "pg: no PostgreSQL server (apt install postgresql-15)" >&2; exit 1; }
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n 2,14p "$0" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

url() {   # port [host]
  if [ -n "${2:-}" ]; then echo "postgresql://postgres@$2:$1/execq"
  else echo "postgresql://postgres@/execq?host=$dir/sock&port=$1"; fi
}

case "$cmd" in
start)
  port=${3:?port}; listen=${4:-}
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  as_pg mkdir -p "$dir/sock"
  # Listening on an address: clients on its own networks (the cluster's
  # bridge) are trusted too.
  if [ -n "$listen" ] && ! grep -q '^host all all samenet trust' "$dir/data/pg_hba.conf"; then
    echo 'host all all samenet trust' | as_pg tee -a "$dir/data/pg_hba.conf" >/dev/null
  fi
  # fsync off: scratch data (tests and the cluster), throughput like a
  # production server's with a battery-backed cache.
  opts="-c unix_socket_directories=$dir/sock -c port=$port -c listen_addresses='$listen' -c fsync=off"
  opts="$opts -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
  if ! as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 30 start >/dev/null; then
    tail -20 "$dir/server.log" >&2; exit 1
  fi
  as_pg "$bin/psql" -h "$dir/sock" -p "$port" -U postgres -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = 'execq'" | grep -q 1 ||
    as_pg "$bin/createdb" -h "$dir/sock" -p "$port" -U postgres execq
  url "$port"
  ;;
stop)
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  ;;
url)
  url "${3:?port}" "${4:-}"
  ;;
*)
  sed -n 2,14p "$0" >&2; exit 2
  ;;
esac
