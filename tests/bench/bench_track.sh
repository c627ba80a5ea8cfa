#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of `carbon-report track`: over N step records (each with one
# hour bucket) in the harness's real PostgreSQL, against a bare
# `SELECT sum(...)` over the same rows, measured in the same run; and the
# same report by a reporter whose settings differ from the site's: one with
# a fixed intensity (the rate is the same every hour, so each job is priced
# at once: carbon.rate_spans), one with a zone (its annual figures change
# at the turn of a year only: the jobs within one are priced at once too)
# and one whose zone has an hourly series for a month (those jobs priced
# hour by hour). Budgets (DESIGN, issue 15): track <= 2 s and
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
# stored figure applies, and every job is priced again (at once: the rate
# is the same at every instant).
printf '[site]\ncluster = bench\npue = 1.3\nintensity = 300\n' > "$work/other.conf"
# A reporter with a zone instead: its intensity (here the zone's annual
# figures, loaded by db upgrade) changes at the turn of a year only
# (carbon.rate_spans), so a job within one year is priced at once; and one
# whose zone has an hourly series for part of the time.
printf '[site]\ncluster = bench\npue = 1.3\nzone = DE\n' > "$work/zone.conf"
printf '[site]\ncluster = bench\npue = 1.3\nzone = DE-BENCH\n' > "$work/series.conf"

# N records (tests/bench/track_data.sql: a job a minute from January 2026,
# each with one hour bucket).
psql -X -q -v ON_ERROR_STOP=1 -v records="$records" -f "$top/tests/bench/track_data.sql" "$admin"
# A zone with an hourly series over March 2026 (a sixth of 1 M records'
# jobs; DE's annual figures before and after): those jobs are priced hour
# by hour, the others at once.
psql -X -q -v ON_ERROR_STOP=1 "$admin" <<SQL
INSERT INTO carbon.intensity_series (zone, start_time, end_time, g_per_kwh, dataset)
SELECT 'DE-BENCH', h, h + interval '1 hour', 300 + (extract(epoch FROM h) / 3600)::int % 97, 'bench'
FROM generate_series(timestamptz '2026-03-01 00:00Z', '2026-03-31 23:00Z', interval '1 hour') AS h;
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
: > "$work/series.t"
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
	t0=$(now)
	"$report" -d "$admin" --config "$work/series.conf" track > /dev/null 2>> "$work/track.err"
	t1=$(now)
	elapsed "$t0" "$t1" >> "$work/series.t"
done
sum_s=$(median < "$work/sum.t")
track_s=$(median < "$work/track.t")
hourly_s=$(median < "$work/hourly.t")
zone_s=$(median < "$work/zone.t")
series_s=$(median < "$work/series.t")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo "| records | track (median of $runs) | bare SELECT sum (median) | ratio | track exit | track, another PUE and fixed intensity (median) | / track | track, another PUE and a zone (median) | / track | track, a zone with an hourly series for March (median) | / track |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
echo "| $records | $track_s s | $sum_s s | $(ratio "$track_s" "$sum_s") | $rc | $hourly_s s | $(ratio "$hourly_s" "$track_s") | $zone_s s | $(ratio "$zone_s" "$track_s") | $series_s s | $(ratio "$series_s" "$track_s") |"
tail -3 "$work/track.err" | sed 's/^/# /'
