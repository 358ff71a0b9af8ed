#!/bin/sh
# The Debian package on a fresh Debian 12 with systemd as PID 1 (issue 28):
# scripts/test-cgroup2.sh boots the guest with EXECQ_GUEST_SYSTEMD=1 and
# this script as a unit. It follows docs/operations.md, "Installing on a
# host": apt install the .deb, point /etc/execq/*.env at Kafka (the host's,
# forwarded to this guest's loopback), start the units; then the seed's
# curl, the executor's cgroup under its unit, kill -9 and the automatic
# restart, the journal, an upgrade that keeps the operator's settings, the
# rootless executor's unit, and a purge. Prints "ok ..." or "FAIL ..." per check; exits 1 on any FAIL.
set -u
out=/host/$(sed -n 's/.*execq\.out=\([^ ]*\).*/\1/p' /proc/cmdline)
. "$out/params"
fails=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { desc=$1; shift; if "$@" >/dev/null 2>&1; then ok "$desc"; else fail "$desc"; fi; }
wait_for() {   # wait_for SECONDS CMD...: until CMD succeeds
  t=$1; shift
  while [ "$t" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 1; t=$((t - 1)); done
  return 1
}
seed() {
  curl -s -X POST http://127.0.0.1:8080/v1/exec-python \
    -H "Authorization: Bearer demo_key_slopshop" \
    -H "Content-Type: application/json" \
    -d '{
    "code": "import math\nresult = math.sqrt(144) * 3.14159\nprint(f\"Result: {result:.4f}\")",
    "timeout": 10
  }'
}
seed_ok() { seed | grep -q '"stdout":"Result: 37.6991\\n"'; }
ready() {   # ready UNIT N: the unit's journal says "sandbox ready" N times or more
  [ "$(journalctl -u "$1" --no-pager | grep -c "sandbox ready")" -ge "$2" ]
}

socat TCP-LISTEN:"$KAFKA_PORT",bind=127.0.0.1,fork,reuseaddr TCP:10.0.2.2:"$KAFKA_PORT" &
echo "== systemd $(systemctl --version | head -1 | cut -d' ' -f2), cgroup $(stat -fc %T /sys/fs/cgroup)"

echo "== install"
deb1=$(ls /host/$DEB1) deb2=$(ls /host/$DEB2)
check "apt install ./$(basename "$deb1")" apt-get install -y -q "$deb1"
check "the execq system user" getent passwd execq
check "/etc/execq/api.env is a conffile" grep -qx /etc/execq/api.env /var/lib/dpkg/info/execq.conffiles
check "units installed and enabled" systemctl is-enabled execq-api.service execq-executor.service execq-hooks.service
check "the man page" test -f /usr/share/man/man1/execq.1.gz
sed -i "s/^EXECQ_BROKERS=.*/EXECQ_BROKERS=127.0.0.1:$KAFKA_PORT/" /etc/execq/api.env /etc/execq/executor.env
echo "# the operator's own line" >> /etc/execq/api.env
systemctl start execq-api.service execq-executor.service execq-hooks.service
check "execq-api answers /healthz" wait_for 120 curl -sf http://127.0.0.1:8080/healthz
check "execq-hooks runs, as execq" wait_for 60 sh -c "systemctl is-active --quiet execq-hooks.service && ps -o user= -p \$(systemctl show -p MainPID --value execq-hooks.service) | grep -qx execq"
check "the executor is ready" wait_for 300 ready execq-executor 1
check "the seed's curl answers (first)" wait_for 120 seed_ok
seed; echo

echo "== the executor's cgroup"
unit=/sys/fs/cgroup/system.slice/execq-executor.service
pid=$(systemctl show -p MainPID --value execq-executor.service)
check "the executor moved itself into <unit>/main" grep -qx "$pid" "$unit/main/cgroup.procs"
check "its group x$pid beside it, with the controllers" grep -q memory "$unit/x$pid/cgroup.subtree_control"
check "nothing made outside the unit (/sys/fs/cgroup/execq)" test ! -e /sys/fs/cgroup/execq
check "the API runs as execq" sh -c "ps -o user= -p $(systemctl show -p MainPID --value execq-api.service) | grep -qx execq"
for u in execq-api execq-executor execq-hooks; do
  echo "     systemd-analyze security $u: $(systemd-analyze security --no-pager $u.service 2>/dev/null | tail -1)"
done
check "the journal has the executor's lines" sh -c "journalctl -u execq-executor --no-pager | grep -q 'cgroup v2 under system.slice/execq-executor.service'"

echo "== kill -9 and the restart"
kill -9 "$pid"
check "systemd restarts the executor" wait_for 60 sh -c "[ \"\$(systemctl show -p NRestarts --value execq-executor.service)\" -ge 1 ]"
check "the new executor is ready" wait_for 300 ready execq-executor 2
check "the dead executor's group is gone" wait_for 30 test ! -e "$unit/x$pid"
check "the seed's curl answers (after the restart)" wait_for 120 seed_ok

echo "== upgrade to $(basename "$deb2")"
check "apt install ./$(basename "$deb2")" apt-get install -y -q "$deb2"
check "the version is the new one" sh -c "dpkg-query -W -f='\${Version}' execq | grep -q test2"
check "the operator's api.env kept" grep -q "the operator's own line" /etc/execq/api.env
check "the brokers setting kept" grep -q "127.0.0.1:$KAFKA_PORT" /etc/execq/executor.env
check "both units running again" wait_for 60 systemctl is-active execq-api.service execq-executor.service
check "the executor is ready after the upgrade" wait_for 300 ready execq-executor 3
check "the seed's curl answers (after the upgrade)" wait_for 120 seed_ok

echo "== the rootless executor (execq-executor-rootless.service)"
check "postinst gave execq a subuid and subgid range" sh -c "grep -q '^execq:1900000000:65536' /etc/subuid && grep -q '^execq:1900000000:65536' /etc/subgid"
systemctl start execq-executor-rootless.service
check "it stopped the root executor (Conflicts=)" sh -c '! systemctl is-active --quiet execq-executor.service'
check "it is ready" wait_for 300 ready execq-executor-rootless 1
rpid=$(systemctl show -p MainPID --value execq-executor-rootless.service)
check "it runs as execq" sh -c "ps -o user= -p $rpid | grep -qx execq"
check "with no capability" sh -c "grep -qx 'CapEff:	0000000000000000' /proc/$rpid/status && grep -qx 'CapPrm:	0000000000000000' /proc/$rpid/status"
check "its sandboxes run as ids of execq's range" sh -c "ps -eo uid= | awk '\$1 >= 1900000000 && \$1 < 1900065536' | grep -q ."
check "the seed's curl answers (rootless)" wait_for 120 seed_ok
journalctl -u execq-executor-rootless --no-pager | grep -E "rootless:|sandbox ready" | tail -2
echo "     systemd-analyze security execq-executor-rootless: $(systemd-analyze security --no-pager execq-executor-rootless.service 2>/dev/null | tail -1)"

echo "== purge"
check "apt purge execq" apt-get purge -y -q execq
check "the units are gone" test ! -e /lib/systemd/system/execq-api.service
check "no execq process left" sh -c '! pgrep -f "execq-(api|executor|launcher|hooks)"'
check "/etc/execq gone" test ! -e /etc/execq
check "/var/lib/execq gone" test ! -e /var/lib/execq
check "the execq user gone" sh -c '! getent passwd execq'
check "the units' cgroups gone" sh -c "test ! -e $unit && test ! -e /sys/fs/cgroup/system.slice/execq-executor-rootless.service"

echo "== journal of the executor (last lines)"
journalctl -u execq-executor --no-pager | tail -15
echo "package: $fails failed"
[ "$fails" = 0 ]
