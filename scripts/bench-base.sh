#!/bin/sh
# For `make bench BASE=<rev>`: builds revision <rev> beside the working
# tree (.run/base/<commit>/, from git archive, once per commit) and prints
# its build directory. Its binaries run against this tree's broker.
set -eu
rev=$(git rev-parse --verify "$1^{commit}")
dir=.run/base/$rev
if [ ! -x "$dir/build/execq-api" ] || [ ! -x "$dir/build/execq-executor" ] || [ ! -x "$dir/build/execq-launcher" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    git archive "$rev" | tar -x -C "$dir"
    make -C "$dir" -j"$(nproc)" build/execq-api build/execq-executor build/execq-launcher >&2
fi
echo "$PWD/$dir/build"
