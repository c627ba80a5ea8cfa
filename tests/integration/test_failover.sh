#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A database failover loses nothing. The harness's PostgreSQL runs as a
# primary with a synchronous streaming standby (HARNESS_STANDBY=1), and the
# plugin's conninfo names both servers with target_session_attrs=read-write.
# 200 jobs end on the one-node cluster; in the middle of them the primary is
# killed (SIGKILL). The jobs that end while no server takes writes (the
# standby refuses them: read-only) keep their records in the node's spool;
# at that moment every ended job's records are in the standby or the spool.
# The standby is promoted, the later jobs store through it, and `carbon-report
# spool flush` (the same conninfo) stores the rest: then each of the 200 jobs
# has its records (batch, extern) exactly once and the spool is empty.
# Reports read from the standby with target_session_attrs=prefer-standby,
# and a first host that takes the login and never answers leaves time for
# the next one. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

jobs_n=200
make_confdir failover
spool=$confdir/spool
export HARNESS_STANDBY=1
# Room for many jobs at once (config_overrides; the jobs only run `true`).
export HARNESS_CPUS=${HARNESS_CPUS:-16}
harness_start --plugstack "$confdir/plugstack.conf"
submit_pid=
relay_pid=
trap '[ -n "$submit_pid" ] && kill "$submit_pid" 2>/dev/null
	[ -n "$relay_pid" ] && { kill "$relay_pid" 2>/dev/null; wait "$relay_pid" 2>/dev/null; }
	harness_stop; rm -rf "$confdir"' EXIT

write_carbon_conf 1 '[database]' 'connect_timeout = 2'
sed -i "s|^conninfo .*|conninfo  = $HARNESS_CONNINFO_RW user=carbon_writer|" "$carbon_conf"
# The administrator writes where the writer does; reports read the standby.
admin_db="$HARNESS_CONNINFO_RW user=$HARNESS_PGUSER"
reader_db="$HARNESS_CONNINFO_RO user=$HARNESS_PGUSER"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
on_standby() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$reader_db" -c "$1"; }

# spooled: "JOB STEP" of every record in the spool's files.
spooled() {
	find "$spool" -maxdepth 1 -type f \( -name '*.log' -o -name '*.seg' -o -name '*.rec' \) -print0 2>/dev/null |
		xargs -0 -r cat | awk -F= '
			/^slurm-carbon spool 1$/ { if (j != "") print j, s; j = s = ""; next }
			$1 == "job_id" { j = $2 } $1 == "step" { s = $2 }
			END { if (j != "") print j, s }'
}
# completed JOBS_FILE: the jobs of JOBS_FILE that Slurm has ended.
completed() {
	scontrol -o show job 2>/dev/null | awk -v list="$1" '
		BEGIN { while ((getline j < list) > 0) want[j] = 1 }
		{ id = ""; st = ""
		  for (i = 1; i <= NF; i++) {
			if ($i ~ /^JobId=/) id = substr($i, 7)
			if ($i ~ /^JobState=/) st = substr($i, 10)
		  }
		  if ((id in want) && st == "COMPLETED") print id }'
}
# id_list FILE: the job ids of FILE as "1,2,3" for SQL.
id_list() { paste -sd, "$1"; }

echo "1..17"
check_db_init "$admin_db"

check "the writer's conninfo (read-write) reaches the primary" \
	test "$(sql 'SELECT pg_is_in_recovery()')" = f
check "prefer-standby reaches the standby, which streams synchronously from the primary" \
	test "$(on_standby 'SELECT pg_is_in_recovery()') $(sql "SELECT sync_state FROM pg_stat_replication
		WHERE application_name = 'carbon_standby'")" = "t sync"

# --- reports read from the standby --------------------------------------------
job=$(harness_as_user sbatch --parsable --wrap true)
finished "$job" "a first job"
wait_records "$job" 2
"$report" -d "$admin_db" job "$job" --json > "$confdir/job-primary.json" 2>&1
"$report" -d "$reader_db" job "$job" --json > "$confdir/job-standby.json" 2>&1
check "carbon-report job $job with prefer-standby reads the standby and prints what the primary has" \
	grep -q "application_name=carbon-report" "$HARNESS_LOGDIR/postgresql-standby.log"
if [ -s "$confdir/job-standby.json" ] && cmp -s "$confdir/job-primary.json" "$confdir/job-standby.json"; then
	ok "the job's JSON from the standby is the primary's"
else
	not_ok "the job's JSON from the standby is the primary's"
	sed 's/^/# /' "$confdir/job-primary.json" "$confdir/job-standby.json"
fi
check "carbon-report summary --by user reads the standby" \
	quiet "$report" -d "$reader_db" summary --by user

# --- 200 job ends, the primary killed in their middle --------------------------
# The first half of the jobs is submitted at once; the primary is killed
# once a quarter of the jobs' records are in, so that the rest of the first
# half ends while no server takes writes. The second half waits for the
# promotion and the spool flush (the gate file), and then stores through the
# new primary.
jobs_file=$confdir/jobs
gate=$confdir/second-half
: > "$jobs_file"
(
	for ((i = 0; i < jobs_n; i++)); do
		if ((i == jobs_n / 2)); then
			while [ ! -e "$gate" ]; do sleep 0.1; done
		fi
		harness_as_user sbatch --parsable --wrap true >> "$jobs_file" 2>> "$confdir/sbatch.err"
	done
) &
submit_pid=$!
for ((i = 0; i < 1500; i++)); do
	[ "$(sql "SELECT count(*) FROM carbon.step_energy WHERE job_id > $job" 2>/dev/null)" -ge $((jobs_n / 2)) ] 2>/dev/null && break
	sleep 0.2
done
before_kill=$(sql "SELECT count(*) FROM carbon.step_energy WHERE job_id > $job")
kill_line=$(($(wc -l < "$HARNESS_SLURMD_LOG") + 1))
harness_pg_kill_primary
diag_kill="the primary was killed with $before_kill records of the $jobs_n jobs stored"
echo "# $diag_kill"

# The first half ends, some of it while no server takes writes.
for ((i = 0; i < 1500; i++)); do
	[ "$(wc -l < "$jobs_file")" -ge $((jobs_n / 2)) ] &&
		[ "$(completed "$jobs_file" | wc -l)" -ge $((jobs_n / 2)) ] && break
	sleep 0.2
done
outage_ends=$(tail -n +"$kill_line" "$HARNESS_SLURMD_LOG" | grep -ac "the job's records stay in the spool")
check "jobs ended while no server took writes, and said their records stay in the spool ($outage_ends)" \
	test "$outage_ends" -ge 1

# Every ended job has both its records in the standby or in the spool: no
# record was stored or spooled since the kill other than into the spool.
completed "$jobs_file" > "$confdir/ended"
spooled | sort -u > "$confdir/in_spool"
on_standby "SELECT job_id || ' ' || step FROM carbon.step_energy WHERE job_id > $job" |
	sort -u > "$confdir/in_standby"
missing=$(while read -r id; do
	for step in batch extern; do
		grep -qx "$id $step" "$confdir/in_spool" "$confdir/in_standby" || echo "$id/$step"
	done
done < "$confdir/ended" | head -n 5)
check "at the failover, each of the $(wc -l < "$confdir/ended") ended jobs' records is in the standby or the spool ($(wc -l < "$confdir/in_spool") in the spool)${missing:+; missing: $missing}" \
	test -z "$missing" -a -s "$confdir/in_spool"

check "the standby is promoted" harness_pg_promote

"$report" --config "$carbon_conf" spool flush > "$confdir/flush.out" 2>&1
rc=$?
check "carbon-report spool flush (the read-write conninfo) stores the spool on the new primary ($(head -c 300 "$confdir/flush.out" | tr '\n' ' '))" \
	test "$rc" = 0 -a "$(on_standby "SELECT count(*) FROM carbon.step_energy WHERE job_id > $job")" = $((jobs_n / 2 * 2))

# The second half ends and stores through the new primary.
touch "$gate"
wait "$submit_pid"
submit_pid=
for ((i = 0; i < 1500; i++)); do
	[ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
	sleep 0.2
done
states=$(scontrol -o show job 2>/dev/null | awk -v list="$jobs_file" '
	BEGIN { while ((getline j < list) > 0) want[j] = 1 }
	{ id = ""; st = ""; ec = ""
	  for (i = 1; i <= NF; i++) {
		if ($i ~ /^JobId=/) id = substr($i, 7)
		if ($i ~ /^JobState=/) st = substr($i, 10)
		if ($i ~ /^ExitCode=/) ec = substr($i, 10)
	  }
	  if (id in want) print st, ec }' | sort | uniq -c | sed 's/^ *//' | paste -sd ';')
check "all $jobs_n jobs were submitted and completed with exit code 0 ($states)" \
	test "$(wc -l < "$jobs_file") $states" = "$jobs_n $jobs_n COMPLETED 0:0"

"$report" --config "$carbon_conf" spool flush > "$confdir/flush2.out" 2>&1
rc=$?
left=$(find "$spool" -maxdepth 1 -type f \( -name '*.log' -o -name '*.seg' -o -name '*.rec' -o -name '*.bad' \) -size +0 | wc -l)
check "a second spool flush finds nothing left ($(head -c 200 "$confdir/flush2.out" | tr '\n' ' '); $left spool files)" \
	test "$rc $left" = "0 0"

ids=$(id_list "$jobs_file")
counts=$(sql "SELECT count(*) || ' ' || count(DISTINCT (job_id, step, node))
	|| ' ' || count(*) FILTER (WHERE step IN ('batch', 'extern'))
	|| ' ' || count(DISTINCT job_id)
	FROM carbon.step_energy WHERE job_id IN ($ids)")
check "nothing lost, nothing twice: $((jobs_n * 2)) records of $jobs_n jobs, each (job, step, node) once (rows, distinct, batch+extern, jobs: $counts; $diag_kill)" \
	test "$counts" = "$((jobs_n * 2)) $((jobs_n * 2)) $((jobs_n * 2)) $jobs_n"

# --- a first host that takes the login and never answers -------------------
# The conninfo's connect_timeout is shared among its hosts: a hung first
# host leaves the next one its share, instead of the whole time.
relay_dir=$confdir/relay
mkdir -p "$relay_dir"
echo hang > "$relay_dir/mode"
python3 "$top/tests/integration/tcp_relay.py" --unix "$HARNESS_PG_STANDBY_HOST/.s.PGSQL.$HARNESS_PG_STANDBY_PORT" \
	--port-file "$relay_dir/port" --control "$relay_dir/mode" --log "$relay_dir/relay.log" \
	> "$relay_dir/relay.out" 2>&1 &
relay_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$relay_dir/port" ] && break
	sleep 0.05
done
hung_db="host=127.0.0.1,$HARNESS_PG_STANDBY_HOST port=$(cat "$relay_dir/port"),$HARNESS_PG_STANDBY_PORT dbname=carbon user=$HARNESS_PGUSER target_session_attrs=read-write"
out=$("$report" -d "$hung_db" job "$job" --json 2>&1)
check "with a first host that never answers, carbon-report reaches the second within connect_timeout ($(head -c 200 <<< "$out" | tr '\n' ' '))" \
	grep -q "\"job_id\": *$job" <<< "$out"

# The plugin too: the job's end stores its records through the second host
# while the first takes the login and never answers.
sed -i "s|^conninfo .*|conninfo  = ${hung_db/user=$HARNESS_PGUSER/user=carbon_writer}|" "$carbon_conf"
job=$(harness_as_user sbatch --parsable --wrap true)
finished "$job" "a job whose conninfo names a hung host first"
wait_records "$job" 2
check "its end stored its 2 records through the second host, none left in the spool ($(sql "SELECT count(*) FROM carbon.step_energy WHERE job_id = $job") stored)" \
	test "$(sql "SELECT count(*) FROM carbon.step_energy WHERE job_id = $job") $(spooled | grep -c "^$job ")" = "2 0"
