#!/usr/bin/env bash
# make deb: build/execq_<version>_amd64.deb from the built tree, with
# dpkg-deb (no debhelper): the daemons, the launcher, the client and its
# man page, the systemd units, /etc/execq/*.env (conffiles: an upgrade
# keeps the operator's), and maintainer scripts that add the execq user
# and stop, start and purge (packaging/debian/). DEB_VERSION overrides the
# version (VERSION, plus +git<commits> when built from git).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${BUILD:-build}
version=${DEB_VERSION:-$(cat VERSION)$(n=$(git rev-list --count HEAD 2>/dev/null) && echo "+git$n")}
root="$build/deb/root"
rm -rf --one-file-system "$build/deb"
install -d "$root/DEBIAN" "$root/usr/sbin" "$root/usr/bin" "$root/usr/lib/execq" "$root/lib/systemd/system" \
  "$root/etc/execq" "$root/usr/share/man/man1" "$root/usr/share/doc/execq"
install -m 0755 "$build/execq-api" "$build/execq-executor" "$build/execq-hooks" "$root/usr/sbin/"
install -m 0755 "$build/execq-launcher" packaging/make-device-nodes "$root/usr/lib/execq/"
install -m 0755 "$build/execq" "$root/usr/bin/"
strip --strip-debug "$root"/usr/sbin/* "$root"/usr/bin/* "$root"/usr/lib/execq/execq-launcher
install -m 0644 packaging/systemd/*.service "$root/lib/systemd/system/"
install -m 0640 packaging/etc/api.env packaging/etc/executor.env "$root/etc/execq/"
gzip -9n < docs/execq.1 > "$root/usr/share/man/man1/execq.1.gz"
install -m 0644 README.md "$root/usr/share/doc/execq/"
cp -r docs "$root/usr/share/doc/execq/docs"
rm -f "$root/usr/share/doc/execq/docs/execq.1"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
printf '/etc/execq/api.env\n/etc/execq/executor.env\n' > "$root/DEBIAN/conffiles"
# Depends: the shared libraries the binaries link (dpkg-shlibdeps would
# say the same; it needs a debian/ source tree), python3 with numpy and
# pandas (the sandboxes' Python, warmed with them), adduser for postinst.
cat > "$root/DEBIAN/control" <<CONTROL
Package: execq
Version: $version
Architecture: amd64
Maintainer: execq developers <dev@execq.invalid>
Section: net
Priority: optional
Installed-Size: $(du -sk "$root" | cut -f1)
Depends: libc6 (>= 2.36), librdkafka1 (>= 2.0), libcjson1, libcgroup2, libmicrohttpd12, libseccomp2, libexpat1, zlib1g, libsqlite3-0, libpq5, libcurl4, libedit2, python3.11 (= $(dpkg-query -W -f='${Version}' python3.11)), python3-numpy, python3-pandas, adduser
Recommends: python3-matplotlib, python3-venv, python3-pip, uidmap
Description: run untrusted Python over HTTP, sandboxed
 execq runs arbitrary Python sent over HTTP in a namespaced, read-only,
 network-less, cgroup-limited sandbox with a hard timeout, over a Kafka
 job queue: an API (execq-api), executors (execq-executor), a webhook
 delivery daemon (execq-hooks) and a client (execq). Kafka itself is not included: point /etc/execq/*.env at it.
CONTROL
out="$build/execq_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
