#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Site load: N simulated nodes (tests/bench/load_driver: processes running the
# plugin's own store code, spank_carbon_store.so; no Slurm) each end JOBS jobs
# of 3 records, all nodes at once, against the harness's PostgreSQL with
# max_connections = 20:
#   1. straight to PostgreSQL, for comparison (most logins are then refused:
#      "too many clients", and those records wait in the spool), first, while
#      PgBouncer holds none of the 20 connections;
#   2. through PgBouncer (transaction pooling, POOL server connections).
# The spools are flushed through PgBouncer both times, as a site's flush
# timer would.
# For each: records/s stored by the job ends themselves, the p50/p99/max time
# of one job-end write (carbon_store_spool(): connect, store the node's
# spool), and the no-loss check: what a job end could not store is in its
# node's spool, and after carbon-report spool flush the database holds every
# record exactly once.
# Usage: tests/bench/bench_load.sh [N (2000)] [JOBS (1)]
#   POOL (env, default 16): pgbouncer's server connections (max_db_connections;
#   PostgreSQL keeps 3 of its 20 for superusers)
# Prints a Markdown table for doc/benchmarks.md; exit status 1 when a record
# was lost or stored twice. Run as root after `make`.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
. "$top/tests/bench/load_lib.sh"
nodes=${1:-2000}
jobs=${2:-1}
[[ $nodes =~ ^[1-9][0-9]*$ && $jobs =~ ^[1-9][0-9]*$ ]] ||
	{ echo "usage: $0 [NODES] [JOBS_PER_NODE]" >&2; exit 2; }

. "$top/tests/harness/harness.sh"
load_bench_start load

lost=0
echo "| $nodes nodes × $jobs job(s), 3 records each | records/s | write p50 | write p99 | write max | stored by the job ends | spooled | after spool flush |"
echo "|---|---|---|---|---|---|---|---|"
for via in direct pgbouncer; do
	if [ "$via" = pgbouncer ]; then
		conninfo=$HARNESS_CONNINFO
		label="PgBouncer ($HARNESS_PGBOUNCER_POOL server connections)"
		first=1000000
	else
		conninfo=$HARNESS_PG_DIRECT_CONNINFO
		label="PostgreSQL directly"
		first=100000000
	fi
	load_run "load-$via" "$conninfo" "$nodes" "$jobs" "$first" "$HARNESS_CONNINFO"
	want=$((nodes * jobs * load_steps))
	verdict="$load_rows of $want, $load_distinct distinct"
	if [ "$load_distinct" != "$load_rows" ] || ((load_rows + load_left != want)) ||
		[ "$load_cpu_j" != "$((load_rows * load_step_cpu_j))" ] || [ "$load_bad" != 0 ]; then
		verdict="$verdict: LOST OR DOUBLED ($load_left left in the spools, $load_bad .bad)"
		lost=1
	elif ((load_left)); then
		verdict="$verdict, $load_left still in the spools ($load_flush_failed flushes failed: run again)"
		lost=1
	fi
	echo "| $label | $load_records_per_s | $load_write_p50_ms ms | $load_write_p99_ms ms | $load_write_max_ms ms | $load_rows_direct ($load_job_ends_ok of $load_job_ends job ends) | $load_spooled | $verdict |"
	sed -n '1,3s/^/    /p' "$load_dir/load-$via.err" >&2
done
echo
echo "Machine: $(nproc) CPUs; PostgreSQL $(load_sql 'SHOW server_version'), max_connections $(load_sql 'SHOW max_connections'); $(pgbouncer --version | head -n 1)."
exit "$lost"
