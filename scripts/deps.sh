#!/usr/bin/env bash
# Installs the Debian packages execq builds, runs and tests with, if any is
# missing (or, given names, those packages: scripts/guest.sh's qemu and
# mmdebstrap). Idempotent and quiet when everything is there.
set -euo pipefail
pkgs=(gcc make pkg-config curl ca-certificates maven default-jre-headless
      librdkafka-dev libmicrohttpd-dev libcjson-dev libcgroup-dev libsqlite3-dev libpq-dev libseccomp-dev
      kcat bubblewrap iproute2 procps
      libpython3-dev libpython3.11-dev libexpat1-dev zlib1g-dev clang-14 libclang-rt-14-dev python3 python3-numpy python3-pandas python3-pytest python3-jsonschema python3-yaml python3-venv python3-pip
      libcurl4-openssl-dev python3-prometheus-client python3-matplotlib postgresql-15 libedit-dev python3-pexpect
      python3-setuptools nodejs)
if [ $# -gt 0 ]; then pkgs=("$@"); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# java may come from elsewhere (a JDK already on PATH): then skip the JRE package
if command -v java >/dev/null 2>&1; then
  missing=("${missing[@]/default-jre-headless}")
fi
# npm: Debian's package, unless the nodejs installed brings its own (NodeSource's)
if [ $# -eq 0 ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "deps: run as root (apt-get install)"; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
