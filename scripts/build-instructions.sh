#!/usr/bin/env bash
# build-instructions.sh: how many instructions one `f1replay build` of a session takes.
#
# What: builds the release binary, then runs `f1replay build SESSION --force` once under
# valgrind's callgrind and prints the instruction count and the ten functions that take most.
# Why: on a shared machine wall and CPU time of the same work vary by a fifth from run to run;
# the instruction count does not, so it is what speed changes are compared by (the README
# quotes it next to `f1replay bench build`'s times).
#
# usage: scripts/build-instructions.sh SESSION
#   SESSION  a session folder, e.g. the simulated race written by `f1replay sim --out DIR`
# Needs valgrind (Debian: apt-get install valgrind). Writes only to a temporary folder.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 SESSION" >&2
    exit 2
fi
SESSION="$1"
if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
    echo "$0: needs valgrind and callgrind_annotate (Debian: apt-get install valgrind)" >&2
    exit 1
fi
if [ ! -d "$SESSION" ]; then
    echo "$0: $SESSION is not a session folder" >&2
    exit 1
fi

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$SCRIPT_DIR/.."
cargo build --release --quiet -p f1replay
BIN="${CARGO_TARGET_DIR:-target}/release/f1replay"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" \
    "$BIN" build "$SESSION" --force --cache-dir "$WORK/cache" >/dev/null 2>"$WORK/valgrind.log"
COUNT="$(grep -oE 'Collected : [0-9]+' "$WORK/valgrind.log" | grep -oE '[0-9]+$')"
awk -v n="$COUNT" 'BEGIN { printf "instructions: %.0f (%.2f G)\n", n, n / 1e9 }'
callgrind_annotate "$WORK/callgrind.out" 2>/dev/null | grep -E '^ *[0-9,]+ ' | sed -n 2,11p | cut -c1-120
