#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The write path attacked as its own users would (sql/013), on the real
# PostgreSQL and Slurm of the harness: the writer login trying to become
# superuser through a SECURITY DEFINER function, records that try to relabel
# or take over other jobs' records, hour buckets of 1e308, an error that
# would echo another row, a participant holding the totals' refresh open
# while jobs end, and spooled records the database refuses. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir write
spool=$confdir/spool

harness_start --plugstack "$confdir/plugstack.conf"
bg_pid=
trap '[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null; harness_stop; rm -rf "$confdir"' EXIT

write_carbon_conf 1 '[database]' 'connect_timeout = 3'
writer_db="$HARNESS_CONNINFO user=carbon_writer"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
as_writer() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$writer_db" "$@"; }

# row JOB STEP UID USER PARTIAL [PROJECT [CPU_J [HOUR_J]]]: one record as JSON
# (PROJECT "-": none)
row() {
	local project=null
	[ -n "${6:-}" ] && [ "$6" != - ] && project="\"$6\""
	printf '{"cluster":"wp","job_id":%s,"step":"%s","node":"n1","uid":%s,"user_name":"%s",' "$1" "$2" "$3" "$4"
	printf '"project":%s,"start_time":"2026-11-27 10:00:00+00","end_time":"2026-11-27 10:30:00+00",' "$project"
	printf '"cpu_j":%s,"dram_j":0,"gpu_j":0,"other_j":0,"samples":3,"method":"rapl","partial":%s,' "${7:-100}" "$5"
	printf '"job_cpu_j":%s,"job_dram_j":0,"job_gpu_j":0,"job_other_j":0,"estimated_j":0,' "${7:-100}"
	printf '"hours":[{"hour":"2026-11-27T10:00:00Z","cpu_j":%s,"dram_j":0,"gpu_j":0,"other_j":0}]}' "${8:-${7:-100}}"
}
# put JSON_ARRAY: carbon.put_steps as the writer; prints "stored|refused|why"
put() { as_writer -c "SELECT stored || '|' || refused::text || '|' || why::text FROM carbon.put_steps('$1')"; }

echo "1..24"
check_db_init "$admin_db"

# --- SECURITY DEFINER functions read no caller-made relation -----------------
# Every SECURITY DEFINER function: a search_path set on the function, of
# carbon, pg_catalog and pg_temp only, pg_temp named last (else it is
# searched first); no mention of pg_temp in its body; and every unqualified
# name after FROM, JOIN, INSERT INTO, UPDATE, USING or TABLE is a relation of
# carbon, a CTE of the body, or a transition table of a trigger calling it.
audit=$(sql "
WITH f AS (
    SELECT p.oid, p.oid::regprocedure::text AS fn, p.prosrc,
           (SELECT substr(c, 13) FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%') AS path
    FROM pg_proc p WHERE p.prosecdef
), names AS (
    SELECT f.fn, f.oid, lower(m[1]) AS name, f.prosrc
    FROM f, regexp_matches(f.prosrc,
        '\m(?:from|join|insert\s+into|update|using|table)\s+([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_$.(])(?!\s*[.(])',
        'gi') AS m
), bad_names AS (
    SELECT n.fn || ': unqualified ' || n.name AS problem FROM names n
    WHERE n.name NOT IN ('lateral', 'only', 'select', 'values', 'with', 'errcode', 'message', 'set')
      AND NOT EXISTS (SELECT FROM pg_class c WHERE c.relname = n.name
                      AND c.relnamespace = 'carbon'::regnamespace)
      AND n.prosrc !~* ('(^|[^A-Za-z0-9_])' || n.name || '\s+AS\s+(NOT\s+)?(MATERIALIZED\s+)?\(')
      AND NOT EXISTS (SELECT FROM pg_trigger t WHERE t.tgfoid = n.oid
                      AND n.name IN (t.tgoldtable, t.tgnewtable))
)
SELECT fn || ': no search_path of its own' FROM f WHERE path IS NULL
UNION ALL
SELECT fn || ': search_path ' || path FROM f
WHERE path IS NOT NULL AND (path !~ '(^|, *)pg_temp\$'
      OR EXISTS (SELECT FROM regexp_split_to_table(path, ', *') AS e
                 WHERE e NOT IN ('carbon', 'pg_catalog', 'pg_temp')))
UNION ALL
SELECT fn || ': reads pg_temp' FROM f WHERE prosrc ~* 'pg_temp'
UNION ALL
SELECT problem FROM bad_names" 2>&1)
count=$(sql "SELECT count(*) FROM pg_proc WHERE prosecdef")
check "none of the $count SECURITY DEFINER functions reads pg_temp or resolves a name outside carbon${audit:+ ($audit)}" \
	test -z "$audit"
check "no merge_spool_in* function is left" \
	test "$(sql "SELECT count(*) FROM pg_proc WHERE proname LIKE 'merge_spool_in%'")" = 0

# --- the temporary-view escalation as carbon_writer --------------------------
# A function of the writer's that makes it superuser, behind a temporary
# view named as each relation the write path reads, then every function the
# writer may call.
escalate=$(as_writer 2>&1 <<'SQL'
CREATE FUNCTION pg_temp.own_it() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER ROLE carbon_writer SUPERUSER';
    RETURN 'x';
END $$;
CREATE TEMP VIEW spool_in5 AS SELECT pg_temp.own_it() AS cluster;
CREATE TEMP VIEW spool_in AS SELECT pg_temp.own_it() AS cluster;
CREATE TEMP VIEW step_in AS SELECT pg_temp.own_it() AS cluster;
CREATE TEMP VIEW new_rows AS SELECT pg_temp.own_it() AS cluster;
CREATE TEMP VIEW r AS SELECT pg_temp.own_it() AS cluster;
\set ON_ERROR_STOP 0
SELECT carbon.merge_spool_in5();
SELECT carbon.merge_spool_in();
SELECT * FROM carbon.put_steps('[{"cluster":"wp","job_id":1,"step":"batch","node":"n1","uid":1,"user_name":"u","start_time":"2026-11-27 10:00:00+00","end_time":"2026-11-27 10:00:01+00","cpu_j":1,"dram_j":0,"gpu_j":0,"other_j":0,"method":"rapl","partial":false}]');
SQL
)
echo "$escalate" | sed 's/^/# /'
check "the writer's temporary views and functions do not make it superuser" \
	test "$(sql "SELECT rolsuper FROM pg_roles WHERE rolname = 'carbon_writer'")" = f
check "merge_spool_in5 is gone for the writer" grep -q 'merge_spool_in5() does not exist' <<<"$escalate"
check "put_steps stored its record while those views existed" \
	test "$(sql "SELECT count(*) FROM carbon.step_energy WHERE cluster = 'wp' AND job_id = 1")" = 1
sql "ALTER ROLE carbon_writer NOSUPERUSER"	# whatever happened above

# --- the writer adds; it does not change -------------------------------------
# Alice's job 100: a complete unlabelled record and a complete labelled one.
put "[$(row 100 extern 1001 alice false)]" > /dev/null
put "[$(row 100 batch 1001 alice false alice-proj)]" > /dev/null
# A forged record for her job under another project, same uid.
put "[$(row 100 0 1001 alice false evil-proj)]" > /dev/null
labels=$(sql "SELECT string_agg(step || '=' || coalesce(project, '-'), ' ' ORDER BY step) FROM carbon.step_energy WHERE job_id = 100")
check "a forged record's project does not relabel the job's complete records ($labels)" \
	test "$(sql "SELECT string_agg(step || '=' || coalesce(project, '-'), ' ' ORDER BY step) FROM carbon.step_energy WHERE job_id = 100")" \
	= "0=evil-proj batch=alice-proj extern=-"
# Labels still reach the job's unlabelled partial records of the same uid.
put "[$(row 101 extern 1001 alice true)]" > /dev/null
put "[$(row 101 batch 1001 alice false run-proj)]" > /dev/null
check "a label reaches the job's unlabelled partial record" \
	test "$(sql "SELECT project FROM carbon.step_energy WHERE job_id = 101 AND step = 'extern'")" = run-proj
# Take over a partial record under another user.
put "[$(row 102 batch 1001 alice true)]" > /dev/null
out=$(put "[$(row 102 batch 6666 mallory false)]")
check "a complete record of another user does not take over a partial one ($out)" \
	test "$(sql "SELECT user_name || ' ' || uid || ' ' || partial FROM carbon.step_energy WHERE job_id = 102")" = "alice 1001 true"
out=$(put "[$(row 102 batch 1001 alice false)]")
check "the same user's complete record does replace it ($out)" \
	test "$(sql "SELECT user_name || ' ' || partial FROM carbon.step_energy WHERE job_id = 102")" = "alice false"
out=$(put "[$(row 102 batch 1001 alice true)]")
check "a partial record never replaces a complete one ($out)" \
	test "$(sql "SELECT partial FROM carbon.step_energy WHERE job_id = 102")" = f

# --- bounds -----------------------------------------------------------------
# The character rules: each record refused for its own reason, by its
# place; a record breaking two rules gets the first's reason.
with() {	# with JOB SED: a valid record of job JOB, changed by SED
	row "$1" batch 1001 alice false ok-proj | sed "$2"
}
long=$(printf 'p%.0s' $(seq 65))
chars=$(as_writer -c "SELECT p.stored || '|' || p.refused::text || '|' || array_to_string(p.why, ';')
	FROM carbon.put_steps('[$(with 110 s/^//), $(with 111 's/"node":"n1"/"node":"n 1"/'),
	$(with 112 's/"ok-proj"/"ok proj"/'), $(with 113 's/"method"/"notes":"caf\\u00e9","method"/'),
	$(with 114 's/"step":"batch"/"step":""/'), $(with 115 "s/\"ok-proj\"/\"$long\"/"),
	$(with 116 's/"node":"n1"/"node":"n\\t1"/; s/"ok-proj"/"ok proj"/'),
	$(with 117 's/"user_name":"alice"/"user_name":"\\u00e9"/')]') AS p" 2>&1)
name='a name holds characters other than printable ASCII, or is too long'
label='project and tag must be 1 to 64 characters of [A-Za-z0-9._:+/-]'
notes='notes or a model name hold characters other than printable ASCII, or are too long'
check "names, labels and notes out of their characters or lengths are refused each for its reason ($chars)" \
	test "$chars" = "1|{2,3,4,5,6,7,8}|$name;$label;$notes;$name;$label;$name;$name"
check "only the valid one of them is stored" \
	test "$(sql "SELECT string_agg(job_id::text, ',') FROM carbon.step_energy WHERE cluster = 'wp' AND job_id BETWEEN 110 AND 117")" = 110
before=$(sql "SELECT count(*) FROM carbon.step_energy")
out=$(put "[$(row 103 batch 1001 alice false secret-label), $(row 104 batch 1001 alice false - 100 1e308), $(row 105 batch 1001 alice false - 1e300)]")
echo "# $out"
check "hour buckets of 1e308 and 1e300 J are refused, the valid row stored ($out)" \
	test "${out%%|*}|$(sql "SELECT string_agg(job_id::text, ',' ORDER BY job_id) FROM carbon.step_energy WHERE job_id BETWEEN 103 AND 105")" = "1|103"
check "a refusal names no other row's values" bash -c '! grep -q secret <<<"$1"' _ "$out"
out=$(as_writer -c "SELECT carbon.put_step('wp', 106, 'batch', 'n1', 1001, 'alice', NULL, NULL, NULL, now(), now(), 'NaN', 0, 0, 0, 1, 'rapl', false, 1, 0, 0, 0, 0, 1, 'cgroup-v1', NULL, NULL)" 2>&1)
check "an energy of NaN is refused through put_step too" grep -q 'refused' <<<"$out"
check "the reports' catch-up still works" sql "SELECT carbon.job_totals_catch_up()"
check "nothing else changed ($before rows before, one added)" \
	test "$(sql "SELECT count(*) FROM carbon.step_energy")" = $((before + 1))

# --- a participant holds the refresh open while jobs end ----------------------
sql "CREATE ROLE $HARNESS_USER LOGIN IN ROLE carbon_user" 2> /dev/null
put "[$(row 200 batch 1001 alice true)]" > /dev/null	# job 200 is in the queue
psql -X -q "$HARNESS_CONNINFO user=$HARNESS_USER" \
	-c "BEGIN" -c "SELECT carbon.job_totals_catch_up()" -c "SELECT pg_sleep(60)" -c "COMMIT" \
	> /dev/null 2>&1 &
bg_pid=$!
sleep 1
start=$(date +%s.%N)
out=$(PGOPTIONS='-c statement_timeout=2000' put "[$(row 200 batch 1001 alice false)]" 2>&1)
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
check "a writer whose job the open refresh took stores at once ($out, ${took} s)" test "${out%%|*}" = 1
job=$(harness_as_user sbatch --parsable --wrap 'srun -n1 true; srun -n1 true')
read -r state code < <(harness_wait_job "$job" 120)
for ((i = 0; i < 100; i++)); do
	[ "$(sql "SELECT count(*) FROM carbon.step_energy WHERE cluster <> 'wp' AND job_id = $job")" -ge 4 ] && break
	sleep 0.2
done
stored_now="$(sql "SELECT string_agg(step, ',' ORDER BY step) FROM carbon.step_energy WHERE cluster <> 'wp' AND job_id = $job")/$(kill -0 "$bg_pid" 2>/dev/null && echo open)"
check "job $job's 4 records are stored directly while the participant's transaction is open ($stored_now)" \
	test "$stored_now" = "0,1,batch,extern/open"
check "nothing of job $job went to the spool" \
	test "$(cat "$spool"/*.log "$spool"/*.seg 2>/dev/null | grep -c '^slurm-carbon spool 1$')" = 0
kill "$bg_pid" 2>/dev/null
wait "$bg_pid" 2>/dev/null
bg_pid=

# --- one connection a job a node ------------------------------------------------
# Each step appends its record to the node's spool; the job's last step there
# (the extern step: the harness runs PrologFlags=Contain) stores them all.
sql "ALTER SYSTEM SET log_connections = on" && sql "SELECT pg_reload_conf()" > /dev/null
pglog=$HARNESS_LOGDIR/postgresql.log
mark=$(wc -l < "$pglog")
job=$(harness_as_user sbatch --parsable --wrap 'for i in $(seq 20); do srun -n1 true; done')
read -r state code < <(harness_wait_job "$job" 120)
for ((i = 0; i < 100; i++)); do
	[ "$(sql "SELECT count(*) FROM carbon.step_energy WHERE cluster <> 'wp' AND job_id = $job")" -ge 22 ] && break
	sleep 0.2
done
conns=$(tail -n +"$((mark + 1))" "$pglog" | grep -c 'connection authorized: user=carbon_writer')
check "a job of 20 srun steps stores its 22 records over 1 database connection ($(sql "SELECT count(*) FROM carbon.step_energy WHERE cluster <> 'wp' AND job_id = $job") records, $conns connections)" \
	test "$(sql "SELECT count(*) FROM carbon.step_energy WHERE cluster <> 'wp' AND job_id = $job")/$conns" = "22/1"
sql "ALTER SYSTEM RESET log_connections" && sql "SELECT pg_reload_conf()" > /dev/null

# --- a spooled record the database refuses -----------------------------------
spool_rec() {	# spool_rec JOB CPU_J
	printf 'slurm-carbon spool 1\ncluster=wp\njob_id=%s\nstep=batch\nnode=n1\nuid=1001\nuser=alice\naccount=\nproject=\ntag=\nstart=1795773600.0\nend=1795777200.0\ncpu_j=%s\ndram_j=0\ngpu_j=0\nother_j=0\nsamples=1\nmethod=rapl\npartial=0\n' "$1" "$2"
}
{ spool_rec 300 10; spool_rec 301 1e14; spool_rec 302 20; } > "$spool/refuse.seg"
out=$("$report" -d "$admin_db" spool flush --dir "$spool" 2>&1)
echo "$out" | sed 's/^/# /'
check "a flush stores the good records around a refused one" \
	test "$(sql "SELECT string_agg(job_id::text, ',' ORDER BY job_id) FROM carbon.step_energy WHERE job_id BETWEEN 300 AND 302")" = "300,302"
check "the refused record is kept in refuse.seg.bad, with file:line and the reason" \
	test "$(grep -c '^job_id=301$' "$spool/refuse.seg.bad" 2>/dev/null)/$(grep -c 'refuse.seg:20: the database refused the record: energies' <<<"$out")" = "1/1"
