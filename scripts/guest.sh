#!/usr/bin/env bash
# A Debian 12 guest on cgroup v2, for the tests this host (cgroup v1) cannot
# run: issue 28, `make test-cgroup2`.
#   guest.sh deps            qemu, mmdebstrap; this host's python3.11 at the
#                            archive's version (the launcher embeds libpython,
#                            and the guest's python3 must be the same build)
#   guest.sh image           build (once, cached under .run/guest/) the image
#   guest.sh boot SCRIPT OUT boot it, run SCRIPT (a path in the repository) as
#                            the guest's init, with the repository shared in
#                            at /host; OUT (a directory in the repository)
#                            gets guest.log and rc; exits with the guest's rc.
#                            EXECQ_GUEST_SYSTEMD=1: systemd is PID 1 and
#                            SCRIPT runs as a unit (tests/guest/init.sh)
# The guest reaches the host's loopback as 10.0.2.2 (qemu's user networking).
# KVM when /dev/kvm runs a stock guest, software emulation (TCG) otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache="$top/.run/guest"
# What the guest holds: the runtime libraries of every execq binary, the
# Python of the sandboxes, what the tests run with, and what a real host
# has (systemd, uidmap for the rootless executor).
pkgs=linux-image-amd64,initramfs-tools,systemd,systemd-sysv,udev,kmod,util-linux,passwd,adduser,procps,iproute2
pkgs+=,socat,curl,ca-certificates,uidmap
pkgs+=,python3,python3-numpy,python3-pandas,python3-matplotlib,python3-pip,python3-venv
pkgs+=,python3-pytest,python3-jsonschema,python3-yaml,python3-prometheus-client,python3-pexpect
pkgs+=,librdkafka1,libcjson1,libcgroup2,libmicrohttpd12,libseccomp2,libexpat1,libsqlite3-0,libpq5,libcurl4,libedit2
mirrors=("deb http://deb.debian.org/debian bookworm main"
         "deb http://deb.debian.org/debian bookworm-updates main"
         "deb http://deb.debian.org/debian-security bookworm-security main")
py_pkgs=(python3.11 python3.11-minimal python3.11-dev python3.11-venv
         libpython3.11 libpython3.11-dev libpython3.11-stdlib libpython3.11-minimal)
# The image's init only mounts the share and runs tests/guest/init.sh from
# it, so that a change there needs no new image.
stub='#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
modprobe 9pnet_virtio
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 host /host
exec /bin/sh /host/tests/guest/init.sh'
key=$(printf '%s\n' "$pkgs" "${mirrors[@]}" "$stub" | sha256sum | cut -c1-12)
img="$cache/$key"

deps() {
  "$top/scripts/deps.sh" qemu-system-x86 mmdebstrap e2fsprogs
  export DEBIAN_FRONTEND=noninteractive
  # The guest's python3.11 is the archive's newest; the host's must be the
  # same build (sbx.c refuses a launcher embedding another), so upgrade it.
  local installed=() p
  for p in "${py_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" && installed+=("$p")
  done
  if apt-get install -s --only-upgrade "${installed[@]}" 2>/dev/null | grep -q '^Inst '; then
    echo "guest: upgrading this host's python3.11 to the archive's (the guest runs that one)"
    apt-get update -qq
    apt-get install -y -qq --only-upgrade "${installed[@]}" >/dev/null
  fi
}

image() {
  if [ -f "$img/.complete" ]; then return; fi
  echo "guest: building the Debian 12 image (once; about 2 minutes)"
  rm -rf --one-file-system "$img"
  mkdir -p "$img"
  mmdebstrap --variant=apt --mode=root --include="$pkgs" bookworm "$img/rootfs" "${mirrors[@]}" \
    > "$img/mmdebstrap.log" 2>&1 || { tail -20 "$img/mmdebstrap.log"; exit 1; }
  printf '%s\n' "$stub" > "$img/rootfs/sbin/execq-guest-init"
  chmod 755 "$img/rootfs/sbin/execq-guest-init"
  cp "$img"/rootfs/boot/vmlinuz-* "$img/vmlinuz"
  cp "$img"/rootfs/boot/initrd.img-* "$img/initrd.img"
  chroot "$img/rootfs" dpkg-query -W -f='${Version}' python3.11 > "$img/python-version"
  mke2fs -q -F -t ext4 -d "$img/rootfs" "$img/disk.img" 6G
  rm -rf --one-file-system "$img/rootfs"
  # Older images of other package lists go.
  find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf --one-file-system {} +
  touch "$img/.complete"
}

accel() {
  # A stock guest under KVM, or TCG when /dev/kvm is absent or does not run one
  # (nested KVM on a virtual CPU fails at the first instruction).
  if [ -w /dev/kvm ] && timeout 20 qemu-system-x86_64 -machine q35,accel=kvm -m 64 -nographic -no-reboot \
       -kernel "$img/vmlinuz" -append "console=ttyS0 panic=-1 init=/nonexistent" 2>/dev/null | grep -q "Linux version"; then
    echo kvm
  else
    echo tcg
  fi
}

boot() {
  local script=$1 out=$2 a mem=${EXECQ_GUEST_MEM_MB:-6144}
  image
  local host_ver guest_ver
  host_ver=$(dpkg-query -W -f='${Version}' python3.11)
  guest_ver=$(cat "$img/python-version")
  if [ "$host_ver" != "$guest_ver" ]; then
    echo "guest: the host's python3.11 is $host_ver, the image's $guest_ver: run 'scripts/guest.sh deps', then make"
    exit 1
  fi
  mkdir -p "$top/$out"
  rm -f "$top/$out/rc" "$top/$out/guest.log"
  a=$(accel)
  echo "guest: booting ($a), running $script"
  # The disk is a snapshot: each boot starts from the built image.
  qemu-system-x86_64 -machine q35,accel="$a" -cpu max -smp "$(nproc)" -m "$mem" -nographic -no-reboot \
    -kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
    -drive file="$img/disk.img",format=raw,if=virtio,snapshot=on \
    -virtfs local,path="$top",mount_tag=host,security_model=none,id=host \
    -nic user,model=virtio-net-pci \
    -append "root=/dev/vda rw console=ttyS0 quiet panic=-1 init=/sbin/execq-guest-init execq.script=$script execq.out=$out${EXECQ_GUEST_SYSTEMD:+ execq.systemd=1}" \
    > "$top/$out/console.log" 2>&1 || true
  if [ ! -f "$top/$out/rc" ]; then
    echo "guest: no exit code came back; the console's end:"
    tail -30 "$top/$out/console.log"
    exit 1
  fi
  return "$(cat "$top/$out/rc")"
}

case "${1:-}" in
  deps) deps ;;
  image) image ;;
  boot) boot "$2" "$3" ;;
  *) echo "usage: $0 deps | image | boot SCRIPT OUT" >&2; exit 2 ;;
esac
