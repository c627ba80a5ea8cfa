#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The walking skeleton end to end, on a real one-node Slurm cluster and a real
# PostgreSQL, with RAPL simulated at the kernel's powercap interface:
# sbatch -> spank_carbon.so in every step -> PostgreSQL -> carbon-report.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir skeleton

harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

connect_timeout=3
write_conf() {	# write_conf CONNINFO
	cat > "$carbon_conf" <<CONF
[site]
pue       = 1.25
intensity = 300
[database]
conninfo  = $1
connect_timeout = $connect_timeout
[sampling]
interval  = 1
[spool]
dir       = $confdir/spool
CONF
	chmod 0644 "$carbon_conf"
}
write_conf "$HARNESS_CONNINFO user=carbon_writer"
admin_db="$HARNESS_CONNINFO user=$HARNESS_PGUSER"


echo "1..27"

# --- database ---------------------------------------------------------------
# Before db init: a report says to run it; db status exits 1 (issue 12).
out=$("$report" -d "$admin_db" job 1 2>&1)
rc=$?
check "without the schema, a report exits 1 saying to run carbon-report db init ($rc)" \
	eval '[ $rc = 1 ] && grep -q "the database has no carbon schema (run .carbon-report db init" <<<"$out"'
"$report" -d "$admin_db" db status > /dev/null 2>&1
rc=$?
check_db_init "$admin_db"
"$report" -d "$admin_db" db status > "$confdir/status.out" 2>&1
rc2=$?
check "carbon-report db status exits 1 with migrations pending ($rc), 0 once applied ($rc2)" \
	test "$rc $rc2" = "1 0"
check "carbon-report db status lists 001 as applied" grep -q -E '^0*1 +schema +applied at' "$confdir/status.out"

# --- options refused at submission -------------------------------------------
refused() {	# refused DESCRIPTION SBATCH_ARGS...
	local what=$1 out
	shift
	if out=$(harness_as_user sbatch --parsable "$@" --wrap true 2>&1); then
		not_ok "$what (sbatch accepted it: job $out)"
	elif grep -q "carbon:.*refused" <<<"$out"; then
		ok "$what"
	else
		not_ok "$what (no clear message: $out)"
	fi
}
refused "sbatch --carbon-tag='x;drop table' is refused with a message" "--carbon-tag=x;drop table"
refused "a 100-character tag is refused" "--carbon-tag=$(printf 'a%.0s' $(seq 100))"
refused "a quote in --carbon-project is refused" "--carbon-project=x');drop table carbon.step_energy;--"
out=$(harness_as_user env CARBON_TAG='bad tag!' sbatch --parsable --wrap true 2>&1)
if [ $? -ne 0 ] && grep -q "CARBON_TAG.*refused" <<<"$out"; then
	ok "an invalid CARBON_TAG is refused at submission"
else
	not_ok "an invalid CARBON_TAG is refused at submission ($out)"
fi

# --- one job: batch step + one srun step with ~20 s of CPU load ---------------
job=$(harness_as_user sbatch --parsable --carbon-tag=t1 \
	--wrap "srun -n1 sh -c 'timeout 20 sha256sum /dev/zero; true'")
read -r state exitcode < <(harness_wait_job "$job" 120)
check "job $job completed with exit code 0 ($state $exitcode)" \
	test "$state $exitcode" = "COMPLETED 0:0"

check_job_json "$confdir/job.json" "$admin_db" "$job"
check "the job has a batch step record" test "$(j '[.steps[] | select(.step == "batch")] | length')" = 1
check "the job has the srun step 0 record" test "$(j '[.steps[] | select(.step == "0")] | length')" = 1
check "user is $HARNESS_USER and tag is t1" test "$(j '.user + " " + .tag')" = "$HARNESS_USER t1"

# The simulator advances package and dram counters at known powers. The
# srun step is the only busy process of the only job on the node: its share
# of the node's CPU time, and so of its energy, is (all but) whole.
step0='.steps[] | select(.step == "0")'
t0=$(j "$step0 | .start_epoch")
t1=$(j "$step0 | .end_epoch")
cpu_j=$(j "$step0 | .energy_kwh.cpu * 3600000")
dram_j=$(j "$step0 | .energy_kwh.dram * 3600000")
dur=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
want_cpu=$(awk -v d="$dur" -v p="$HARNESS_PKG_W" -v s="$HARNESS_SOCKETS" 'BEGIN { printf "%.6f", d * p * s }')
want_dram=$(awk -v d="$dur" -v p="$HARNESS_DRAM_W" -v s="$HARNESS_SOCKETS" 'BEGIN { printf "%.6f", d * p * s }')
echo "# srun step: $dur s; cpu $cpu_j J (want $want_cpu); dram $dram_j J (want $want_dram)"
check "the srun step lasted about 20 s (${dur} s)" awk -v d="$dur" 'BEGIN { exit !(d >= 19 && d <= 30) }'
wraps=$(awk -v d="$dur" -v p="$HARNESS_PKG_W" -v m="$HARNESS_MAX_RANGE_UJ" 'BEGIN { printf "%d", d * p * 1e6 / m }')
check "the package counter wrapped during the step ($wraps wraps)" test "$wraps" -ge 1
check "srun step cpu energy within 1 % of the simulated node energy" within 1 "$cpu_j" "$want_cpu"
check "srun step dram energy within 1 % of the simulated node energy" within 1 "$dram_j" "$want_dram"

# --- PostgreSQL down: the job still runs, on time, and slurmd's log says why --
# timed_job: run `sleep 2` as a batch job and print
# "RUN_S DONE_S STATE EXITCODE JOBID": RUN_S from submission until the job left
# RUNNING (its batch step ended, exit code known), DONE_S until it is COMPLETED
# (its extern step ended too); polled every 0.1 s.
timed_job() {
	local start run_end="" id out state code
	start=$(date +%s.%N)
	id=$(harness_as_user sbatch --parsable --wrap 'sleep 2' 2>/dev/null)
	for _ in $(seq 600); do
		out=$(scontrol -o show job "$id" 2>/dev/null)
		state=$(sed -n 's/.* JobState=\([^ ]*\).*/\1/p' <<<"$out")
		code=$(sed -n 's/.* ExitCode=\([^ ]*\).*/\1/p' <<<"$out")
		case $state in
		PENDING | CONFIGURING | RUNNING | "") ;;
		*) [ -n "$run_end" ] || run_end=$(date +%s.%N) ;;
		esac
		case $state in
		PENDING | CONFIGURING | RUNNING | COMPLETING | "") sleep 0.1 ;;
		*) break ;;
		esac
	done
	awk -v a="$start" -v r="$run_end" -v b="$(date +%s.%N)" -v s="$state" -v c="$code" -v i="$id" \
		'BEGIN { printf "%.2f %.2f %s %s %s\n", r - a, b - a, s, c, i }'
}
read -r base_run_s base_s _ _ _ < <(timed_job)
harness_pg_stop
read -r down_run_s down_s state code down_job < <(timed_job)
harness_pg_start
echo "# job time with PostgreSQL up: ${base_run_s} s running, ${base_s} s to completed; down: ${down_run_s} s, ${down_s} s"
check "with PostgreSQL stopped, job $down_job completes with exit code 0 ($state $code)" \
	test "$state $code" = "COMPLETED 0:0"
check "with PostgreSQL stopped, the job ends within connect_timeout (${connect_timeout} s) of its normal time" \
	awk -v d="$down_s" -v b="$base_s" -v t="$connect_timeout" 'BEGIN { exit !(d <= b + t + 1) }'
# The extern step, the job's last on the node, writes the job's records.
lines=$(grep -c "carbon: job $down_job step extern: cannot connect to the database within $connect_timeout s: .*; the job's records stay in the spool $confdir/spool " "$HARNESS_SLURMD_LOG")
check "slurmd's log has one clear line for the job (its extern step), naming the spool ($lines)" test "$lines" = 1
out=$("$report" -d "$admin_db" spool flush --dir "$confdir/spool" 2>&1)
echo "# $out"
check "after PostgreSQL is back, spool flush stores the 2 spooled records (batch, extern)" \
	grep -q ": 2 records in 1 files, 2 stored, 0 already there, 0 rejected" <<<"$out"
"$report" -d "$admin_db" job "$down_job" --json > "$confdir/down.json" 2>&1
check "carbon-report job $down_job shows the replayed batch and extern steps" \
	test "$(jq -r '[.steps[].step] | sort | join(",")' "$confdir/down.json")" = "batch,extern"
out=$("$report" -d "$admin_db" spool flush --dir "$confdir/spool" 2>&1)
check "a second spool flush finds nothing to do ($out)" grep -q ": 0 records in 0 files, 0 stored" <<<"$out"

# --- a database that accepts connections but never answers -------------------
# (a hung server or a dead network path): connect_timeout must bound the wait.
# perl-base is part of every Debian system; the listener stops by itself.
port_file=$confdir/silent.port
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
		Listen => 64, ReuseAddr => 1) or die "listen: $!";
	open(my $f, ">", $ARGV[0]) or die; print $f $s->sockport, "\n"; close $f;
	my @held; my $end = time + 120;
	$SIG{ALRM} = sub { exit 0 }; alarm 120;
	while (time < $end) { my $c = $s->accept or next; push @held, $c }
' "$port_file" &
silent_pid=$!
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
write_conf "host=127.0.0.1 port=$(cat "$port_file") dbname=carbon user=carbon_writer"
read -r hung_run_s hung_s state code hung_job < <(timed_job)
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null
write_conf "$HARNESS_CONNINFO user=carbon_writer"
echo "# job time with a silent database: ${hung_run_s} s running, ${hung_s} s to completed (normal ${base_run_s} s, ${base_s} s)"
check "with a silent database, job $hung_job completes with exit code 0 ($state $code)" \
	test "$state $code" = "COMPLETED 0:0"
# Each step's write waits at most connect_timeout (libpq rounds it up to whole
# seconds, +1 s slack): the batch step's bounds the job's end; the extern
# step's, which runs after it, bounds the rest of the COMPLETING phase.
check "with a silent database, the batch step ends within connect_timeout (${connect_timeout} s) of its normal time" \
	awk -v d="$hung_run_s" -v b="$base_run_s" -v t="$connect_timeout" 'BEGIN { exit !(d <= b + t + 1) }'
check "with a silent database, the job is COMPLETED within 2 x connect_timeout (batch, then extern step)" \
	awk -v d="$hung_s" -v b="$base_s" -v t="$connect_timeout" 'BEGIN { exit !(d <= b + 2 * (t + 1)) }'
lines=$(grep -c "carbon: job $hung_job step extern: cannot connect to the database within $connect_timeout s: .*; the job's records stay in the spool" "$HARNESS_SLURMD_LOG")
check "slurmd's log has one clear line for the silent-database job, from its extern step ($lines)" test "$lines" = 1
