#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build Slurm releases once each (outside the tree, cached by the tarball's
# SHA-256), build the plugin against each out of tree, and run the integration
# suite on a one-node cluster of that release (tests/harness/harness.sh with
# HARNESS_SLURM_PREFIX). TAP on stdout.
#
# Usage (as root, from anywhere):
#   tests/compat/slurm-matrix.sh [options] [TARBALL|RELEASE ...]
#     TARBALL    a Slurm release tarball, e.g. a site's own (the release is
#                read from its META file)
#     RELEASE    23.11.11 etc.: slurm-RELEASE.tar.* in the source directory
#     (none)     every slurm-*.tar.* in the source directory
#   -s DIR       source directory (default: ../shared/slurm-src beside the project root)
#   -c DIR       cache of built Slurm installations (default: $SLURM_COMPAT_CACHE,
#                else /var/cache/slurm-carbon-compat as root, else
#                ${XDG_CACHE_HOME:-~/.cache}/slurm-carbon-compat)
#   -b DIR       where the plugin's out-of-tree builds go (default: build-compat/ in
#                the project root; one build-RELEASE per release)
#   -t TESTS     integration tests to run, space separated names or paths
#                (default: every tests/integration/test_*.sh). Slurm is built
#                with configure's defaults: test_multinode.sh needs
#                --enable-multiple-slurmd, test_job_state.sh a slurmdbd built
#                with MySQL's client library (libmariadb-dev)
#   -B           build Slurm and the plugin only; run no tests
#   -j N         make jobs (default 2); builds run under `nice -n 10`
#
# The cache holds CACHE/RELEASE-SHA12/{prefix,build.log,build.seconds}; a
# prefix whose build finished has prefix/.slurm-carbon-complete, and a second
# run reuses it. Logs of the plugin builds and tests: BUILD/build-RELEASE/logs.
# The summary (one line per release) is printed last, each line also written
# to BUILD/summary-RELEASE.txt; the exit status is 0 only if all passed.
set -uo pipefail
compat_top=$(cd "$(dirname "$0")/../.." && pwd)
. "$compat_top/tests/compat/lib.sh"

src_dir=$(compat_default_src_dir)
if [ -n "${SLURM_COMPAT_CACHE:-}" ]; then
	cache=$SLURM_COMPAT_CACHE
elif [ "$(id -u)" = 0 ]; then
	cache=/var/cache/slurm-carbon-compat
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/slurm-carbon-compat
fi
build_root="$compat_top/build-compat"
tests=""
build_only=0
jobs=2

while getopts 's:c:b:t:Bj:' opt; do
	case "$opt" in
	s) src_dir=$OPTARG ;;
	c) cache=$OPTARG ;;
	b) build_root=$OPTARG ;;
	t) tests=$OPTARG ;;
	B) build_only=1 ;;
	j) jobs=$OPTARG ;;
	*) sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

log() { compat_log "$@"; }

compat_resolve_tarballs "$src_dir" "$@"
case $? in
0) ;;
2) log "no slurm-*.tar.* in $src_dir"; exit 2 ;;
*) exit 2 ;;
esac

# Build and install the Slurm of tarball $1 under the cache unless a finished
# build of the same tarball (same SHA-256) is there; print the prefix.
slurm_build() {	# slurm_build TARBALL
	local tarball=$1 version sha dir prefix t0 status
	version=$(compat_release "$tarball")
	[ -n "$version" ] || { log "$tarball: no META with a Version: line"; return 1; }
	sha=$(sha256sum "$tarball" | cut -c1-12)
	dir="$cache/$version-$sha"
	prefix="$dir/prefix"
	if [ -f "$prefix/.slurm-carbon-complete" ]; then
		log "Slurm $version: reusing $prefix"
		echo "$prefix"
		return 0
	fi
	log "Slurm $version: building into $prefix (log $dir/build.log)"
	rm -rf "$dir"
	mkdir -p "$dir/src" || return 1
	t0=$(date +%s)
	(
		set -e
		tar -xf "$tarball" -C "$dir/src" --strip-components=1
		cd "$dir/src"
		nice -n 10 ./configure --prefix="$prefix" --sysconfdir="$prefix/etc"
		nice -n 10 make -j"$jobs"
		nice -n 10 make install
	) >"$dir/build.log" 2>&1
	status=$?
	if [ "$status" != 0 ]; then
		tail -n 30 "$dir/build.log" >&2
		return 1
	fi
	echo $(($(date +%s) - t0)) >"$dir/build.seconds"
	rm -rf "$dir/src"
	touch "$prefix/.slurm-carbon-complete"
	echo "$prefix"
}

# Configure the plugin against the Slurm in prefix, out of tree in dir, and
# build it with what the integration tests use (make check's programs and
# the NVML double, without running the unit tests).
plugin_build() {	# plugin_build SRC PREFIX DIR
	mkdir -p "$3" &&
		(cd "$3" && nice -n 10 "$1/configure" --with-slurm="$2" --enable-werror \
			--sysconfdir=/etc && nice -n 10 make -j"$jobs" &&
			nice -n 10 make -j"$jobs" check TESTS=) >"$3/build.log" 2>&1
}

# sbatch of that Slurm, with a plugstack.conf naming the plugin, lists the
# plugin's options in --help (it loads the plugin as sbatch does for a job).
sbatch_help_lists_options() {	# sbatch_help_lists_options PREFIX SO OUT
	local d rc
	d=$(mktemp -d "${TMPDIR:-/tmp}/slurm-matrix-help.XXXXXX") || return 1
	cp "$2" "$d/"
	printf 'optional %s\n' "$d/${2##*/}" >"$d/plugstack.conf"
	cat >"$d/slurm.conf" <<-CONF
		ClusterName=helpcheck
		SlurmctldHost=localhost
		PlugStackConfig=$d/plugstack.conf
		NodeName=localhost CPUs=1 State=UNKNOWN
		PartitionName=debug Nodes=ALL Default=YES
	CONF
	SLURM_CONF=$d/slurm.conf "$1/bin/sbatch" --help >"$3" 2>&1
	grep -q -- '--carbon-tag' "$3" && grep -q -- '--carbon-project' "$3"
	rc=$?
	rm -rf "$d"
	return $rc
}

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }

mkdir -p "$build_root" || exit 2
build_root=$(cd "$build_root" && pwd)
# The project's sources for this run (a copy when the root is configured in
# place), apart from any other run's.
run_dir=$(mktemp -d "$build_root/run.XXXXXX") || exit 2
trap 'rm -rf "$run_dir"' EXIT
if ! src=$(compat_source_tree "$run_dir"); then
	log "no source tree to configure the plugin from"
	exit 2
fi
if [ -z "$tests" ]; then
	tests=$(cd "$src/tests/integration" && ls test_*.sh)
fi
failed_any=0
summaries=()

for tarball in "${compat_tarballs[@]}"; do
	release=$(compat_release "$tarball")
	echo "# Slurm ${release:-?} from $tarball"
	summary="$build_root/summary-${release:-${tarball##*/}}.txt"
	summaries+=("$summary")
	t0=$(date +%s)
	if ! prefix=$(slurm_build "$tarball"); then
		not_ok "Slurm ${release:-$tarball} builds (log under $cache)"
		echo "${release:-$tarball} | no | - | - | - | -" >"$summary"
		failed_any=1
		continue
	fi
	slurm_s=$(cat "$prefix/../build.seconds" 2>/dev/null || echo "?")
	ok "Slurm $release built in $prefix (${slurm_s} s; this run $(($(date +%s) - t0)) s)"

	build="$build_root/build-$release"
	logs="$build/logs"
	t0=$(date +%s)
	rm -rf "$build"
	if plugin_build "$src" "$prefix" "$build"; then
		plugin_s=$(($(date +%s) - t0))
		ok "Slurm $release: the plugin configures --with-slurm=$prefix and builds out of tree ($plugin_s s)"
	else
		not_ok "Slurm $release: the plugin configures and builds (see $build/build.log)"
		tail -n 20 "$build/build.log" | sed 's/^/#   /'
		echo "$release | yes | no | - | - | -" >"$summary"
		failed_any=1
		continue
	fi
	mkdir -p "$logs"
	so="$build/plugin/.libs/spank_carbon.so"
	want=$(compat_version_number "$release")
	got=$(compat_plugin_version "$so" 2>&1)
	if [ "$got" = "$want" ]; then
		ok "Slurm $release: plugin_version $got"
	else
		not_ok "Slurm $release: plugin_version $got, want $want"
		failed_any=1
	fi
	if sbatch_help_lists_options "$prefix" "$so" "$logs/sbatch-help.txt"; then
		help=yes
		ok "Slurm $release: sbatch --help lists --carbon-tag and --carbon-project"
	else
		help=no
		not_ok "Slurm $release: sbatch --help lists the plugin's options (see $logs/sbatch-help.txt)"
		failed_any=1
	fi
	if [ "$build_only" = 1 ]; then
		echo "$release | yes (${slurm_s} s) | yes (${plugin_s} s) | $help | not run | not run" >"$summary"
		continue
	fi

	# The integration tests, each on a fresh one-node cluster of this release.
	passed=0
	failed=0
	tests_t0=$(date +%s)
	cgroup="not seen"
	for t in $tests; do
		case "$t" in
		*/*) path=$t ;;
		*) path="$src/tests/integration/${t%.sh}.sh" ;;
		esac
		name=$(basename "$path" .sh)
		t0=$(date +%s)
		# A cluster that did not come up (Bail out! before any test
		# point: munged or a port taken by something else on the
		# machine) is started once more; test points are never rerun.
		for attempt in 1 2; do
			HARNESS_SLURM_PREFIX="$prefix" top_builddir="$build" bash "$path" \
				>"$logs/$name.log" 2>&1
			status=$?
			grep -q -E '^(ok|not ok) ' "$logs/$name.log" && break
			grep -q '^Bail out! harness:' "$logs/$name.log" || break
			[ "$attempt" = 1 ] && cp "$logs/$name.log" "$logs/$name.bailed.log" &&
				echo "# Slurm $release: $name: the cluster did not come up ($(grep -m1 '^Bail out!' "$logs/$name.log")); once more"
		done
		secs=$(($(date +%s) - t0))
		p=$(grep -c -E '^ok ' "$logs/$name.log")
		f=$(grep -c -E '^not ok ' "$logs/$name.log")
		skip=$(grep -E '^1\.\.0 # SKIP' "$logs/$name.log")
		if [ -n "$skip" ]; then
			ok "Slurm $release: $name # SKIP ${skip#1..0 # SKIP }"
			continue
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" = 0 ] && [ "$status" = 0 ] && [ "$p" -gt 0 ]; then
			ok "Slurm $release: $name, $p test points ($secs s)"
		else
			not_ok "Slurm $release: $name, $f of $((p + f)) test points failed, exit $status ($secs s; $logs/$name.log)"
			grep -E '^not ok |^Bail out' "$logs/$name.log" | head -n 10 | sed 's/^/#   /'
			failed_any=1
		fi
		# How the records read CPU time: the cgroup layout the plugin found.
		if grep -q -E '^ok .*CPU time was read \(cgroup-v[12]\)' "$logs/$name.log"; then
			cgroup=$(grep -o -E 'CPU time was read \(cgroup-v[12]\)' "$logs/$name.log" |
				head -n1 | grep -o -E 'cgroup-v[12]')
		fi
	done
	tests_s=$(($(date +%s) - tests_t0))
	echo "$release | yes (${slurm_s} s) | yes (${plugin_s} s) | $help | $passed passed, $failed failed ($tests_s s) | $cgroup" >"$summary"
done
echo "1..$n"
echo "# release | Slurm builds | plugin builds | sbatch --help | integration tests | cgroup layout in records"
cat "${summaries[@]}" | sed 's/^/# /'
exit $failed_any
