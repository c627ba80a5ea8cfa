#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# spank_carbon.so must export only SPANK entry points and plugin symbols, and
# spank_carbon_store.so only its two entry points: anything else could clash
# with slurmstepd or another plugin. And spank_carbon.so must not need libpq
# (sbatch, srun and step start would load it and its TLS libraries).
libs="${top_builddir:-.}/plugin/.libs"
echo "1..4"
check_exports() {	# check_exports N FILE REGEX
	extra=$(nm -D --defined-only "$2" 2>/dev/null | awk '{print $3}' | grep -v -E "$3")
	if [ ! -f "$2" ]; then
		echo "not ok $1 - $2 exists"
	elif [ -z "$extra" ]; then
		echo "ok $1 - $(basename "$2") exports only what it must"
	else
		echo "not ok $1 - $(basename "$2") exports more:"
		echo "$extra" | sed 's/^/#   /'
	fi
}
check_exports 1 "$libs/spank_carbon.so" \
	'^(slurm_spank_[a-z_]+|plugin_(name|type|version)|spank_plugin_(name|type|version))$'
check_exports 2 "$libs/spank_carbon_store.so" '^carbon_store_(record|spool)$'
if objdump -p "$libs/spank_carbon.so" 2>/dev/null | grep -q 'NEEDED.*libpq'; then
	echo "not ok 3 - spank_carbon.so does not need libpq"
else
	echo "ok 3 - spank_carbon.so does not need libpq"
fi
if objdump -p "$libs/spank_carbon_store.so" 2>/dev/null | grep -q 'NEEDED.*libpq'; then
	echo "ok 4 - spank_carbon_store.so brings libpq"
else
	echo "not ok 4 - spank_carbon_store.so brings libpq"
fi
