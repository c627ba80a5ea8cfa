#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The measured figures doc/capacity.md rests on, on the harness's PostgreSQL
# (max_connections = 20) behind PgBouncer (transaction pooling), with the
# plugin's own store code (tests/bench/load_driver; no Slurm):
#   1. sustained writes: one node alone ends 200 jobs (a job-end write
#      without contention), then NODES nodes end JOBS jobs each, back to
#      back, 3 records a job: records/s and the p50/p99 of one job-end write;
#   2. bytes on disk per record: what the schema carbon grew by (tables,
#      indexes, TOAST: pg_total_relation_size), and carbon.step_energy alone,
#      divided by the records stored, once a report (track) has brought the
#      per-job totals up to date, after VACUUM ANALYZE;
#   3. spool flush: FLUSH_NODES spools filled with the database out of
#      reach, then carbon-report spool flush of each, timed: records/s.
# Usage: tests/bench/bench_capacity.sh [NODES (100)] [JOBS (300)]
#        [FLUSH_NODES (4)] [FLUSH_JOBS (2000)]
# Prints key: value lines. Run as root after `make`.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
. "$top/tests/bench/load_lib.sh"
nodes=${1:-100}
jobs=${2:-300}
flush_nodes=${3:-4}
flush_jobs=${4:-2000}
for v in "$nodes" "$jobs" "$flush_nodes" "$flush_jobs"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [NODES] [JOBS] [FLUSH_NODES] [FLUSH_JOBS]" >&2; exit 2; }
done

. "$top/tests/harness/harness.sh"
load_bench_start capacity
schema_bytes() {
	load_sql "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'carbon' AND c.relkind IN ('r', 'm')"
}
load_sql "VACUUM ANALYZE" > /dev/null
empty=$(schema_bytes)

# --- 1. sustained writes ----------------------------------------------------
# First one node alone: a job-end write without contention.
load_run capacity-alone "$HARNESS_CONNINFO" 1 200 500000
echo "alone: 1 node x 200 jobs: job-end write p50 $load_write_p50_ms ms, p99 $load_write_p99_ms ms"
load_run capacity "$HARNESS_CONNINFO" "$nodes" "$jobs" 1000000
echo "machine: $(nproc) CPUs; PostgreSQL $(load_sql 'SHOW server_version'), max_connections $(load_sql 'SHOW max_connections'); pgbouncer pool $HARNESS_PGBOUNCER_POOL"
echo "sustained: $nodes nodes x $jobs jobs x $load_steps records = $load_records records in $load_wall_s s: $load_records_per_s records/s stored by the job ends ($load_rows_direct; $load_spooled spooled, then flushed: $load_rows rows, $load_distinct distinct)"
echo "job-end write: p50 $load_write_p50_ms ms, p99 $load_write_p99_ms ms, max $load_write_max_ms ms"

# --- 2. bytes per record ----------------------------------------------------
# The per-job totals are brought up to date by the first report after the
# writes (the write only notes its job): run one, as a site's would.
"$report" -d "$load_admin" track > /dev/null 2>&1 || echo "carbon-report track failed" >&2
load_sql "VACUUM ANALYZE" > /dev/null
jobs_n=$(load_sql "SELECT count(DISTINCT (cluster, job_id)) FROM carbon.step_energy")
rows=$(load_sql "SELECT count(*) FROM carbon.step_energy")
step_bytes=$(load_sql "SELECT pg_total_relation_size('carbon.step_energy')")
full=$(schema_bytes)
echo "bytes: carbon.step_energy $step_bytes for $rows records = $((step_bytes / rows)) bytes/record (pg_total_relation_size: heap, indexes, TOAST)"
echo "bytes: schema carbon grew by $((full - empty)) for $rows records = $(((full - empty) / rows)) bytes/record (every table the records and their jobs fill)"
echo "bytes: the rest (per-job tables) $((full - empty - step_bytes)) for $jobs_n jobs = $(((full - empty - step_bytes) / jobs_n)) bytes/job"
load_sql "SELECT c.relname || ': ' || pg_total_relation_size(c.oid) FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'carbon' AND c.relkind IN ('r', 'm') AND pg_total_relation_size(c.oid) > 65536
	ORDER BY pg_total_relation_size(c.oid) DESC" | sed 's/^/  /'

# --- 3. spool flush ---------------------------------------------------------
# The database out of reach (a socket directory with no server): every
# job end leaves its records in its node's spool.
"$builddir/tests/bench/load_driver" -m "$builddir/plugin/.libs/spank_carbon_store.so" \
	-d "host=$load_dir/nowhere dbname=carbon user=carbon_writer" -s "$load_dir/flush" \
	-c flush -n "$flush_nodes" -j "$flush_jobs" -k "$load_steps" -f 50000000 > /dev/null 2>&1
spooled=$(load_spool_records "$load_dir/flush")
t0=$(date +%s.%N)
for dir in "$load_dir"/flush/*/; do
	"$report" -d "$HARNESS_CONNINFO user=carbon_writer" spool flush --dir "${dir%/}" > /dev/null 2>&1 ||
		echo "spool flush of $dir failed" >&2
done
t1=$(date +%s.%N)
flushed=$(load_sql "SELECT count(*) FROM carbon.step_energy WHERE cluster = 'flush'")
awk -v n="$flushed" -v s="$spooled" -v a="$t0" -v b="$t1" -v f="$flush_nodes" 'BEGIN {
	printf "spool flush: %d of %d spooled records from %d spools in %.3f s = %.0f records/s (through pgbouncer)\n",
		n, s, f, b - a, n / (b - a) }'
