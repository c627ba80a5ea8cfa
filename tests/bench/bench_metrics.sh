#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of `carbon-report metrics` over N jobs, against a bare GROUP BY
# of carbon.job_total by cluster, project and user over the same rows,
# measured in the same run; then the same with every job's stored carbon
# out of date (the intensity data changed and nobody refreshed it yet).
# PostgreSQL of its own (initdb into a temporary directory, run as the
# postgres user, a free port), so that it needs no harness. The jobs are
# written straight into carbon.job_total (what the metrics read; the path
# from records to it is bench_track.sh's): 2 clusters, 10 projects, 100
# users, 10 records and 1 kWh each.
# Usage: tests/bench/bench_metrics.sh [N_JOBS (1000000)] [RUNS (3)]
# Prints a Markdown table for doc/benchmarks.md. Run as root after `make`.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
jobs=${1:-1000000}
runs=${2:-3}

bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/carbon-bench-metrics.XXXXXX)
chmod 755 "$work"
mkdir "$work/pg" && chown postgres: "$work/pg"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$bindir/initdb" -D "$work/pg/data" -A trust --nosync > /dev/null || exit 1
as_pg "$bindir/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
	-o "-p $port -k $work/pg -c listen_addresses=''" start > /dev/null || exit 1
trap 'as_pg "$bindir/pg_ctl" -D "$work/pg/data" -m fast -w stop > /dev/null; rm -rf "$work"' EXIT
db="host=$work/pg port=$port user=postgres dbname=postgres"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$db" -c "$1"; }
"$report" -d "$db" db init > /dev/null || exit 1
sql "INSERT INTO carbon.job_total (cluster, job_id, job_start, user_name, project, tag,
	projects, tags, start_time, end_time, cpu_j, dram_j, gpu_j, other_j, hours_j,
	estimated_j, cpu_time_s, cpu_time_rows, measured, records, needs_records, gpu_s)
     SELECT 'c' || (i % 2), i, t, 'u' || (i % 100), 'p' || (i % 10), NULL,
	ARRAY['p' || (i % 10)], '{}', t, t + interval '1 hour', 3.6e6, 0, 0, 0, 3.6e6,
	0, 3600, 1, true, 10, false, NULL
     FROM generate_series(1, $jobs) i,
	LATERAL (SELECT '2026-01-01'::timestamptz + (i % 720) * interval '1 hour' AS t) x"
sql "INSERT INTO carbon.job_hour (cluster, job_id, job_start, hour, j)
     SELECT cluster, job_id, job_start, start_time, 3.6e6 FROM carbon.job_total"
sql "INSERT INTO carbon.cluster_site (cluster, pue, zone, intensity) VALUES
	('c0', 1.25, NULL, 300), ('c1', 1.25, NULL, 300)"
sql "SELECT carbon.job_carbon_refresh_stale()" > /dev/null
sql "VACUUM ANALYZE"
now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
time_runs() {	# time_runs COMMAND...: the seconds of each of $runs runs
	local i t0
	for ((i = 0; i < runs; i++)); do
		t0=$(now)
		"$@" > /dev/null || echo "# failed: $*" >&2
		awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'
	done
}
bare() { sql "SET jit = off; SELECT cluster, project, user_name, count(*), sum(records),
	sum(facility_kwh), sum(co2e_kg) FROM carbon.job_total GROUP BY 1, 2, 3"; }
metrics() { "$report" -d "$db" metrics --no-spool; }

m=$(time_runs metrics | median)
b=$(time_runs bare | median)
# Every job's stored carbon out of date: the views compute it anew.
sql "UPDATE carbon.rate_generation SET gen = gen + 1"
s=$(time_runs metrics | median)
echo "| jobs | carbon-report metrics | bare GROUP BY | ratio | all jobs' carbon out of date |"
echo "|---|---|---|---|---|"
awk -v n="$jobs" -v m="$m" -v b="$b" -v s="$s" \
	'BEGIN { printf "| %d | %.3f s | %.3f s | %.1f | %.3f s |\n", n, m, b, m / b, s }'
