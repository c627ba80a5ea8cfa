#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A database that takes the login and then answers nothing must not hold a
# step's end: every database call of the plugin is under a deadline
# (connect_timeout + 1 s in all), after which the record goes to the spool.
# On the harness's one-node cluster, the plugin reaches PostgreSQL through
# tcp_relay.py, a TCP relay in front of the server's Unix socket that can
#   (a) relay everything: records are stored directly;
#   (b) stall: relay the login up to ReadyForQuery, then nothing either way,
#       with the sockets kept open (statement_timeout is the server's, and
#       tcp_user_timeout never fires while the kernel acknowledges data):
#       the job still ends, each step's end waits at most connect_timeout
#       + 1 s, and the records are spooled;
#   (c) carbon-report spool flush (the Unix socket) then stores them;
#   (d) hang: accept and relay nothing, not even the login: the same bound;
#   (e) relay again: a job's steps store their records and replay (d)'s.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir stall
spool=$confdir/spool
harness_start --plugstack "$confdir/plugstack.conf"

relay_dir=$confdir/relay
mkdir -p "$relay_dir"
control=$relay_dir/mode
relay_log=$relay_dir/relay.log
echo normal > "$control"
python3 "$top/tests/integration/tcp_relay.py" --unix "$HARNESS_PGHOST/.s.PGSQL.$HARNESS_PGPORT" \
	--port-file "$relay_dir/port" --control "$control" --log "$relay_log" \
	> "$relay_dir/relay.out" 2>&1 &
relay_pid=$!
trap 'kill "$relay_pid" 2>/dev/null; wait "$relay_pid" 2>/dev/null; harness_stop; rm -rf "$confdir"' EXIT
for ((i = 0; i < 100; i++)); do
	[ -s "$relay_dir/port" ] && break
	sleep 0.05
done
[ -s "$relay_dir/port" ] || { cat "$relay_dir/relay.out"; echo "Bail out! tcp_relay.py did not start"; exit 1; }
relay_port=$(cat "$relay_dir/port")

timeout_s=2
# What a step's end may wait for the database: connect_timeout + 1 s, and
# 0.2 s for loading libpq, appending to the spool and logging.
step_limit=$((timeout_s + 1)).2
# The plugin goes through the relay; carbon-report uses the Unix socket.
write_carbon_conf 1 '[database]' 'connect_timeout = 2'
sed -i "s|^conninfo .*|conninfo  = host=127.0.0.1 port=$relay_port dbname=carbon user=carbon_writer|" \
	"$carbon_conf"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
rows() { sql "SELECT count(*) FROM carbon.step_energy WHERE job_id = $1"; }
# relay_mode MODE: what the relay does from now on (it reads the file at
# every event; the rename makes the change whole).
relay_mode() { echo "$1" > "$control.tmp" && mv "$control.tmp" "$control"; }
# spooled JOBID: "STEP END" of each of the job's records in the spool.
spooled() {
	find "$spool" -maxdepth 1 \( -name '*.log' -o -name '*.seg' -o -name '*.rec' \) -print0 2>/dev/null |
		xargs -0 -r cat | awk -F= -v job="$1" '
			/^slurm-carbon spool 1$/ { if (j == job) print s, e; j = s = e = ""; next }
			$1 == "job_id" { j = $2 } $1 == "step" { s = $2 } $1 == "end" { e = $2 }
			END { if (j == job) print s, e }'
}
# step_waits JOBID: "extern SECONDS": the time from the end of the job's
# extern step (its record's end, taken as the plugin closes the meter) to
# the slurmd log line that says the job's records stay in the spool. The
# extern step, the job's last on the node, is the one that connects.
step_waits() {
	local step end stamp logged
	while read -r step end; do
		[ "$step" = extern ] || continue
		stamp=$(grep -a "carbon: job $1 step $step: .*the job's records stay in the spool" "$HARNESS_SLURMD_LOG" |
			tail -n 1 | sed -n 's/^\[\([^]]*\)\].*/\1/p')
		logged=$(date -d "$stamp" +%s.%N 2>/dev/null) || logged=
		echo "$step $(awk -v a="$end" -v b="${logged:-0}" 'BEGIN { printf "%.3f", b - a }')"
	done < <(spooled "$1")
}
# all_within LIMIT "STEP SECONDS" lines: true when there is one and it is
# from 0 to LIMIT.
all_within() {
	awk -v lim="$1" '{ n++; if ($2 < 0 || $2 > lim) bad++ } END { exit !(n == 1 && !bad) }' <<<"$2"
}
# wait_records JOBID N: until the job has N stored records, at most 30 s.
wait_records() {
	local i
	for ((i = 0; i < 150; i++)); do
		[ "$(rows "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
now() { date +%s.%N; }

echo "1..15"
check_db_init "$admin_db"

# --- (a) the relay relays: records go straight in -------------------------------
relay_mode normal
job=$(harness_as_user sbatch --parsable --wrap 'srun -n1 true')
read -r state code < <(harness_wait_job "$job" 60)
check "(a) job $job completes ($state $code)" test "$state $code" = "COMPLETED 0:0"
wait_records "$job" 3
check "(a) its 3 records (batch, 0, extern) are stored at its end ($(rows "$job")), none left in the spool" \
	test "$(rows "$job") $(spooled "$job" | wc -l)" = "3 0"
logins=$(grep -c ' login ' "$relay_log")
check "(a) through the relay, in one connection ($logins logins relayed)" test "$logins" = 1

# --- (b) the server takes the login, then answers nothing ------------------------
relay_mode stall
mark=$(wc -l < "$relay_log")
t_submit=$(now)
job=$(harness_as_user sbatch --parsable --wrap 'srun -n1 true')
read -r state code < <(harness_wait_job "$job" 60)
t_done=$(now)
check "(b) with the database stalled, job $job still ends, not held in COMPLETING ($state $code)" \
	test "$state $code" = "COMPLETED 0:0"
last_end=$(spooled "$job" | awk '$2 > m { m = $2 } END { printf "%.3f", m }')
since=$(awk -v a="$last_end" -v b="$t_done" 'BEGIN { printf "%.1f", b - a }')
echo "# job $job: submitted to ended $(awk -v a="$t_submit" -v b="$t_done" 'BEGIN { printf "%.1f", b - a }') s; ended $since s after its last step's end"
check "(b) it ends within connect_timeout + 5 s of its last step's end ($since s)" \
	awk -v s="$since" -v lim=$((timeout_s + 5)) 'BEGIN { exit !(s > 0 && s <= lim) }'
waits=$(step_waits "$job")
echo "# seconds from step end to record spooled: $(tr '\n' ' ' <<<"$waits")"
check "(b) the extern step's end, the one that connects, waited no longer than connect_timeout + 1 s" \
	all_within "$step_limit" "$waits"
lines=$(grep -c "carbon: job $job step extern: database write failed: the database did not answer within [0-9.]* s; connection closed; the job's records stay in the spool" \
	"$HARNESS_SLURMD_LOG")
check "(b) slurmd's log says once, for the job, that the database did not answer ($lines lines)" \
	test "$lines" = 1
stalled=$(tail -n +"$((mark + 1))" "$relay_log" | grep -E ' close [0-9]+ by client after [0-9.]+ s \(stalled\)$')
echo "# relay: $(tail -n +"$((mark + 1))" "$relay_log" | awk '{ $1 = ""; print }' | tr '\n' ';')"
check "(b) the plugin closed the stalled connection (the held cancel with it) within connect_timeout + 1 s" \
	awk -v lim="$((timeout_s + 1))" 'NF >= 3 { n++; if ($(NF - 2) > lim) bad++ } END { exit !(n >= 1 && !bad) }' <<<"$stalled"

# --- (c) the spool keeps them; spool flush stores them ---------------------------
check "(c) the 3 records are in the spool and not stored ($(spooled "$job" | wc -l) spooled, $(rows "$job") stored)" \
	test "$(spooled "$job" | wc -l) $(rows "$job")" = "3 0"
out=$("$report" -d "$admin_db" spool flush --dir "$spool" 2>&1)
echo "# $out"
check "(c) carbon-report spool flush (Unix socket) stores them" \
	test "$(rows "$job") $(spooled "$job" | wc -l)" = "3 0"

# --- (d) the server accepts and never answers the login --------------------------
relay_mode hang
job=$(harness_as_user sbatch --parsable --wrap 'srun -n1 true')
read -r state code < <(harness_wait_job "$job" 60)
check "(d) with a login that never completes, job $job ends ($state $code)" \
	test "$state $code" = "COMPLETED 0:0"
waits=$(step_waits "$job")
echo "# seconds from step end to record spooled: $(tr '\n' ' ' <<<"$waits")"
check "(d) the extern step's end waited no longer than connect_timeout + 1 s" \
	all_within "$step_limit" "$waits"
lines=$(grep -c "carbon: job $job step extern: cannot connect to the database within $timeout_s s: no answer from the server (host 127.0.0.1, port $relay_port) within $timeout_s s; the job's records stay in the spool" \
	"$HARNESS_SLURMD_LOG")
check "(d) slurmd's log says once, for the job, that the login got no answer ($lines lines)" \
	test "$lines" = 1
hung=$job

# --- (e) the relay relays again: store, then replay the small spool --------------
relay_mode normal
job=$(harness_as_user sbatch --parsable --wrap 'srun -n1 true')
read -r state code < <(harness_wait_job "$job" 60)
wait_records "$job" 3
wait_records "$hung" 3
check "(e) job $job's end stores its records and job $hung's spooled ones ($(rows "$job") and $(rows "$hung") stored)" \
	test "$(rows "$job") $(rows "$hung") $(spooled "$hung" | wc -l)" = "3 3 0"
