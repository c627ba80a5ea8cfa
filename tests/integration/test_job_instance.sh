#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A job is an instance, not only an id (sql/014): Slurm hands out the same job
# id again after its state is reset. On the harness's one-node cluster, user
# A's job runs; slurmctld is restarted without its saved state (job ids start
# again); user B's job gets the same id. Both jobs are stored, each with its
# own records and user, under the start time slurmctld gave it, and
# `carbon-report job ID` shows both. A record that comes without the job's
# start (an older plugin's) joins the id's latest instance that began before
# the record's step ended.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir instance
spool=$confdir/spool
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1 '[site]' 'cluster = inst' 'intensity = 300' '[database]' 'connect_timeout = 3'
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }

other=carbontest2
id "$other" > /dev/null 2>&1 || useradd -M -s /bin/sh "$other"

# start_epoch JOBID: the job's StartTime as slurmctld shows it, in seconds.
start_epoch() {
	date -d "$(scontrol -o show job "$1" | sed -n 's/.* StartTime=\([^ ]*\).*/\1/p')" +%s
}

echo "1..13"
check_db_init "$admin_db"

# --- user A's job -------------------------------------------------------------
job_a=$(harness_as_user sbatch --parsable --wrap 'srun true')
read -r state code < <(harness_wait_job "$job_a" 60)
start_a=$(start_epoch "$job_a")
wait_records "$job_a" 3 "$HARNESS_USER"
check "user A's job $job_a is stored under the start slurmctld gave it ($start_a), each of its records alike" \
	test "$(sql "SELECT string_agg(DISTINCT extract(epoch FROM job_start)::bigint::text, ',') FROM carbon.step_energy WHERE job_id = $job_a")" = "$start_a"
check "the job's last step on the node removed its note of the start from the spool" \
	test -z "$(find "$spool" -name ".job.*" 2>/dev/null)"

# --- slurmctld loses its state; user B's job gets the same id ---------------
harness_slurmctld_reset
sleep 1	# a start time of its own, to the second
job_b=$(cd /tmp && runuser -u "$other" -- env SLURM_CONF="$SLURM_CONF" \
	sbatch --parsable -D /tmp --wrap 'srun true')
check "after the reset slurmctld gives user B's job the same id ($job_a = $job_b)" \
	test "$job_a" = "$job_b"
read -r state code < <(harness_wait_job "$job_b" 60)
start_b=$(start_epoch "$job_b")
wait_records "$job_b" 3 "$other"

check "two instances of job $job_a are stored" \
	test "$(sql "SELECT count(DISTINCT job_start) FROM carbon.step_energy WHERE cluster = 'inst' AND job_id = $job_a")" = 2
check "user A's records are all kept under A's instance" \
	test "$(sql "SELECT count(*) FILTER (WHERE extract(epoch FROM job_start)::bigint = $start_a) || '/' || count(*) FROM carbon.step_energy WHERE job_id = $job_a AND user_name = '$HARNESS_USER'")" = "3/3"
check "user B's records are all kept under B's instance ($start_b)" \
	test "$(sql "SELECT count(*) FILTER (WHERE extract(epoch FROM job_start)::bigint = $start_b) || '/' || count(*) FROM carbon.step_energy WHERE job_id = $job_a AND user_name = '$other'")" = "3/3"
check "no instance mixes the two users" \
	test "$(sql "SELECT count(*) FROM (SELECT job_start FROM carbon.step_energy WHERE job_id = $job_a GROUP BY job_start HAVING count(DISTINCT uid) > 1) x")" = 0
check "the per-job totals hold two jobs, one a user" \
	test "$(sql "SELECT carbon.job_totals_catch_up(); SELECT string_agg(user_name, ',' ORDER BY job_start) FROM carbon.job_total WHERE job_id = $job_a" | tail -1)" = "$HARNESS_USER,$other"

out=$("$report" -d "$admin_db" job "$job_a" --json 2> "$confdir/job.err")
check "carbon-report job $job_a shows both jobs, each with its user and start" \
	test "$(jq -r '[.[] | "\(.user)@\(.job_start_epoch)"] | join(",")' <<<"$out" 2>/dev/null)" = "$HARNESS_USER@$start_a,$other@$start_b"
out=$("$report" -d "$admin_db" job "$job_a" 2>&1)
check "its table shows two jobs of that id" \
	test "$(grep -c "^Job $job_a " <<<"$out")" = 2

# --- a record without the job's start ------------------------------------------
w="$HARNESS_CONNINFO user=carbon_writer"
psql -X -q -t -A -v ON_ERROR_STOP=1 "$w" -c "SELECT stored FROM carbon.put_steps('[{\"cluster\":\"inst\",\"job_id\":$job_a,\"step\":\"7\",\"node\":\"old\",\"uid\":$(id -u "$other"),\"user_name\":\"$other\",\"start_time\":\"$(date -u -d "@$((start_b + 1))" '+%F %T+00')\",\"end_time\":\"$(date -u -d "@$((start_b + 2))" '+%F %T+00')\",\"cpu_j\":1,\"dram_j\":0,\"gpu_j\":0,\"other_j\":0,\"method\":\"rapl\",\"partial\":false}]')" > /dev/null
check "a record without the job's start joins the id's latest instance that began before it ended" \
	test "$(sql "SELECT extract(epoch FROM job_start)::bigint FROM carbon.step_energy WHERE job_id = $job_a AND node = 'old'")" = "$start_b"
sql "SELECT count(*) FROM carbon.step_energy" > /dev/null
check "slurmd's log has no line of an unknown start" \
	bash -c "! grep -q 'start time is unknown' '$HARNESS_SLURMD_LOG'"
