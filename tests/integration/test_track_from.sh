#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# carbon-report track --from (issue 16): three teams' jobs in the harness's
# PostgreSQL; each team's statement (statement -A TEAM --json), two signed by
# their sites' keys and one unsigned; then the harness stops and the
# organiser's track over the statements equals track over the database,
# figure for figure (the JSON compared number by number, the table cell for
# cell), with the unsigned
# statement marked, a changed one marked CHANGED, and hostile files refused
# with a message naming them. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

if ! command -v python3 > /dev/null; then
	echo "1..0 # SKIP python3 not installed (tests/install-deps.sh installs it)"
	exit 0
fi

. "$top/tests/harness/harness.sh"

make_confdir trackfrom
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1
d=$confdir
printf '[site]\ncluster = tftest\npue = 1.5\nintensity = 400\n[report]\nconninfo = %s\n' \
	"$admin_db" > "$d/report.conf"
export TZ=UTC
cr() { "$report" --config "$d/report.conf" "$@"; }

echo "1..13"
check_db_init "$admin_db"
#          cluster job step  node user  project tag start end CPU_J DRAM_J GPU_J method partial est cpu_s
put_record tftest 401 batch n1 alice astro nc 2026-03-02T08:00:00Z 2026-03-02T10:00:00Z \
	7200000 720000 0 rapl false 0 7200 "Test CPU" 8 - 0 0
put_record tftest 402 batch n1 bob astro nc 2026-03-03T08:00:00Z 2026-03-03T09:00:00Z \
	3600000 360000 5400000 rapl+nvml false 0 3600 "Test CPU" 8 "Test GPU" 1 0
put_record tftest 403 batch n2 carol bio nc 2026-03-04T10:00:00Z 2026-03-04T13:00:00Z \
	1800000 0 9000000 rapl+nvml false 0 1800 "Test CPU" 8 "Test GPU" 2 0
put_record tftest 404 batch n2 dave chem nc 2026-03-09T10:00:00Z 2026-03-09T11:00:00Z \
	900000 90000 0 rapl false 0 900 "Test CPU" 8 - 0 0
put_record tftest 405 batch n3 erin chem nc 2026-03-10T10:00:00Z 2026-03-10T12:00:00Z \
	2700000 0 0 rapl false 0 5400 "Test CPU" 8 - 0 0

# Each team's site has its key; chem's sends its statement unsigned.
cols=PROJECT,USER,JOBS,CPU-h,GPU-h,wall-h,IT,facility,CO2e,share,imported
cr track --json > "$d/db.json"
cr track -P -o "$cols" > "$d/db.txt" 2> /dev/null
"$report" keygen "$d/astro.key" > /dev/null 2>&1
"$report" keygen "$d/bio.key" > /dev/null 2>&1
mkdir "$d/in"
cr statement -A astro --json --sign "$d/astro.key" --site astro-hpc > "$d/in/astro.json"
cr statement -A bio --json --sign "$d/bio.key" --site bio-cluster > "$d/in/bio.json"
cr statement -A chem --json > "$d/in/chem.json"
harness_stop
trap 'rm -rf "$d"' EXIT

check "track over the database: 3 projects, 5 jobs" \
	eval '[ "$(jq -r "[.total.projects, .total.jobs] | map(tostring) | join(\" \")" "$d/db.json")" = "3 5" ]'
check "each statement carries its track member" \
	eval 'for t in astro bio chem; do jq -e --arg t $t ".track.projects[0].project == \$t" "$d/in/$t.json" > /dev/null || exit 1; done'

from() { "$report" track --from "$@" --key "$d/astro.key.pub" --key "$d/bio.key.pub"; }
from "$d/in" --json > "$d/from.json" 2> "$d/from.err"
# same A B: the JSON of track over the database (A) and over the statements
# (B) hold the same members and numbers (to 1e-9 relative: the statements
# carry nine digits), but for what only --from says.
same() {
	python3 - "$1" "$2" <<'PY'
import json, math, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
b.pop("statements", None)
for p in b.get("projects", []):
    p.pop("statement", None)
def eq(x, y, at):
    if isinstance(x, dict) and isinstance(y, dict) and x.keys() == y.keys():
        return all(eq(x[k], y[k], at + "/" + k) for k in x)
    if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        return all(eq(u, v, f"{at}/{i}") for i, (u, v) in enumerate(zip(x, y)))
    if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool):
        if math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
            return True
    elif x == y:
        return True
    print(f"# {at}: {x!r} != {y!r}")
    return False
sys.exit(0 if eq(a, b, "") else 1)
PY
}
check "track --from the three statements equals track over the database, figure for figure" \
	same "$d/db.json" "$d/from.json"
check "the unsigned statement (chem) is marked, the signed ones verified" \
	quiet jq -e '[.projects[] | .project + "=" + .statement.status] | sort == ["astro=verified", "bio=verified", "chem=unsigned"]' "$d/from.json"
from "$d/in" > "$d/from.txt" 2> "$d/from.txt.err"
check "the table marks it in its STATEMENT column, and says why below" \
	eval 'grep -q "STATEMENT" "$d/from.txt" && grep -E "^chem .* unsigned *\$" "$d/from.txt" > /dev/null &&
		grep -q "chem.json: unsigned: not signed" "$d/from.txt"'
from "$d/in" -P -o "$cols" > "$d/from-cols.txt" 2> /dev/null
if diff -u "$d/db.txt" "$d/from-cols.txt" > "$d/cols.diff"; then
	ok "the text table, in the database's columns, is track's over the database, cell for cell"
else
	not_ok "the text table, in the database's columns, is track's over the database, cell for cell"
	sed 's/^/# /' "$d/cols.diff"
fi

# A changed statement: one figure edited in the signed file.
mkdir "$d/changed"
cp "$d/in/chem.json" "$d/in/bio.json" "$d/changed/"
sed 's/"co2e_kg": /"co2e_kg": 1/' "$d/in/astro.json" > "$d/changed/astro.json"
from "$d/changed" --json > "$d/changed.json" 2> /dev/null
check "a statement changed after it was signed is marked CHANGED" \
	quiet jq -e '.projects[] | select(.project == "astro") | .statement.status == "CHANGED" and .statement.verified == false' "$d/changed.json"
"$report" track --from "$d/in" --json > "$d/nokey.json" 2> /dev/null
check "without keys, the signed statements are marked 'no key'" \
	quiet jq -e '[.statements[].status] | sort == ["no key", "no key", "unsigned"]' "$d/nokey.json"

# The same statement twice: counted once. The same project in two
# different statements: refused, naming both.
out=$("$report" track --from "$d/in" "$d/in/astro.json" --json 2>&1 > "$d/twice.json")
check "the same file twice counts once, and says so" \
	eval 'grep -q "is the same statement as" <<<"$out" && same "$d/db.json" "$d/twice.json"'
out=$("$report" track --from "$d/in" "$d/changed/astro.json" 2>&1)
rc=$?
check "one project in two different statements is refused, naming both files" \
	eval '[ $rc != 0 ] && grep -q "project .astro. is in two statements" <<<"$out" && grep -q "changed/astro.json" <<<"$out"'

# Hostile files: not JSON, no track member, an escape sequence as a name.
printf 'not json' > "$d/junk.json"
jq -c 'del(.track)' "$d/in/chem.json" > "$d/old.json"
sed 's/"project": "chem"/"project": "\\u001b[2Jchem"/g' "$d/in/chem.json" > "$d/esc.json"
ok_all=1
for f in junk old esc; do
	out=$("$report" track --from "$d/$f.json" 2>&1)
	rc=$?
	if [ $rc = 0 ] || ! grep -q "$f.json" <<<"$out"; then
		ok_all=0
		echo "# $f: rc $rc: $out"
	fi
done
check "a file that is not JSON, one without a track member, and a name with an escape sequence are refused, naming the file" \
	[ $ok_all = 1 ]
out=$("$report" track --from "$d/in" -A astro 2>&1)
rc=$?
check "filters do not go with --from" \
	eval '[ $rc = 2 ] && grep -q "with --from" <<<"$out"'
