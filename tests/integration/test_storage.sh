#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Storage you can trust (issue 3), on the real Slurm cluster and PostgreSQL of
# the harness: spool and replay while PostgreSQL is down, killed mid-flush or
# out of connections; a full spool filesystem; wrong owners and modes; the
# roles and row-level security. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir storage
spool=$confdir/spool

harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; umount "$spool" 2>/dev/null; rm -rf "$confdir"' EXIT

write_conf() {	# write_conf [EXTRA DATABASE LINE]
	cat > "$carbon_conf" <<CONF
[database]
conninfo  = $HARNESS_CONNINFO user=carbon_writer
connect_timeout = 3
${1:-}
[sampling]
interval  = 5
[spool]
dir       = $spool
CONF
	chmod 0644 "$carbon_conf"
}
write_conf
admin_db="$HARNESS_CONNINFO user=$HARNESS_PGUSER"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
"$report" -d "$admin_db" db init > /dev/null || echo "Bail out! db init failed"

rows() { sql "SELECT count(*) FROM carbon.step_energy ${1:-}"; }
# Records waiting in the spool, whatever files hold them.
spooled() {
	find "$spool" -maxdepth 1 \( -name '*.log' -o -name '*.seg' -o -name '*.rec' \) -print0 2>/dev/null |
		xargs -0 -r cat | grep -c '^slurm-carbon spool 1$'
}
submit() { harness_as_user sbatch --parsable "$@"; }

echo "1..39"

# --- 200 steps end while PostgreSQL is down --------------------------------
harness_pg_stop
job=$(submit --wrap 'for i in $(seq 198); do srun -n1 true || exit 1; done')
read -r state code < <(harness_wait_job "$job" 600)
check "with PostgreSQL down, job $job with 198 srun steps completes with exit code 0 ($state $code)" \
	test "$state $code" = "COMPLETED 0:0"
check "all 200 step records (198 srun, batch, extern) are in the spool ($(spooled))" test "$(spooled)" = 200
check "the spool directory was created root-only 0700" test "$(stat -c '%U %a' "$spool")" = "root 700"
harness_pg_start
before=$(rows)
# --progress draws the progress line on stderr even though it is no terminal.
"$report" -d "$admin_db" --progress spool flush --dir "$spool" > "$confdir/flush.out" 2> "$confdir/flush.err"
out=$(cat "$confdir/flush.out" "$confdir/flush.err")
echo "# $out" | tr '\r' '|'
check "one flush stores exactly 200 rows ($(( $(rows) - before )))" test "$(( $(rows) - before ))" = 200
check "the spool is empty after the flush" test "$(spooled)" = 0
check "--progress: spool flush draws bytes read of all, rate and time left on stderr, in place (\\r)" \
	grep -q $'\rspool flush: [0-9.]*/[0-9.]* [KMG]*i*B (100%), [0-9.]* [KMG]*i*B/s, [0-9:]* left *$' "$confdir/flush.err"
out=$("$report" -d "$admin_db" spool flush --dir "$spool" 2>&1)
check "a second flush adds nothing ($out)" test "$(( $(rows) - before ))" = 200
check "without --progress, and stderr no terminal, no progress line" \
	eval '! grep -q "spool flush:\|$(printf "\r")" <<<"$out"'
check "no step of job $job is stored twice" test "$(sql "SELECT count(*) - count(DISTINCT step) FROM carbon.step_energy WHERE cluster = 'carbontest' AND job_id = $job")" = 0

# --- a replayed record never makes a second row; complete beats partial ------
rec=$spool/replay.rec
cat > "$rec" <<REC
slurm-carbon spool 1
cluster=carbontest
job_id=$job
step=batch
node=$HARNESS_NODE
uid=0
user=someone
account=
project=
tag=
start=1.0
end=2.0
cpu_j=1
dram_j=1
gpu_j=0
other_j=0
samples=1
method=rapl
partial=1
REC
cp "$rec" "$confdir/partial.rec"
# A replay of the same job instance's step (sql/014): its start as stored.
echo "job_start=$(sql "SELECT extract(epoch FROM job_start) FROM carbon.step_energy WHERE job_id = $job AND step = 'batch'")" >> "$rec"
out=$("$report" -d "$admin_db" spool flush --dir "$spool" 2>&1)
check "a partial record does not replace the complete one ($out)" \
	test "$(sql "SELECT user_name || ' ' || partial FROM carbon.step_energy WHERE job_id = $job AND step = 'batch'")" = "$HARNESS_USER false"
sed -e "s/^job_id=.*/job_id=999999/" "$confdir/partial.rec" > "$spool/p1.rec"
"$report" -d "$admin_db" spool flush --dir "$spool" > /dev/null 2>&1
sed -e "s/^job_id=.*/job_id=999999/" -e "s/^partial=1/partial=0/" -e "s/^cpu_j=1/cpu_j=7/" "$confdir/partial.rec" > "$spool/p2.rec"
"$report" -d "$admin_db" spool flush --dir "$spool" > /dev/null 2>&1
check "a complete record replaces an earlier partial one" \
	test "$(sql "SELECT count(*) || ' ' || max(cpu_j) || ' ' || bool_or(partial) FROM carbon.step_energy WHERE job_id = 999999")" = "1 7 false"

# --- PostgreSQL killed in the middle of a flush --------------------------------
# The harness runs PostgreSQL without fsync for speed; a crash test needs a
# server that keeps what it committed, as a production one does.
printf 'fsync = on\nsynchronous_commit = on\n' >> "$HARNESS_DIR/pg/postgresql.conf"
harness_pg_stop
harness_pg_start
total=20000
start_rows=$(rows)
# As after a long outage: one segment of the spool holding every record.
for ((i = 1; i <= total; i++)); do
	printf 'slurm-carbon spool 1\ncluster=bulk\njob_id=%d\nstep=batch\nnode=n1\nuid=1\nuser=bulk\naccount=\nproject=\ntag=\nstart=1795773600.0\nend=1795777200.0\ncpu_j=1000\ndram_j=100\ngpu_j=0\nother_j=0\nsamples=360\nmethod=rapl\npartial=0\n' "$i"
done > "$spool/bulk.seg"
bulk_rows() { sql "SELECT count(*) FROM carbon.step_energy WHERE cluster = 'bulk'" 2>/dev/null || echo 0; }
"$report" -d "$admin_db" spool flush --dir "$spool" --batch 50 > "$confdir/flush1.out" 2>&1 &
flush_pid=$!
for _ in $(seq 500); do
	[ "$(bulk_rows)" -gt 0 ] && break
	sleep 0.01
done
_h_pg_ctl -D "$HARNESS_DIR/pg" -m immediate stop > /dev/null 2>&1
wait "$flush_pid"
flush_rc=$?
harness_pg_start
stored_before=$(bulk_rows)
echo "# flush killed with $stored_before of $total rows committed: $(tail -n 1 "$confdir/flush1.out")"
check "the killed flush stopped in the middle with a clear message (exit $flush_rc, $stored_before rows committed, segment kept)" \
	test "$flush_rc" != 0 -a "$stored_before" -gt 0 -a "$stored_before" -lt "$total" -a -f "$spool/bulk.seg"
"$report" -d "$admin_db" spool flush --dir "$spool" > "$confdir/flush2.out" 2>&1
check "rerunning the flush completes ($(cat "$confdir/flush2.out"))" test "$(spooled)" = 0
check "no row missing and none twice: exactly $total bulk rows" \
	test "$(sql "SELECT count(*) || ' ' || count(DISTINCT job_id) FROM carbon.step_energy WHERE cluster = 'bulk'")" = "$total $total"

# --- a flush over several connections (--jobs) --------------------------------
# Batches go to 4 connections at once; each is one atomic call, and a file
# goes only once every batch up to its last record's committed. Killed in the
# middle, or stopped by the server refusing one batch while the others
# commit, a rerun stores each record exactly once.
multi=6000
multi_spool() {	# 12 segments of 500 records, jobs 1..6000 of cluster multi
	local i
	for ((i = 1; i <= multi; i++)); do
		printf 'slurm-carbon spool 1\ncluster=multi\njob_id=%d\nstep=batch\nnode=n1\nuid=1\nuser=multi\naccount=\nproject=\ntag=\nstart=1795773600.0\nend=1795777200.0\ncpu_j=%d\ndram_j=100\ngpu_j=0\nother_j=0\nsamples=360\nmethod=rapl\npartial=0\njob_start=1795773000.0\n' "$i" "$i" \
			>> "$spool/multi.$(printf %02d $(((i - 1) / 500))).seg"
	done
}
multi_rows() { sql "SELECT count(*) || ' ' || count(DISTINCT job_id) || ' ' || sum(cpu_j)::bigint FROM carbon.step_energy WHERE cluster = 'multi'"; }
multi_want="$multi $multi $((multi * (multi + 1) / 2))"
multi_spool
sql "ALTER SYSTEM SET log_connections = on" && sql "SELECT pg_reload_conf()" > /dev/null
pglog=$HARNESS_LOGDIR/postgresql.log
mark=$(wc -l < "$pglog")
"$report" -d "$admin_db" spool flush --dir "$spool" --jobs 4 --batch 100 > "$confdir/multi1.out" 2>&1 &
flush_pid=$!
for _ in $(seq 500); do
	[ "$(sql "SELECT count(*) FROM carbon.step_energy WHERE cluster = 'multi'")" -gt 0 ] && break
	sleep 0.01
done
kill -9 "$flush_pid"
wait "$flush_pid" 2>/dev/null
stored_before=$(sql "SELECT count(*) FROM carbon.step_energy WHERE cluster = 'multi'")
"$report" -d "$admin_db" spool flush --dir "$spool" --jobs 4 --batch 100 > "$confdir/multi2.out" 2>&1
conns=$(tail -n +"$((mark + 1))" "$pglog" | grep -c "connection authorized: user=$HARNESS_PGUSER .*application_name=carbon-report")
sql "ALTER SYSTEM RESET log_connections" && sql "SELECT pg_reload_conf()" > /dev/null
echo "# killed with $stored_before of $multi committed; rerun: $(cat "$confdir/multi2.out")"
check "--jobs 4: a flush killed in the middle, then rerun, stores each record once ($(multi_rows); $conns connections for the two)" \
	test "$(multi_rows)/$(spooled)" = "$multi_want/0"
check "--jobs 4 opens its further connections (5 to 8 logins for the two flushes: $conns)" \
	test "$conns" -ge 5 -a "$conns" -le 8
# The server refuses the batch holding job 3000 (an error of the statement, as
# a lost connection or a full disk would be), while the batches on the other
# connections commit.
sql "DELETE FROM carbon.step_energy WHERE cluster = 'multi'"
multi_spool
sql "CREATE FUNCTION public.refuse_job_3000() RETURNS trigger LANGUAGE plpgsql AS
     \$\$ BEGIN IF EXISTS (SELECT FROM new_rows WHERE cluster = 'multi' AND job_id = 3000) THEN
         RAISE EXCEPTION 'refused for the test'; END IF; RETURN NULL; END \$\$"
sql "CREATE TRIGGER refuse_job_3000 AFTER INSERT ON carbon.step_energy REFERENCING NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_job_3000()"
"$report" -d "$admin_db" spool flush --dir "$spool" --jobs 4 --batch 100 > "$confdir/multi3.out" 2>&1
flush_rc=$?
stored_before=$(sql "SELECT count(*) FROM carbon.step_energy WHERE cluster = 'multi'")
check "a batch refused mid-way stops the flush with a clear message, keeping the segments from job 3000 on (exit $flush_rc, $stored_before stored, $(spooled) spooled)" \
	test "$flush_rc" != 0 -a "$stored_before" -ge 2900 -a "$(spooled)" -ge 3001 \
	-a -f "$spool/multi.05.seg" -a -f "$spool/multi.11.seg" -a ! -f "$spool/multi.04.seg" \
	-a "$(grep -c 'stopped after .*refused for the test.*nothing is lost or doubled' "$confdir/multi3.out")" = 1
sql "DROP TRIGGER refuse_job_3000 ON carbon.step_energy" && sql "DROP FUNCTION public.refuse_job_3000()"
"$report" -d "$admin_db" spool flush --dir "$spool" --jobs 4 --batch 100 > "$confdir/multi4.out" 2>&1
check "rerun, it stores the rest, each record once ($(multi_rows); $(cat "$confdir/multi4.out"))" \
	test "$(multi_rows)/$(spooled)" = "$multi_want/0"

# --- 100 steps ending at once against max_connections = 20 ---------------------
echo "max_connections = 20" >> "$HARNESS_DIR/pg/postgresql.conf"
harness_pg_stop
harness_pg_start
before=$(rows)
job=$(submit --wrap 'for i in $(seq 100); do srun -n1 --overlap sleep 3 & done; wait')
read -r state code < <(harness_wait_job "$job" 600)
check "job $job with 100 simultaneous steps completes with exit code 0 ($state $code)" \
	test "$state $code" = "COMPLETED 0:0"
direct=$(( $(rows) - before ))
out=$("$report" -d "$admin_db" spool flush --dir "$spool" 2>&1)
echo "# $direct records went in directly; flush: $out"
check "every one of the 102 records reached the database, directly or through the spool ($(( $(rows) - before )))" \
	test "$(rows "WHERE cluster = 'carbontest' AND job_id = $job")" = 102
sed -i '/^max_connections = 20$/d' "$HARNESS_DIR/pg/postgresql.conf"
harness_pg_stop
harness_pg_start

# --- a full spool filesystem -------------------------------------------------
# slurmd runs in its own mount namespace: mount the small filesystem there.
nsenter -t "$_H_SLURMD_PID" -m mount -t tmpfs -o size=64k,mode=0700 carbon-full "$spool"
nsenter -t "$_H_SLURMD_PID" -m sh -c "dd if=/dev/zero of='$spool/filler' bs=4k count=64 2>/dev/null; true"
harness_pg_stop
job=$(submit --wrap 'srun -n1 true')
read -r state code < <(harness_wait_job "$job" 120)
harness_pg_start
nsenter -t "$_H_SLURMD_PID" -m umount "$spool"
check "with PostgreSQL down and the spool full, job $job completes with exit code 0 ($state $code)" \
	test "$state $code" = "COMPLETED 0:0"
lines=$(grep -c "carbon: job $job step 0: record lost: the spool failed (.*No space left on device), and so did the database: " "$HARNESS_SLURMD_LOG")
check "slurmd's log has one clear line for the lost step-0 record ($lines)" test "$lines" = 1

# --- wrong owners and modes ----------------------------------------------------
bad=$spool/stranger.rec
cp "$confdir/partial.rec" "$bad"
chown nobody: "$bad"
out=$("$report" -d "$admin_db" spool flush --dir "$spool" 2>&1)
check "a spool file not owned by root is refused with a message and kept as .bad" \
	bash -c "grep -q 'not owned by root' <<<\"\$1\" && test -f '$bad.bad'" _ "$out"
rm -f "$bad.bad"

chmod 0755 "$spool"
job=$(submit --wrap 'true')
read -r state code < <(harness_wait_job "$job" 60)
check "with a spool directory open to others, the job still runs ($state $code)" test "$state $code" = "COMPLETED 0:0"
out=$("$report" -d "$admin_db" spool flush --dir "$spool" 2>&1)
check "carbon-report refuses that spool directory and says how to fix it" grep -q "chmod 0700" <<<"$out"
chmod 0700 "$spool"

chown nobody "$carbon_conf"
job=$(submit --wrap 'true')
read -r state code < <(harness_wait_job "$job" 60)
chown root "$carbon_conf"
check "with carbon.conf not owned by root, the job still runs ($state $code)" test "$state $code" = "COMPLETED 0:0"
check "slurmd's log says carbon.conf was refused and why" \
	grep -q "carbon: $carbon_conf: refused: it must be owned by root" "$HARNESS_SLURMD_LOG"

write_conf "# password=s3cret-in-a-comment-line"
sed -i "s|^conninfo .*|conninfo  = $HARNESS_CONNINFO user=carbon_writer password=s3cret|" "$carbon_conf"
chmod 0644 "$carbon_conf"
job=$(submit --wrap 'true')
read -r state code < <(harness_wait_job "$job" 60)
check "with a world-readable carbon.conf holding a password, the job still runs ($state $code)" \
	test "$state $code" = "COMPLETED 0:0"
check "slurmd's log says it was refused for holding a password readable by all" \
	grep -q "carbon: $carbon_conf: refused: \[database\] conninfo holds a password but the file is readable by all" "$HARNESS_SLURMD_LOG"
check "the password never reaches slurmd's log" bash -c "! grep -q s3cret '$HARNESS_SLURMD_LOG'"
write_conf

# --- roles and row-level security ----------------------------------------------
other=carbontest2
id "$other" > /dev/null 2>&1 || useradd -M -s /bin/sh "$other"
sql "CREATE ROLE $HARNESS_USER LOGIN IN ROLE carbon_user; CREATE ROLE $other LOGIN IN ROLE carbon_user; CREATE ROLE opsadmin LOGIN IN ROLE carbon_admin"
# Job A runs 2 s of CPU load, so that its energy (the extern step's share
# included) is not 0 and the member's view of it below compares something.
job_a=$(submit --carbon-project=team-x --wrap 'timeout 2 sh -c "while :; do :; done"; true')
job_b=$(cd /tmp && runuser -u "$other" -- env SLURM_CONF="$SLURM_CONF" sbatch --parsable -D /tmp --wrap 'true')
harness_wait_job "$job_a" 60 > /dev/null
harness_wait_job "$job_b" 60 > /dev/null
as_a="$HARNESS_CONNINFO user=$HARNESS_USER"
as_b="$HARNESS_CONNINFO user=$other"
check "user A sees their own job through carbon-report" \
	quiet "$report" -d "$as_a" job "$job_a"
out=$("$report" -d "$as_a" job "$job_b" 2>&1)
check "user A gets 'no energy records' for user B's job, as for a job that does not exist" \
	grep -q "job $job_b: no energy records (unknown job, not yours" <<<"$out"
check "through psql, user A sees no row of user B" \
	test "$(psql -X -t -A "$as_a" -c "SELECT count(*) FROM carbon.step_energy WHERE user_name = '$other'")" = 0
check "through psql, an administrator sees every row" \
	test "$(psql -X -t -A "$HARNESS_CONNINFO user=opsadmin" -c "SELECT count(*) FROM carbon.step_energy")" = "$(rows)"
w="$HARNESS_CONNINFO user=carbon_writer"
check "carbon_writer cannot read, change or delete existing rows" bash -c "
	! psql -X -q '$w' -c 'SELECT 1 FROM carbon.step_energy LIMIT 1' 2>/dev/null &&
	! psql -X -q '$w' -c 'UPDATE carbon.step_energy SET cpu_j = 0' 2>/dev/null &&
	! psql -X -q '$w' -c 'DELETE FROM carbon.step_energy' 2>/dev/null &&
	! psql -X -q '$w' -c \"INSERT INTO carbon.step_energy (cluster, job_id, step, node, uid, user_name, start_time, end_time, method) VALUES ('x', 1, 'x', 'x', 0, 'x', now(), now(), 'x')\" 2>/dev/null"
sql "INSERT INTO carbon.project_member VALUES ('team-x', '$other')"
check "a member of team-x sees the team's project job $job_a" \
	quiet "$report" -d "$as_b" job "$job_a"
# The extern step records no project (it runs without the job's options),
# yet holds the job's share: the member must see it too (sql/009).
member_j=$("$report" -d "$as_b" job "$job_a" --json | jq -r '.energy_kwh.it')
owner_j=$("$report" -d "$as_a" job "$job_a" --json | jq -r '.energy_kwh.it')
"$report" -d "$as_a" job "$job_a" --json | jq -c ".steps[] | [.step, .method, .energy_kwh.it, .job_energy_kwh.it]" | sed "s/^/# /"
check "the member sees the job's whole energy, its extern step's share included ($member_j = $owner_j kWh > 0)" \
	eval 'test "$member_j" = "$owner_j" -a "$(psql -X -t -A "$as_b" -c "SELECT count(*) FROM carbon.step_energy WHERE job_id = $job_a AND step = '"'extern'"'")" = 1 &&
		awk -v e="$owner_j" "BEGIN { exit !(e > 0) }"'

# --- records of one job from several nodes at the same moment --------------------
# A job's extern steps end together on all its nodes; their writes must all
# be stored (the per-job totals of sql/008 are refreshed one at a time).
w="$HARNESS_CONNINFO user=carbon_writer"
rec() {	# rec JOB STEP NODE: one record as the plugin writes it
	echo "SELECT carbon.put_step('race', $1, '$2', '$3', 1, 'u', NULL, NULL, NULL, now() - interval '1 hour', now(), 1, 0, 0, 0, 1, 'rapl', false, 100, 0, 0, 0, 0, 1, 'cgroup-v1', NULL, '[{\"hour\": \"2026-11-27T10:00:00Z\", \"cpu_j\": 100, \"dram_j\": 0, \"gpu_j\": 0, \"other_j\": 0}]');"
}
for i in $(seq 200); do rec "$i" batch n1; done | psql -X -q "$w" > /dev/null
for node in n1 n2; do
	for i in $(seq 200); do rec "$i" extern "$node"; done > "$confdir/race-$node.sql"
done
psql -X -q "$w" -f "$confdir/race-n1.sql" > "$confdir/race-n1.out" 2>&1 &
race=$!
psql -X -q "$w" -f "$confdir/race-n2.sql" > "$confdir/race-n2.out" 2>&1
wait "$race"	# that one only: the harness's daemons are children too
errors=$(cat "$confdir"/race-n?.out | grep -c ERROR)
check "two nodes writing the extern records of 200 jobs at once: no write fails ($errors errors)" test "$errors" = 0
check "and every record and job total is stored (600 records, 200 jobs)" \
	test "$(sql "SELECT count(*) FROM carbon.step_energy WHERE cluster = 'race'") $(sql "SELECT carbon.job_totals_catch_up(); SELECT count(*) FROM carbon.job_total WHERE cluster = 'race'" | tail -1)" = "600 200"
