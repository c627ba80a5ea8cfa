#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build every libFuzzer harness with clang, ASan and UBSan, and run each for a
# fixed time from its seed corpus; prints TAP, one test point per fuzzer.
#
#   bash tests/fuzz/run.sh [fuzz_NAME...]     (default: all of them)
#
# FUZZ_SECONDS  time per fuzzer (default 20)
# FUZZ_BUILDDIR where to build and run (default: a fresh temporary directory,
#               removed when every fuzzer passed, kept otherwise)
# CLANG         the compiler (default clang)
#
# The source tree is left untouched: binaries, the working corpus (a copy of
# tests/fuzz/corpus/SHORT, where fuzz_SHORT is the fuzzer) and crash files all
# live in the build directory. A fuzzer finds its dictionary in
# tests/fuzz/SHORT.dict when there is one. To reproduce a crash, run the kept
# binary on the crash file: $FUZZ_BUILDDIR/fuzz_NAME CRASH_FILE.
set -uo pipefail

# One line per fuzzer: "NAME:SOURCES", sources relative to the top directory.
fuzzers=(
	"fuzz_conf:tests/fuzz/fuzz_conf.c lib/conf.c"
	"fuzz_label:tests/fuzz/fuzz_label.c lib/record.c lib/utctime.c"
	"fuzz_spool:tests/fuzz/fuzz_spool.c lib/spool.c lib/record.c lib/record_fields.c lib/conf.c lib/energy.c lib/utctime.c"
	"fuzz_time:tests/fuzz/fuzz_time.c lib/utctime.c"
	"fuzz_csv:tests/fuzz/fuzz_csv.c report/csv.c"
	"fuzz_rangelist:tests/fuzz/fuzz_rangelist.c lib/rangelist.c report/filter.c lib/record.c lib/utctime.c"
	"fuzz_sacct:tests/fuzz/fuzz_sacct.c report/sacct.c report/filter.c lib/record.c lib/utctime.c lib/rangelist.c"
	"fuzz_participants:tests/fuzz/fuzz_participants.c report/participants.c report/csv.c lib/record.c lib/utctime.c"
	"fuzz_json_pointer:tests/fuzz/fuzz_json_pointer.c lib/json_pointer.c plugin/node_state.c plugin/sensor_pmc.c plugin/sysfs_attr.c lib/energy.c"
	"fuzz_verify:tests/fuzz/fuzz_verify.c report/sign.c lib/json_pointer.c"
	"fuzz_track_block:tests/fuzz/fuzz_track_block.c report/track_block.c report/aggregate.c report/json.c report/table.c report/codecarbon.c lib/json_pointer.c lib/energy.c lib/utctime.c"
)
# What the lib/ sources include and link against (pkg-config names).
pkgs=(inih libpq libcrypto)

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
seconds=${FUZZ_SECONDS:-20}
cc=${CLANG:-clang}
# shellcheck disable=SC2054  # the commas belong to -fsanitize's list
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter -Ilib -Ireport -Iplugin)

if [ $# -gt 0 ]; then
	wanted=" $* "
else
	wanted=""
fi
selected=()
for entry in "${fuzzers[@]}"; do
	name=${entry%%:*}
	if [ -z "$wanted" ] || [[ "$wanted" == *" $name "* ]]; then
		selected+=("$entry")
	fi
done
echo "1..${#selected[@]}"
[ ${#selected[@]} -gt 0 ] || exit 0

if [ -n "${FUZZ_BUILDDIR:-}" ]; then
	builddir=$FUZZ_BUILDDIR
	mkdir -p "$builddir" || exit 1
else
	builddir=$(mktemp -d "${TMPDIR:-/tmp}/slurm-carbon-fuzz.XXXXXX") || exit 1
fi

# Every failure says why in TAP; the build directory is kept for it.
n=0
failures=0
reports='invariant broken|runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|error:'
not_ok() {	# not_ok DESCRIPTION LOG [REPRODUCER]
	failures=$((failures + 1))
	echo "not ok $n - $1"
	echo "# log: $2"
	# From the first report of a sanitizer or a harness check, else the end.
	if [ -f "$2" ] && grep -q -E "$reports" "$2"; then
		awk -v re="$reports" '$0 ~ re { p = 1 } p' "$2" | head -n 40 | sed 's/^/#   /'
	elif [ -f "$2" ]; then
		tail -n 30 "$2" | sed 's/^/#   /'
	fi
	if [ -n "${3:-}" ]; then
		echo "# reproducer: $3 ($(wc -c < "$3") bytes), base64:"
		base64 "$3" | sed 's/^/#   /'
	fi
}

if ! cflags=$(pkg-config --cflags "${pkgs[@]}") ||
	! libs=$(pkg-config --libs "${pkgs[@]}"); then
	echo "Bail out! pkg-config does not know ${pkgs[*]}"
	exit 1
fi

for entry in "${selected[@]}"; do
	n=$((n + 1))
	name=${entry%%:*}
	read -r -a sources <<< "${entry#*:}"
	short=${name#fuzz_}
	log="$builddir/$name.log"
	# shellcheck disable=SC2086  # pkg-config output is a list of flags
	if ! "$cc" "${flags[@]}" $cflags -o "$builddir/$name" "${sources[@]}" $libs -lm \
		> "$log.build" 2>&1; then
		not_ok "$name: builds with $cc" "$log.build"
		continue
	fi

	corpus="$builddir/corpus-$short"
	rm -rf "$corpus" "$builddir/crashes-$name"
	mkdir -p "$corpus" "$builddir/crashes-$name"
	if [ -d "tests/fuzz/corpus/$short" ]; then
		cp -R "tests/fuzz/corpus/$short/." "$corpus/"
	fi
	opts=(-seed=1 -max_total_time="$seconds" -max_len=4096 -timeout=10
		-rss_limit_mb=2048 -print_final_stats=1
		-artifact_prefix="$builddir/crashes-$name/")
	[ -f "tests/fuzz/$short.dict" ] && opts+=(-dict="tests/fuzz/$short.dict")

	UBSAN_OPTIONS=print_stacktrace=1 "$builddir/$name" "${opts[@]}" "$corpus" \
		> "$log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crash=$(find "$builddir/crashes-$name" -type f | head -n 1)
	if [ "$status" = 0 ] && [ -z "$crash" ]; then
		echo "ok $n - $name: no crash in $seconds s (${execs:-?} execs)"
	else
		not_ok "$name: exited with status $status after ${execs:-?} execs" \
			"$log" "$crash"
	fi
done

if [ "$failures" = 0 ] && [ -z "${FUZZ_BUILDDIR:-}" ]; then
	rm -rf "$builddir"
elif [ "$failures" != 0 ]; then
	echo "# build directory kept: $builddir"
fi
[ "$failures" = 0 ]
