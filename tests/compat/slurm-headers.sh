#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Compile the plugin against the headers of each Slurm release, without
# building Slurm: slurm/*.h from the release tarball, slurm_version.h made
# from its slurm_version.h.in as Slurm's configure makes it (the release's
# META), then the project's configure --with-slurm and make of both plugins
# and of the unit tests that use Slurm's API (tests/unit/test_job_start*:
# slurm_load_job as slurmstepd exports it), with -Werror, out of tree; those
# unit tests then run. TAP on stdout; about 15 s a release on 2 cores.
# One build directory serves every release: configure runs again for each
# (its cached results kept, except the Slurm checks), and the plugins'
# objects are removed, so that each release compiles them anew; lib/ holds
# no Slurm header and is built once.
#
# Usage: tests/compat/slurm-headers.sh [-s DIR] [TARBALL|RELEASE ...]
#   -s DIR   the tarballs' directory (default: ../shared/slurm-src beside the
#            project root); none there: the whole test is skipped
#   no TARBALL or RELEASE: every slurm-*.tar.* in DIR
set -uo pipefail
compat_top=$(cd "$(dirname "$0")/../.." && pwd)
. "$compat_top/tests/compat/lib.sh"

src_dir=$(compat_default_src_dir)
while getopts 's:' opt; do
	case "$opt" in
	s) src_dir=$OPTARG ;;
	*) sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

compat_resolve_tarballs "$src_dir" "$@"
case $? in
0) ;;
2) echo "1..0 # SKIP no slurm-*.tar.* in $src_dir"; exit 0 ;;
*) echo "Bail out! a Slurm release asked for is not in $src_dir"; exit 1 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/slurm-headers.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! src=$(compat_source_tree "$work"); then
	echo "Bail out! no source tree to configure from (make distdir failed)"
	exit 1
fi

api_tests="tests/unit/test_job_start tests/unit/test_job_start_ctld"
echo "1..$((3 * ${#compat_tarballs[@]}))"
n=0
for tarball in "${compat_tarballs[@]}"; do
	release=$(compat_release "$tarball")
	name=${release:-$(basename "$tarball")}
	prefix="$work/slurm-$name"
	build="$work/build"
	mkdir -p "$prefix/include/slurm" "$build"
	rm -rf "$build/plugin" "$build/tests/unit"
	t0=$(date +%s)
	ok=0
	if [ -n "$release" ] &&
		tar -xf "$tarball" -C "$prefix" --wildcards --no-wildcards-match-slash \
			'*/slurm/*.h' '*/slurm/slurm_version.h.in' 2>"$build/tar.log"; then
		mv "$prefix"/*/slurm/* "$prefix/include/slurm/"
		number=$(compat_version_number "$release")
		sed "s/^#undef SLURM_VERSION_NUMBER\$/#define SLURM_VERSION_NUMBER $(printf '0x%06x' "$number")/" \
			"$prefix/include/slurm/slurm_version.h.in" >"$prefix/include/slurm/slurm_version.h"
		# Cached configure results are shared between releases, except
		# for the Slurm checks, which each release runs for itself.
		[ -f "$work/config.cache" ] && sed -i '/slurm/d' "$work/config.cache"
		if (cd "$build" && "$src/configure" -C --cache-file="$work/config.cache" \
			--with-slurm="$prefix" --enable-werror --sysconfdir=/etc &&
			make -j"$(nproc)" plugin/spank_carbon.la plugin/spank_carbon_store.la \
				$api_tests) \
			>"$build/build.log" 2>&1; then
			ok=1
		fi
	fi
	n=$((n + 1))
	if [ "$ok" = 1 ]; then
		echo "ok $n - Slurm $name headers: configure --with-slurm, make the plugins and $api_tests with -Werror ($(($(date +%s) - t0)) s)"
	else
		echo "not ok $n - Slurm $name headers: configure --with-slurm, make the plugins and $api_tests with -Werror"
		tail -n 30 "$build/build.log" "$build/tar.log" 2>/dev/null | sed 's/^/#   /'
	fi
	n=$((n + 1))
	got=""
	[ "$ok" = 1 ] && got=$(compat_plugin_version "$build/plugin/.libs/spank_carbon.so" 2>&1)
	if [ "$ok" = 1 ] && [ "$got" = "$number" ]; then
		echo "ok $n - Slurm $name: the plugin's plugin_version is $number, the release's"
	else
		echo "not ok $n - Slurm $name: plugin_version ${got:-not read}, want ${number:-a number}"
	fi
	n=$((n + 1))
	failed_api=""
	for t in $api_tests; do
		[ "$ok" = 1 ] && (cd "$build" && CMOCKA_MESSAGE_OUTPUT=TAP "./$t") \
			>>"$build/api-tests.log" 2>&1 || failed_api+=" ${t##*/}"
	done
	if [ -z "$failed_api" ]; then
		echo "ok $n - Slurm $name: $api_tests pass"
	else
		echo "not ok $n - Slurm $name: failed:$failed_api"
		grep -E '^not ok' "$build/api-tests.log" 2>/dev/null | sed 's/^/#   /'
	fi
	rm -f "$build/api-tests.log"
done
