# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced by the integration tests and benchmarks: where the build under test
# is (top_builddir, default the source tree), and small TAP helpers.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
builddir=$(cd "${top_builddir:-$top}" && pwd)
plugin=$builddir/plugin/.libs/spank_carbon.so
report=$builddir/report/carbon-report

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() {	# check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
quiet() { "$@" > /dev/null 2>&1; }
# within PCT GOT WANT: |got - want| <= PCT % of want
within() { awk -v p="$1" -v g="$2" -v w="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(w > 0 && d <= w * p / 100) }'; }

# stage_plugin DIR: copy spank_carbon.so and spank_carbon_store.so into DIR
# (made world-readable) and point $plugin at the copy. sbatch and srun load
# the plugin as the unprivileged job user, who may not be able to reach a
# build tree under a private directory.
stage_plugin() {
	chmod 755 "$1"
	install -m 0755 "$builddir/plugin/.libs/spank_carbon.so" \
		"$builddir/plugin/.libs/spank_carbon_store.so" "$1/"
	plugin=$1/spank_carbon.so
}

# make_confdir NAME: $confdir, a world-readable temporary directory holding
# a staged plugin and a plugstack.conf that loads it with config=$carbon_conf.
# carbon.conf is read at every step start, so a test writes it once the
# harness knows the database's address; it lives outside HARNESS_DIR because
# plugstack.conf must name it before the harness starts.
make_confdir() {
	confdir=$(mktemp -d "/tmp/carbon-$1.XXXXXX")
	stage_plugin "$confdir"
	carbon_conf=$confdir/carbon.conf
	echo "required $plugin config=$carbon_conf" > "$confdir/plugstack.conf"
}

# finished JOB DESCRIPTION: wait for the job (at most 180 s), one test point
# for its state.
finished() {
	local state code
	read -r state code < <(harness_wait_job "$1" 180)
	check "$2: job $1 completed with exit code 0 ($state $code)" test "$state $code" = "COMPLETED 0:0"
}

# gpu_job NAME WATTS: a job holding 2 GPUs (its batch step both all along, an
# srun step for 8 of its 10 s), waited for (one test point); its
# carbon-report job --json in $confdir/gpu-NAME.json, which j then reads;
# sets gpu_got, the job's GPU energy, and gpu_truth, WATTS (the two GPUs'
# together) over the batch step's life, in J. Needs $admin_db.
gpu_job() {
	local job
	job=$(harness_as_user sbatch --parsable --gres=gpu:2 --wrap 'srun -n1 sleep 8; sleep 2')
	finished "$job" "2-GPU job ($1)"
	wait_records "$job" 3
	"$report" -d "$admin_db" job "$job" --json > "$confdir/gpu-$1.json"
	job_json=$confdir/gpu-$1.json
	gpu_got=$(j '.energy_kwh.gpu * 3600000')
	gpu_truth=$(j '.steps[] | select(.step == "batch") | (.end_epoch - .start_epoch)' |
		awk -v w="$2" '{ printf "%.3f", $1 * w }')
}

# check_db_init CONNINFO: carbon-report db init, as one test point.
check_db_init() {
	if "$report" -d "$1" db init > "$confdir/init.out" 2>&1; then
		ok "carbon-report db init applies the migrations"
	else
		not_ok "carbon-report db init applies the migrations"
		sed 's/^/# /' "$confdir/init.out"
	fi
}

# check_job_json FILE CONNINFO JOBID: carbon-report job JOBID --json into
# FILE, as one test point; then j QUERY reads FILE with jq.
check_job_json() {
	"$report" -d "$2" job "$3" --json > "$1" 2> "$1.err"
	if jq -e . "$1" > /dev/null 2>&1; then
		ok "carbon-report job $3 --json prints JSON"
	else
		not_ok "carbon-report job $3 --json prints JSON"
		sed 's/^/# /' "$1" "$1.err"
	fi
	job_json=$1
}
j() { jq -r "$1" "$job_json" 2>/dev/null; }

# write_carbon_conf INTERVAL [LINE...]: $carbon_conf for the harness's
# database, [sampling] interval = INTERVAL, the spool in $confdir/spool, then
# each LINE (more sections or keys: a section may come twice); sets admin_db,
# the administrator's conninfo.
write_carbon_conf() {
	local interval=$1
	shift
	{
		printf '[database]\nconninfo  = %s user=carbon_writer\n' "$HARNESS_CONNINFO"
		printf '[sampling]\ninterval  = %s\n' "$interval"
		printf '[spool]\ndir       = %s\n' "$confdir/spool"
		(($#)) && printf '%s\n' "$@"
	} > "$carbon_conf"
	chmod 0644 "$carbon_conf"
	admin_db="$HARNESS_CONNINFO user=$HARNESS_PGUSER"
}

# wait_records JOBID N [USER]: until the job (only USER's records, when
# given) has N records in the database, at most 30 s: its steps write them
# at their end, the extern step last. Needs $admin_db (write_carbon_conf).
wait_records() {
	local i where="job_id = $1"
	[ -n "${3:-}" ] && where+=" AND user_name = '$3'"
	for ((i = 0; i < 150; i++)); do
		[ "$(psql -X -q -t -A "$admin_db" -c "SELECT count(*) FROM carbon.step_energy WHERE $where" 2>/dev/null)" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# put_record CLUSTER JOB STEP NODE USER PROJECT TAG START END CPU_J DRAM_J
#     GPU_J METHOD PARTIAL ESTIMATED_J CPU_TIME_S [CPU_MODEL CPUS GPU_MODEL
#     GPUS [EXIT_STATUS]]: one record of the measurement engine, written as the plugin
# writes it (carbon.put_step as carbon_writer), holding the job's share on
# its node, its energy in the hour bucket of START; "-": no project or tag
# (or model). With the hardware, the put_step of sql/010; without, the
# 27-argument form of an older plugin, which leaves the hardware NULL.
# EXIT_STATUS, a wait(2) status ("-": none seen): the put_step of sql/012.
put_record() {
	local cluster=$1
	shift
	local hour project=NULL tag=NULL
	[ "$5" = - ] || project="'$5'"
	[ "$6" = - ] || tag="'$6'"
	# With the hardware (sql/010), "-" a model unknown: the 31-argument
	# put_step of a current plugin; without, the 27-argument form of an
	# older one, which leaves the hardware NULL.
	local hw=""
	if [ $# -ge 19 ]; then
		local cpu_model=NULL gpu_model=NULL
		[ "${16}" = - ] || cpu_model="'${16}'"
		[ "${18}" = - ] || gpu_model="'${18}'"
		hw=", $cpu_model, ${17}, $gpu_model, ${19}"
	fi
	if [ $# -ge 20 ]; then
		local exit_status=NULL
		[ "${20}" = - ] || exit_status=${20}
		hw="$hw, $exit_status::integer"
	fi
	hour=$(date -u -d "@$(($(date -u -d "$7" +%s) / 3600 * 3600))" +%Y-%m-%dT%H:%M:%SZ)
	psql -X -q -t -A -v ON_ERROR_STOP=1 "$HARNESS_CONNINFO user=carbon_writer" -c "SELECT carbon.put_step(
		'$cluster', $1, '$2', '$3', 1001, '$4', NULL, $project, $tag,
		'$7'::timestamptz, '$8'::timestamptz, $9, ${10}, ${11}, 0, 10, '${12}', ${13},
		$9, ${10}, ${11}, 0, ${14}, ${15}, 'cgroup-v1', NULL,
		'[{\"hour\": \"$hour\", \"cpu_j\": $9, \"dram_j\": ${10}, \"gpu_j\": ${11}, \"other_j\": 0}]'::jsonb$hw)" \
		> /dev/null
}
