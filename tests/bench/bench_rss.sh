#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Memory the plugin adds to slurmstepd (issue 4, budget <= 2 MiB): on the
# harness's real Slurm cluster, jobs running `srun -n1 sleep 10` with
# spank_carbon.so in plugstack.conf and with an empty plugstack.conf,
# alternated; while step 0 runs (after a few of the plugin's samples), its
# slurmstepd's VmRSS (/proc/PID/status) and Pss and private memory
# (/proc/PID/smaps_rollup) are read. slurmstepd reads plugstack.conf when it
# starts, so one cluster serves both arms.
# Usage: tests/bench/bench_rss.sh [RUNS_PER_ARM (3)]
# Prints a Markdown table for doc/benchmarks.md. Run as root after `make`.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
runs=${1:-3}

. "$top/tests/harness/harness.sh"
work=$(mktemp -d /tmp/carbon-bench-rss.XXXXXX)
stage_plugin "$work"
: > "$work/plugstack.conf"
harness_start --plugstack "$work/plugstack.conf" > /dev/null
trap 'harness_stop; rm -rf "$work"' EXIT
cat > "$work/carbon.conf" <<CONF
[database]
conninfo = $HARNESS_CONNINFO user=carbon_writer
[sampling]
interval = 1
[spool]
dir = $work/spool
CONF
chmod 0644 "$work/carbon.conf"
"$report" -d "$HARNESS_CONNINFO user=$HARNESS_PGUSER" db init > /dev/null
with="required $plugin config=$work/carbon.conf"

queue_empty() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }
kib() {	# kib FILE FIELD: the field's value in kB
	awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print "NA" }' "$1"
}
# measure: one job; prints "VmRSS Pss Private" of its step 0's slurmstepd, in kB.
measure() {
	local job pid _ rss pss priv
	while ! queue_empty; do sleep 0.1; done
	job=$(harness_as_user sbatch --parsable --wrap 'srun -n1 sleep 10') || return 1
	pid=
	for _ in $(seq 150); do
		pid=$(pgrep -f "slurmstepd: \[$job\.0\]" | head -n1)
		[[ -n $pid ]] && break
		sleep 0.1
	done
	sleep 4		# the step's tasks run and the sampler has sampled
	if [[ -n $pid ]] && [[ -r /proc/$pid/smaps_rollup ]]; then
		rss=$(kib "/proc/$pid/status" VmRSS)
		pss=$(kib "/proc/$pid/smaps_rollup" Pss)
		priv=$(awk '$1 == "Private_Clean:" || $1 == "Private_Dirty:" { s += $2 } END { print s }' \
			"/proc/$pid/smaps_rollup")
	else
		rss=NA pss=NA priv=NA
	fi
	harness_wait_job "$job" 60 > /dev/null
	echo "$rss $pss $priv"
}

: > "$work/without.txt"
: > "$work/with.txt"
measure > /dev/null	# warm up: the first step of a cluster pays for caches
for ((i = 0; i < runs; i++)); do
	for arm in $( ((i % 2)) && echo "with without" || echo "without with"); do
		if [ "$arm" = with ]; then
			echo "$with" > "$work/plugstack.conf"
		else
			: > "$work/plugstack.conf"
		fi
		measure >> "$work/$arm.txt"
	done
done
median() {	# median FILE COLUMN
	awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
echo "| slurmstepd of step 0, \`srun -n1 sleep 10\` | runs (kB) | median | difference (median) | budget |"
echo "|---|---|---|---|---|"
col=1
for what in VmRSS Pss "Private (clean + dirty)"; do
	wo=$(median "$work/without.txt" $col)
	wi=$(median "$work/with.txt" $col)
	echo "| $what, without the plugin | $(awk -v c=$col '{ printf "%s%s", sep, $c; sep = ", " }' "$work/without.txt") | $wo kB | | |"
	echo "| $what, with the plugin | $(awk -v c=$col '{ printf "%s%s", sep, $c; sep = ", " }' "$work/with.txt") | $wi kB | $(awk -v a="$wi" -v b="$wo" 'BEGIN { printf "%+d kB = %+.2f MiB", a - b, (a - b) / 1024 }') | <= 2 MiB |"
	col=$((col + 1))
done
