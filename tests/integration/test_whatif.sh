#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 16, items 3 and 4, on the harness's real PostgreSQL: the statement's
# what-if (zones priced, the work moved within its week on an hourly series)
# against hand computations, never in the totals; and 'import estimate',
# NeuCLIR's own example and hostile input. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir whatif
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
rep() { "$report" -d "$admin_db" "$@"; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 1e-9 && d > -1e-9) }'; }

echo "1..16"
check_db_init "$admin_db"

# One job of tag wi on cluster wicl, whose zone is DE (no fixed intensity,
# PUE 1): Monday 2026-03-02, 10:20 to 11:50 UTC, 1.8 kWh of CPU energy, all
# in hour 10 as the plugin's buckets go. The zone's hourly series for that
# week (Monday 00:00 to Monday 00:00, 168 hours): 300 g/kWh, but 40 and 80
# at hours 100 and 101 (Friday 04:00 and 05:00).
sql "INSERT INTO carbon.cluster_site (cluster, zone, pue, intensity, updated_at)
	VALUES ('wicl', 'DE', 1.0, NULL, '2026-01-01T00:00:00Z')"
put_record wicl 301 batch n1 alice pw wi 2026-03-02T10:20:00Z 2026-03-02T11:50:00Z 6480000 0 0 rapl false 0 5400
{
	echo "zone,start,g_per_kwh"
	for h in $(seq 0 167); do
		g=300
		[ "$h" = 100 ] && g=40
		[ "$h" = 101 ] && g=80
		echo "DE,$(date -u -d "@$((1772409600 + h * 3600))" +%Y-%m-%dT%H:%M:%SZ),$g"
	done
} > "$confdir/de.csv"
check "import intensity: the week's hourly series of DE" \
	quiet "$report" -d "$admin_db" import intensity "$confdir/de.csv"

json=$(rep statement -t wi --json --what-if-zone aws:us-east-1 --what-if-zone DE)
jq -c .what_if <<<"$json" | cut -c1-600 | sed 's/^/# /'
E=$(jq .energy_kwh.facility <<<"$json")
check "the statement's facility energy is the job's 1.8 kWh ($E)" near "$E" 1.8
check "what_if is labelled counterfactual and not part of the totals" \
	quiet jq -e '.what_if.counterfactual == true and .what_if.part_of_totals == false
		and (.what_if.note | test("counterfactual"))' <<<"$json"
check "the totals are those of the statement without what-if zones" \
	quiet jq -e --argjson kg "$(rep statement -t wi --json | jq .co2e_kg)" '.co2e_kg == $kg' <<<"$json"
# By hand: 1.8 kWh x 367.8 g/kWh = 0.66204 kg. DE, the job's own zone, is
# priced at its annual figure, as every zone is, not at its hourly series.
us=$(jq '.what_if.zones[] | select(.zone == "aws:us-east-1") | .co2e_kg' <<<"$json")
check "aws:us-east-1, named: 1.8 kWh x 367.8 g/kWh = 0.66204 kg ($us)" near "$us" 0.66204
check "a named zone says it was named; DE priced at its annual figure" \
	quiet jq -e '[.what_if.zones[] | select(.chosen == "named") | .zone] == ["aws:us-east-1", "DE"]
		and ([.what_if.zones[] | select(.zone == "DE")][0] | (.co2e_kg - 1.8 * .g_per_kwh / 1000 | fabs) < 1e-9)' <<<"$json"
low=$(sql "SELECT string_agg(zone, ',' ORDER BY g_per_kwh, zone) FROM (SELECT zone, g_per_kwh FROM (
	SELECT DISTINCT ON (zone) zone, g_per_kwh FROM carbon.intensity_annual WHERE kind <> 'world'
	ORDER BY zone, year DESC, dataset) a ORDER BY g_per_kwh, zone LIMIT 5) b")
check "the five lowest zones of the annual table come first ($low)" \
	quiet jq -e --arg low "$low" '[.what_if.zones[] | select(.chosen == "lowest") | .zone] | join(",") == $low' <<<"$json"
# The work is hours 10 and 11 of the week (10:20 to 11:50): 0.9 kWh each.
# Actual: 0.9 x (300 + 300) / 1000 = 0.54 kg. The least 2 contiguous hours
# are 100 and 101: 0.9 x (40 + 80) / 1000 = 0.108 kg, from 2026-03-06T04:00Z.
check "moved in time: 2 h from 10:00, 0.54 kg; from Friday 04:00, 0.108 kg (by hand)" \
	quiet jq -e '.what_if.shift | .computed and .zone == "DE" and .hours == 2
		and .week_start == "2026-03-02T00:00:00Z" and .actual_start == "2026-03-02T10:00:00Z"
		and .best_start == "2026-03-06T04:00:00Z"
		and (.actual_co2e_kg - 0.54 | fabs) < 1e-9 and (.best_co2e_kg - 0.108 | fabs) < 1e-9
		and (.saved_co2e_kg - 0.432 | fabs) < 1e-9' <<<"$json"
for f in table markdown paragraph latex; do
	out=$(rep statement -t wi --format "$f" 2>&1)
	check "--format $f labels the what-if counterfactual" grep -qi "counterfactual" <<<"$out"
done
out=$(rep statement -t wi --what-if-zone aws:mars-1 2>&1)
rc=$?
check "an unknown --what-if-zone is refused (exit 2), saying what to give" \
	eval '[ $rc = 2 ] && grep -q "aws:mars-1: no annual intensity is known for this zone" <<<"$out"'

# import estimate: NeuCLIR's example. Assumptions: 8 A100 PCIe at their TDP
# of 250 W (data/gpu_tdp.csv), 336 h (two weeks), PUE 1.0, aws:us-east-1 at
# 367.8 g/kWh (eGRID 2016, as the ML CO2 Impact calculator has it):
# 8 x 250 W x 336 h = 672 kWh; x 367.8 g/kWh = 247.1616 kg ("~250 kg").
out=$("$report" -d "$admin_db" import estimate --gpu "A100 PCIe" --count 8 --hours 336 \
	--zone aws:us-east-1 -A neuclir 2>&1)
echo "# $out"
est=$(rep statement -A neuclir --json)
check "NeuCLIR's example: 672 kWh, 247.1616 kg, counted as estimated, saying how" \
	quiet jq -e '.co2e_kg == 247.1616 and .imported.estimated.runs == 1
		and .imported.estimated.facility_kwh == 672 and .imported.estimated.co2e_kg == 247.1616
		and (.imported.estimated.how | test("8 x NVIDIA A100 PCIe at 250 W.*336 h, PUE 1, in aws:us-east-1 at 367.8 g/kWh"))' <<<"$est"
before=$(sql "SELECT count(*) FROM carbon.imported_run")
bad=0
for args in "--zone aws:mars-1" "--zone x';DROP_TABLE" "--hours -336" "--count 1000000000" \
	"--count 2.5" "--pue 0" "--gpu Quantum"; do
	set -- --gpu "A100 PCIe" --count 8 --hours 336 --zone aws:us-east-1 -A neuclir
	# shellcheck disable=SC2086
	"$report" -d "$admin_db" import estimate "$@" $args > /dev/null 2>&1
	[ $? = 2 ] || { echo "# not refused with exit 2: $args"; bad=1; }
done
check "hostile input (bad zone, negative hours, absurd counts, no such GPU) refused, nothing stored" \
	eval '[ $bad = 0 ] && [ "$(sql "SELECT count(*) FROM carbon.imported_run")" = "$before" ]'
