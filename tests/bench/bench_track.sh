#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of `carbon-report track`: over N step records (each with one
# hour bucket) in the harness's real PostgreSQL, against a bare
# `SELECT sum(...)` over the same rows, measured in the same run; and the
# same report by a reporter whose settings differ from the site's: one with
# a fixed intensity (the rate is the same every hour, so each job is priced
# at once: carbon.constant_rate) and one with a zone (the rate depends on
# the hour: every job resolved hour by hour). Budgets (DESIGN, issue 15): track <= 2 s and
# <= 1.5 x the bare sum at 10 M records; hour by hour <= 3 x track at 1 M.
# Usage: tests/bench/bench_track.sh [N_RECORDS (1000000)] [RUNS (3)]
# Prints a Markdown table for doc/benchmarks.md. Run as root after `make`.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
records=${1:-1000000}
runs=${2:-3}

. "$top/tests/harness/harness.sh"
work=$(mktemp -d /tmp/carbon-bench-track.XXXXXX)
stage_plugin "$work"
: > "$work/plugstack.conf"
harness_start --plugstack "$work/plugstack.conf" > /dev/null
trap 'harness_stop; rm -rf "$work"' EXIT
admin="$HARNESS_CONNINFO user=$HARNESS_PGUSER"
"$report" -d "$admin" db init > /dev/null
# The site's settings, as its administrator records them with
# `carbon-report --config /etc/slurm/carbon.conf db upgrade`.
printf '[site]\ncluster = bench\npue = 1.25\nintensity = 300\n' > "$work/report.conf"
# A reporter whose own carbon.conf sets another PUE than the site's: no
# stored figure applies, and every job is resolved hour by hour.
printf '[site]\ncluster = bench\npue = 1.3\nintensity = 300\n' > "$work/other.conf"
# A reporter with a zone instead: its intensity (here the zone's annual
# figures, loaded by db upgrade) may change with the hour, so each job's
# energy is priced hour by hour.
printf '[site]\ncluster = bench\npue = 1.3\nzone = DE\n' > "$work/zone.conf"

# N records: 4 records a job (extern holds the job's share; batch and two
# srun steps their own; the batch step held a GPU), 40 projects, 400 users,
# spread over 2026 (job instances that began January to June), each record
# with one hour bucket. Written directly (the plugin's writer path is
# measured by bench_storage.sh); from sql/023 on they wait in the default
# partition until db upgrade below makes their months' partitions.
psql -X -q -v ON_ERROR_STOP=1 "$admin" <<SQL
INSERT INTO carbon.step_energy
    (cluster, job_id, job_start, step, node, uid, user_name, project, tag, start_time, end_time,
     cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
     job_cpu_j, job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s, split, hours,
     cpu_model, alloc_cpus, gpu_model, gpus)
SELECT 'bench', i / 4, h, (ARRAY['extern', 'batch', '0', '1'])[i % 4 + 1], 'n' || (i / 4) % 500,
       1000 + (i / 4) % 400, 'user' || (i / 4) % 400, 'project' || (i / 4) % 40, 'tag' || (i / 4) % 7,
       h, h + interval '50 minutes', 100000, 10000, 0, 0, 300, 'rapl', false,
       CASE WHEN i % 4 = 0 THEN 400000 ELSE 0 END, CASE WHEN i % 4 = 0 THEN 40000 ELSE 0 END,
       0, 0, 0, 1800, 'cgroup-v1',
       CASE WHEN i % 4 = 0 THEN jsonb_build_array(jsonb_build_object('hour',
            to_char(h, 'YYYY-MM-DD"T"HH24:00:00"Z"'), 'cpu_j', 400000, 'dram_j', 40000,
            'gpu_j', 0, 'other_j', 0)) ELSE '[]'::jsonb END,
       'Bench CPU', 8, CASE WHEN i % 4 = 1 THEN 'Bench GPU' END, CASE WHEN i % 4 = 1 THEN 1 ELSE 0 END
FROM generate_series(0, $records - 1) AS i,
     LATERAL (SELECT timestamptz '2026-01-01 00:00Z' + (i / 4) * interval '1 minute' AS h) t;
ANALYZE carbon.step_energy;
SQL
"$report" -d "$admin" --config "$work/report.conf" db upgrade > /dev/null
# As autovacuum leaves it: the recomputation rewrote every job row.
psql -X -q "$admin" -c "VACUUM ANALYZE carbon.job_total" > /dev/null

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: > "$work/track.t"
: > "$work/sum.t"
: > "$work/hourly.t"
: > "$work/zone.t"
for _ in $(seq "$runs"); do
	t0=$(now)
	psql -X -q -t -A "$admin" -c "SELECT sum(job_cpu_j + job_dram_j + job_gpu_j + job_other_j)
		FROM carbon.step_energy" > /dev/null
	t1=$(now)
	elapsed "$t0" "$t1" >> "$work/sum.t"
	t0=$(now)
	"$report" -d "$admin" --config "$work/report.conf" track > "$work/track.out" 2> "$work/track.err"
	rc=$?
	t1=$(now)
	elapsed "$t0" "$t1" >> "$work/track.t"
	t0=$(now)
	"$report" -d "$admin" --config "$work/other.conf" track > /dev/null 2>> "$work/track.err"
	t1=$(now)
	elapsed "$t0" "$t1" >> "$work/hourly.t"
	t0=$(now)
	"$report" -d "$admin" --config "$work/zone.conf" track > /dev/null 2>> "$work/track.err"
	t1=$(now)
	elapsed "$t0" "$t1" >> "$work/zone.t"
done
sum_s=$(median < "$work/sum.t")
track_s=$(median < "$work/track.t")
hourly_s=$(median < "$work/hourly.t")
zone_s=$(median < "$work/zone.t")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo "| records | track (median of $runs) | bare SELECT sum (median) | ratio | track exit | track, another PUE and fixed intensity (median) | / track | track, another PUE and a zone: hour by hour (median) | / track |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| $records | $track_s s | $sum_s s | $(ratio "$track_s" "$sum_s") | $rc | $hourly_s s | $(ratio "$hourly_s" "$track_s") | $zone_s s | $(ratio "$zone_s" "$track_s") |"
tail -3 "$work/track.err" | sed 's/^/# /'
