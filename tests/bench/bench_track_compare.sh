#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The reports of this build against another build's (a baseline: main, a
# release) on the track benchmark's records, byte for byte: a change of how
# summary, track and statement compute (issue 15: a span of constant rate
# prices a job at once) must not change one figure they print. Both builds
# set up a database of their own (db init, the same records, db upgrade),
# and each report runs with each of five reporters' carbon.conf:
#   stored     the site's own settings (the stored carbon applies)
#   fixed      another PUE and a fixed intensity (one span of all time)
#   zone       another PUE and zone DE (annual figures)
#   years      zone XX, whose annual figures differ from 2025 to 2026, and
#              jobs across the turn of the year
#   series     zone XX-S, with an hourly series over a week of the jobs
# and the cluster has a PUE period that begins and ends within jobs' hours.
# A few jobs are odd on purpose: across the turn of the year, with energy
# counted at their start (no hour bucket, or buckets that hold less than
# the job), and with hour buckets outside their own start and end.
# The statement's schema version (data_version) is the one line that may
# differ, and is left out of the comparison.
#
# Usage: tests/bench/bench_track_compare.sh BASE_BUILDDIR [N_RECORDS (100000)]
# BASE_BUILDDIR: a built tree of the baseline (its report/carbon-report).
# On the harness's PostgreSQL (--no-slurm), or with COMPARE_PG=CONNINFO on
# a server of one's own (a superuser's conninfo without dbname). TAP output.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
base_report=$(cd "${1:?usage: $0 BASE_BUILDDIR [N_RECORDS]}" && pwd)/report/carbon-report
records=${2:-100000}
[[ -x $base_report ]] || { echo "Bail out! no $base_report"; exit 1; }

work=$(mktemp -d /tmp/carbon-bench-compare.XXXXXX)
if [[ -n ${COMPARE_PG:-} ]]; then
	server=$COMPARE_PG
	trap 'rm -rf "$work"' EXIT
else
	. "$top/tests/harness/harness.sh"
	harness_start --no-slurm > /dev/null
	trap 'harness_stop; rm -rf "$work"' EXIT
	server="host=$HARNESS_PGHOST port=$HARNESS_PGPORT user=$HARNESS_PGUSER"
fi
echo "1..$((2 + 5 * 17))"

site='[site]\ncluster = bench\n'
printf "${site}pue = 1.25\nintensity = 300\n" > "$work/stored.conf"
printf "${site}pue = 1.3\nintensity = 300\n" > "$work/fixed.conf"
printf "${site}pue = 1.3\nzone = DE\n" > "$work/zone.conf"
printf "${site}pue = 1.3\nzone = XX\n" > "$work/years.conf"
printf "${site}pue = 1.3\nzone = XX-S\n" > "$work/series.conf"

# The odd jobs, each one record holding the job's share (J), its hour
# buckets as (hour, J) pairs.
odd_jobs() {
	cat <<-'SQL'
	INSERT INTO carbon.step_energy
	    (cluster, job_id, job_start, step, node, uid, user_name, project, tag, start_time,
	     end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial, job_cpu_j,
	     job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s, split, hours,
	     cpu_model, alloc_cpus, gpu_model, gpus)
	SELECT 'bench', o.id, o.s, 'extern', 'n1', 1007, 'user7', 'project3', 'tag2', o.s,
	       o.s + o.len, o.j, 0, 0, 0, 30, 'rapl', false, o.j, 0, 0, 0, 0, 60, 'cgroup-v1',
	       (SELECT jsonb_agg(jsonb_build_object('hour', to_char(b.h AT TIME ZONE 'UTC',
	                         'YYYY-MM-DD"T"HH24:00:00"Z"'), 'cpu_j', b.j, 'dram_j', 0,
	                         'gpu_j', 0, 'other_j', 0))
	        FROM unnest(o.hours, o.hour_j) AS b(h, j)),
	       'Bench CPU', 8, NULL, 0
	FROM (VALUES
	    -- across the turn of the year
	    (900000001, timestamptz '2025-12-31 23:20Z', interval '90 minutes', 5.0e6,
	     ARRAY[timestamptz '2025-12-31 23:00Z', '2026-01-01 00:00Z'], ARRAY[2.0e6, 3.0e6]),
	    -- counted at its start in 2025 (no bucket holds all of it), buckets in 2026
	    (900000002, '2025-12-31 23:50Z', '40 minutes', 4.0e6,
	     ARRAY[timestamptz '2026-01-01 00:00Z'], ARRAY[1.5e6]),
	    -- no hour bucket at all
	    (900000003, '2025-12-31 10:00Z', '20 minutes', 1.0e6, NULL, NULL),
	    -- buckets outside its own start and end (a record's word)
	    (900000004, '2026-01-02 05:00Z', '30 minutes', 2.0e6,
	     ARRAY[timestamptz '2025-06-01 00:00Z'], ARRAY[2.0e6]),
	    -- within the series' week, and one across its first hour
	    (900000005, '2026-01-06 12:10Z', '3 hours', 3.0e6,
	     ARRAY[timestamptz '2026-01-06 12:00Z', '2026-01-06 13:00Z', '2026-01-06 14:00Z'],
	     ARRAY[1.0e6, 1.0e6, 1.0e6]),
	    (900000006, '2026-01-04 23:30Z', '1 hour', 2.0e6,
	     ARRAY[timestamptz '2026-01-04 23:00Z', '2026-01-05 00:00Z'], ARRAY[1.0e6, 1.0e6])
	) AS o(id, s, len, j, hours, hour_j);
	SQL
}

# The same database for each build, set up by that build.
setup() {	# setup DB REPORT
	local db=$1 bin=$2 conn="$server dbname=$1"
	psql -X -q -v ON_ERROR_STOP=1 "$server dbname=postgres" \
		-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" &&
	"$bin" -d "$conn" db init > /dev/null &&
	psql -X -q -v ON_ERROR_STOP=1 -v records="$records" -f "$top/tests/bench/track_data.sql" \
		"$conn" &&
	odd_jobs | psql -X -q -v ON_ERROR_STOP=1 "$conn" &&
	psql -X -q -v ON_ERROR_STOP=1 "$conn" <<-'SQL' &&
	-- A PUE period that begins and ends within jobs' hours.
	INSERT INTO carbon.pue_period (cluster, valid_from, valid_to, pue)
	    VALUES ('bench', '2026-01-03 10:30Z', '2026-01-09 00:20Z', 1.4);
	-- XX's annual figures, other in 2025 than in 2026; XX-S's hourly series.
	INSERT INTO carbon.intensity_annual (zone, kind, year, g_per_kwh, dataset)
	    VALUES ('XX', 'country', 2025, 100, 'bench'), ('XX', 'country', 2026, 200, 'bench');
	INSERT INTO carbon.intensity_series (zone, start_time, end_time, g_per_kwh, dataset)
	    SELECT 'XX-S', h, h + interval '1 hour', 150 + (extract(epoch FROM h) / 3600)::int % 97,
	           'bench'
	    FROM generate_series(timestamptz '2026-01-05 00:00Z', '2026-01-11 23:00Z',
	                         interval '1 hour') AS h;
	SQL
	"$bin" -d "$conn" --config "$work/stored.conf" db upgrade > /dev/null &&
	psql -X -q "$conn" -c "VACUUM ANALYZE carbon.job_total, carbon.job_hour" > /dev/null
}
check "the baseline's database: $records records and the odd jobs" \
	setup carbon_cmp_base "$base_report"
check "this build's database: the same" setup carbon_cmp "$report"

# The statement names the data's version (data_version: the schema's, and
# when the series was written): not compared.
unversioned() {
	sed -E 's/"data_version": \{[^}]*\}/"data_version": {}/
		s/^( +data +schema )[0-9]+;(.*, imported ).*/\1N;\2T/'
}
cmds=(
	"summary --by user" "summary --by project" "summary --by tag" "summary --by day"
	"summary --by user -A project3" "summary --by project -u user7"
	"summary --by day -t tag2" "summary --by project -S 2026-01-04 -E 2026-01-08"
	"summary --by user -j 900000001,900000002,900000004,900000005,7,1500"
	"track" "track --format csv" "track --json" "track -A project5" "track -S 2026-01-06"
	"track -A project3 --json" "statement -A project3 --json" "statement -u user7"
)
for conf in stored fixed zone years series; do
	for c in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		"$base_report" -d "$server dbname=carbon_cmp_base" --config "$work/$conf.conf" $c \
			2>&1 | unversioned > "$work/base.out"
		# shellcheck disable=SC2086
		"$report" -d "$server dbname=carbon_cmp" --config "$work/$conf.conf" $c \
			2>&1 | unversioned > "$work/this.out"
		if cmp -s "$work/base.out" "$work/this.out"; then
			ok "$conf: $c: the same ($(wc -c < "$work/this.out") bytes)"
		else
			not_ok "$conf: $c: differs"
			diff "$work/base.out" "$work/this.out" | head -20 | cut -c1-300 | sed 's/^/# /'
		fi
	done
done
