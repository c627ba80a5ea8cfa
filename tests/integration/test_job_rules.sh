#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The rules of sql/functions/job_rules.sql on a scratch database of the
# harness's PostgreSQL, from table rows to figures: the share of each record
# a job's totals count (the union rule of records from before 003: a job's
# nested steps are counted once), a job's GPU-seconds, its totals and its
# carbon hour by hour (each hour at its PUE x intensity). Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"
work=$(mktemp -d /tmp/carbon-job-rules.XXXXXX)
confdir=$work
chmod 755 "$work"
: > "$work/plugstack.conf"
harness_start --plugstack "$work/plugstack.conf" > /dev/null
trap 'harness_stop; rm -rf "$work"' EXIT
admin_db="$HARNESS_CONNINFO user=$HARNESS_PGUSER"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
# is DESCRIPTION GOT WANT
is() { if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi; }

echo "1..26"
check_db_init "$admin_db"

# A record of job JOB on NODE from second A to B after 2026-01-01 (STEP; a
# record from before 003: no job share, no hours). METHOD 'none': no counters.
rec() {	# JOB STEP NODE A B [METHOD [GPUS [JOB_CPU_J [HOURS]]]]
	local share=NULL zero=NULL
	[[ -n ${8:-} ]] && { share=$8; zero=0; }
	echo "('r', $1, '$2', '$3', 1000, 'alice', timestamptz '2026-01-01Z' + $4 * interval '1 s',
	  timestamptz '2026-01-01Z' + $5 * interval '1 s', 3600000, 0, 0, 0, '${6:-rapl}', false,
	  $share, $zero, $zero, $zero, ${7:-NULL}, ${9:-NULL})"
}
rows=()
# The cases of the union rule: job id, then its records.
union_case() {	# JOB DESCRIPTION "STEP NODE A B [METHOD]"... -- FRACTION...
	local job=$1 desc=$2 r
	shift 2
	while [[ $1 != -- ]]; do
		# shellcheck disable=SC2086
		rows+=("$(rec "$job" $1)")
		shift
	done
	shift
	cases+=("$job|$desc|$*")
}
cases=()
union_case 1 "one step counts whole" "s0 n01 0 100" -- 1
union_case 2 "nested steps: only the outer batch step counts" \
	"s0 n01 0 100" "s1 n01 10 40" "s2 n01 50 90" -- 1 0 0
union_case 3 "sequential steps add up" "s0 n01 0 10" "s1 n01 10 30" "s2 n01 40 50" -- 1 1 1
union_case 4 "partial overlap counts the uncovered share" "s0 n01 0 10" "s1 n01 5 15" -- 1 0.5
union_case 5 "overlapping steps: each counts what earlier-starting ones left" \
	"s0 n01 0 10" "s1 n01 20 30" "s2 n01 5 25" -- 1 0.5 0.75
union_case 6 "same start: the longer one is the outer step" "s0 n01 0 90" "s1 n01 0 100" -- 0 1
union_case 7 "extern around batch around steps" \
	"s0 n01 0 101" "s1 n01 0.5 100" "s2 n01 10 40" -- 1 0 0
union_case 8 "nodes are independent" \
	"s0 n01 0 100" "s1 n02 10 40" "s2 n01 10 40" "s3 n02 30 60" -- 1 1 0 0.666667
union_case 9 "a step without counters covers nothing and counts nothing" \
	"s0 n01 0 100 none" "s1 n01 10 40" "s2 n01 30 50" -- 0 1 0.5
union_case 10 "zero-length step outside any other counts" "s0 n01 0 10" "s1 n01 20 20" -- 1 1
union_case 11 "zero-length step inside another does not" "s0 n01 0 10" "s1 n01 5 5" -- 1 0
union_case 12 "identical windows: the first counts" "s0 n01 0 10" "s1 n01 0 10" -- 1 0
# GPU-seconds: 2 GPUs on n01 held by a batch step (0-100 s) and a step
# inside it (50-150 s), one on n02 (0-30 s), a record without GPUs.
rows+=("$(rec 20 batch n01 0 100 rapl 2 3600000)" "$(rec 20 0 n01 50 150 rapl 1 0)"
       "$(rec 20 0 n02 0 30 rapl 1 0)" "$(rec 20 1 n02 0 300 rapl 0 0)")
# Carbon: 1 kWh in two hour buckets (0.6 + 0.4 kWh; a job share of 1 kWh),
# 0.5 kWh of another record without buckets (at the job's start).
rows+=("$(rec 21 batch n01 0 7200 rapl 0 3600000 \
	"'[{\"hour\":\"2026-01-01T00:00:00Z\",\"cpu_j\":2160000,\"dram_j\":0,\"gpu_j\":0,\"other_j\":0},{\"hour\":\"2026-01-01T01:00:00Z\",\"cpu_j\":1440000,\"dram_j\":0,\"gpu_j\":0,\"other_j\":0}]'")"
       "$(rec 21 0 n02 0 10 rapl 0 1800000)" "$(rec 22 batch n01 0 10 none 0 0)")
values=$(IFS=,; echo "${rows[*]}")
check "the records are stored" sql "INSERT INTO carbon.step_energy (cluster, job_id, step, node,
	uid, user_name, start_time, end_time, cpu_j, dram_j, gpu_j, other_j, method, partial,
	job_cpu_j, job_dram_j, job_gpu_j, job_other_j, gpus, hours) VALUES $values"

keys="(SELECT array_agg(cluster) AS c, array_agg(job_id) AS i, array_agg(job_start) AS s
       FROM (SELECT DISTINCT cluster, job_id, job_start FROM carbon.step_energy) d) k"
for c in "${cases[@]}"; do
	IFS='|' read -r job desc want <<< "$c"
	got=$(sql "SELECT string_agg(round(x.counted::numeric, 6)::float8::text, ' ' ORDER BY x.step)
		FROM $keys, carbon.job_step_shares(k.c, k.i, k.s) x
		WHERE x.job_id = $job" 2>&1)
	is "union rule: $desc" "$got" "$want"
done

got=$(sql "SELECT t.gpu_s FROM $keys, carbon.job_totals_of(k.c, k.i, k.s) t WHERE t.job_id = 20" 2>&1)
is "GPU-seconds: most GPUs on a node x the union of its GPU windows, summed over nodes" \
	"$got" "330"
got=$(sql "SELECT round((t.cpu_j / 3600000)::numeric, 6)::float8, t.records,
	t.needs_records FROM $keys, carbon.job_totals_of(k.c, k.i, k.s) t WHERE t.job_id = 2" 2>&1)
is "totals of records from before 003: each node's time once" "$got" "1|3|t"

# PUE 1.5 in the first hour (a period), else the site's 1.2; intensity from
# an hourly series in the first hour (100 g), else the zone's annual figure
# (a test zone of 400 g).
check "site, PUE period, series and annual intensity" sql "
	INSERT INTO carbon.cluster_site (cluster, zone, pue) VALUES ('r', 'XX-TEST', 1.2);
	INSERT INTO carbon.pue_period (cluster, valid_from, valid_to, pue)
		VALUES ('r', '2026-01-01 00:00Z', '2026-01-01 01:00Z', 1.5);
	INSERT INTO carbon.intensity_series (zone, start_time, end_time, g_per_kwh, signal, scope, dataset)
		VALUES ('XX-TEST', '2026-01-01 00:00Z', '2026-01-01 01:00Z', 100, 'average', 'direct', 'test');
	INSERT INTO carbon.intensity_annual (zone, year, g_per_kwh, kind, dataset)
		VALUES ('XX-TEST', 2026, 400, 'zone', 'test annual')"
carbon() {	# SELECT list, then the report's settings
	sql "SELECT $1 FROM $keys, carbon.job_carbon_of(k.c, k.i, k.s,
		NULL, false, $2) c WHERE c.job_id = 21" 2>&1
}
# The site's settings: 0.6 kWh x 1.5 x 100 g + 0.4 kWh x 1.2 x 400 g + 0.5
# kWh at the start (x 1.5 x 100 g) = 0.09 + 0.192 + 0.075 kg; facility
# 0.9 + 0.48 + 0.75 kWh. A reporter's own PUE 1.0 and 300 g: 0.9 + 0.4 +
# 0.75 kWh x 300 g.
is "carbon: each hour at its PUE x intensity, energy without buckets at the start" \
	"$(carbon "round(c.facility_kwh::numeric, 6)::float8, round(c.co2e_kg::numeric, 6)::float8, c.hours, c.level, c.resolution" \
		"1.0, NULL, NULL, false")" "2.13|0.357|2|mixed|mixed"
is "carbon: a reporter's own fixed intensity and PUE speak for every hour but the PUE periods" \
	"$(carbon "round(c.co2e_kg::numeric, 6)::float8, c.level" "1.0, NULL, 300, true")" "0.615|site"
is "carbon: the stored carbon is that of the site's settings" \
	"$(sql "SELECT carbon.job_totals_catch_up() > 0;
		SELECT round(co2e_kg::numeric, 6)::float8 FROM carbon.job_total WHERE job_id = 21" | tail -1)" "0.357"
is "carbon: a job without counters has none" \
	"$(sql "SELECT facility_kwh, co2e_kg FROM carbon.job_total WHERE job_id = 22")" "0|0"

# The spans over which a report's rate is the same (carbon.rate_spans): cut
# where the PUE period and the series begin and end; the zone's one annual
# figure holds before and after (the years between are one span).
spans() {	# the report's settings
	sql "SET TimeZone = 'UTC'; SELECT string_agg(concat_ws(' ', s.span_start, s.span_end,
		coalesce(s.pue::text, '-'), coalesce(s.g_per_kwh::text, '-')), ', ' ORDER BY s.span_start)
		FROM carbon.rate_spans('r', $1) s" 2>&1
}
is "spans: the site's settings, none where the series covers the span" "$(spans "1.0, NULL, NULL, false")" \
	"-infinity 2026-01-01 00:00:00+00 1.2 400, 2026-01-01 00:00:00+00 2026-01-01 01:00:00+00 - -, 2026-01-01 01:00:00+00 infinity 1.2 400"
is "spans: a reporter's own fixed intensity, the PUE period apart" "$(spans "1.0, NULL, 300, true")" \
	"-infinity 2026-01-01 00:00:00+00 1 300, 2026-01-01 00:00:00+00 2026-01-01 01:00:00+00 1.5 300, 2026-01-01 01:00:00+00 infinity 1 300"
# A report prices a job within one span at once and the others hour by
# hour: job 23 starts in the last span but its hour bucket (a record's
# word) lies in the PUE period, job 24 lies in the last span. 1 kWh each,
# at the reporter's 300 g: 1.5 x 0.3 kg, and 1.0 x 0.3 kg.
check "jobs 23 and 24 are stored" sql "INSERT INTO carbon.step_energy (cluster, job_id, step,
	node, uid, user_name, start_time, end_time, cpu_j, dram_j, gpu_j, other_j, method, partial,
	job_cpu_j, job_dram_j, job_gpu_j, job_other_j, gpus, hours) VALUES
	$(rec 23 batch n01 7200 7800 rapl 0 3600000 \
		"'[{\"hour\":\"2026-01-01T00:00:00Z\",\"cpu_j\":3600000,\"dram_j\":0,\"gpu_j\":0,\"other_j\":0}]'"),
	$(rec 24 batch n01 10800 11400 rapl 0 3600000 \
		"'[{\"hour\":\"2026-01-01T03:00:00Z\",\"cpu_j\":3600000,\"dram_j\":0,\"gpu_j\":0,\"other_j\":0}]'")"
printf '[site]\npue = 1.0\nintensity = 300\n' > "$work/fixed.conf"
kg() { "$report" -d "$admin_db" --config "$work/fixed.conf" summary --by user -j "$1" --json |
	jq -r '.total.co2e_kg'; }
is "a report: a job whose hour bucket lies in another span than its start, hour by hour" "$(kg 23)" "0.45"
is "a report: a job within one span, at its rate" "$(kg 24)" "0.3"
