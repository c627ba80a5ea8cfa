# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced by tests/bench/bench_load.sh and tests/integration/test_load.sh
# (after tap.sh and harness_start): many job ends at once through the
# plugin's own store code (tests/bench/load_driver), then the no-loss check.
#
# load_run NAME CONNINFO NODES JOBS_PER_NODE FIRST_JOB [FLUSH_CONNINFO]: NODES
# simulated nodes (cluster NAME, spools under $load_dir/NAME) end
# JOBS_PER_NODE jobs of 3 records each, all nodes at once, writing as
# carbon_writer through CONNINFO; then every node's spool is flushed
# (carbon-report spool flush, through FLUSH_CONNINFO, default CONNINFO).
# Sets, besides the driver's key=value figures as
# load_KEY (load_records, load_records_per_s, load_write_p50_ms, ...):
#   load_rows_direct   rows of NAME in the database after the job ends
#   load_spooled       records left in the spools then
#   load_flush_failed  spool flushes that failed
#   load_rows, load_distinct, load_cpu_j   rows, distinct (job, step, node)
#                      and their summed CPU energy after the flushes
#   load_left          records still in the spools, load_bad files *.bad
# Needs $report, $builddir, $load_dir and $load_admin (an administrator's
# conninfo that reads carbon.step_energy).
load_steps=3
load_step_cpu_j=12000	# tests/bench/load_driver.c: each record's CPU energy

# Records in the spool files under DIR, whichever file holds them.
load_spool_records() {
	find "$1" -name '*.log' -o -name '*.seg' -o -name '*.rec' -o -name '*.ckpt' |
		xargs -r cat | grep -c '^slurm-carbon spool 1$'
}

load_sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$load_admin" -c "$1"; }

load_run() {
	local name=$1 conninfo=$2 nodes=$3 jobs=$4 first=$5 flush_via=${6:-$2} out key value dir
	local spools=$load_dir/$name
	out=$("$builddir/tests/bench/load_driver" -m "$builddir/plugin/.libs/spank_carbon_store.so" \
		-d "$conninfo user=carbon_writer" -s "$spools" -c "$name" -n "$nodes" -j "$jobs" \
		-k "$load_steps" -f "$first" 2> "$load_dir/$name.err")
	while IFS='=' read -r key value; do
		[[ $key =~ ^[a-z0-9_]+$ ]] && printf -v "load_$key" '%s' "$value"
	done <<< "$out"
	load_rows_direct=$(load_sql "SELECT count(*) FROM carbon.step_energy WHERE cluster = '$name'")
	load_spooled=$(load_spool_records "$spools")
	load_flush_failed=0
	# The nodes whose spool holds a file (not hidden, not *.bad).
	while read -r dir; do
		"$report" -d "$flush_via user=carbon_writer" spool flush --dir "$dir" \
			>> "$load_dir/$name.flush" 2>&1 || load_flush_failed=$((load_flush_failed + 1))
	done < <(find "$spools" -mindepth 2 -maxdepth 2 -type f ! -name '.*' ! -name '*.bad' \
		-printf '%h\n' | sort -u)
	IFS='|' read -r load_rows load_distinct load_cpu_j < <(load_sql \
		"SELECT count(*), count(DISTINCT (job_id, step, node)), coalesce(sum(cpu_j), 0)
		 FROM carbon.step_energy WHERE cluster = '$name'")
	load_left=$(load_spool_records "$spools")
	load_bad=$(find "$spools" -name '*.bad' | wc -l)
}

# load_bench_start NAME: for a benchmark: build what it runs, start the
# harness's PostgreSQL with max_connections = 20 behind pgbouncer ($POOL
# server connections, default 16: PostgreSQL keeps 3 of its 20 for
# superusers), without Slurm, and db init; sets load_dir and load_admin,
# and stops the harness on exit.
load_bench_start() {
	make -C "$builddir" -j2 tests/bench/load_driver plugin/spank_carbon_store.la \
		report/carbon-report > /dev/null
	export HARNESS_PG_MAX_CONNECTIONS=20 HARNESS_PGBOUNCER_POOL=${POOL:-16}
	harness_start --no-slurm --pgbouncer > /dev/null
	load_dir=$(mktemp -d "/tmp/carbon-$1.XXXXXX")
	trap 'harness_stop; rm -rf "$load_dir"' EXIT
	load_admin="$HARNESS_PG_DIRECT_CONNINFO user=$HARNESS_PGUSER"
	"$report" -d "$load_admin" db init > /dev/null || { echo "db init failed" >&2; exit 1; }
}
