#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Energy becomes carbon (issue 5), on the harness's real PostgreSQL: hour by
# hour intensity from an imported series, every level of the resolution
# chain, PUE by period. The records are written as the plugin writes them
# (carbon.put_step as carbon_writer) for jobs that span hours, which a test
# cannot wait for. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir carbon
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
admin_db="$HARNESS_CONNINFO user=$HARNESS_PGUSER"
writer_db="$HARNESS_CONNINFO user=carbon_writer"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }

conf() {	# conf [SITE LINES...]: a reporter's carbon.conf
	{
		printf '[site]\npue = 1.25\n'
		(($#)) && printf '%s\n' "$@"
		printf '[report]\nconninfo = %s\n' "$admin_db"
	} > "$confdir/report.conf"
}
report_json() {	# report_json JOB: carbon-report job JOB --json with report.conf
	"$report" --config "$confdir/report.conf" job "$1" --json > "$confdir/job.json" 2> "$confdir/job.err"
	job_json=$confdir/job.json
}

# put JOB START END JOULES_PER_HOUR...: a record of the measurement engine
# for job JOB (step batch, node n1), its energy in hour buckets from START
# (epoch seconds, on an hour) on; the first and last hours as given.
put() {
	local job=$1 start=$2 end=$3 hours='[' total=0 h=$2 j
	shift 3
	for j in "$@"; do
		hours+="{\"hour\": \"$(date -u -d "@$h" +%Y-%m-%dT%H:%M:%SZ)\", \"cpu_j\": $j, \"dram_j\": 0, \"gpu_j\": 0, \"other_j\": 0},"
		total=$(awk -v a="$total" -v b="$j" 'BEGIN { print a + b }')
		h=$((h + 3600))
	done
	hours="${hours%,}]"
	psql -X -q -t -A -v ON_ERROR_STOP=1 "$writer_db" -c "SELECT carbon.put_step(
		'carbontest', $job, 'batch', 'n1', 1001, 'alice', NULL, 'p', 't',
		to_timestamp($start), to_timestamp($end), $total, 0, 0, 0, 10, 'rapl', false,
		$total, 0, 0, 0, 0, 1.0, 'cgroup-v1', NULL, '$hours'::jsonb)" > /dev/null
}

echo "1..26"
check_db_init "$admin_db"
# db init loads every table of data/ (one row a CSV line after the header).
rows=$(cat "$top"/data/intensity_*.csv | grep -vc '^zone,')
check "db init loaded every annual intensity of data/ ($rows rows)" \
	test "$(sql "SELECT count(*) FROM carbon.intensity_annual")" = "$rows"
check "with each row's dataset and licence" \
	test "$(sql "SELECT count(*) FROM carbon.intensity_annual WHERE dataset = '' OR licence IS NULL")" = 0
# The tests below bring their own annual values.
sql "DELETE FROM carbon.intensity_annual"

# --- a job over three UTC hours, a different intensity in each ------------------
h0=$(date -u -d '2026-03-02T10:00:00Z' +%s)
put 101 $((h0 + 1800)) $((h0 + 9000)) 1800000 3600000 1800000	# 0.5, 1, 0.5 kWh
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
printf 'zone,start,g_per_kwh\nDE,%s,100\nDE,%s,200\nDE,%s,400\n' \
	"$(iso "$h0")" "$(iso $((h0 + 3600)))" "$(iso $((h0 + 7200)))" > "$confdir/test-series.csv"
# The same with one bad row: nothing of it may be imported.
sed '3s/,200$/,-5/' "$confdir/test-series.csv" > "$confdir/bad-series.csv"
out=$("$report" -d "$admin_db" import intensity "$confdir/bad-series.csv" 2>&1)
rc=$?
echo "# $out"
check "a file with one bad row is refused (exit 2) naming FILE:LINE and the reason" \
	eval '[ $rc = 2 ] && grep -q "bad-series.csv:3: .*negative" <<<"$out"'
check "and nothing of it was imported" test "$(sql "SELECT count(*) FROM carbon.intensity_series")" = 0
# --progress: progress lines on stderr, though it is no terminal here.
"$report" -d "$admin_db" --progress import intensity "$confdir/test-series.csv" \
	> "$confdir/import.out" 2> "$confdir/import.err"
out=$(cat "$confdir/import.out")
echo "# $out"
echo "# stderr: $(tr '\r' '|' < "$confdir/import.err")"
check "the good file imports its 3 hourly values" grep -q "imported 3 hourly values for DE.*3 new" <<<"$out"
check "--progress: import intensity draws values sent of all, rate and time left, in place (\\r)" \
	grep -q $'\rimport intensity: 3/3 values (100%), [0-9.]* values/s, [0-9:]* left *$' "$confdir/import.err"
out=$("$report" -d "$admin_db" import intensity "$confdir/test-series.csv" 2>&1)
echo "# $out"
check "importing it again adds nothing" \
	eval 'grep -q "0 new, 0 updated, 3 unchanged" <<<"$out" && [ "$(sql "SELECT count(*) FROM carbon.intensity_series")" = 3 ]'
check "without --progress, and stderr no terminal, no progress line" \
	eval '! grep -q "import intensity:\|recomputing\|$(printf "\r")" <<<"$out"'
conf 'zone = DE'
report_json 101
# By hand: facility = kWh x 1.25; 0.5 x 100 + 1 x 200 + 0.5 x 400 = 450 g x 1.25.
want=$(awk 'BEGIN { print (0.5 * 100 + 1 * 200 + 0.5 * 400) * 1.25 / 1000 }')
echo "# three hours: co2e $(j .co2e_kg) kg, by hand $want kg; source $(j ".intensity_source | tostring")"
check "co2e is the sum over hours of facility kWh x that hour's intensity (0.1 %)" \
	within 0.1 "$(j .co2e_kg)" "$want"
schema=$(basename "$(ls "$top"/sql/[0-9]*.sql | tail -1)" | sed 's/_.*//; s/^0*//')
check "the report names its data: schema $schema, 3 series rows, when they were imported" \
	test "$(j '.data_version | [.schema, .series_rows, (.series_imported_at != null)] | map(tostring) | join(" ")')" = "$schema 3 true"
check "intensity_source says series, hourly, zone DE, dataset test-series" \
	test "$(j '.intensity_source | [.level, .resolution, .zone, .dataset] | join(" ")')" = "series hourly DE test-series.csv"
# The site's settings recorded by db upgrade --config serve a reporter
# without the site's carbon.conf (a participant's).
printf '[site]\ncluster = carbontest\nzone = DE\npue = 1.25\n' > "$confdir/site.conf"
"$report" -d "$admin_db" --config "$confdir/site.conf" --progress db upgrade \
	> "$confdir/upgrade.out" 2> "$confdir/upgrade.err"
out=$(cat "$confdir/upgrade.out" "$confdir/upgrade.err")
echo "# $out" | tr '\r' '|'
check "db upgrade --config records the cluster's site settings" grep -q "site of cluster carbontest: zone DE, pue 1.25" <<<"$out"
recompute_drawn() {
	grep -q "recomputed the stored carbon of 1 jobs" "$confdir/upgrade.out" &&
		grep -q $'\rrecomputing stored carbon: 1/1 jobs (100%), [0-9.]* jobs/s, [0-9:]* left *$' \
			"$confdir/upgrade.err"
}
check "--progress: db upgrade draws its recompute of the stored carbon the new site settings made stale" \
	recompute_drawn
"$report" -d "$admin_db" job 101 --json > "$confdir/job.json" 2> "$confdir/job.err"
job_json=$confdir/job.json
check "a report without carbon.conf uses the cluster's zone and PUE ($(j .co2e_kg) kg)" \
	eval 'within 0.1 "$(j .co2e_kg)" "$want" && [ "$(j .intensity_source.zone)" = DE ]'
sql "DELETE FROM carbon.cluster_site"
sql "DELETE FROM carbon.intensity_annual"	# db upgrade loaded data/ again

# --- the resolution chain, each level with the one above it removed --------------
h1=$(date -u -d '2026-05-04T08:00:00Z' +%s)
put 102 "$h1" $((h1 + 3600)) 3600000		# 1 kWh in one hour
sql "INSERT INTO carbon.intensity_series (zone, start_time, end_time, g_per_kwh, dataset) VALUES
	('US-CAL-CISO', to_timestamp($h1), to_timestamp($((h1 + 3600))), 210, 'caiso-series')"
sql "INSERT INTO carbon.intensity_annual (zone, kind, year, g_per_kwh, dataset) VALUES
	('US-CAL-CISO', 'zone', 2025, 230, 'zone-annual'), ('US-CAL-CISO', 'zone', 2019, 999, 'zone-annual'),
	('US', 'country', 2024, 370, 'country-annual'),
	('WORLD', 'world', 2024, 480, 'world-annual')"
level() {	# level: "LEVEL G YEAR" of job 102
	report_json 102
	j '.intensity_source.level + " " + (.intensity_g_per_kwh | tostring) + " " + (.intensity_source.year // 0 | tostring)'
}
conf 'zone = US-CAL-CISO' 'intensity = 50'
check "a fixed site intensity comes first ($(level))" test "$(level)" = "site 50 0"
conf 'zone = US-CAL-CISO'
check "then the zone's series ($(level))" test "$(level)" = "series 210 2026"
sql "DELETE FROM carbon.intensity_series WHERE zone = 'US-CAL-CISO'"
check "then the zone's annual value of the nearest year ($(level))" test "$(level)" = "zone 230 2025"
sql "DELETE FROM carbon.intensity_annual WHERE zone = 'US-CAL-CISO'"
check "then the country's, from the zone id ($(level))" test "$(level)" = "country 370 2024"
sql "DELETE FROM carbon.intensity_annual WHERE zone = 'US'"
check "then the world's ($(level))" test "$(level)" = "world 480 2024"
sql "DELETE FROM carbon.intensity_annual WHERE zone = 'WORLD'"
check "without a world row, Green Algorithms' 475 (2019) ($(level))" test "$(level)" = "world 475 2019"
check "co2e follows the level: 1 kWh x 1.25 x 475 g" within 0.1 "$(j .co2e_kg)" 0.59375

# --- PUE by period -----------------------------------------------------------------
h2=$(date -u -d '2026-01-15T12:00:00Z' +%s)
h3=$(date -u -d '2026-08-15T12:00:00Z' +%s)
put 103 "$h2" $((h2 + 3600)) 3600000
put 104 "$h3" $((h3 + 3600)) 3600000
sql "INSERT INTO carbon.pue_period (cluster, valid_from, valid_to, pue, note) VALUES
	('carbontest', '2026-01-01Z', '2026-07-01Z', 1.6, 'winter'), ('carbontest', '2026-07-01Z', NULL, 1.1, 'retrofit')"
conf 'intensity = 100'
report_json 103
check "a job in the first period uses its PUE (1.6): $(j .pue)" within 0.01 "$(j .pue)" 1.6
check "and its facility energy is 1 kWh x 1.6 ($(j .energy_kwh.facility))" within 0.01 "$(j .energy_kwh.facility)" 1.6
report_json 104
check "a job in the second period uses its own (1.1): $(j .pue)" within 0.01 "$(j .pue)" 1.1
sql "DELETE FROM carbon.pue_period"
report_json 104
check "outside every period, carbon.conf's pue (1.25): $(j .pue)" within 0.01 "$(j .pue)" 1.25
