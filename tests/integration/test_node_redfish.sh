#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A Redfish BMC on the real Slurm cluster of the harness: the Redfish double
# (tests/fixtures/redfish_double.py) answers for a node drawing NODE_W, of
# which RAPL (the powercap simulator) sees its package and DRAM;
# carbon-nodemeter reads it and publishes the state file, which the plugin
# reads with [node] meter = redfish from the same carbon.conf. A job's
# "other" is (node - RAPL) x its share within 1 %. Then the BMC answers
# slowly (after longer than redfish_timeout) and not at all: a job running
# across the outage is flagged and counts no energy that was not measured,
# and a step that ends while the BMC is silent ends as soon as one that
# ends while it answers. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

nodemeter=$builddir/plugin/carbon-nodemeter
double=$top/tests/fixtures/redfish_double.py
NODE_W=120

make_confdir node-redfish
HARNESS_CPUS=4
double_pid=
daemon_pid=
# Only what this test started: the daemon and the double, by their pids;
# then the harness.
cleanup() {
	local rc=$?
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2> /dev/null && wait "$daemon_pid" 2> /dev/null
	[ -n "$double_pid" ] && kill "$double_pid" 2> /dev/null && wait "$double_pid" 2> /dev/null
	(exit "$rc")
	harness_stop
	rm -rf "$confdir"
}
harness_start --plugstack "$confdir/plugstack.conf"
trap cleanup EXIT

rest_w=$(awk -v n="$NODE_W" -v p="$HARNESS_PKG_W" -v d="$HARNESS_DRAM_W" \
	'BEGIN { print n - p - d }')
# The state file in the harness's directory, under /tmp: slurmd's private
# mount namespace covers /sys/class only, so the steps see it there too.
state=$HARNESS_DIR/run/node_energy
mode_file=$confdir/redfish.mode
mode() { echo "$1" > "$mode_file"; }
st() { awk -v k="$1" -v f="${2:-2}" '$1 == k { print $f; exit }' "$state" 2> /dev/null; }

echo "1..20"

mode normal
python3 "$double" --port-file "$confdir/redfish.port" --mode-file "$mode_file" \
	--watts "$NODE_W" 2>> "$confdir/double.log" &
double_pid=$!
for _ in $(seq 50); do [ -s "$confdir/redfish.port" ] && break; sleep 0.1; done
port=$(cat "$confdir/redfish.port" 2> /dev/null)
check "the Redfish double listens (port $port)" test -n "$port"

# One carbon.conf for the plugin and the daemon: readings every second,
# each bounded by 0.5 s.
write_carbon_conf 1 '[node]' 'meter = redfish' 'interval = 1' 'redfish_timeout = 0.5' \
	"redfish_url = http://127.0.0.1:$port" "state_file = $state"
check_db_init "$admin_db"
"$nodemeter" --config "$carbon_conf" --no-syslog 2>> "$confdir/daemon.log" &
daemon_pid=$!
for _ in $(seq 50); do [ "$(st status)" = ok ] && break; sleep 0.1; done
check "carbon-nodemeter publishes the state file (status $(st status), meter $(st meter))" \
	test "$(st status)" = ok -a "$(st meter)" = redfish

# timed_job NAME SECONDS [CPUS]: a job of one srun step of SECONDS, whose
# batch script writes srun's wall time (s) to $HARNESS_WORK/NAME.wall;
# submitted, its id in $job.
timed_job() {
	local name=$1 secs=$2 cpus=${3:-1}
	job=$(harness_as_user sbatch --parsable -c"$cpus" --wrap \
		"s=\$(date +%s.%N); srun -n1 -c$cpus sleep $secs; e=\$(date +%s.%N);
		 echo \"\$s \$e\" > $HARNESS_WORK/$name.wall")
}
# wait_running JOB: until the job runs, at most 60 s.
wait_running() {
	for _ in $(seq 300); do
		[ "$(squeue -h -j "$1" -o %T 2> /dev/null)" = RUNNING ] && return 0
		sleep 0.2
	done
	return 1
}
# measured NAME JOB: the job's record in $confdir/NAME.json (j reads it);
# sets got (its other, J), truth (rest_w over the life of the step that held
# the job's lease, J), notes (that step's) and wall (srun's wall time, s).
measured() {
	local holder='.steps[] | select(.job_energy_kwh.it > 0)'
	wait_records "$2" 3
	check_job_json "$confdir/$1.json" "$admin_db" "$2"
	got=$(j '.energy_kwh.other * 3600000')
	truth=$(j "$holder | (.end_epoch - .start_epoch)" | awk -v w="$rest_w" '{ printf "%.3f", $1 * w }')
	notes=$(j "[$holder | .notes // \"\"] | join(\";\")")
	method=$(j "$holder | .method")
	wall=$(awk '{ printf "%.2f", $2 - $1 }' "$HARNESS_WORK/$1.wall" 2> /dev/null)
	echo "# $1: other $got J (truth $truth J), srun ${wall} s, method $method, notes: $notes"
}

# --- the BMC answers: other = (node - RAPL) x share --------------------------
timed_job answers 20 2
finished "$job" "a 20 s job while the BMC answers"
measured answers "$job"
answers_wall=$wall
check "answers: other is (node - RAPL) x its share within 1 % ($got vs $truth J)" \
	within 1 "$got" "$truth"
check "answers: the method names the meter ($method)" test "$method" = rapl+redfish
check "answers: no stale or restarted readings noted" \
	bash -c '! grep -q "node meter" <<<"$1"' _ "$notes"

# --- slow, then silent, then answering again, across one job -----------------
timed_job outage 24
wait_running "$job"
sleep 4
mode slow:5		# answers after 5 s, ten times the timeout
sleep 4
mode silent
sleep 5
mode normal
finished "$job" "a 24 s job across a slow and a silent BMC"
measured outage "$job"
check "outage: the daemon said the BMC did not answer within the timeout" \
	grep -q "no answer within the timeout" "$confdir/daemon.log"
check "outage: the record is flagged (node meter stale, restarted)" \
	bash -c 'grep -q "node meter stale" <<<"$1" && grep -q "node meter restarted" <<<"$1"' _ "$notes"
# Nothing invented: the outage's other is missing, not guessed (1 % for the
# readings' lag), and the reading before and after it still count.
check "outage: no energy invented, other <= (node - RAPL) x time ($got vs $truth J)" \
	awk -v g="$got" -v t="$truth" 'BEGIN { exit !(g <= t * 1.01) }'
check "outage: the readings before and after it count (other $got J > a third of $truth J)" \
	awk -v g="$got" -v t="$truth" 'BEGIN { exit !(g > t / 3) }'

# --- a step that ends while the BMC is silent -------------------------------
sleep 3		# a few good readings again
timed_job silent 6
wait_running "$job"
sleep 1
mode silent	# from now to well after the job's end: every read times out
finished "$job" "a 6 s job that ends while the BMC is silent"
measured silent "$job"
mode normal
check "silent: the record is flagged (node meter stale, or no reading at the end)" \
	grep -q "node meter" <<<"$notes"
check "silent: no energy invented ($got vs $truth J)" \
	awk -v g="$got" -v t="$truth" 'BEGIN { exit !(g <= t * 1.01) }'
# The step never waits for the BMC: a blocked read would never end (the
# double never answers). Its srun takes as long over its sleep as the one
# that ended while the BMC answered, give or take a second of scheduling.
check "silent: the step's end is not delayed (srun $wall s for sleep 6; ${answers_wall} s for sleep 20)" \
	awk -v a="$answers_wall" -v s="$wall" 'BEGIN { exit !(a != "" && s != "" && (s - 6) <= (a - 20) + 1) }'
check "carbon-nodemeter still runs after the outage" kill -0 "$daemon_pid"
