#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every test of slurm-carbon, on a fresh Debian 12 machine, as root:
# installs what is missing, builds with -Werror, runs the unit tests
# (make check), the integration tests against a real Slurm cluster and a real
# PostgreSQL (tests/integration/*.sh), and make distcheck.
# The last line is "N passed, N failed"; the exit status is 0 only if none failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0
failed=0
logdir="$top/tests/logs"
mkdir -p "$logdir"

count() {	# count STATUS NAME
	if [ "$1" = 0 ]; then
		passed=$((passed + 1))
		echo "PASS: $2"
	else
		failed=$((failed + 1))
		echo "FAIL: $2"
	fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

# Count the TAP lines of a finished test's output file.
count_tap() {	# count_tap FILE NAME EXIT_STATUS
	local ok notok
	ok=$(grep -c -E '^ok ' "$1")
	notok=$(grep -c -E '^not ok ' "$1")
	passed=$((passed + ok))
	failed=$((failed + notok))
	grep -E '^(ok|not ok) ' "$1" | sed "s|^|$2: |"
	if [ "$3" != 0 ] && [ "$notok" = 0 ]; then
		count 1 "$2 (exited with status $3 without a failing test point; see $1)"
	fi
}

if ! bash tests/install-deps.sh; then
	count 1 "install Debian packages"
	finish
fi

echo "== build (autoreconf, configure --enable-werror, make)"
if ! { autoreconf -fi && ./configure --enable-werror --sysconfdir=/etc &&
	make -j"$(nproc)"; } > "$logdir/build.log" 2>&1; then
	tail -40 "$logdir/build.log"
	count 1 "build"
	finish
fi
count 0 "build"

echo "== unit tests (make check)"
make -j"$(nproc)" check > "$logdir/check.log" 2>&1
check_status=$?
# automake's TAP driver prints one "PASS: test N - name" line per test point.
while read -r result name; do
	case "$result" in
	PASS: | XFAIL: | SKIP:) count 0 "$name" ;;
	*) count 1 "$name" ;;
	esac
done < <(grep -E '^(PASS|FAIL|XPASS|XFAIL|SKIP|ERROR): ' "$logdir/check.log")
if [ "$check_status" != 0 ]; then
	grep -E '^(FAIL|ERROR)' "$logdir/check.log"
	count 1 "make check exit status"
fi

echo "== integration tests (real Slurm, real PostgreSQL)"
for t in tests/integration/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "-- $name"
	top_builddir="$top" bash "$t" > "$logdir/$name.log" 2>&1
	count_tap "$logdir/$name.log" "$name" $?
done

echo "== make distcheck"
if make distcheck > "$logdir/distcheck.log" 2>&1; then
	count 0 "make distcheck"
else
	tail -30 "$logdir/distcheck.log"
	count 1 "make distcheck"
fi
finish
