#!/usr/bin/env bash
# `make test-cgroup2` (issue 28): the executor on cgroup v2, in a Debian 12
# guest under qemu (scripts/guest.sh), against a broker on this host. The
# guest runs tests/guest/run.sh: test_cg on the real v2 hierarchy, then
# tests/guest/test_cgroup2.py (the seed's examples, each limit, clean-up
# after an executor's SIGKILL, and the hostile programs) in each sandbox
# mode of EXECQ_SANDBOX_MODES (default both); EXECQ_GUEST_K, a pytest -k
# expression, runs a part; EXECQ_GUEST_USERS (default "root rootless")
# which executors: as root, and rootless (tests/guest/rootless.sh). Then the Debian package (scripts/deb.sh) in a
# second boot, with systemd as PID 1: tests/guest/package.sh installs,
# serves, restarts, upgrades and purges it. EXECQ_GUEST_PARTS (default
# "tests package") names which of the two boots run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=.run/guest-out
rm -rf "$out"
mkdir -p "$out"
read -r port ctrl < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(2)]
[s.bind(("127.0.0.1", 0)) for s in ss]
print(*(s.getsockname()[1] for s in ss))')
kdir=$(mktemp -d /tmp/execq-guest-kafka-XXXXXX)
trap 'scripts/kafka.sh stop "$kdir" >/dev/null 2>&1 || true; rm -rf "$kdir"' EXIT
scripts/kafka.sh start "$kdir" "$port" "$ctrl"
cat > "$out/params" <<PARAMS
KAFKA_PORT=$port
MODES="${EXECQ_SANDBOX_MODES:-warm fresh}"
USERS="${EXECQ_GUEST_USERS:-root rootless}"
PYTEST_K='${EXECQ_GUEST_K:-}'
PARAMS
rc=0
for part in ${EXECQ_GUEST_PARTS:-tests package}; do
  start=$(date +%s)
  case $part in
    tests)
      scripts/guest.sh boot tests/guest/run.sh "$out" || rc=$?
      cat "$out/guest.log" ;;
    package)
      # Two builds of the package, the second an upgrade of the first.
      v=$(cat VERSION)
      DEB_VERSION="$v+test1" scripts/deb.sh > /dev/null
      DEB_VERSION="$v+test2" scripts/deb.sh > /dev/null
      mkdir -p "$out/package"
      { cat "$out/params"; echo "DEB1=build/execq_$v+test1_amd64.deb"; echo "DEB2=build/execq_$v+test2_amd64.deb"; } \
        > "$out/package/params"
      EXECQ_GUEST_SYSTEMD=1 scripts/guest.sh boot tests/guest/package.sh "$out/package" || rc=$?
      cat "$out/package/guest.log" ;;
  esac
  echo "test-cgroup2: $part: guest exit code $rc after $(( $(date +%s) - start )) s (log: $out/)"
done
exit $rc
