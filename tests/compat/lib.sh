# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the Slurm-release checks share (tests/compat/slurm-matrix.sh,
# tests/compat/slurm-headers.sh): which tarballs, which release each holds,
# and a source tree of the project that a VPATH build can configure from.
# Source it; set compat_top (the project root) first.

compat_log() { echo "# ${0##*/}: $*" >&2; }

# The default directory of release tarballs: ../shared/slurm-src beside the
# project root (CI's layout).
compat_default_src_dir() {
	echo "$compat_top/../shared/slurm-src"
}

# Fill the array compat_tarballs with absolute paths: each argument is a
# tarball, or a release (23.11.11) found as SRC_DIR/slurm-RELEASE.tar.*;
# without arguments, every SRC_DIR/slurm-*.tar.*, oldest release first.
# Returns 1 (after saying why) when one is missing, 2 when there are none.
compat_resolve_tarballs() {	# compat_resolve_tarballs SRC_DIR [TARBALL|RELEASE ...]
	local src_dir=$1 a f
	shift
	compat_tarballs=()
	if [ $# = 0 ]; then
		while read -r f; do
			[ -f "$f" ] && compat_tarballs+=("$(readlink -f "$f")")
		done < <(ls "$src_dir"/slurm-*.tar.* 2>/dev/null | sort -V)
		[ ${#compat_tarballs[@]} -gt 0 ] || return 2
		return 0
	fi
	for a in "$@"; do
		if [ -f "$a" ]; then
			compat_tarballs+=("$(readlink -f "$a")")
			continue
		fi
		f=$(ls "$src_dir/slurm-$a".tar.* 2>/dev/null | head -n1)
		if [ -z "$f" ]; then
			compat_log "no tarball for $a in $src_dir"
			return 1
		fi
		compat_tarballs+=("$(readlink -f "$f")")
	done
}

# The release a tarball holds, from its META file (Version:), as Slurm's
# own configure reads it; a site's tarball may be named anything.
compat_release() {	# compat_release TARBALL
	tar -xOf "$1" --wildcards --no-wildcards-match-slash '*/META' 2>/dev/null |
		awk '$1 == "Version:" { print $2; exit }'
}

# Print a directory holding the project's sources that configure can run
# from out of tree: the project root itself, or, where the root is
# configured in place (automake refuses a second, VPATH build beside it),
# a copy made by "make distdir" under WORK. Runs autoreconf in a root that
# has no configure yet.
compat_source_tree() {	# compat_source_tree WORK
	if [ -f "$compat_top/config.status" ]; then
		rm -rf "$1/src"
		make -s -C "$compat_top" distdir distdir="$1/src" >/dev/null || return 1
		echo "$1/src"
	else
		if [ ! -x "$compat_top/configure" ]; then
			(cd "$compat_top" && autoreconf -fi) >/dev/null 2>&1 || return 1
		fi
		echo "$compat_top"
	fi
}

# The value of SLURM_VERSION_NUMBER that a plugin was built with: its
# exported plugin_version (Slurm's loader compares it with its own).
compat_plugin_version() {	# compat_plugin_version SO
	python3 -c 'import ctypes, os, sys
lib = ctypes.CDLL(sys.argv[1], mode=os.RTLD_LAZY)
print(ctypes.c_uint32.in_dll(lib, "plugin_version").value)' "$1"
}

# SLURM_VERSION_NUMBER of a release "X.Y.Z", as Slurm's configure makes it.
compat_version_number() {	# compat_version_number X.Y.Z
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1
	echo $(((10#$1 << 16) + (10#$2 << 8) + 10#$3))
}
