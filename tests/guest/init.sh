#!/bin/sh
# PID 1 of the test guest: the image's /sbin/execq-guest-init (scripts/guest.sh
# writes it) mounts /proc, /sys and the host's share at /host, then runs this.
# Mounts what a booted system would have, brings the network up the way
# qemu's user networking expects and runs the script the kernel command line
# names (execq.script=, a path in the share), writing its exit code where
# the host reads it: qemu's own exit code says nothing about the guest.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
script=$(sed -n 's/.*execq\.script=\([^ ]*\).*/\1/p' /proc/cmdline)
out=$(sed -n 's/.*execq\.out=\([^ ]*\).*/\1/p' /proc/cmdline)
# qemu's user networking: the host's loopback is 10.0.2.2 (set here for
# both kinds of boot: nothing in the image configures it).
ip link set lo up
dev=$(ls /sys/class/net | grep -v '^lo$' | head -1)
ip link set "$dev" up
ip addr add 10.0.2.15/24 dev "$dev"
ip route add default via 10.0.2.2
# execq.systemd=1: boot systemd as PID 1, as a real host does, with the
# script as a unit of its own that powers the guest off when it ends.
if grep -q 'execq\.systemd=1' /proc/cmdline; then
  cat > /etc/systemd/system/execq-guest-test.service <<UNIT
[Unit]
Description=execq guest test ($script)
After=basic.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'sh /host/$script > /host/$out/guest.log 2>&1; echo \$? > /host/$out/rc; sync'
ExecStopPost=/bin/systemctl poweroff --no-block
UNIT
  mkdir -p /etc/systemd/system/multi-user.target.wants
  ln -sf /etc/systemd/system/execq-guest-test.service /etc/systemd/system/multi-user.target.wants/
  # No logins on the console, and the journal kept in memory.
  systemctl mask serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1
  exec /lib/systemd/systemd
fi
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "guest: kernel $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
sh "/host/$script" > "/host/$out/guest.log" 2>&1
echo $? > "/host/$out/rc"
sync
# Power off; should that fail, init's exit panics the kernel, and panic=-1
# with qemu's -no-reboot ends qemu as well.
echo 1 > /proc/sys/kernel/sysrq
echo o > /proc/sysrq-trigger
sleep 5
