#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Job states Slurm agrees with (sql/016), with real jobs on a one-node Slurm
# cluster that runs Slurm's accounting (slurmdbd on MariaDB) and enforces
# memory (task/cgroup, ConstrainRAMSpace, CR_Core_Memory): a job that hits its
# time limit and one whose process is killed for its memory (the script goes
# on and exits 0, as many do). First the reports know only the records, as at
# a site without accounting: the memory job is out_of_memory by its memory
# cgroup's OOM-kill count, the timed-out job cancelled (ended by a signal).
# Then `carbon-report db sync-states` reads sacct, and both say what Slurm
# says: timeout and out_of_memory, in job --json and in the statement's counts
# by state. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

command -v python3 >/dev/null 2>&1 || harness_skip_all "missing python3 (the job that allocates)"
make_confdir job-state

export HARNESS_TASK_PLUGIN=task/cgroup HARNESS_SELECT_PARAMS=CR_Core_Memory
export HARNESS_CGROUP_CONF_EXTRA=$'ConstrainRAMSpace=yes\nConstrainSwapSpace=yes'
# The time limit is a minute, Slurm's least; no grace past it, a short wait
# between SIGTERM and SIGKILL; 100 MB a CPU for a job that names no memory.
export HARNESS_SLURM_CONF_EXTRA=$'OverTimeLimit=0\nKillWait=2\nDefMemPerCPU=100'
harness_start --plugstack "$confdir/plugstack.conf" --accounting
trap 'harness_stop; rm -rf "$confdir"' EXIT

write_carbon_conf 1 '[site]' 'pue = 1.25' 'intensity = 300' '[database]' 'connect_timeout = 2'
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
rep() { "$report" -d "$admin_db" --config "$carbon_conf" "$@"; }

echo "1..15"
check_db_init "$admin_db"

# 500 MB written (so it is resident) under a 50 MB limit; the script goes on.
oom_job=$(harness_as_user sbatch --parsable --carbon-tag=stateA --mem=50M \
	--wrap 'python3 -c "x = b\"a\" * (500 * 1024 * 1024)"; echo went on')
timeout_job=$(harness_as_user sbatch --parsable --carbon-tag=stateA -t 1 --wrap 'sleep 300')
read -r state code < <(harness_wait_job "$oom_job" 120)
check "job $oom_job was killed for its memory ($state $code)" test "$state" = OUT_OF_MEMORY
read -r state code < <(harness_wait_job "$timeout_job" 180)
check "job $timeout_job hit its time limit ($state $code)" test "$state" = TIMEOUT
wait_records "$oom_job" 2
wait_records "$timeout_job" 2

got=$(sql "SELECT string_agg(step || '=' || coalesce(oom_kills::text, 'null') || '/' ||
	coalesce(exit_status::text, 'null'), ' ' ORDER BY step) FROM carbon.step_energy WHERE job_id = $oom_job")
echo "# job $oom_job: step=oom_kills/exit_status: $got"
check "job $oom_job: the batch record counts the OOM kill, and its script's exit 0" \
	eval '[[ $got =~ ^batch=([0-9]+)/0\ extern=null/null$ ]] && ((BASH_REMATCH[1] >= 1))'
got=$(sql "SELECT count(*) FROM carbon.step_energy WHERE job_id = $timeout_job AND oom_kills IS NOT NULL")
check "job $timeout_job: no record counts an OOM kill" test "$got" = 0

# Without accounting's states: the records alone.
rep job "$oom_job" "$timeout_job" --json > "$confdir/before.json" 2>&1
echo "# before sync-states: $(jq -c 'map({job_id, state, state_source})' "$confdir/before.json" 2>&1)"
check "job --json from the records: out_of_memory by the cgroup's count, the timed-out job cancelled" \
	quiet jq -e 'map([.state, .state_source]) == [["out_of_memory", "records"], ["cancelled", "records"]]' \
	"$confdir/before.json"
rep statement -t stateA --json > "$confdir/before-stmt.json" 2>&1
check "statement from the records: 1 out_of_memory, 1 cancelled" \
	quiet jq -e '.scope.jobs_by_state == {"completed": 0, "failed": 0, "cancelled": 1, "timeout": 0,
		"out_of_memory": 1, "node_fail": 0, "preempted": 0, "unknown": 0}
		and .scope.failed_or_cancelled.jobs == 2' "$confdir/before-stmt.json"

sacct -X -n -P --noconvert -o JobIDRaw,Cluster,Start,State,ExitCode -S now-1hour | sed 's/^/# sacct: /'
rep db sync-states -S now-1hour > "$confdir/sync.out" 2>&1
sed 's/^/# /' "$confdir/sync.out"
check "db sync-states stores the 2 jobs' states from sacct" \
	grep -q '^synced 2 job states from sacct (2 new or changed; ' "$confdir/sync.out"
got=$(sql "SELECT string_agg(s.job_id || '=' || s.state || '/' || s.source, ' ' ORDER BY s.job_id)
	FROM carbon.job_state s
	WHERE (s.cluster, s.job_id, s.job_start) IN (SELECT cluster, job_id, job_start FROM carbon.step_energy)")
check "carbon.job_state holds each job instance of the records with Slurm's state ($got)" \
	test "$got" = "$oom_job=out_of_memory/sacct $timeout_job=timeout/sacct"
rep db sync-states -S now-1hour > "$confdir/sync2.out" 2>&1
check "a second sync-states changes nothing ($(cat "$confdir/sync2.out"))" \
	grep -q '^synced 2 job states from sacct (0 new or changed; ' "$confdir/sync2.out"

rep job "$oom_job" "$timeout_job" --json > "$confdir/after.json" 2>&1
echo "# after sync-states: $(jq -c 'map({job_id, state, state_source})' "$confdir/after.json" 2>&1)"
check "job --json: out_of_memory and timeout, from accounting" \
	quiet jq -e 'map([.state, .state_source]) == [["out_of_memory", "accounting"], ["timeout", "accounting"]]' \
	"$confdir/after.json"
rep statement -t stateA --json > "$confdir/stmt.json" 2>&1
echo "# statement: $(jq -c .scope.jobs_by_state "$confdir/stmt.json" 2>&1)"
check "statement --json: 1 timeout, 1 out_of_memory; both in failed_or_cancelled" \
	quiet jq -e '.jobs == 2 and .scope.jobs_by_state == {"completed": 0, "failed": 0, "cancelled": 0,
		"timeout": 1, "out_of_memory": 1, "node_fail": 0, "preempted": 0, "unknown": 0}
		and .scope.failed_or_cancelled.jobs == 2' "$confdir/stmt.json"
rep statement -t stateA > "$confdir/stmt.txt" 2>&1
check "statement (text): jobs by state 0 completed, 0 failed, 0 cancelled, 1 timeout, 1 out_of_memory" \
	grep -q -E "^  jobs by state +0 completed, 0 failed, 0 cancelled, 1 timeout, 1 out_of_memory$" \
	"$confdir/stmt.txt"

# A participant sees the state of their own jobs only.
sql "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$HARNESS_USER') THEN
	CREATE ROLE \"$HARNESS_USER\" LOGIN; END IF; END \$\$;
	GRANT carbon_user TO \"$HARNESS_USER\";
	INSERT INTO carbon.job_state (cluster, job_id, job_start, state, source)
	VALUES ('$HARNESS_CLUSTER', 999999, now(), 'failed', 'sacct')"
got=$(psql -X -q -t -A "$HARNESS_CONNINFO user=$HARNESS_USER" -c \
	"SELECT string_agg(job_id::text, ' ' ORDER BY job_id) FROM carbon.job_state" 2>&1)
check "a participant reads the states of their jobs, not another's ($got)" \
	test "$got" = "$oom_job $timeout_job"

# Every field of sacct's output is checked where it enters: a sacct that says
# something else stores nothing.
mkdir -p "$confdir/bin"
printf '#!/bin/sh\necho "1|carbontest|2026-12-03T12:51:47|COMPLETED|0:0"\necho "2|../x|2026-12-03T12:51:47|COMPLETED|0:0"\n' \
	> "$confdir/bin/sacct"
chmod 755 "$confdir/bin/sacct"
PATH=$confdir/bin:$PATH rep db sync-states > "$confdir/bad.out" 2>&1
rc=$?
check "a malformed sacct line: exit 1, its line and field named, nothing stored ($(cat "$confdir/bad.out"))" \
	eval '[ $rc = 1 ] && grep -q "sacct output line 2: Cluster is not a cluster name; nothing stored" "$confdir/bad.out" &&
		[ "$(sql "SELECT count(*) FROM carbon.job_state WHERE job_id = 1 AND state = '"'"'completed'"'"'")" = 0 ]'
