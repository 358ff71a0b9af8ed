#!/bin/sh
# rootless.sh NAME COMMAND...: runs COMMAND (an executor) as the user execq,
# with no capability, the way packaging/systemd/execq-executor-rootless.service
# does (issue 28): a cgroup delegated to the user (here made by hand, as
# systemd's Delegate=yes makes the unit's), and the sandbox uids from the
# user's /etc/subuid and /etc/subgid range. tests/conftest.py starts each
# executor through it when EXECQ_TEST_EXECUTOR_WRAPPER names it; NAME keeps
# the group the same across restarts, as a unit's is.
set -eu
name=$1
shift
user=execq
id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
# The test stacks' sandbox uids (tests/conftest.py: 400000 up, 500000 up).
for f in /etc/subuid /etc/subgid; do
  grep -q "^$user:" "$f" 2>/dev/null || echo "$user:400000:200000" >> "$f"
done
# The controllers reach the test's parent group, root's; the group below is
# the user's, as a unit's with Delegate=yes is: the directory and the three
# files a delegatee may write.
top=/sys/fs/cgroup/$EXECQ_CGROUP_PARENT
mkdir -p "$top"
echo "+memory +pids +cpu" > /sys/fs/cgroup/cgroup.subtree_control
echo "+memory +pids +cpu" > "$top/cgroup.subtree_control"
g=$top/$name
mkdir -p "$g/main"
for f in "$g" "$g/cgroup.procs" "$g/cgroup.subtree_control" "$g/cgroup.threads" \
         "$g/main" "$g/main/cgroup.procs" "$g/main/cgroup.threads"; do
  chown "$user:$user" "$f"
done
echo $$ > "$g/main/cgroup.procs"
# Its sandbox root (systemd's RuntimeDirectory=), the user's, and each
# slot's device nodes, made by root (execq-rootless-nodes.service).
mkdir -p "$EXECQ_SANDBOX_ROOT"
chown "$user:$user" "$EXECQ_SANDBOX_ROOT"
base=200000
for a in "$@"; do
  case $a in --uid-base=*) base=${a#--uid-base=} ;; esac
done
EXECQ_UID_BASE=$base /host/packaging/make-device-nodes "$EXECQ_SANDBOX_ROOT/nodes" 16
export EXECQ_CGROUP_PARENT=delegated
exec setpriv --reuid="$user" --regid="$user" --init-groups --inh-caps=-all -- "$@"
