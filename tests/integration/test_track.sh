#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# carbon-report summary and track (issue 6), on the harness's PostgreSQL:
# eight jobs of four users in three projects, written as the plugin writes
# them (carbon.put_step as carbon_writer), a fixed intensity and PUE, so that
# every output is exact and is compared with its golden file under
# tests/golden/track/. GOLDEN_UPDATE=1 writes the golden files instead (then
# review them with git diff). Then filters, shares and who sees what.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir track
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
admin_db="$HARNESS_CONNINFO user=$HARNESS_PGUSER"
writer_db="$HARNESS_CONNINFO user=carbon_writer"
golden=$top/tests/golden/track
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
# 400 g/kWh and PUE 1.5: 1 kWh of IT energy is 1.5 kWh facility, 0.6 kg CO2e.
printf '[site]\npue = 1.5\nintensity = 400\n[report]\nconninfo = %s\n' "$admin_db" > "$confdir/report.conf"
# -S and -E read times in UTC whatever TZ says (checked below under other
# zones); TZ=UTC keeps the rest of the test free of the machine's zone.
export TZ=UTC
cr() { "$report" --config "$confdir/report.conf" "$@"; }
lit() { [ "$1" = - ] && echo NULL || echo "'$1'"; }

# put JOB STEP USER PROJECT TAG START HOURS CPU_KWH_H GPU_KWH_H CPU_TIME_S: a
# record of the measurement engine on node n1, START (UTC, on an hour) plus
# HOURS hours, CPU_KWH_H and GPU_KWH_H of energy each hour; "-": no project
# or tag.
put() {
	local job=$1 step=$2 user=$3 project=$4 tag=$5 start h0 hours='[' i cpu gpu
	local gpus=0 gpu_model=NULL
	start=$(date -u -d "$6" +%s)
	cpu=$(awk -v k="$8" 'BEGIN { print k * 3600000 }')
	gpu=$(awk -v k="$9" 'BEGIN { print k * 3600000 }')
	for ((i = 0; i < $7; i++)); do
		h0=$(date -u -d "@$((start + i * 3600))" +%Y-%m-%dT%H:%M:%SZ)
		hours+="{\"hour\": \"$h0\", \"cpu_j\": $cpu, \"dram_j\": 0, \"gpu_j\": $gpu, \"other_j\": 0},"
	done
	hours="${hours%,}]"
	# A record with GPU energy held one GPU all along.
	if [ "$9" != 0 ]; then gpus=1 gpu_model="'Test GPU'"; fi
	psql -X -q -t -A -v ON_ERROR_STOP=1 "$writer_db" -c "SELECT carbon.put_step(
		'carbontest', $job, '$step', 'n1', 1001, '$user', NULL, $(lit "$project"), $(lit "$tag"),
		to_timestamp($start), to_timestamp($((start + $7 * 3600))),
		$cpu * $7, 0, $gpu * $7, 0, 10, 'rapl', false,
		$cpu * $7, 0, $gpu * $7, 0, 0, ${10}, 'cgroup-v1', NULL, '$hours'::jsonb,
		'Test CPU', 4, $gpu_model, $gpus)" > /dev/null
}

# compare NAME COMMAND...: COMMAND's output against $golden/NAME, one test point.
compare() {
	local name=$1
	shift
	"$@" > "$confdir/$name" 2> "$confdir/$name.err"
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$confdir/$name" "$golden/$name"
	fi
	if cmp -s "$confdir/$name" "$golden/$name"; then
		ok "$name: $* prints tests/golden/track/$name"
	else
		not_ok "$name: $* prints tests/golden/track/$name"
		diff -u "$golden/$name" "$confdir/$name" | head -40 | sed 's/^/# /'
		sed 's/^/# /' "$confdir/$name.err"
	fi
}

echo "1..80"
check_db_init "$admin_db"
#   job step  user  project tag  start (UTC)        h  CPU  GPU kWh/h  CPU s
put 101 batch alice astro  run1 2026-03-02T08:00:00 2  1.0  0    28800
put 102 batch alice astro  run2 2026-03-02T12:00:00 1  0.5  1.5  3600
put 103 batch bob   astro  run1 2026-03-03T09:00:00 3  1.0  0    21600
put 104 batch carol bio    run1 2026-03-03T14:00:00 1  0.5  0    1800
put 105 batch carol bio    -    2026-03-03T23:00:00 2  0.25 1.0  7200
put 106 batch dave  bio    run2 2026-03-04T10:00:00 1  0.5  0    3600
put 107 batch dave  chem   run2 2026-03-04T12:00:00 2  0.5  0    600
put 107 0     dave  chem   run2 2026-03-04T12:00:00 2  0    0    14400
put 108 batch bob   chem   run1 2026-03-05T06:00:00 1  2.0  0    3600
# The administrator records the site, as with the site's carbon.conf: each
# job's carbon is then stored at these settings (sql/011), and the reports
# below, whose settings are the same, add up the stored figures.
printf '[site]\ncluster = carbontest\npue = 1.5\nintensity = 400\n[report]\nconninfo = %s\n' \
	"$admin_db" > "$confdir/site.conf"
"$report" --config "$confdir/site.conf" db upgrade > "$confdir/upgrade.out" 2>&1
check "db upgrade records the site; all 8 jobs' stored carbon is of its settings and data" \
	[ "$(sql "SELECT count(*) FROM carbon.job_total WHERE rate_pue = 1.5 AND rate_fixed = 400
		AND rate_zone IS NULL AND rate_gen = (SELECT gen FROM carbon.rate_generation)")" = 8 ]

# --- golden outputs ---------------------------------------------------------------
for by in user project tag day; do
	for f in table markdown json csv; do
		compare "summary-$by.$f" cr summary --by "$by" --format "$f"
	done
done
for f in table markdown json csv html svg; do
	compare "track.$f" cr track --format "$f"
done
# sacct's -P, -n and -o: the table's rows alone on stdout, the notes on stderr.
compare summary-user-parsable.table cr summary --by user -P
compare summary-project-fields.table cr summary --by project -n -o Project,jobs,IT,CO2E,share
compare track-parsable.table cr track -P -o project,user,CPU-h,wall-h,facility,co2e
compare track-fields.markdown cr track --format markdown -o project,user,co2e
check "summary -P: the notes go to stderr" \
	eval 'grep -q "^Share: of the total CO2e.$" "$confdir/summary-user-parsable.table.err" &&
		! grep -q "^Share" "$confdir/summary-user-parsable.table"'
check "track -P: the campaign's scope and the notes go to stderr" \
	eval 'grep -q "^Campaign emissions: 8 jobs, 3 projects, 4 users;" "$confdir/track-parsable.table.err" &&
		grep -q "^Share: of the total CO2e.$" "$confdir/track-parsable.table.err"'

# --- what the numbers say -----------------------------------------------------------
cr summary --by project --json > "$confdir/s.json"
job_json=$confdir/s.json
check "summary: 8 jobs, 13.5 IT kWh, x 1.5 = 20.25 facility kWh, x 0.4 = 8.1 kg CO2e ($(j '.total | [.jobs, .energy_kwh.it, .energy_kwh.facility, .co2e_kg] | map(tostring) | join(" ")'))" \
	eval '[ "$(j ".total.jobs")" = 8 ] && within 0.001 "$(j .total.energy_kwh.it)" 13.5 &&
	within 0.001 "$(j .total.energy_kwh.facility)" 20.25 && within 0.001 "$(j .total.co2e_kg)" 8.1'
check "core-hours are the steps' CPU time (job 107: both steps): $(j .total.core_hours) h = 85200 s" \
	within 0.001 "$(j .total.core_hours)" 23.666667
check "GPU-hours: job 102 held a GPU 1 h, job 105 2 h ($(j '[.groups[] | [.group, .gpu_hours]] | tostring'), total $(j .total.gpu_hours))" \
	eval '[ "$(j ".total.gpu_hours")" = 3 ] && [ "$(j ".groups[0].gpu_hours")" = 1 ] &&
	[ "$(j ".groups[1].gpu_hours")" = 2 ] && [ "$(j ".groups[2].gpu_hours")" = 0 ]'
check "the shares of the projects add up to 100 % ($(j '[.groups[].share_pct] | add'))" \
	within 0.000001 "$(j '[.groups[].share_pct] | add')" 100
check "the projects' kg CO2e add up to the total" \
	within 0.000001 "$(j '[.groups[].co2e_kg] | add')" "$(j .total.co2e_kg)"
cr summary --by day --json > "$confdir/s.json"
check "by day: the UTC day each job ended (105 ends 2026-03-04): $(j '[.groups[] | .group + "=" + (.jobs | tostring)] | join(" ")')" \
	test "$(j '[.groups[] | .group + "=" + (.jobs | tostring)] | join(" ")')" = "2026-03-02=2 2026-03-03=2 2026-03-04=3 2026-03-05=1"
cr summary --by tag --json > "$confdir/s.json"
check "by tag: the job without a tag is a group of its own (null), listed last" \
	test "$(j '.groups[-1] | [.group, .jobs] | map(tostring) | join(" ")')" = "null 1"
cr track --json > "$confdir/s.json"
check "track: the shares of the projects add up to 100 %" \
	within 0.000001 "$(j '[.projects[].share_pct] | add')" 100
check "track: the shares of all users add up to 100 %" \
	within 0.000001 "$(j '[.projects[].users[].share_pct] | add')" 100
check "track: projects by kg CO2e, largest first ($(j '[.projects[].project] | join(" ")'))" \
	test "$(j '[.projects[].project] | join(" ")')" = "astro bio chem"
check "track: 3 projects, 4 users, each user's jobs within their project" \
	test "$(j '[.total.projects, .total.users, ([.projects[] | select(.project == "astro") | .users[] | .user + ":" + (.jobs | tostring)] | join(","))] | map(tostring) | join(" ")')" = "3 4 alice:2,bob:1"
svg_ranks=$(grep -o 'class="bar" data-project="[^"]*" data-rank="[0-9]*"' "$confdir/track.svg" |
	sed 's/.*data-project="\([^"]*\)" data-rank="\([0-9]*\)"/\2:\1/' | tr '\n' ' ')
check "svg: one rect.bar per project, in rank order ($svg_ranks)" \
	test "$svg_ranks" = "1:astro 2:bio 3:chem "
check "svg: the largest bar is the longest" \
	eval 'grep -o "data-rank=\"[0-9]\" [^>]* width=\"[0-9.]*\"" "$confdir/track.svg" | sed "s/.*width=\"//; s/\"//" |
	awk "NR == 1 { m = \$1 } \$1 > m { bad = 1 } END { exit bad }"'
check "html: one self-contained page: the table, the chart inline, no script, nothing fetched" \
	eval 'grep -q "<table>" "$confdir/track.html" && grep -q "<svg " "$confdir/track.html" &&
	grep -q "<style>" "$confdir/track.html" &&
	! grep -Eqi "<script|src=|href=|@import|url\(" "$confdir/track.html"'
check "html: the page holds the same bars as the svg" \
	test "$(grep -c 'class="bar"' "$confdir/track.html")" = 3
out=$(cr summary --by user --format html 2>&1)
rc=$?
check "summary --format html: refused (exit 2), saying which formats it has" \
	eval '[ $rc = 2 ] && grep -q "use --format table, json, csv or markdown" <<<"$out"'
out=$(cr summary --by user -o user,kwh 2>&1)
rc=$?
check "summary -o with an unknown column: exit 2, naming the columns ($out)" \
	eval '[ $rc = 2 ] && grep -q "no column named .kwh.; the columns are USER,JOBS,CPU-h,GPU-h,wall-h,IT,facility,CO2e,share" <<<"$out"'
out=$(cr track -n --format csv 2>&1)
rc=$?
check "track -n --format csv: exit 2, -n shapes the text table only" \
	eval '[ $rc = 2 ] && grep -q "go with --format table only" <<<"$out"'
out=$(cr summary 2>&1)
rc=$?
check "summary without --by: exit 2 and an example" \
	eval '[ $rc = 2 ] && grep -q "summary --by project" <<<"$out"'
out=$(cr summary --by week 2>&1)
rc=$?
check "summary --by week: exit 2, naming the groupings" \
	eval '[ $rc = 2 ] && grep -q "give user, project, tag or day" <<<"$out"'

# --- filters --------------------------------------------------------------------------
jobs_of() { cr summary --by user --json "$@" | jq -r '.total.jobs'; }
check "-A bio: its 3 jobs" test "$(jobs_of -A bio)" = 3
check "-u bob: his 2 jobs, in two projects" test "$(cr track -u bob --json | jq -r '[.total.jobs, .total.projects] | map(tostring) | join(" ")')" = "2 2"
check "-t run2 -A astro: 1 job" test "$(jobs_of -t run2 -A astro)" = 1
check "-S 2026-03-04 -E 2026-03-05: the jobs that ran on 4 March (105, 106, 107)" \
	test "$(jobs_of -S 2026-03-04 -E 2026-03-05)" = 3
check "-E 2026-03-03: the jobs that started before 3 March (101, 102)" \
	test "$(jobs_of -E 2026-03-03)" = 2
# Nothing to show is not a failure (issue 12): exit 0, as sacct; JSON [].
out=$(cr track -A nobody 2>&1)
rc=$?
check "a filter that matches nothing: exit 0 and why" \
	eval '[ $rc = 0 ] && grep -q "no energy records match" <<<"$out"'
check "and with --json, summary and track print [] (exit 0)" \
	eval '[ "$(cr track -A nobody --json 2>/dev/null)" = "[]" ] && [ "$(cr summary --by user -A nobody --json 2>/dev/null)" = "[]" ]'
out=$(cr track -S yesterdayish 2>&1)
rc=$?
check "-S with a time that is none: exit 2 and the forms to type" \
	eval '[ $rc = 2 ] && grep -q "now-7days" <<<"$out"'

# --- -S and -E: sacct's forms, UTC days, the days of --by day --------------------------
day_groups() { jq -r '[.groups[] | .group + "=" + (.jobs | tostring)] | join(" ")'; }
for zone in Asia/Tokyo America/Los_Angeles; do
	out=$(TZ=$zone cr summary --by day -S 2026-03-04 -E 2026-03-05 --json | day_groups)
	check "TZ=$zone, --by day -S 2026-03-04 -E 2026-03-05: the UTC day of 4 March, no job of 3 or 5 March ($out)" \
		test "$out" = "2026-03-04=3"
done
# Each day of --by day, selected with -S DAY -E DAY+1, holds the same jobs
# in its group, and nothing before it.
full=$(TZ=Asia/Tokyo cr summary --by day --json)
agree=yes
for d in $(jq -r '.groups[].group' <<<"$full"); do
	w=$(TZ=Asia/Tokyo cr summary --by day -S "$d" -E "$(date -u -d "$d + 1 day" +%F)" --json)
	group() { jq -r --arg d "$d" '.groups[] | select(.group == $d) | .jobs' <<<"$1"; }
	if [ "$(group "$w")" != "$(group "$full")" ] || [ "$(jq -r '.groups[0].group' <<<"$w")" != "$d" ]; then
		agree="no: $d: $(day_groups <<<"$w")"
	fi
done
check "TZ=Asia/Tokyo: every day of --by day ($(day_groups <<<"$full")) is the group of that day under -S DAY -E DAY+1 ($agree)" \
	test "$agree" = yes
check "-S 2026-03-04T10:00+09:00 -E 2026-03-05: a zone written is taken (01:00 UTC: 105, 106, 107)" \
	test "$(TZ=America/Los_Angeles jobs_of -S 2026-03-04T10:00+09:00 -E 2026-03-05)" = 3
check "TZ=Asia/Tokyo -S 2026-03-04T10:00 -E 2026-03-05: 10:00 UTC (106, 107)" \
	test "$(TZ=Asia/Tokyo jobs_of -S 2026-03-04T10:00 -E 2026-03-05)" = 2
check "sacct's forms: -S 03/04/26 -E 030526, the jobs that ran on 4 March (105, 106, 107)" \
	test "$(jobs_of -S 03/04/26 -E 030526)" = 3
out=$(cr summary --by user -E 11/01 --json 2>&1)
rc=$?
check "sacct's -E 11/01 (1 November of this year or the last): exit $rc, all 8 jobs, which ran in March 2026" \
	eval '[ $rc = 0 ] && [ "$(jq -r .total.jobs <<<"$out")" = 8 ]'
for bad in 2026-02-31 2026-13-01 2026-03-04T24:00 02/30 2026-03-04x; do
	out=$(cr summary --by day -S "$bad" 2>&1)
	rc=$?
	check "-S $bad: refused, exit 2, saying why and the forms to use ($out)" \
		eval '[ $rc = 2 ] && grep -q "carbon-report: -S '"'$bad'"': .*; give a time in UTC such as 2026-11-01, 2026-11-01T08:00, 11/01 or now-7days" <<<"$out"'
done
out=$(cr summary --by day -S 2026-02-31 2>&1)
check "-S 2026-02-31 is not 3 March: 'day 31 is not in February 2026 (1 to 28)'" \
	grep -q "day 31 is not in February 2026 (1 to 28)" <<<"$out"

# --- stored carbon that does not apply ------------------------------------------------------
# New intensity or PUE data moves the generation on (here by hand, as an
# administrator's edit of the tables would): until it is recomputed, no
# job's stored carbon is used and track resolves every job hour by hour.
sql "UPDATE carbon.rate_generation SET gen = gen + 1"
cr track --format json > "$confdir/stale.json"
check "every job's stored carbon of older data: track prices them again at the reporter's constant rate, the same output" \
	cmp -s "$confdir/stale.json" "$golden/track.json"
# A PUE period of the cluster (at the settings' own 1.5) that begins at
# the last job's start, within the hour of its hour bucket: the rate may
# change there (carbon.rate_spans), so that job is priced hour by hour and
# the others at their span's rate, to the same figures.
sql "INSERT INTO carbon.pue_period (cluster, valid_from, pue)
	SELECT 'carbontest', max(start_time), 1.5 FROM carbon.job_total"
cr track --format json > "$confdir/stale-hourly.json"
check "and with a PUE period of the cluster from within a job, hour by hour: the same output" \
	cmp -s "$confdir/stale-hourly.json" "$golden/track.json"
sql "DELETE FROM carbon.pue_period WHERE cluster = 'carbontest'"
sql "UPDATE carbon.rate_generation SET gen = gen + 1"
"$report" --config "$confdir/site.conf" db upgrade > "$confdir/upgrade.out" 2>&1
cr track --format json > "$confdir/fresh.json"
check "db upgrade recomputes them ($(grep recomputed "$confdir/upgrade.out")), the same output" \
	eval 'grep -q "recomputed the stored carbon of 8 jobs" "$confdir/upgrade.out" &&
	cmp -s "$confdir/fresh.json" "$golden/track.json"'
printf '[site]\npue = 1.5\nintensity = 500\n[report]\nconninfo = %s\n' "$admin_db" \
	> "$confdir/other.conf"
out=$("$report" --config "$confdir/other.conf" track --json)
check "a reporter's own intensity (500 g, not the site's 400): 8.1 x 500 / 400 = 10.125 kg ($(jq .total.co2e_kg <<<"$out"))" \
	within 0.0001 "$(jq .total.co2e_kg <<<"$out")" 10.125

# --- who sees what ------------------------------------------------------------------------
sql "CREATE ROLE alice LOGIN IN ROLE carbon_user"
as_alice="$HARNESS_CONNINFO user=alice"
out=$(cr -d "$as_alice" summary --by user --json)
check "alice (carbon_user) sees only her own jobs in summary: $(jq -c '[.groups[].group, .total.jobs]' <<<"$out")" \
	test "$(jq -c '[.groups[].group, .total.jobs]' <<<"$out")" = '["alice",2]'
out=$(cr -d "$as_alice" track --json)
check "and in track: astro, alice alone ($(jq -c '[.projects[] | .project, [.users[].user]]' <<<"$out"))" \
	test "$(jq -c '[.projects[] | .project, [.users[].user]]' <<<"$out")" = '["astro",["alice"]]'
out=$(cr -d "$as_alice" track -u bob 2>&1)
rc=$?
check "bob's jobs, for alice, are jobs that do not exist (exit 0, nothing shown)" \
	eval '[ $rc = 0 ] && grep -q "no energy records match" <<<"$out"'

# --- a relative period: a job of the last hour ---------------------------------------------
recent=$(date -u -d '3 hours ago' +%Y-%m-%dT%H:00:00)
put 109 batch carol bio run3 "$recent" 1 1.0 0 3600
check "-S now-7days: only the job of the last hours ($(cr summary --by tag -S now-7days --json | jq -c '[.groups[].group, .total.jobs]'))" \
	test "$(cr summary --by tag -S now-7days --json | jq -c '[.groups[].group, .total.jobs]')" = '["run3",1]'
check "-E now-7days: the eight older jobs" test "$(jobs_of -E now-7days)" = 8
