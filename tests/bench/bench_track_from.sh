#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of `carbon-report track --from`: how the time to read one
# statement grows with its size. Statements of growing size are made from a
# golden statement (tests/golden/statement/A-pb.json, as statement --json
# writes one), its project's user and day repeated under new names, in three
# shapes: one project with many users, many projects of one user each, and
# one project with many days; the largest of each near the limits a
# statement may reach (TRACK_BLOCK_MAX_GROUPS groups, a track block of
# TRACK_BLOCK_MAX_BYTES); then directories of N statements of 1024 users
# each, every team's names its own. Reading is linear when the time per MB
# stays the same from the smallest to the largest (less the fixed cost of
# starting: the smallest rows).
# Usage: tests/bench/bench_track_from.sh [RUNS (5)] [SHAPE... (users projects
# days statements)]
# Prints a Markdown table for doc/benchmarks.md (medians of RUNS). Needs no
# database and no root.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
runs=${1:-5}
shift
shapes=" ${*:-users projects days statements} "

work=$(mktemp -d /tmp/carbon-bench-track-from.XXXXXX)
trap 'rm -rf "$work"' EXIT

# make_statement SHAPE N FILE [TEAM]: the golden statement with N users,
# projects or days, their names prefixed with TEAM.
make_statement() {
	python3 - "$top/tests/golden/statement/A-pb.json" "$@" <<'PY'
import copy, datetime, json, sys
golden, shape, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
team = sys.argv[5] if len(sys.argv) > 5 else ""
doc = json.load(open(golden))
proto = doc["track"]["projects"][0]
user, day = proto["users"][0], proto["days"][0]
def project(name, users, days):
    p = copy.deepcopy(proto)
    p["project"] = team + name
    p["users"] = [dict(user, user=f"{team}user{i:05d}") for i in range(users)]
    first = datetime.date(2026, 1, 1)
    p["days"] = [dict(day, day=str(first + datetime.timedelta(days=i))) for i in range(days)]
    return p
if shape == "users":
    projects = [project("p", n, 1)]
elif shape == "projects":
    projects = [project(f"p{i:05d}", 1, 0) for i in range(n)]
else:
    projects = [project("p", 1, n)]
doc["track"]["projects"] = projects
with open(out, "w") as f:
    json.dump(doc, f)
PY
}

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# times FILE: the medians of track --from FILE --json over RUNS runs: wall
# seconds, and CPU seconds (user + system: what other work on the machine
# does not change).
times() {
	local i
	for ((i = 0; i < runs; i++)); do
		# shellcheck disable=SC2034  # read by bash's time
		TIMEFORMAT='%R %U %S'
		{ time "$report" track --from "$1" --json > /dev/null 2> "$work/err"; } 2>&1 ||
			{ echo "track --from $1 failed: $(cat "$work/err")" >&2; exit 1; }
	done > "$work/times"
	echo "$(awk '{ print $1 }' "$work/times" | median) $(awk '{ print $2 + $3 }' "$work/times" | median)"
}

echo "| shape | N | size | wall | CPU | CPU per MB |"
echo "|---|---:|---:|---:|---:|---:|"
for spec in "users 64" "users 128" "users 256" "users 512" "users 1024" "users 2046" \
	"projects 64" "projects 128" "projects 256" "projects 512" "projects 1024" \
	"days 64" "days 128" "days 256" "days 512" "days 1024" "days 2046" \
	"statements 2" "statements 4" "statements 8" "statements 16" "statements 32"; do
	read -r shape count <<< "$spec"
	[[ "$shapes" == *" $shape "* ]] || continue
	f=$work/$shape-$count.json
	if [ "$shape" = statements ]; then
		f=$work/$shape-$count
		mkdir "$f"
		for ((i = 0; i < count; i++)); do
			make_statement users 1024 "$f/team$i.json" "team$i-"
		done
	else
		make_statement "$shape" "$count" "$f"
	fi
	bytes=$(du -b -s "$f" | cut -f1)
	read -r wall cpu <<< "$(times "$f")"
	printf '| %s | %d | %.0f KB | %.3f s | %.3f s | %.3f s |\n' "$shape" "$count" \
		"$(echo "$bytes / 1000" | bc -l)" "$wall" "$cpu" "$(echo "$cpu * 1000000 / $bytes" | bc -l)"
done
