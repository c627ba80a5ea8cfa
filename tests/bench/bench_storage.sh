#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Storage benchmarks (issue 3), each against a baseline measured in the same
# run, on the harness's real Slurm cluster and PostgreSQL:
#  1. spool flush throughput: carbon-report spool flush of N spool files,
#     over its default 2 connections and over one (--jobs 1), against
#     psql's COPY of the same rows into a bare table, and against the least
#     any flush does: the same rows inserted into carbon.step_energy by one
#     set-based INSERT, and by two such INSERTs of half the rows each at
#     once (budget: >= 100 000 records/s);
#  2. what the plugin adds to `srun -n1 true` with the database on loopback:
#     R runs with the plugin and R without, interleaved (budget: <= 5 %).
# Usage: tests/bench/bench_storage.sh [N_RECORDS (20000)] [SRUN_RUNS (30)]
# SRUN_RUNS 0 measures the spool flush only (no srun, no plugin).
# Prints a Markdown table for doc/benchmarks.md. Run as root after `make`.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
records=${1:-20000}
runs=${2:-30}

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
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# --- 1. srun -n1 true, with and without the plugin ------------------------
# First, on a quiet machine: the flush below leaves the disk and PostgreSQL
# busy for a while.
with="required $plugin config=$work/carbon.conf"
# One `srun -n1 true` as the job user, started on an idle cluster (a job
# still COMPLETING would make the next wait for its cores). Prints the
# seconds until srun returned and until the job had left the queue (its
# steps' ends, the plugin's database writes included), polled every 10 ms.
queue_empty() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }
time_srun() {
	local a b c
	while ! queue_empty; do sleep 0.01; done
	a=$(now)
	harness_as_user srun -n1 true > /dev/null 2>&1
	b=$(now)
	while ! queue_empty; do sleep 0.01; done
	c=$(now)
	echo "$(elapsed "$a" "$b") $(elapsed "$a" "$c")"
}
: > "$work/without.txt"
: > "$work/with.txt"
if ((runs > 0)); then
	time_srun > /dev/null	# warm up both paths
	echo "$with" > "$work/plugstack.conf"
	time_srun > /dev/null
fi
# ABBA order, so that neither arm always runs first.
for ((i = 0; i < runs; i++)); do
	for arm in $( ((i % 2)) && echo "with without" || echo "without with"); do
		if [ "$arm" = with ]; then
			echo "$with" > "$work/plugstack.conf"
		else
			: > "$work/plugstack.conf"
		fi
		time_srun >> "$work/$arm.txt"
	done
done
stats() {	# stats FILE COLUMN: mean and median
	awk -v c="$2" '{ print $c }' "$1" | sort -n |
		awk '{ v[NR] = $1; s += $1 } END { printf "%.4f %.4f", s / NR, v[int((NR + 1) / 2)] }'
}
if ((runs > 0)); then
	read -r without_mean without_median < <(stats "$work/without.txt" 1)
	read -r with_mean with_median < <(stats "$work/with.txt" 1)
	read -r without_done_mean without_done_median < <(stats "$work/without.txt" 2)
	read -r with_done_mean with_done_median < <(stats "$work/with.txt" 2)
else
	without_mean=1 without_median=1 with_mean=1 with_median=1
	without_done_mean=1 without_done_median=1 with_done_mean=1 with_done_median=1
fi
# --- 2. spool flush ------------------------------------------------------
mkdir -p -m 0700 "$work/spool"	# the steps above made it (it holds their leases)
# Records as the plugin writes them since 014, with the job's start; with
# BENCH_NO_JOB_START=1, as older plugins did, without it (then the server
# looks up each record's job instance).
job_start_line='job_start=1795773000.0\n'
[ "${BENCH_NO_JOB_START:-0}" = 1 ] && job_start_line=
record() {	# record JOB_ID [CLUSTER]: one record in spool format
	printf "slurm-carbon spool 1\ncluster=${2:-bench}\njob_id=%d\nstep=batch\nnode=n1\nuid=1\nuser=bench\naccount=\nproject=p\ntag=t\nstart=1795773600.0\nend=1795777200.0\ncpu_j=1000\ndram_j=100\ngpu_j=0\nother_j=0\nsamples=360\nmethod=rapl\npartial=0\n$job_start_line" "$1"
}
# The spool as the plugin leaves it after an outage: one file of records;
# and the same records of another cluster, for the flush over one connection.
for ((i = 1; i <= records; i++)); do record "$i"; done > "$work/spool/spool.log"
mkdir -m 0700 "$work/spool-one"
for ((i = 1; i <= records; i++)); do record "$i" bench-one; done > "$work/spool-one/spool.log"
# Baseline: the same rows, already as one COPY text stream, into a bare table.
for ((i = 1; i <= records; i++)); do
	printf 'bench\t%d\tbatch\tn1\t1\tbench\t\\N\tp\tt\t2026-11-27 10:00:00+00\t2026-11-27 11:00:00+00\t1000\t100\t0\t0\t360\trapl\tf\n' "$i"
done > "$work/rows.copy"
psql -X -q "$admin" -c "CREATE TABLE bench_bare (LIKE carbon.step_energy INCLUDING DEFAULTS)" \
	-c "ALTER TABLE bench_bare DROP COLUMN inserted_at"
sync
t0=$(now)
psql -X -q "$admin" -c "\\copy bench_bare (cluster, job_id, step, node, uid, user_name, account, project, tag, start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial) FROM '$work/rows.copy'"
t1=$(now)
copy_s=$(elapsed "$t0" "$t1")
# The flush over one connection first, then as carbon-report flushes by
# default (--jobs 2), into a table 20 000 rows larger.
t0=$(now)
"$report" -d "$admin" spool flush --jobs 1 --dir "$work/spool-one" > /dev/null
t1=$(now)
one_s=$(elapsed "$t0" "$t1")
t0=$(now)
flush_out=$("$report" -d "$admin" spool flush --dir "$work/spool")
t1=$(now)
flush_s=$(elapsed "$t0" "$t1")
stored=$(psql -X -t -A "$admin" -c "SELECT count(*) FROM carbon.step_energy WHERE cluster IN ('bench', 'bench-one')")
# The floor under any flush: the same rows, already parsed and checked, put
# into carbon.step_energy by one INSERT ... ON CONFLICT from the bare table
# (the table's primary key, other indexes, checks and triggers; no parsing,
# no checks of ours), with the records' job start, under another cluster
# name so that they are new rows; rolled back.
cols="job_id, step, node, uid, user_name, account, project, tag, start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial"
t0=$(now)
psql -X -q -v ON_ERROR_STOP=1 "$admin" -c "BEGIN" \
	-c "INSERT INTO carbon.step_energy (cluster, job_start, $cols)
	    SELECT 'bench-floor', to_timestamp(1795773000), $cols FROM bench_bare
	    ON CONFLICT DO NOTHING" -c "ROLLBACK"
t1=$(now)
insert_s=$(elapsed "$t0" "$t1")
# The same floor for two connections: each half of the rows by one such
# INSERT, in two sessions at once.
floor_half() {	# floor_half PARITY
	psql -X -q -v ON_ERROR_STOP=1 "$admin" -c "BEGIN" \
		-c "INSERT INTO carbon.step_energy (cluster, job_start, $cols)
		    SELECT 'bench-floor', to_timestamp(1795773000), $cols FROM bench_bare
		    WHERE job_id % 2 = $1 ON CONFLICT DO NOTHING" -c "ROLLBACK"
}
t0=$(now)
floor_half 0 &
half_pid=$!
floor_half 1
wait "$half_pid"	# not the harness's daemons, which are children too
t1=$(now)
insert2_s=$(elapsed "$t0" "$t1")

# Context: the same records as one file each (this project's first spool
# layout): then the flush removes one file per record.
mkdir -m 0700 "$work/spool-files"
for ((i = 1; i <= records; i++)); do record $((1000000 + i)) > "$work/spool-files/b.$i.rec"; done
sync
t0=$(now)
"$report" -d "$admin" spool flush --dir "$work/spool-files" > /dev/null
t1=$(now)
files_s=$(elapsed "$t0" "$t1")

srun_records=$(psql -X -t -A "$admin" -c "SELECT count(*) FROM carbon.step_energy WHERE cluster NOT IN ('bench', 'bench-one')")

awk -v r="$records" -v f="$flush_s" -v c="$copy_s" -v st="$stored" -v fs="$files_s" -v ins="$insert_s" \
    -v one="$one_s" -v ins2="$insert2_s" \
    -v wm="$with_mean" -v wd="$with_median" -v om="$without_mean" -v od="$without_median" \
    -v dwm="$with_done_mean" -v dwd="$with_done_median" -v dom="$without_done_mean" -v dod="$without_done_median" \
    -v n="$runs" -v sr="$srun_records" -v out="$flush_out" 'BEGIN {
	printf "| benchmark | result | baseline (same run) | budget |\n|---|---|---|---|\n"
	printf "| spool flush, %d records in one spool file, default --jobs 2 (%d rows stored by both flushes) | %.3f s = %.0f records/s | psql \\\\copy of the same rows into a bare table: %.3f s = %.0f rows/s | >= 100000 records/s |\n", r, st, f, r / f, c, r / c
	printf "| the same, --jobs 1 (one connection; run first, into a table %d rows smaller) | %.3f s = %.0f records/s | | |\n", r, one, r / one
	printf "| the same rows by one INSERT ... ON CONFLICT from that table into carbon.step_energy (rolled back) | %.3f s = %.0f rows/s | (the floor under any flush into this table over one connection) | |\n", ins, r / ins
	printf "| the same INSERT, half of the rows each in two sessions at once (rolled back) | %.3f s = %.0f rows/s | (the floor over two connections) | |\n", ins2, r / ins2
	printf "| spool flush, %d records as %d files of one record | %.3f s = %.0f records/s | (the first spool layout, for comparison) | |\n", r, r, fs, r / fs
	if (n > 0) printf "| `srun -n1 true` until srun returns, with the plugin, %d runs (%d records stored) | mean %.4f s, median %.4f s | without: mean %.4f s, median %.4f s; added %+.1f %% (mean), %+.1f %% (median) | <= 5 %% |\n", n, sr, wm, wd, om, od, (wm / om - 1) * 100, (wd / od - 1) * 100
	if (n > 0) printf "| the same, until the job has left the queue (step ends and database writes included) | mean %.4f s, median %.4f s | without: mean %.4f s, median %.4f s; added %+.1f %% (mean), %+.1f %% (median) | <= 5 %% |\n", dwm, dwd, dom, dod, (dwm / dom - 1) * 100, (dwd / dod - 1) * 100
	printf "\n%s\n", out
}'
