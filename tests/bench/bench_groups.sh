#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cost of summary's and track's group lookup (report/aggregate.c group_get):
# builds tests/bench/bench_groups.c twice with the same compiler and flags,
# against the working tree's report/aggregate.c and against BASE's (a git
# revision; default: none, then the working tree's alone), and prints a
# Markdown table of CPU seconds for doc/benchmarks.md: GROUPS groups added,
# then each looked up LOOKUPS times. ROUNDS runs of each, alternated.
# Usage: tests/bench/bench_groups.sh [GROUPS (100000)] [LOOKUPS (10)] [BASE] [ROUNDS (3)]
# Run after configure and make (it links the build tree's libcarbon_core).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$(cd "${top_builddir:-$top}" && pwd)
groups=${1:-100000}
lookups=${2:-10}
base=${3:-}
rounds=${4:-3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
core=$builddir/lib/.libs/libcarbon_core.a
[ -f "$core" ] || { echo "bench_groups.sh: no $core: run make first" >&2; exit 1; }

# build NAME DIR: bench_groups against DIR/aggregate.[ch], into $work/NAME.
build() {
	${CC:-cc} -O2 -g -std=gnu11 -I"$2" -I"$top/report" -I"$top/lib" -I"$builddir" \
		$(pkg-config --cflags libpq) \
		"$top/tests/bench/bench_groups.c" "$2/aggregate.c" "$top/report/codecarbon.c" \
		"$top/report/table.c" "$top/report/json.c" "$core" -lm -o "$work/bench_$1"
}
mkdir "$work/now"
cp "$top/report/aggregate.c" "$top/report/aggregate.h" "$work/now/"
build now "$work/now"
names=now
if [ -n "$base" ]; then
	mkdir "$work/base"
	git -C "$top" show "$base:report/aggregate.c" > "$work/base/aggregate.c"
	git -C "$top" show "$base:report/aggregate.h" > "$work/base/aggregate.h"
	build base "$work/base"
	names="base now"
fi

echo "$(uname -srm), $(nproc) CPUs: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo
echo "| aggregate.c | round | groups | lookups | add (CPU s) | look up (CPU s) | ns per lookup |"
echo "|---|---|---|---|---|---|---|"
for r in $(seq 1 "$rounds"); do
	for name in $names; do
		label=$name
		[ "$name" = base ] && label=$base
		[ "$name" = now ] && label="working tree"
		printf '| %s | %s ' "$label" "$r"
		"$work/bench_$name" -n "$groups" -l "$lookups"
	done
done
