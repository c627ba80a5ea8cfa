#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A participant connecting as their own PostgreSQL role sees only their own
# jobs, through every command (DESIGN 3.4, issue 6): records of alice and
# bob, a project of bob's that alice joins, CodeCarbon runs imported by
# each; then job, summary, track, statement and the imported runs as alice.
# Bob's job must look exactly like a job that does not exist. The harness's
# PostgreSQL trusts local connections, so "user=alice" is alice.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir participant
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1
writer_db="$HARNESS_CONNINFO user=carbon_writer"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
for who in alice bob; do
	printf '[site]\npue = 1.25\nintensity = 300\n[report]\nconninfo = %s user=%s\n' \
		"$HARNESS_CONNINFO" "$who" > "$confdir/$who.conf"
done
alice() { "$report" --config "$confdir/alice.conf" "$@"; }
bob() { "$report" --config "$confdir/bob.conf" "$@"; }

# put JOB USER PROJECT TAG START CPU_J: a one-hour batch record on n1.
put() {
	local hour
	hour=$(date -u -d "$5" +%Y-%m-%dT%H:00:00Z)
	psql -X -q -t -A -v ON_ERROR_STOP=1 "$writer_db" -c "SELECT carbon.put_step(
		'parttest', $1, 'batch', 'n1', 1001, '$2', NULL, '$3', '$4',
		'$5'::timestamptz, '$5'::timestamptz + interval '1 hour', $6, 0, 0, 0, 10, 'rapl', false,
		$6, 0, 0, 0, 0, 3600, 'cgroup-v1', NULL,
		'[{\"hour\": \"$hour\", \"cpu_j\": $6, \"dram_j\": 0, \"gpu_j\": 0, \"other_j\": 0}]'::jsonb)" \
		> /dev/null
}
# same_as_missing WHAT ARGS_MISSING -- ARGS_HIDDEN: the two commands, run as
# alice, give the same exit code and the same output once the two names
# (the last argument of each) are replaced by NAME.
same_as_missing() {
	local what=$1 a b rc_a rc_b name_a name_b
	shift
	local -a missing=() hidden=()
	while [ "$1" != -- ]; do missing+=("$1"); shift; done
	shift
	hidden=("$@")
	name_a=${missing[-1]}
	name_b=${hidden[-1]}
	a=$(alice "${missing[@]}" 2>&1)
	rc_a=$?
	b=$(alice "${hidden[@]}" 2>&1)
	rc_b=$?
	a=${a//$name_a/NAME}
	b=${b//$name_b/NAME}
	echo "# missing (exit $rc_a): $a"
	echo "# hidden  (exit $rc_b): $b"
	# Nothing to show exits 0 (issue 12), for both alike.
	check "$what (exit $rc_b)" eval '[ $rc_a = $rc_b ] && [ $rc_b = 0 ] && [ "$a" = "$b" ]'
}

echo "1..21"
check_db_init "$admin_db"
sql "CREATE ROLE alice LOGIN IN ROLE carbon_user; CREATE ROLE bob LOGIN IN ROLE carbon_user"

# alice: job 601 (project pa). bob: job 602 in his project pb, job 603 in
# his project bsolo. Each imports one CodeCarbon run per project.
put 601 alice pa runA 2026-04-01T10:00:00Z 3600000
put 602 bob pb runB 2026-04-02T10:00:00Z 7200000
put 603 bob bsolo runC 2026-04-03T10:00:00Z 10800000
{
	echo "timestamp,project_name,run_id,experiment_id,duration,emissions,cpu_energy,gpu_energy,ram_energy,energy_consumed,pue"
	echo "2026-04-02T12:00:00Z,laptop,r1,e1,3600,0.1,0.2,0.1,0.1,0.5,1.25"
} > "$confdir/cc.csv"
alice import codecarbon "$confdir/cc.csv" -A pa -t runA > /dev/null 2>&1
bob import codecarbon "$confdir/cc.csv" -A pb -t runB > /dev/null 2>&1
bob import codecarbon "$confdir/cc.csv" -A bsolo -t runC > /dev/null 2>&1
check "alice and bob import as themselves (user_name is the importing role)" \
	test "$(sql "SELECT string_agg(project || ':' || user_name, ' ' ORDER BY project) FROM carbon.imported_run")" = \
	"bsolo:bob pa:alice pb:bob"

# --- before alice joins pb: bob's records are invisible to her ------------------
check "alice sees her own job 601" quiet alice job 601
for format in table markdown json csv; do
	same_as_missing "job: bob's job 603 looks exactly like unknown job 699 (--format $format)" \
		job --format "$format" 699 -- job --format "$format" 603
done
same_as_missing "statement -u bob gives no data, as for a user without jobs" \
	statement -u nosuch -- statement -u bob
alice summary --by user --json > "$confdir/sum.json" 2>&1
check "summary --by user: alice only, 1 job" \
	test "$(jq -c '[[.groups[].group], .total.jobs]' "$confdir/sum.json")" = '[["alice"],1]'

# --- alice joins pb ---------------------------------------------------------------
sql "INSERT INTO carbon.project_member VALUES ('pb', 'alice')"
check "alice now sees job 602 of pb, bob's project" quiet alice job 602
same_as_missing "job 603 (bsolo, not hers) still looks like an unknown job" \
	job 699 -- job 603
alice summary --by project --json > "$confdir/sum.json" 2>&1
check "summary --by project: pa and pb, 2 jobs; not bsolo" \
	test "$(jq -c '[[.groups[].group], .total.jobs]' "$confdir/sum.json")" = '[["pa","pb"],2]'
alice summary --by user -u bob --json > "$confdir/sum.json" 2>&1
check "summary -u bob: what pb shows her, as statement -u bob: his job and imported run of pb (1 job, 1 run, 2.4 kWh)" \
	test "$(jq -c '[.total.jobs, .total.imported_runs, .total.energy_kwh.it]' "$confdir/sum.json")" = '[1,1,2.4]'
alice track --json > "$confdir/track.json" 2>&1
got=$(jq -c '[([.projects[].project] | sort), ([.projects[].users[].user] | sort), .total.jobs]' \
	"$confdir/track.json" 2>&1)
echo "# track: $got"
check "track: projects pa and pb, users alice and bob, 2 jobs; not bsolo" \
	test "$got" = '[["pa","pb"],["alice","bob"],2]'
alice statement -A pb --json > "$confdir/pb.json" 2>&1
check "statement -A pb: job 602 and bob's imported run of pb" \
	test "$(jq -c '[.jobs, .imported.runs, .energy_kwh.it]' "$confdir/pb.json")" = '[1,1,2.4]'
same_as_missing "statement -A bsolo: no data, as for an unknown project (jobs and imports hidden)" \
	statement -A nosuch -- statement -A bsolo
same_as_missing "statement -t runC (bob's bsolo tag): no data, as for an unknown tag" \
	statement -t nosuch -- statement -t runC
alice statement -u bob --json > "$confdir/ub.json" 2>&1
check "statement -u bob: only what pb shows her (1 job, 1 imported run)" \
	test "$(jq -c '[.jobs, .imported.runs]' "$confdir/ub.json")" = '[1,1]'
alice statement -u alice --json > "$confdir/ua.json" 2>&1
check "statement -u alice: her job and her own imported run" \
	test "$(jq -c '[.jobs, .imported.runs]' "$confdir/ua.json")" = '[1,1]'
check "through psql, alice sees no imported row of bsolo and none of bob's outside pb" \
	test "$(psql -X -t -A "$HARNESS_CONNINFO user=alice" -c \
		"SELECT count(*) FROM carbon.imported_run WHERE project = 'bsolo' OR (user_name = 'bob' AND project <> 'pb')")" = 0
check "while bob himself sees his bsolo job and its imported run" \
	test "$(bob statement -A bsolo --json 2>&1 | jq -c '[.jobs, .imported.runs]')" = '[1,1]'
