#!/usr/bin/env bash
# `make test-cgroup2` (issue 28): the executor on cgroup v2, in a Debian 12
# guest under qemu (scripts/guest.sh), against a broker on this host. The
# guest runs tests/guest/run.sh: test_cg on the real v2 hierarchy, then
# tests/guest/test_cgroup2.py (the seed's examples, each limit, clean-up
# after an executor's SIGKILL, and the hostile programs) in each sandbox
# mode of EXECQ_SANDBOX_MODES (default both); EXECQ_GUEST_K, a pytest -k
# expression, runs a part.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=.run/guest-out
rm -rf "$out"
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ctrl=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
kdir=$(mktemp -d /tmp/execq-guest-kafka-XXXXXX)
trap 'scripts/kafka.sh stop "$kdir" >/dev/null 2>&1 || true; rm -rf "$kdir"' EXIT
scripts/kafka.sh start "$kdir" "$port" "$ctrl"
cat > "$out/params" <<PARAMS
KAFKA_PORT=$port
MODES="${EXECQ_SANDBOX_MODES:-warm fresh}"
PYTEST_K='${EXECQ_GUEST_K:-}'
PARAMS
start=$(date +%s)
rc=0
scripts/guest.sh boot tests/guest/run.sh "$out" || rc=$?
cat "$out/guest.log"
echo "test-cgroup2: guest exit code $rc after $(( $(date +%s) - start )) s (log: $out/)"
exit $rc
