#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# spank_carbon.so must export only SPANK entry points and plugin symbols:
# anything else could clash with slurmstepd or another plugin.
so="${top_builddir:-.}/plugin/.libs/spank_carbon.so"
echo "1..2"
if [ ! -f "$so" ]; then
	echo "not ok 1 - $so exists"
	echo "not ok 2 - # SKIP no plugin"
	exit 1
fi
echo "ok 1 - $so exists"
extra=$(nm -D --defined-only "$so" | awk '{print $3}' |
	grep -v -E '^(slurm_spank_[a-z_]+|plugin_(name|type|version)|spank_plugin_(name|type|version))$')
if [ -z "$extra" ]; then
	echo "ok 2 - only SPANK and plugin symbols are exported"
else
	echo "not ok 2 - unexpected exported symbols:"
	echo "$extra" | sed 's/^/#   /'
	exit 1
fi
