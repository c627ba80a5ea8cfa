#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The annual intensity tables of data/: every row well formed, each listed
# once, every dataset and licence cited in data/SOURCES.md; and
# build-aux/embed-intensity.sh stops at a malformed row with file:line; and,
# in a throwaway PostgreSQL started here when its programs are installed,
# `carbon-report db init` loads every row and a second run changes nothing.
# Output: TAP.
src=${top_srcdir:-.}
build=${top_builddir:-.}
tables="$src/data/intensity_country.csv $src/data/intensity_zone.csv
	$src/data/intensity_cloud.csv $src/data/intensity_world.csv"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/intensity-data.XXXXXX") || exit 1
pg_ctl=
cleanup() {
	[ -n "$pg_ctl" ] && as_postgres "$pg_ctl" -D "$tmp/pg/data" -m immediate stop > /dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() {	# check DESCRIPTION COMMAND...
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# Data rows of the tables, as FILE,zone,year,g_per_kwh,dataset,licence.
# shellcheck disable=SC2086
rows() { awk 'FNR > 1 { f = FILENAME; sub(/^.*\//, "", f); print f "," $0 }' $tables; }

echo "1..20"

# shellcheck disable=SC2086
bad=$(awk -F, 'FNR == 1 && $0 != "zone,year,g_per_kwh,dataset,licence" ||
	FNR > 1 && (NF != 5 || $1 == "" || $2 !~ /^[0-9][0-9][0-9][0-9]$/ ||
	    $3 !~ /^[0-9]+(\.[0-9]+)?$/ || $4 == "" ||
	    $5 !~ /^(CC-BY-4\.0|CC-BY-SA-4\.0|ODbL-1\.0|CC0-1\.0|PDDL-1\.0|LicenseRef-US-Gov-Public-Domain)$/) {
		print FILENAME ":" FNR ": " $0 }' $tables)
check "every row has a zone, a 4-digit year, a number, a dataset and a known licence${bad:+: $bad}" \
	test -z "$bad"
dup=$(rows | cut -d, -f2,3,5 | sort | uniq -d)
check "no (zone, year, dataset) is listed twice${dup:+: $dup}" test -z "$dup"
dup=$(rows | cut -d, -f2 | sort | uniq -d)
check "one row per zone (its latest year), in one table only${dup:+: $dup}" test -z "$dup"
missing=$(rows | cut -d, -f5,6 | sort -u | tr , '\n' | sort -u |
	while IFS= read -r name; do
		grep -q -F -- "$name" "$src/data/SOURCES.md" || echo "$name"
	done)
check "every dataset and licence is cited in data/SOURCES.md${missing:+: $missing}" \
	test -z "$missing"
check "the world row is WORLD, 2019, 475 g/kWh (Green Algorithms v3.0, IEA 2019)" \
	grep -q -x 'WORLD,2019,475,Green Algorithms v3.0 (IEA 2019),CC-BY-4.0' \
	"$src/data/intensity_world.csv"
generated=$(grep -c "^	\"  ('" "$build/report/intensity_data.c" 2>/dev/null)
check "report/intensity_data.c holds every row ($generated of $(rows | wc -l))" \
	test "$generated" = "$(rows | wc -l)"

# embed-intensity.sh must refuse each of these second rows, naming the file
# and line 3.
while IFS='|' read -r kind row why; do
	printf 'zone,year,g_per_kwh,dataset,licence\n' > "$tmp/intensity_$kind.csv"
	printf 'AA,2020,1,Good (via test),CC-BY-4.0\n%s\n' "$row" >> "$tmp/intensity_$kind.csv"
	if sh "$src/build-aux/embed-intensity.sh" "$tmp/intensity_$kind.csv" \
		> "$tmp/out.c" 2> "$tmp/err"; then
		not_ok "embed-intensity.sh refuses $why"
	elif grep -q "intensity_$kind.csv:3: " "$tmp/err"; then
		ok "embed-intensity.sh refuses $why, at file:line"
	else
		not_ok "embed-intensity.sh refuses $why, at file:line: $(cat "$tmp/err")"
	fi
done <<'CASES'
country|DE,23,311,Test,CC-BY-4.0|a 2-digit year
country|DE,2023,n/a,Test,CC-BY-4.0|a value that is not a number
country|DE,2023,311,Test,GPL|an unknown licence
country|AA,2020,2,Good (via test),CC-BY-4.0|a second row for the same zone, year and dataset
country|DEU,2023,311,Test,CC-BY-4.0|a country that is not an alpha-2 code
country|DE,2023,311,Test "quoted",CC-BY-4.0|a double quote
country|DE,2023,311,Test|a missing field
CASES
sed 1q "$src/data/intensity_world.csv" > "$tmp/intensity_moon.csv"
if sh "$src/build-aux/embed-intensity.sh" "$tmp/intensity_moon.csv" > /dev/null 2>&1; then
	not_ok "embed-intensity.sh refuses a table of unknown kind"
else
	ok "embed-intensity.sh refuses a table of unknown kind"
fi
printf 'zone,year,g_per_kwh,dataset,licence\nAA,2020,1,O'"'"'Brien (via test),CC-BY-4.0\n' \
	> "$tmp/intensity_zone.csv"
sh "$src/build-aux/embed-intensity.sh" "$tmp/intensity_zone.csv" > "$tmp/out.c" 2> "$tmp/err"
check "embed-intensity.sh doubles a single quote in SQL" \
	grep -q -F "'O''Brien (via test)'" "$tmp/out.c"

# --- loading, against a PostgreSQL cluster of this test's own -------------
# initdb refuses to run as root: then the cluster belongs to postgres.
as_postgres() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$tmp/pg" && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}
pg_bindir() {
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -r -V); do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
	done
	d=$(command -v initdb 2> /dev/null) && dirname "$d"
}
start_postgres() {
	bindir=$(pg_bindir) || { skip_why="no PostgreSQL initdb"; return 1; }
	if [ "$(id -u)" = 0 ] && ! id postgres > /dev/null 2>&1; then
		skip_why="running as root and no postgres user"
		return 1
	fi
	mkdir "$tmp/pg" && chmod 711 "$tmp"
	[ "$(id -u)" = 0 ] && chown postgres "$tmp/pg"
	as_postgres "$bindir/initdb" --nosync -A trust -U postgres -D "$tmp/pg/data" \
		> "$tmp/initdb.log" 2>&1 || { skip_why="initdb failed"; return 1; }
	pg_ctl=$bindir/pg_ctl
	as_postgres "$pg_ctl" -w -t 60 -D "$tmp/pg/data" -l "$tmp/pg/log" \
		-o "-k $tmp/pg -c listen_addresses= -c fsync=off" start > /dev/null 2>&1 ||
		{ skip_why="PostgreSQL did not start"; return 1; }
}
if ! start_postgres; then
	for i in 16 17 18 19 20; do
		echo "ok $i # SKIP $skip_why"
	done
	exit 0
fi
db="host=$tmp/pg user=postgres dbname=postgres"
report=$build/report/carbon-report
sql() { "$bindir/psql" -X -q -t -A -v ON_ERROR_STOP=1 "$db" -c "$1"; }
# A fingerprint of the table that changes when any row is written again.
fingerprint() {
	sql "SELECT md5(string_agg(concat_ws('|', xmin, zone, kind, year, g_per_kwh, dataset, licence),
		',' ORDER BY zone, year, dataset)) FROM carbon.intensity_annual"
}
total=$(rows | wc -l)
"$report" -d "$db" db init > "$tmp/init.out" 2>&1
for f in "$src"/sql/[0-9]*.sql; do
	echo "applied $(basename "$f" .sql)"
done > "$tmp/init.want"
echo "loaded $total annual intensities (data/intensity_*.csv: $total new or changed)" >> "$tmp/init.want"
check "db init applies the migrations and loads all $total rows: $(tail -n 1 "$tmp/init.out")" \
	cmp -s "$tmp/init.out" "$tmp/init.want"
want=$(for kind in country zone cloud world; do
	echo "$kind|$(($(wc -l < "$src/data/intensity_$kind.csv") - 1))"
done)
got=$(sql "SELECT kind, count(*) FROM carbon.intensity_annual GROUP BY kind
	ORDER BY array_position(ARRAY['country', 'zone', 'cloud', 'world'], kind)")
check "the database holds the rows of each table under its kind ($(echo "$got" | tr '\n' ' '))" \
	test "$got" = "$want"
before=$(fingerprint)
# The highest migration's number (numbers may skip one: a migration written
# on another branch).
latest=$(ls "$src"/sql/[0-9]*.sql | sed 's|.*/||; s|_.*||; s|^0*||' | sort -n | tail -n 1)
"$report" -d "$db" db upgrade > "$tmp/upgrade.out" 2>&1
check "a second run changes nothing: $(tail -n 1 "$tmp/upgrade.out")" \
	test "$(cat "$tmp/upgrade.out")" = "database is up to date (version $latest)
loaded $total annual intensities (data/intensity_*.csv: 0 new or changed)" -a \
	"$(fingerprint)" = "$before"
sql "UPDATE carbon.intensity_annual SET g_per_kwh = 1, licence = NULL WHERE zone = 'WORLD'"
"$report" -d "$db" db upgrade > "$tmp/upgrade.out" 2>&1
check "a figure changed in the database is set back to data/'s: $(tail -n 1 "$tmp/upgrade.out")" \
	test "$(sql "SELECT g_per_kwh, licence FROM carbon.intensity_annual WHERE zone = 'WORLD'")" = \
	"475|CC-BY-4.0"
"$report" -d "$db" db status > "$tmp/status.out" 2>&1
check "db status counts the rows by kind: $(tail -n 1 "$tmp/status.out")" \
	grep -q -x "annual intensities: $(echo "$want" | sed 's/\(.*\)|\(.*\)/\2 \1/' |
		paste -s -d, - | sed 's/,/, /g')" "$tmp/status.out"
