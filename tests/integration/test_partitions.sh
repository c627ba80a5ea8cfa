#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# carbon.step_energy partitioned by month (sql/023), on the harness's
# PostgreSQL: a database at the schema before 023 holding records over
# several months, of the shapes the migrations handle (an 18-argument
# put_step of a plugin before 003, a put_step of 012 without the job
# instance, current put_steps records with it, a checkpoint replaced by its
# final record), is upgraded; every row, count and sum, the per-job totals
# and the reports are the same after. Then the partitions ahead, the write
# path's exactly-once on the partitioned table, a record of a month without
# a partition, row-level security, and db prune.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir partitions
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
admin_db="$HARNESS_CONNINFO user=$HARNESS_PGUSER"
writer_db="$HARNESS_CONNINFO user=carbon_writer"
export TZ=UTC PGOPTIONS='-c client_min_messages=warning'
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
wsql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$writer_db" -c "$1"; }
printf '[site]\ncluster = carbontest\npue = 1.5\nintensity = 400\n[report]\nconninfo = %s\n' \
	"$admin_db" > "$confdir/site.conf"
cr() { "$report" --config "$confdir/site.conf" "$@"; }
fails() { ! "$@" > /dev/null 2>&1; }
# show FILE: FILE as TAP comments (after a test point that failed on it).
show() { sed 's/^/# /' "$1"; }

# migrate_to VERSION [only]: apply the migrations of sql/ up to VERSION
# (only: that one alone) as db upgrade does, each in its own transaction
# and recorded.
migrate_to() {
	local f base v
	sql "CREATE SCHEMA IF NOT EXISTS carbon;
		CREATE TABLE IF NOT EXISTS carbon.schema_migrations (version int PRIMARY KEY,
			name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())" || return 1
	for f in "$top"/sql/[0-9][0-9][0-9]_*.sql; do
		base=$(basename "$f" .sql)
		v=$((10#${base%%_*}))
		((v <= $1)) || continue
		[[ ${2:-} != only ]] || ((v == $1)) || continue
		[ "$(sql "SELECT count(*) FROM carbon.schema_migrations WHERE version = $v")" = 0 ] || continue
		{ echo 'BEGIN;'; cat "$f"
		  echo "INSERT INTO carbon.schema_migrations (version, name) VALUES ($v, '${base#*_}'); COMMIT;"
		} | psql -X -q -v ON_ERROR_STOP=1 "$admin_db" > /dev/null || return 1
	done
}

# The hour bucket of energy J at START (a time on the hour).
bucket() { printf '[{"hour": "%s", "cpu_j": %s, "dram_j": 0, "gpu_j": 0, "other_j": 0}]' "$1" "$2"; }

# record JOB STEP USER PROJECT JOB_START START END CPU_J PARTIAL: one record
# of a current plugin (put_steps), JSON; PROJECT "-": none.
record() {
	local project=null
	[ "$4" = - ] || project="\"$4\""
	printf '{"cluster": "carbontest", "job_id": %s, "step": "%s", "node": "n1", "uid": 1001,
		"user_name": "%s", "project": %s, "tag": "run1", "job_start": "%s",
		"start_time": "%s", "end_time": "%s", "cpu_j": %s, "dram_j": 0, "gpu_j": 0,
		"other_j": 0, "samples": 10, "method": "rapl", "partial": %s, "job_cpu_j": %s,
		"job_dram_j": 0, "job_gpu_j": 0, "job_other_j": 0, "estimated_j": 0,
		"cpu_time_s": 60, "hours": %s, "cpu_model": "Test CPU", "alloc_cpus": 4, "gpus": 0}' \
		"$1" "$2" "$3" "$project" "$5" "$6" "$7" "$8" "$9" "$8" "$(bucket "$6" "$8")"
}
# put_steps RECORD...: stored through carbon.put_steps as the plugin does;
# prints "stored refused".
put_steps() {
	local IFS=,
	wsql "SELECT stored, cardinality(refused) FROM carbon.put_steps('[$*]'::jsonb)" | tr '|' ' '
}

# The records, every column, in key order; the per-job rows likewise.
fingerprint() {
	sql "SELECT count(*), md5(string_agg(s::text, E'\n' ORDER BY cluster, job_id, job_start, step, node))
	     FROM carbon.step_energy s"
	# rate_gen: db upgrade loads data/'s intensities, a new generation of
	# the same figures (the test's site has a fixed intensity).
	sql "SELECT count(*), md5(string_agg((to_jsonb(t) - 'rate_gen')::text, E'\n'
	                                     ORDER BY cluster, job_id, job_start))
	     FROM carbon.job_total t"
	sql "SELECT count(*), md5(string_agg(h::text, E'\n' ORDER BY cluster, job_id, job_start, hour))
	     FROM carbon.job_hour h"
}
# Counts and exact sums of every energy column.
sums() {
	sql "SELECT count(*), count(DISTINCT (cluster, job_id, job_start)),
	            sum(cpu_j::numeric), sum(dram_j::numeric), sum(gpu_j::numeric),
	            sum(other_j::numeric), sum(job_cpu_j::numeric), sum(estimated_j::numeric),
	            sum(cpu_time_s::numeric), count(hours), count(*) FILTER (WHERE partial)
	     FROM carbon.step_energy"
}
# The reports of every kind.
reports() {
	cr track --format csv
	cr summary --by user --format csv
	cr summary --by day --format csv
	# The data's version (the schema's migration, the annual intensities
	# db upgrade loads) aside, and so the what-if's zones: the lowest of
	# those annual intensities (none before db upgrade has loaded data/).
	cr job 101 201 202 301 305 310 --json | jq -S 'map(del(.data_version))'
	cr statement -t run1 --json | jq -S 'del(.data_version, .what_if.zones)'
}

echo "1..42"

# --- a database before 023 ---------------------------------------------------
check "the migrations before 023 apply" migrate_to 2
# A plugin before 003: the 18-argument put_step (no job share, no hours).
for j in 101 102; do
	wsql "SELECT carbon.put_step('carbontest', $j, 'batch', 'n1', 1001, 'alice', NULL,
		'astro', 'run1', '2026-03-0${j: -1}T08:00:00Z', '2026-03-0${j: -1}T09:00:00Z',
		3600000, 10, 0, 0, 10, 'rapl', false)" > /dev/null
done
migrate_to 12
# A plugin of 012: no job instance (it becomes '-infinity' in 014); a
# checkpoint, and an extern step without the job's labels.
for j in 201 202; do
	wsql "SELECT carbon.put_step('carbontest', $j, 'batch', 'n1', 1001, 'bob', NULL,
		'bio', 'run1', '2026-04-1${j: -1}T10:00:00Z', '2026-04-1${j: -1}T12:00:00Z',
		7200000, 0, 0, 0, 10, 'rapl', $([ "$j" = 202 ] && echo true || echo false),
		7200000, 0, 0, 0, 0, 120, 'cgroup-v1', NULL,
		'$(bucket "2026-04-1${j: -1}T10:00:00Z" 7200000)'::jsonb,
		'Test CPU', 4, NULL, 0, 0)" > /dev/null
	wsql "SELECT carbon.put_step('carbontest', $j, 'extern', 'n1', 1001, 'bob', NULL,
		NULL, NULL, '2026-04-1${j: -1}T10:00:00Z', '2026-04-1${j: -1}T12:00:00Z',
		0, 0, 0, 0, 10, 'rapl', false, 0, 0, 0, 0, 0, 0, 'cgroup-v1', NULL, NULL,
		'Test CPU', 4, NULL, 0, NULL)" > /dev/null
done
migrate_to 22
# Today's functions, applied next (db upgrade applies them after all the
# migrations), keep job_total's first and last hour (025): that migration
# comes first here, and db upgrade below skips it.
migrate_to 25 only
for f in job_rules imported; do
	psql -X -q -v ON_ERROR_STOP=1 "$admin_db" -f "$top/sql/functions/$f.sql" > /dev/null
done
check "the schema is at 022 (and 025), carbon.step_energy a plain table" \
	[ "$(sql "SELECT max(version) FILTER (WHERE version <> 25) < 23 AND (SELECT relkind
		FROM pg_class WHERE oid = 'carbon.step_energy'::regclass) = 'r'
		FROM carbon.schema_migrations")" = t ]
# Current records over six months (job instances 2026-06 .. 2026-11), and
# one that began in a month far ahead.
recs=()
for i in $(seq 0 29); do
	m=$((6 + i % 6))
	d=$(printf '2026-%02d-%02dT%02d:00:00Z' "$m" $((1 + i)) $((i % 24)))
	e=$(date -u -d "$d + 1 hour" +%Y-%m-%dT%H:%M:%SZ)
	u=alice
	((i % 3)) || u=carol
	recs+=("$(record $((301 + i)) batch "$u" astro "$d" "$d" "$e" $((1000 * (i + 1))) false)")
	recs+=("$(record $((301 + i)) extern "$u" - "$d" "$d" "$e" 0 false)")
done
recs+=("$(record 399 batch alice astro 2031-02-03T04:00:00Z 2031-02-03T04:00:00Z 2031-02-03T05:00:00Z 5000 false)")
check "61 current records stored through put_steps" [ "$(put_steps "${recs[@]}")" = "61 0" ]
# A checkpoint, replaced by the final record.
check "a checkpoint of job 330's step 0" [ "$(put_steps "$(record 330 0 alice astro \
	2026-11-30T05:00:00Z 2026-11-30T05:00:00Z 2026-11-30T05:30:00Z 100 true)")" = "1 0" ]
check "its final record replaces it" [ "$(put_steps "$(record 330 0 alice astro \
	2026-11-30T05:00:00Z 2026-11-30T05:00:00Z 2026-11-30T06:00:00Z 900 false)")" = "1 0" ]
# The site as db upgrade records it, and every job's carbon stored with it.
sql "INSERT INTO carbon.cluster_site (cluster, pue, intensity) VALUES ('carbontest', 1.5, 400)"
sql "SELECT carbon.job_carbon_refresh_stale()" > /dev/null
reports > "$confdir/reports.before" 2> "$confdir/reports.before.err"
check "the reports before (their catch-up fills the per-job totals)" \
	[ -s "$confdir/reports.before" -a ! -s "$confdir/reports.before.err" ]
fingerprint > "$confdir/fp.before"
sums > "$confdir/sums.before"

# --- db upgrade --------------------------------------------------------------
cr db upgrade > "$confdir/upgrade.out" 2>&1
check "db upgrade applies 023" grep -q '^applied 023_partitions' "$confdir/upgrade.out" ||
	show "$confdir/upgrade.out"
check "carbon.step_energy is partitioned by range of job_start" \
	[ "$(sql "SELECT pg_get_partkeydef('carbon.step_energy'::regclass)")" = "RANGE (job_start)" ]
sums > "$confdir/sums.after"
check "the same counts and exact sums of every energy after ($(cut -d'|' -f1,2 "$confdir/sums.after" | tr '|' ' '))" \
	cmp -s "$confdir/sums.before" "$confdir/sums.after"
fingerprint > "$confdir/fp.after"
check "every record, job total and job hour the same, column for column" \
	cmp -s "$confdir/fp.before" "$confdir/fp.after"
reports > "$confdir/reports.after" 2> "$confdir/reports.after.err"
check "the reports the same" cmp -s "$confdir/reports.before" "$confdir/reports.after"
cmp -s "$confdir/reports.before" "$confdir/reports.after" ||
	diff "$confdir/reports.before" "$confdir/reports.after" | head -20 | sed 's/^/# /'
part() { sql "SELECT tableoid::regclass FROM carbon.step_energy WHERE job_id = $1 AND step = '${2:-batch}'"; }
check "a record of 2026-07 is in carbon.step_energy_2026_07" [ "$(part 302)" = carbon.step_energy_2026_07 ]
check "records of no known instance (before 014) are in carbon.step_energy_unknown ($(sql \
	"SELECT count(*) FROM carbon.step_energy_unknown") of them)" \
	[ "$(sql "SELECT count(*) FROM carbon.step_energy_unknown")" = 6 -a "$(part 201)" = carbon.step_energy_unknown ]
check "the record of 2031-02 waits in carbon.step_energy_default" [ "$(part 399)" = carbon.step_energy_default ]
ahead=$(for k in 0 1 2 3; do date -u -d "$(date -u +%Y-%m-01) + $k month" +step_energy_%Y_%m; done)
missing=$(for p in $ahead; do [ "$(sql "SELECT to_regclass('carbon.$p') IS NOT NULL")" = t ] || echo "$p"; done)
check "partitions for this month and the three ahead exist (${ahead//$'\n'/ })" [ -z "$missing" ]
check "the records' policies, triggers and grants are the table's again" \
	[ "$(sql "SELECT (SELECT count(*) FROM pg_policy WHERE polrelid = 'carbon.step_energy'::regclass)
		|| ' ' || (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'carbon.step_energy'::regclass
		           AND NOT tgisinternal)
		|| ' ' || has_table_privilege('carbon_user', 'carbon.step_energy', 'SELECT')
		|| ' ' || has_table_privilege('carbon_writer', 'carbon.step_energy', 'INSERT')")" = "2 7 true false" ]

# --- the write path on partitions --------------------------------------------
this=$(date -u +%Y-%m-01T00:00:00Z)
new=$(record 500 batch alice astro "$this" "$this" "$(date -u -d "$this + 1 hour" +%Y-%m-%dT%H:%M:%SZ)" 4000 false)
check "a record of this month is stored" [ "$(put_steps "$new")" = "1 0" ]
check "... in this month's partition" [ "$(part 500)" = "carbon.$(date -u +step_energy_%Y_%m)" ]
check "stored again (a spool replayed), it is not stored twice" \
	[ "$(put_steps "$new" "$new")" = "0 0" -a "$(sql "SELECT count(*) FROM carbon.step_energy WHERE job_id = 500")" = 1 ]
far=$(record 501 batch alice astro 2035-07-04T00:00:00Z 2035-07-04T00:00:00Z 2035-07-04T01:00:00Z 7000 false)
check "a record of 2035-07, a month without a partition, is stored" [ "$(put_steps "$far")" = "1 0" ]
check "... in the default partition, and once" \
	[ "$(part 501)" = carbon.step_energy_default -a "$(put_steps "$far")" = "0 0" ]
row501=$(sql "SELECT s::text FROM carbon.step_energy s WHERE job_id = 501")
check "making 2035-07's partition moves it there, unchanged" \
	[ "$(sql "SELECT partition_name || ' ' || records_moved FROM carbon.make_partitions('2035-07-01', '2035-08-01')")" = "step_energy_2035_07 1" \
	  -a "$(part 501)" = carbon.step_energy_2035_07 \
	  -a "$(sql "SELECT s::text FROM carbon.step_energy s WHERE job_id = 501")" = "$row501" ]
past=$(record 502 batch alice astro 2026-02-10T00:00:00Z 2026-02-10T00:00:00Z 2026-02-10T01:00:00Z 3000 false)
check "a record of 2026-02, a past month without a partition, waits in the default partition" \
	[ "$(put_steps "$past")" = "1 0" -a "$(part 502)" = carbon.step_energy_default ]
# An administrator, not the database's owner, runs db maintain and db prune.
sql "CREATE ROLE ops LOGIN IN ROLE carbon_admin"
ops_db="$HARNESS_CONNINFO user=ops"
"$report" -d "$ops_db" db maintain --months-ahead 5 > "$confdir/maintain.out" 2>&1
maintained() {
	[ "$(grep -c '^made partition' "$confdir/maintain.out")" = 3 ] &&
		[ "$(part 502)" = carbon.step_energy_2026_02 ] &&
		grep -q '^made partition carbon.step_energy_2026_02 (1 records moved' "$confdir/maintain.out"
}
check "db maintain --months-ahead 5 makes the two more months, and 2026-02's with its record" maintained
show "$confdir/maintain.out"
check "db maintain names the records waiting in the default partition (2031-02)" \
	grep -q '^1 records .* carbon.step_energy_default .*2031-02' "$confdir/maintain.out"
check "db maintain refuses --months-ahead 1000" fails cr db maintain --months-ahead 1000
check "db maintain refuses the writer" fails "$report" -d "$writer_db" db maintain

# Row-level security holds through the partitioned table; a partition is
# not readable directly.
sql "CREATE ROLE alice LOGIN IN ROLE carbon_user; CREATE ROLE carol LOGIN IN ROLE carbon_user" 2> /dev/null
as_alice="$HARNESS_CONNINFO user=alice"
check "a participant sees only their own records" \
	[ "$(psql -X -t -A "$as_alice" -c "SELECT count(DISTINCT user_name) || ' ' || min(user_name) FROM carbon.step_energy")" = "1 alice" ]
check "a participant cannot read a partition directly" \
	fails psql -X -t -A -v ON_ERROR_STOP=1 "$as_alice" -c "SELECT 1 FROM carbon.step_energy_2026_07"

# --- db prune ----------------------------------------------------------------
before=2026-09-15
want=$(sql "SELECT count(*) || ' ' || count(DISTINCT job_id) FROM carbon.step_energy
	WHERE job_start >= '1970-01-01' AND job_start < '$before'")
want_unknown=$(sql "SELECT count(*) FROM carbon.step_energy WHERE job_start = '-infinity'")
keep=$(sql "SELECT count(*) FROM carbon.step_energy")
fingerprint > "$confdir/fp.prune0"
"$report" -d "$ops_db" db prune --before "$before" --dry-run > "$confdir/dry.out" 2>&1
fingerprint > "$confdir/fp.prune1"
check "prune --dry-run changes nothing" cmp -s "$confdir/fp.prune0" "$confdir/fp.prune1"
got=$(awk '/^would remove .* records of .* job instances/ && !/unknown/ { r += $3; j += $6 } END { print r, j }' "$confdir/dry.out")
check "prune --dry-run says what it would remove: $want records of jobs that began before $before ($got)" \
	[ "$got" = "$want" ]
show "$confdir/dry.out"
"$report" -d "$ops_db" --progress db prune --before "$before" --dry-run > /dev/null 2> "$confdir/dry.err"
check "--progress: prune draws the parts it went through, of all (a month, the rest, the derived tables)" \
	grep -qE '^.?db prune: [0-9]+/[0-9]+ parts \(100%\)' <(tr '\r' '\n' < "$confdir/dry.err")
check "prune refuses a date in the future" fails cr db prune --before "$(date -u -d 'tomorrow' +%Y-%m-%d)"
check "prune refuses a date it cannot read" fails cr db prune --before 2026-02-30
check "prune refuses a participant" fails "$report" -d "$as_alice" db prune --before "$before"
"$report" -d "$as_alice" db prune --before "$before" 2> "$confdir/denied.err" > /dev/null
check "... saying that it needs an administrator" grep -q 'administrator' "$confdir/denied.err"
check "prune refuses the writer" fails "$report" -d "$writer_db" db prune --before "$before"
"$report" -d "$ops_db" db prune --before "$before" > "$confdir/prune.out" 2>&1
got=$(awk '/^removed .* records of .* job instances/ && !/unknown/ { r += $2; j += $5 } END { print r, j }' "$confdir/prune.out")
show "$confdir/prune.out"
check "prune removes what it says: $want records ($got)" [ "$got" = "$want" ]
check "... and the records of unknown instance, all ended before $before ($want_unknown)" \
	grep -q "^removed $want_unknown records of 4 job instances: records of jobs of unknown instance" "$confdir/prune.out"
check "the months before 2026-09 are dropped, 2026-09 kept" \
	[ "$(sql "SELECT count(*) FROM pg_class WHERE relname IN ('step_energy_2026_06', 'step_energy_2026_07', 'step_energy_2026_08')")" = 0 \
	  -a "$(sql "SELECT to_regclass('carbon.step_energy_2026_09') IS NOT NULL")" = t ]
check "every other record is kept" \
	[ "$(sql "SELECT count(*) FROM carbon.step_energy")" = "$((keep - ${want%% *} - want_unknown))" \
	  -a "$(sql "SELECT count(*) FROM carbon.step_energy WHERE job_start < '$before'")" = 0 ]
cr track --format csv > /dev/null
check "no job total or hour of a pruned job is left; the others' are there" \
	[ "$(sql "SELECT count(*) FROM carbon.job_total WHERE job_start < '$before'") $(sql "SELECT count(*) FROM carbon.job_hour WHERE job_start < '$before'")" = "0 0" \
	  -a "$(sql "SELECT count(*) FROM carbon.job_total")" = "$(sql "SELECT count(DISTINCT (cluster, job_id, job_start)) FROM carbon.step_energy")" ]
