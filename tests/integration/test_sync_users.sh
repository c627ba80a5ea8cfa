#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Participants at scale: `carbon-report db sync-users` makes the roles and
# project memberships from Slurm's accounting (slurmdbd on MariaDB; the
# associations added with sacctmgr), then from a CSV file. A participant
# then sees their project's jobs (a real job of the cluster's user in
# project pa), a user taken out of the source no longer does, and their role
# stays. Reports connect on their own settings, never the plugin's
# [database] conninfo. Hostile names in sacctmgr's output and in the CSV
# are refused, with nothing changed. The harness's PostgreSQL trusts local
# connections, so "user=alice" is alice. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir sync-users
harness_start --plugstack "$confdir/plugstack.conf" --accounting
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1 '[site]' 'pue = 1.25' 'intensity = 300' '[database]' 'connect_timeout = 3'
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
admin() { "$report" -d "$admin_db" "$@"; }
u=$HARNESS_USER
for who in alice bob dora; do
	printf '[site]\npue = 1.25\nintensity = 300\n[report]\nconninfo = %s user=%s\n' \
		"$HARNESS_CONNINFO" "$who" > "$confdir/$who.conf"
done
as() { local who=$1; shift; "$report" --config "$confdir/$who.conf" "$@"; }
# jobs_seen WHO: the job ids WHO's reports show (summary over everything).
jobs_seen() {
	psql -X -q -t -A "$HARNESS_CONNINFO user=$1" -c "SELECT string_agg(j::text, ' ' ORDER BY j)
		FROM (SELECT DISTINCT job_id AS j FROM carbon.step_energy) s" 2>&1
}
# The roles and memberships of alice, bob, dora and $u, in that order.
order="array_position(ARRAY['alice', 'bob', 'dora', '$u'], %s)"
roles() {	# role:member-of-carbon_user
	sql "SELECT string_agg(r.rolname || ':' || pg_has_role(r.rolname, 'carbon_user', 'MEMBER'), ' '
		ORDER BY $(printf "$order" r.rolname)) FROM pg_roles r WHERE r.rolname IN ('alice', 'bob', 'dora', '$u')"
}
members() {	# project:member
	sql "SELECT string_agg(project || ':' || member, ' ' ORDER BY project, $(printf "$order" member))
		FROM carbon.project_member"
}
# put JOB USER PROJECT: a one-hour batch record on n1, as the plugin writes it.
put() {
	put_record synctest "$1" batch n1 "$2" "$3" - 2026-05-01T10:00:00Z 2026-05-01T11:00:00Z \
		3600000 0 0 rapl false 0 3600
}

echo "1..27"
check_db_init "$admin_db"

# --- Slurm's accounting: projects pa and pb -----------------------------------
sacctmgr -i add account pa,pb cluster="$HARNESS_CLUSTER" > "$confdir/sacctmgr.log" 2>&1 &&
	sacctmgr -i add user "$u" account=pa >> "$confdir/sacctmgr.log" 2>&1 &&
	sacctmgr -i add user alice account=pa >> "$confdir/sacctmgr.log" 2>&1 &&
	sacctmgr -i add user bob account=pa,pb >> "$confdir/sacctmgr.log" 2>&1
check "sacctmgr adds accounts pa, pb and the users $u (pa), alice (pa), bob (pa, pb)" \
	test "$(sacctmgr -n -P show assoc format=account,user where user="$u",alice,bob | sort | tr '\n' ' ')" = \
	"pa|alice pa|bob pa|$u pb|bob "
sacctmgr -n -P show assoc format=cluster,account,user | sed 's/^/# sacctmgr: /'

job=$(harness_as_user sbatch --parsable --account=pa --wrap 'srun -n1 sleep 1')
finished "$job" "the job of project pa"
wait_records "$job" 3
got=$(sql "SELECT string_agg(DISTINCT coalesce(project, '-'), ' ') || ' ' || count(*) FROM carbon.step_energy WHERE job_id = $job")
check "its 3 records arrive, project pa ($got)" test "$got" = "pa 3"
put 700001 alice pa	# alice's own, in pa
put 700002 "$u" pb	# in pb, where only bob takes part

# --- sync from sacctmgr ------------------------------------------------------------
admin db sync-users --dry-run > "$confdir/dry.out" 2>&1
rc=$?
sed 's/^/# /' "$confdir/dry.out"
check "--dry-run prints the changes it would make (3 roles, 4 memberships) and makes none" \
	eval '[ $rc = 0 ] && grep -q "^would create role   alice (LOGIN, member of carbon_user)$" "$confdir/dry.out" &&
		grep -q "^dry run from sacctmgr (4 associations), nothing changed: roles 3 created, 0 added, 0 removed, 0 refused; memberships 4 added, 0 removed$" "$confdir/dry.out" &&
		[ -z "$(roles)" ] && [ -z "$(members)" ]'
admin db sync-users > "$confdir/sync.out" 2>&1
rc=$?
sed 's/^/# /' "$confdir/sync.out"
check "sync-users makes a LOGIN role in carbon_user for each user (exit $rc)" \
	test "$rc $(roles)" = "0 alice:true bob:true $u:true"
check "and the memberships of the associations (Slurm's root account left out)" \
	test "$(members)" = "pa:alice pa:bob pa:$u pb:bob"
check "it prints every change and the counts" \
	eval 'grep -q "^add member    bob in project pb$" "$confdir/sync.out" &&
		grep -q "^synced from sacctmgr (4 associations): roles 3 created, 0 added, 0 removed, 0 refused; memberships 4 added, 0 removed$" "$confdir/sync.out"'
admin db sync-users > "$confdir/again.out" 2>&1
check "a second sync changes nothing ($(tail -n 1 "$confdir/again.out"))" \
	eval '[ "$(wc -l < "$confdir/again.out")" = 1 ] &&
		grep -q "roles 0 created, 0 added, 0 removed, 0 refused; memberships 0 added, 0 removed$" "$confdir/again.out"'

# --- participants see their projects' jobs ------------------------------------------
check "alice (pa) sees the job $job of $u in pa, through her [report] conninfo" quiet as alice job "$job"
check "alice sees pa's jobs only: $job and her 700001 ($(jobs_seen alice))" \
	test "$(jobs_seen alice)" = "$job 700001"
check "bob (pa, pb) sees pa's and pb's jobs ($(jobs_seen bob))" \
	test "$(jobs_seen bob)" = "$job 700001 700002"
# The plugin's carbon.conf (0644, [database] user=carbon_writer) is no
# report's login: with it, alice's report connects as alice (libpq's PGUSER).
out=$(PGHOST=$HARNESS_PGHOST PGPORT=$HARNESS_PGPORT PGDATABASE=carbon PGUSER=alice \
	"$report" --config "$carbon_conf" job "$job" --json 2>&1)
check "PGUSER=alice carbon-report --config <the writer's carbon.conf> job $job: as alice, not carbon_writer" \
	eval '[ "$(jq -r "(if type == \"array\" then .[0] else . end).job_id" <<<"$out" 2>/dev/null)" = "$job" ]'
out=$("$report" --config "$carbon_conf" spool flush 2>&1)
rc=$?
check "spool flush still connects as the plugin, with [database] (exit $rc: $out)" test $rc = 0

# --- users and associations removed in Slurm ---------------------------------------------
sacctmgr -i delete user alice > "$confdir/del.log" 2>&1
sacctmgr -i delete user where name=bob account=pb >> "$confdir/del.log" 2>&1
sed 's/^/# /' "$confdir/del.log"
admin db sync-users > "$confdir/removed.out" 2>&1
rc=$?
sed 's/^/# /' "$confdir/removed.out"
check "sync-users after the removals: alice's role out of carbon_user, 2 memberships removed (exit $rc)" \
	eval '[ $rc = 0 ] && grep -q "^remove role   alice (no longer a member of carbon_user; the role and its records are kept)$" "$confdir/removed.out" &&
		grep -q "roles 0 created, 0 added, 1 removed, 0 refused; memberships 0 added, 2 removed$" "$confdir/removed.out"'
check "alice's role is kept, not a participant; memberships pa:bob pa:$u ($(roles); $(members))" \
	test "$(roles); $(members)" = "alice:false bob:true $u:true; pa:bob pa:$u"
out=$(as alice job "$job" 2>&1)
rc=$?
echo "# alice: $out"
check "alice no longer sees the job of pa (exit $rc, permission denied)" \
	eval '[ $rc != 0 ] && grep -q "permission denied" <<<"$out" && ! grep -q "$job.*kWh" <<<"$out"'
check "bob, out of pb, sees pa's jobs only ($(jobs_seen bob))" \
	test "$(jobs_seen bob)" = "$job 700001"

# --- hostile names from sacctmgr: refused where they enter, nothing changed -------------------
before="$(roles); $(members)"
mkdir -p "$confdir/bin"
{
	echo '#!/bin/sh'
	echo "echo '$HARNESS_CLUSTER|pa|$u'"
	echo "echo '$HARNESS_CLUSTER|pa|x\";DROP ROLE postgres;--'"
} > "$confdir/bin/sacctmgr"
chmod 755 "$confdir/bin/sacctmgr"
out=$(PATH=$confdir/bin:$PATH admin db sync-users 2>&1)
rc=$?
check "a user name with a quote: exit 1, line 2 and its field named, nothing changed ($out)" \
	eval '[ $rc = 1 ] && grep -q "sacctmgr output line 2: user is not a valid user name .*; nothing stored" <<<"$out" &&
		[ "$(roles); $(members)" = "$before" ]'
printf '#!/bin/sh\necho "%s|pa|pg_read_server_files"\n' "$HARNESS_CLUSTER" > "$confdir/bin/sacctmgr"
out=$(PATH=$confdir/bin:$PATH admin db sync-users 2>&1)
rc=$?
check "a user named pg_...: refused, nothing changed ($out)" \
	eval '[ $rc = 1 ] && grep -q "line 1: user starts with pg_" <<<"$out" && [ "$(roles); $(members)" = "$before" ]'
printf '#!/bin/sh\necho '"'"'%s|p$(id)|%s'"'"'\n' "$HARNESS_CLUSTER" "$u" > "$confdir/bin/sacctmgr"
out=$(PATH=$confdir/bin:$PATH admin db sync-users 2>&1)
rc=$?
check "an account that is no project name: refused, nothing changed ($out)" \
	eval '[ $rc = 1 ] && grep -q "line 1: account is not a valid project name" <<<"$out" && [ "$(roles); $(members)" = "$before" ]'

# --- from a CSV file -----------------------------------------------------------------
printf 'user,project\nbob,pa\ndora,pb\n%s,pa\n%s,pb\n' "$u" "$HARNESS_PGUSER" > "$confdir/users.csv"
admin db sync-users --from-csv "$confdir/users.csv" > "$confdir/csv.out" 2> "$confdir/csv.err"
rc=$?
sed 's/^/# /' "$confdir/csv.out" "$confdir/csv.err"
check "from the CSV: dora made, in pb; the superuser $HARNESS_PGUSER refused, exit 1" \
	eval '[ $rc = 1 ] && [ "$(roles); $(members)" = "alice:false bob:true dora:true $u:true; pa:bob pa:$u pb:dora" ] &&
		grep -q "^refuse role   $HARNESS_PGUSER (an existing role that is a superuser: not made a participant)$" "$confdir/csv.out" &&
		grep -q "refused user $HARNESS_PGUSER: " "$confdir/csv.err"'
check "the superuser is left as it was: no member of carbon_user, no membership" \
	test "$(sql "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
		WHERE r.rolname = '$HARNESS_PGUSER' AND m.roleid = 'carbon_user'::regrole")$(sql "SELECT count(*) FROM carbon.project_member WHERE member = '$HARNESS_PGUSER'")" = 00
check "dora (pb) sees pb's job 700002 only ($(jobs_seen dora))" test "$(jobs_seen dora)" = 700002
# A membership an administrator inserted by hand is not the sync's to remove.
sql "INSERT INTO carbon.project_member (project, member) VALUES ('pa', 'dora')"
printf 'user,project\nbob,pa\n%s,pa\n' "$u" > "$confdir/users2.csv"
admin db sync-users --from-csv "$confdir/users2.csv" > "$confdir/csv2.out" 2>&1
rc=$?
sed 's/^/# /' "$confdir/csv2.out"
check "dora out of the CSV: her role leaves carbon_user, pb's synced membership goes, pa's (by hand) stays" \
	test "$rc $(roles); $(members)" = "0 alice:false bob:true dora:false $u:true; pa:bob pa:dora pa:$u"

printf 'user,project\nbob,pa\n"x"",pa\n' > "$confdir/bad.csv"
before="$(roles); $(members)"
out=$(admin db sync-users --from-csv "$confdir/bad.csv" 2>&1)
rc=$?
check "a hostile CSV row: file:line and reason, exit 1, nothing changed ($out)" \
	eval '[ $rc = 1 ] && grep -q "bad.csv:3: " <<<"$out" && grep -q "nothing changed" <<<"$out" && [ "$(roles); $(members)" = "$before" ]'
printf 'user,project\nbob,pa\ncarbon_admin,pa\n' > "$confdir/own.csv"
out=$(admin db sync-users --from-csv "$confdir/own.csv" 2>&1)
check "slurm-carbon's own roles are refused, never changed" \
	eval 'grep -q "^refuse role   carbon_admin (an existing role that is one of slurm-carbon" <<<"$out" &&
		[ "$(sql "SELECT count(*) FROM carbon.project_member WHERE member = '"'"'carbon_admin'"'"'")" = 0 ]'
