#!/bin/sh
# Traces the system calls of what jobs do (tests/trace/workload.py: the
# standard library, numpy, pandas, threads, subprocesses, sockets) and lists
# those the seccomp allow-list in sandbox/filter.c does not name.
#   scripts/trace-syscalls.sh            names missing from the allow-list
#   scripts/trace-syscalls.sh --all      every traced name, with its count
# Needs strace (apt-get install strace). Run it after a Python, numpy or
# pandas upgrade; a name it prints either joins the allow-list in
# filter.c (with why) or stays refused on purpose (then say so there).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-/usr/bin/python3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
command -v strace >/dev/null || { echo "trace-syscalls: strace is not installed" >&2; exit 2; }
# -f: every thread and child; -qq: no attach/exit noise; one file per process.
strace -f -qq -ff -o "$out/t" -e trace=all "$py" -I -B "$top/tests/trace/workload.py" >/dev/null 2>"$out/stderr" || true
grep -h "steps ran" "$out/stderr" >&2 || { cat "$out/stderr" >&2; exit 1; }
cat "$out"/t.* | sed -n 's/^\([a-z_0-9]*\)(.*/\1/p' | sort | uniq -c | sort -rn > "$out/counts"
if [ "${1:-}" = "--all" ]; then
    cat "$out/counts"
    exit 0
fi
# What filter.c decides: the names in its allowed[] table, and the calls it
# checks argument by argument (SCMP_SYS(name)). clone3 is among those: it
# answers ENOSYS on purpose, and libc falls back to clone.
{ sed -n '/^static const struct allowed_call allowed\[\]/,/^};/p' "$top/sandbox/filter.c" |
    grep -o '{"[a-z_0-9]*"' | tr -d '{"'
  grep -o 'SCMP_SYS([a-z_0-9]*)' "$top/sandbox/filter.c" | sed 's/SCMP_SYS(\(.*\))/\1/'
  echo clone3; } | sort -u > "$out/allowed"
awk '{print $2}' "$out/counts" | sort -u | comm -23 - "$out/allowed"
