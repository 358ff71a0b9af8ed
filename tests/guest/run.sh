#!/bin/sh
# Runs in the cgroup v2 guest, as its init (tests/guest/init.sh), with the
# repository at /host: the broker is the host's (scripts/test-cgroup2.sh
# writes its port to $OUT/params), reached through 10.0.2.2 and forwarded
# to this guest's loopback so that executors see it at the address the
# broker advertises. Everything else (executors, launchers, sandboxes, the
# API, the tests and their checks of "the host") runs here.
set -u
out=/host/$(sed -n 's/.*execq\.out=\([^ ]*\).*/\1/p' /proc/cmdline)
. "$out/params"
cd /host
export PYTHONDONTWRITEBYTECODE=1 EXECQ_TEST_KAFKA="127.0.0.1:$KAFKA_PORT"
socat TCP-LISTEN:"$KAFKA_PORT",bind=127.0.0.1,fork,reuseaddr TCP:10.0.2.2:"$KAFKA_PORT" &
echo "== cgroup v2: $(cat /sys/fs/cgroup/cgroup.controllers); kernel $(uname -r); $(nproc) CPUs"
status=0
echo "== unit: test_cg on the real hierarchy"
build/tests/test_cg || status=1
# The executor as root, then rootless (tests/guest/rootless.sh: the user
# execq, a delegated group, newuidmap), in each sandbox mode.
for who in ${USERS:-root rootless}; do
  for mode in $MODES; do
    echo "== sandbox mode: $mode, executor: $who"
    wrapper=
    [ "$who" = rootless ] && wrapper=/host/tests/guest/rootless.sh
    EXECQ_TEST_EXECUTOR_WRAPPER=$wrapper EXECQ_SANDBOX_MODE=$mode \
      /usr/bin/python3 -m pytest -q -p no:cacheprovider -o cache_dir=/tmp \
      --junitxml="$out/junit-$who-$mode.xml" ${PYTEST_K:+-k "$PYTEST_K"} tests/guest/test_cgroup2.py || status=1
  done
done
# The stacks' logs, for the host to read (the guest's /tmp goes with it).
for d in /tmp/execq-test-*; do
  [ -d "$d" ] && mkdir -p "$out/logs/${d#/tmp/}" && cp "$d"/*.log "$out/logs/${d#/tmp/}/" 2>/dev/null
done
exit $status
