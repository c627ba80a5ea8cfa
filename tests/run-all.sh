#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every test of slurm-carbon, on a fresh Debian 12 machine, as root:
# installs what is missing, builds with -Werror, runs the unit tests
# (make check), the plugin compiled against the headers of each Slurm release
# in ../shared/slurm-src, the integration tests against a real Slurm cluster and a real
# PostgreSQL (tests/integration/*.sh), make distcheck, the unit tests again
# built with ASan and UBSan, and the libFuzzer harnesses (tests/fuzz/run.sh).
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

# Count the test points of a make check log.
# automake's TAP driver prints one "PASS: test N - name" line per test point.
count_check_log() {	# count_check_log FILE EXIT_STATUS [NAME_PREFIX]
	local result name
	while read -r result name; do
		case "$result" in
		PASS: | XFAIL: | SKIP:) count 0 "${3:-}$name" ;;
		*) count 1 "${3:-}$name" ;;
		esac
	done < <(grep -E '^(PASS|FAIL|XPASS|XFAIL|SKIP|ERROR): ' "$1")
	if [ "$2" != 0 ]; then
		grep -E '^(FAIL|ERROR)' "$1"
		count 1 "${3:-}make check exit status"
	fi
}

echo "== unit tests (make check)"
make -j"$(nproc)" check > "$logdir/check.log" 2>&1
count_check_log "$logdir/check.log" $?

# The plugin compiled against the headers of each Slurm release in
# ../shared/slurm-src (tests/compat/slurm-matrix.sh builds and runs them whole).
echo "== Slurm release headers (tests/compat/slurm-headers.sh)"
bash tests/compat/slurm-headers.sh > "$logdir/slurm-headers.log" 2>&1
count_tap "$logdir/slurm-headers.log" slurm-headers $?
grep -E '^1\.\.0 # SKIP' "$logdir/slurm-headers.log" | sed 's/^/slurm-headers: /'

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

# automake refuses a second, VPATH build beside the in-tree one, so the
# sanitizer build runs in a copy made by "make distdir": the tarball's tree,
# built as a user of the tarball would, with ASan and UBSan.
echo "== unit tests with ASan and UBSan (make distdir; configure --enable-sanitizer; make check)"
asan_dir=$(mktemp -d "${TMPDIR:-/tmp}/slurm-carbon-asan.XXXXXX")
chmod 755 "$asan_dir"	# the job user's sbatch and srun load its plugin
(make distdir distdir="$asan_dir/src" && cd "$asan_dir/src" &&
	./configure --enable-sanitizer --enable-werror --sysconfdir=/etc &&
	make -j"$(nproc)" check) > "$logdir/check-asan.log" 2>&1
asan_status=$?
if ! grep -q -E '^(PASS|FAIL|XPASS|XFAIL|SKIP|ERROR): ' "$logdir/check-asan.log"; then
	tail -40 "$logdir/check-asan.log"
fi
count_check_log "$logdir/check-asan.log" "$asan_status" "asan: "

# The same build's plugin inside the real daemons: slurmd (so slurmstepd) and
# the job user's sbatch and srun run with the sanitizer runtimes preloaded.
# Opt-in (CARBON_ASAN_INTEGRATION=1), not in CI: slurmstepd forks its tasks
# while other threads of its own run, and gcc 12's ASan allocator is not
# fork-safe then: a task can hang in the allocator's lock before exec
# (seen once in ~200 steps: exec_task > setup_env > xfree > asan Deallocate).
if [ "${CARBON_ASAN_INTEGRATION:-0}" = 1 ] && [ "$asan_status" = 0 ]; then
	echo "== integration tests with the ASan/UBSan plugin (LD_PRELOAD into slurmd, sbatch, srun)"
	preload="$(readlink -f "$(gcc -print-file-name=libasan.so)"):$(readlink -f "$(gcc -print-file-name=libubsan.so)")"
	san_env="ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=$asan_dir/asan UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$asan_dir/ubsan"
	for t in tests/integration/test_skeleton.sh tests/integration/test_storage.sh; do
		name=asan-$(basename "$t" .sh)
		echo "-- $name"
		HARNESS_SLURMD_ENV="LD_PRELOAD=$preload $san_env" HARNESS_CLIENT_ENV="LD_PRELOAD=$preload $san_env" \
			top_builddir="$asan_dir/src" bash "$t" > "$logdir/$name.log" 2>&1
		count_tap "$logdir/$name.log" "$name" $?
	done
	reports=$(ls "$asan_dir"/asan.* "$asan_dir"/ubsan.* 2>/dev/null)
	if [ -n "$reports" ]; then
		head -n 40 $reports
		count 1 "asan: the sanitizers reported errors inside the daemons ($reports)"
	else
		count 0 "asan: no sanitizer report from slurmstepd, sbatch or srun"
	fi
fi
if [ "$failed" = 0 ]; then
	rm -rf "$asan_dir"
else
	echo "asan: build and test logs kept in $asan_dir/src"
fi

echo "== fuzzing (libFuzzer with ASan and UBSan, tests/fuzz/run.sh)"
bash tests/fuzz/run.sh > "$logdir/fuzz.log" 2>&1
fuzz_status=$?
count_tap "$logdir/fuzz.log" fuzz "$fuzz_status"
[ "$fuzz_status" = 0 ] || grep -E '^#' "$logdir/fuzz.log" | head -80
finish
