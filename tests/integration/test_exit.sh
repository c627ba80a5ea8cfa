#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How jobs end (issue 6, sql/012), with real jobs on a real one-node Slurm
# cluster: a job that exits 0, one that exits 3 and one cancelled with
# scancel while it runs. slurmstepd's task_exit gives the plugin each task's
# wait status; the record keeps the step's worst; carbon-report job gives each
# step's exit and the job's state, and the statement counts the jobs by state
# and the failed or cancelled ones' energy apart. A job that ends while
# PostgreSQL is down keeps its status through the spool. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir exit

harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

write_carbon_conf 1 '[site]' 'pue = 1.25' 'intensity = 300' '[database]' 'connect_timeout = 2'
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }

# statuses JOBID: "step=exit_status" of each record, NULL as "null".
statuses() {
	sql "SELECT string_agg(step || '=' || coalesce(exit_status::text, 'null'), ' ' ORDER BY step)
	     FROM carbon.step_energy WHERE job_id = $1"
}

echo "1..12"
check_db_init "$admin_db"

# Each job runs an srun step inside its batch script, with a little CPU load.
ok_job=$(harness_as_user sbatch --parsable --carbon-tag=exitA \
	--wrap "srun -n1 sh -c 'timeout 2 sha256sum /dev/zero; exit 0'")
fail_job=$(harness_as_user sbatch --parsable --carbon-tag=exitA \
	--wrap "srun -n1 sh -c 'timeout 2 sha256sum /dev/zero; exit 3'; exit 3")
cancel_job=$(harness_as_user sbatch --parsable --carbon-tag=exitA \
	--wrap "srun -n1 sh -c 'timeout 300 sha256sum /dev/zero'")
read -r state code < <(harness_wait_job "$ok_job" 120)
check "job $ok_job completed with exit code 0 ($state $code)" test "$state $code" = "COMPLETED 0:0"
read -r state code < <(harness_wait_job "$fail_job" 120)
check "job $fail_job failed with exit code 3 ($state $code)" test "$state $code" = "FAILED 3:0"
# Cancel once step 0 runs.
for ((i = 0; i < 150; i++)); do
	scontrol -o show step "$cancel_job.0" 2>/dev/null | grep -q "State=RUNNING" && break
	sleep 0.2
done
sleep 2
scancel "$cancel_job"
read -r state code < <(harness_wait_job "$cancel_job" 120)
check "job $cancel_job was cancelled ($state $code)" test "$state" = "CANCELLED"

wait_records "$ok_job" 3
wait_records "$fail_job" 3
wait_records "$cancel_job" 3
# Wait statuses: exit code << 8, or the signal number.
got=$(statuses "$ok_job")
echo "# job $ok_job: $got"
check "job $ok_job: batch and step 0 stored exit status 0, the extern step none" \
	test "$got" = "0=0 batch=0 extern=null"
got=$(statuses "$fail_job")
echo "# job $fail_job: $got"
check "job $fail_job: batch and step 0 stored exit code 3 (768), the extern step none" \
	test "$got" = "0=768 batch=768 extern=null"
got=$(statuses "$cancel_job")
echo "# job $cancel_job: $got"
check "job $cancel_job: batch and step 0 stored an end by a signal, the extern step none" \
	eval '[[ $got =~ ^0=([0-9]+)\ batch=([0-9]+)\ extern=null$ ]] &&
		(( (BASH_REMATCH[1] & 127) != 0 && (BASH_REMATCH[2] & 127) != 0 ))'

"$report" -d "$admin_db" --config "$carbon_conf" job "$ok_job" "$fail_job" "$cancel_job" --json > "$confdir/jobs.json" 2>&1
check "job --json: states completed, failed, cancelled; step exits as stored" \
	quiet jq -e '(map(.state) == ["completed", "failed", "cancelled"])
		and (.[0].steps | map(select(.step == "batch"))[0].exit == {"code": 0, "signal": null})
		and (.[1].steps | map(select(.step == "0"))[0].exit == {"code": 3, "signal": null})
		and (.[2].steps | map(select(.step == "batch"))[0].exit | .code == null and .signal > 0)
		and all(.[].steps[] | select(.step == "extern"); .exit == null)' "$confdir/jobs.json"

"$report" -d "$admin_db" --config "$carbon_conf" statement -t exitA --json > "$confdir/stmt.json" 2>&1
want_it=$(jq '[.[1:][] | .energy_kwh.it] | add' "$confdir/jobs.json")
want_co2=$(jq '[.[1:][] | .co2e_kg] | add' "$confdir/jobs.json")
echo "# failed and cancelled: $want_it kWh IT, $want_co2 kg CO2e; statement: $(jq -c .scope "$confdir/stmt.json")"
check "statement -t exitA: 3 jobs, 1 completed, 1 failed, 1 cancelled" \
	quiet jq -e '.jobs == 3 and .scope.jobs_by_state ==
		{"completed": 1, "failed": 1, "cancelled": 1, "timeout": 0, "out_of_memory": 0,
		 "node_fail": 0, "preempted": 0, "unknown": 0}' "$confdir/stmt.json"
check "statement: the failed and cancelled jobs' energy and CO2e apart ($want_it kWh), inside the totals" \
	quiet jq -e --argjson it "$want_it" --argjson co2 "$want_co2" '
		.scope.failed_or_cancelled.jobs == 2
		and (.scope.failed_or_cancelled.energy_kwh.it - $it | fabs) <= 1e-9 + 1e-6 * $it
		and (.scope.failed_or_cancelled.co2e_kg - $co2 | fabs) <= 1e-9 + 1e-6 * $co2
		and $it > 0 and .energy_kwh.it > $it' "$confdir/stmt.json"
"$report" -d "$admin_db" --config "$carbon_conf" statement -t exitA > "$confdir/stmt.txt" 2>&1
check "statement (text): jobs by state 1 completed, 1 failed, 1 cancelled" \
	grep -q -E "^  jobs by state +1 completed, 1 failed, 1 cancelled$" "$confdir/stmt.txt"

# PostgreSQL down: the record goes to the spool with its status, and spool
# flush (merge_spool_in5) stores it.
harness_pg_stop
spool_job=$(harness_as_user sbatch --parsable --carbon-tag=exitB --wrap "exit 4")
read -r state code < <(harness_wait_job "$spool_job" 120)
harness_pg_start
"$report" -d "$admin_db" spool flush --dir "$confdir/spool" > "$confdir/flush.out" 2>&1
sed 's/^/# /' "$confdir/flush.out"
got=$(statuses "$spool_job")
echo "# job $spool_job ($state $code), spooled: $got"
check "a spooled record keeps its exit status (exit 4: 1024) through spool flush" \
	eval '[[ $got =~ batch=1024 ]]'
