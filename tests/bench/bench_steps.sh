#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the plugin adds to back-to-back steps inside one allocation, on the
# harness's real Slurm cluster and PostgreSQL: a batch job of S `srun -n1
# true` steps, R rounds with the plugin and R without, alternated in the same
# cluster (ABBA order; slurmstepd reads plugstack.conf at every step). For
# each job: the seconds a step inside the job takes (the loop's time / S), and
# the seconds from submission until the job has left the queue (the steps'
# ends and the job's one database write included). And, with the plugin, how
# many database connections the jobs opened (PostgreSQL's log). Budget (issue
# 11): at most 5 % added, mean and median; at most 1 connection a job a node.
# Usage: tests/bench/bench_steps.sh [STEPS (30)] [ROUNDS (4)]
# Prints a Markdown table for doc/benchmarks.md. Run as root after `make`.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
steps=${1:-30}
rounds=${2:-4}

. "$top/tests/harness/harness.sh"
work=$(mktemp -d /tmp/carbon-bench.XXXXXX)
stage_plugin "$work"
: > "$work/plugstack.conf"
harness_start --plugstack "$work/plugstack.conf" > /dev/null
trap 'harness_stop; rm -rf "$work"' EXIT
admin="$HARNESS_CONNINFO user=$HARNESS_PGUSER"
cat > "$work/carbon.conf" <<CONF
[database]
conninfo = $HARNESS_CONNINFO user=carbon_writer
[sampling]
interval = 10
[spool]
dir = $work/spool
CONF
"$report" -d "$admin" db init > /dev/null
psql -X -q "$admin" -c "ALTER SYSTEM SET log_connections = on" -c "SELECT pg_reload_conf()" > /dev/null
pglog=$HARNESS_LOGDIR/postgresql.log
with="required $plugin config=$work/carbon.conf"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
queue_empty() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }

# One job of $steps steps: prints "SECONDS_A_STEP SECONDS_TO_GONE".
time_job() {
	local a c job out
	while ! queue_empty; do sleep 0.01; done
	out=$HARNESS_WORK/bench-job.out	# the job user writes it
	rm -f "$out"
	a=$(now)
	job=$(harness_as_user sbatch --parsable -o "$out" --wrap \
		"s=\$(date +%s.%N); for i in \$(seq $steps); do srun -n1 true; done; e=\$(date +%s.%N); echo \"loop \$s \$e\"")
	while ! queue_empty; do sleep 0.01; done
	c=$(now)
	read -r _ s e < <(grep '^loop ' "$out")
	echo "$(awk -v s="$s" -v e="$e" -v n="$steps" 'BEGIN { printf "%.5f", (e - s) / n }') $(elapsed "$a" "$c") $job"
}
: > "$work/without.txt"
: > "$work/with.txt"
time_job > /dev/null	# warm up both paths
echo "$with" > "$work/plugstack.conf"
time_job > /dev/null
mark=$(wc -l < "$pglog")
for ((i = 0; i < rounds; i++)); do
	for arm in $( ((i % 2)) && echo "with without" || echo "without with"); do
		if [ "$arm" = with ]; then
			echo "$with" > "$work/plugstack.conf"
		else
			: > "$work/plugstack.conf"
		fi
		time_job >> "$work/$arm.txt"
	done
done
conns=$(tail -n +"$((mark + 1))" "$pglog" | grep -c 'connection authorized: user=carbon_writer')
stats() {	# stats FILE COLUMN: mean and median
	awk -v c="$2" '{ print $c }' "$1" | sort -n |
		awk '{ v[NR] = $1; s += $1 } END { printf "%.5f %.5f", s / NR, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
read -r wo_step_mean wo_step_median < <(stats "$work/without.txt" 1)
read -r w_step_mean w_step_median < <(stats "$work/with.txt" 1)
read -r wo_done_mean wo_done_median < <(stats "$work/without.txt" 2)
read -r w_done_mean w_done_median < <(stats "$work/with.txt" 2)
echo "| benchmark | result | baseline (same run) | budget |"
echo "|---|---|---|---|"
awk -v s="$steps" -v r="$rounds" -v wm="$w_step_mean" -v wd="$w_step_median" -v om="$wo_step_mean" -v od="$wo_step_median" 'BEGIN {
	printf "| a step of a job of %d back-to-back `srun -n1 true`, with the plugin, %d jobs | mean %.4f s, median %.4f s | without: mean %.4f s, median %.4f s; added %+.1f %% (mean), %+.1f %% (median) | <= 5 %% |\n", s, r, wm, wd, om, od, (wm / om - 1) * 100, (wd / od - 1) * 100 }'
awk -v wm="$w_done_mean" -v wd="$w_done_median" -v om="$wo_done_mean" -v od="$wo_done_median" 'BEGIN {
	printf "| the same jobs, from submission until the job has left the queue | mean %.3f s, median %.3f s | without: mean %.3f s, median %.3f s; added %+.1f %% (mean), %+.1f %% (median) | <= 5 %% |\n", wm, wd, om, od, (wm / om - 1) * 100, (wd / od - 1) * 100 }'
echo "| database connections opened by the $rounds jobs with the plugin ($((steps + 2)) records each, one node) | $conns | | <= 1 a job a node |"
