#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many job ends at once through PgBouncer lose nothing and store nothing
# twice: 200 simulated nodes (tests/bench/load_driver, the plugin's own store
# code, no Slurm) end a job each at the same instant, 3 records a job, through
# pgbouncer in transaction pooling in front of PostgreSQL with
# max_connections = 20. What a job's end could not store stays in its node's
# spool; after carbon-report spool flush the database holds each record
# exactly once. tests/bench/bench_load.sh is the same at 2 000 job ends,
# with the figures. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"
. "$top/tests/bench/load_lib.sh"
. "$top/tests/harness/harness.sh"

nodes=200
[ -x "$builddir/tests/bench/load_driver" ] ||
	harness_skip_all "no tests/bench/load_driver: run make first"
export HARNESS_PG_MAX_CONNECTIONS=20
harness_start --no-slurm --pgbouncer
load_dir=$(mktemp -d /tmp/carbon-load.XXXXXX)
trap 'harness_stop; rm -rf "$load_dir"' EXIT
load_admin="$HARNESS_PG_DIRECT_CONNINFO user=$HARNESS_PGUSER"

echo "1..9"
check "carbon-report db init through pgbouncer (transaction pooling)" \
	quiet "$report" -d "$HARNESS_CONNINFO user=$HARNESS_PGUSER" db init
check "PostgreSQL runs with max_connections = 20" \
	test "$(load_sql 'SHOW max_connections')" = 20

load_run load "$HARNESS_CONNINFO" "$nodes" 1 1000000
want=$((nodes * load_steps))
echo "# $nodes job ends: $load_job_ends_ok stored, $load_job_ends_spooled spooled;" \
	"$load_records_per_s records/s; write p50 $load_write_p50_ms ms, p99 $load_write_p99_ms ms"
sed -n '1,5s/^/# /p' "$load_dir/load.err"
check "every node ran its job end ($load_job_ends of $nodes, $load_failed_nodes failed)" \
	test "$load_job_ends $load_failed_nodes" = "$nodes 0"
check "each record is in the database or in its node's spool ($load_rows_direct + $load_spooled >= $want)" \
	test $((load_rows_direct + load_spooled)) -ge "$want"
check "every spool flush succeeded ($load_flush_failed failed)" test "$load_flush_failed" = 0
check "after the flushes the database holds all $want records ($load_rows)" test "$load_rows" = "$want"
check "none twice ($load_distinct distinct of $load_rows)" test "$load_distinct" = "$load_rows"
check "their energy adds up to the records' ($load_cpu_j J)" \
	test "$load_cpu_j" = "$((want * load_step_cpu_j))"
check "the spools are empty, nothing rejected ($load_left left, $load_bad .bad files)" \
	test "$load_left $load_bad" = "0 0"
