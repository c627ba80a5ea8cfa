#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of `carbon-report db sync-users` at a site's scale: N users, each
# in 2 of N/20 projects, from a CSV file, into a PostgreSQL of its own
# (initdb in a temporary directory, run as the postgres user; no Slurm, no
# harness lock). Times, in one run: the first sync (N roles made), a second
# (nothing to change), half the users removed, nothing again, and the half
# back. Usage: tests/bench/bench_sync_users.sh [N_USERS (10000)]
# Prints a Markdown table for doc/benchmarks.md. Run as root after `make`.
set -uo pipefail
. "$(dirname "$0")/../integration/tap.sh"
users=${1:-10000}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pgbin/initdb" ] || { echo "no PostgreSQL server (initdb) found" >&2; exit 1; }
work=$(mktemp -d /tmp/carbon-bench-sync.XXXXXX)
chown postgres: "$work"
pg() { runuser -u postgres -- "$@"; }
port=$((20000 + RANDOM % 20000))
trap 'pg "$pgbin/pg_ctl" -D "$work/pg" -m immediate -w stop > /dev/null 2>&1; rm -rf "$work"' EXIT
pg "$pgbin/initdb" --nosync -D "$work/pg" -A trust -U postgres > /dev/null || exit 1
pg "$pgbin/pg_ctl" -D "$work/pg" -o "-k $work -p $port -c listen_addresses= -c fsync=off" \
	-l "$work/pg.log" -w start > /dev/null || exit 1
pg "$pgbin/createdb" -h "$work" -p "$port" carbon || exit 1
db="host=$work port=$port dbname=carbon user=postgres"
"$report" -d "$db" db init > /dev/null || exit 1

projects=$((users / 20 > 0 ? users / 20 : 1))
awk -v n="$users" -v p="$projects" 'BEGIN {
	print "user,project"
	for (i = 0; i < n; i++) {
		printf "u%06d,proj%d\n", i, i % p
		printf "u%06d,proj%d\n", i, (i * 7 + 1) % p
	}
}' > "$work/all.csv"
head -n $((users + 1)) "$work/all.csv" > "$work/half.csv"

echo "| sync-users, $users users, $((2 * users)) memberships | seconds | changes |"
echo "|---|---|---|"
for step in "first sync:all" "again, nothing to change:all" "half the users gone:half" \
	"again, nothing to change:half" "the half back:all"; do
	what=${step%%:*}
	file=$work/${step##*:}.csv
	t0=$(date +%s.%N)
	out=$("$report" -d "$db" db sync-users --from-csv "$file" | tail -n 1) || { echo "$out" >&2; exit 1; }
	t1=$(date +%s.%N)
	awk -v w="$what" -v a="$t0" -v b="$t1" -v c="${out#*: }" 'BEGIN { printf "| %s | %.2f | %s |\n", w, b - a, c }'
done
