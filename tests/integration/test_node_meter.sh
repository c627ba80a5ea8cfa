#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Whole-node meters on the real Slurm cluster of the harness: a node drawing
# SIM_NODE_W, of which RAPL sees the package and DRAM, measured by simulated
# HPE Cray pm_counters and then by a simulated ACPI power meter (hwmon,
# averaged power). Two jobs share the node; each job's "other" is (node -
# RAPL) x its share of the allocated CPUs, within 1 %. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir node-meter
HARNESS_CPUS=4
SIM_NODE_W=120		# the wall: RAPL's 40 W package + 5 W DRAM, and 75 W more
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

rest_w=$(awk -v n="$HARNESS_NODE_W" -v p="$HARNESS_PKG_W" -v d="$HARNESS_DRAM_W" \
	'BEGIN { print n - p - d }')
cpus_a=3
cpus_b=1

echo "1..18"
write_carbon_conf 1
check_db_init "$admin_db"


# shared_pair METER: two jobs of 3 and 1 CPUs side by side until the same
# instant, each measured with [node] meter = METER; then one test point
# each for their other energy against the truth, and the method.
shared_pair() {
	local meter=$1 deadline a b fa fb
	deadline=$(($(date +%s%N) + 40 * 1000000000))
	# Both end at the same instant, so the node is shared all along but
	# for the moments their starts lie apart.
	local wait_deadline="while [ \$(date +%s%N) -lt $deadline ]; do sleep 0.05; done"
	a=$(harness_as_user sbatch --parsable -c"$cpus_a" --wrap "srun -n1 -c$cpus_a sh -c '$wait_deadline'")
	b=$(harness_as_user sbatch --parsable -c"$cpus_b" --wrap "srun -n1 -c$cpus_b sh -c '$wait_deadline'")
	finished "$a" "$meter: the $cpus_a-CPU job"
	finished "$b" "$meter: the $cpus_b-CPU job"
	wait_records "$a" 3 && wait_records "$b" 3
	fa=$confdir/$meter-a.json
	fb=$confdir/$meter-b.json
	"$report" -d "$admin_db" job "$a" --json > "$fa"
	"$report" -d "$admin_db" job "$b" --json > "$fb"
	# The steps that held each job's lease: the extern steps, present on
	# the node (holding a lease) from their first reading to their last.
	local holder='.steps[] | select(.job_energy_kwh.it > 0)'
	local sa ea sb eb
	read -r sa ea < <(jq -r "$holder | \"\(.start_epoch) \(.end_epoch)\"" "$fa")
	read -r sb eb < <(jq -r "$holder | \"\(.start_epoch) \(.end_epoch)\"" "$fb")
	# The truth: rest_w split 3:1 while both are there, whole to one alone.
	local truth
	truth=$(awk -v sa="$sa" -v ea="$ea" -v sb="$sb" -v eb="$eb" -v w="$rest_w" \
		-v ca="$cpus_a" -v cb="$cpus_b" 'BEGIN {
		s = sa > sb ? sa : sb; e = ea < eb ? ea : eb; ov = e > s ? e - s : 0
		printf "%.3f %.3f", w * (ov * ca / (ca + cb) + (ea - sa - ov)),
				    w * (ov * cb / (ca + cb) + (eb - sb - ov)) }')
	local want_a want_b got_a got_b
	read -r want_a want_b <<<"$truth"
	got_a=$(jq -r '.energy_kwh.other * 3600000' "$fa")
	got_b=$(jq -r '.energy_kwh.other * 3600000' "$fb")
	echo "# $meter: A $sa..$ea, B $sb..$eb; other A $got_a J (truth $want_a), B $got_b J (truth $want_b)"
	check "$meter: the $cpus_a-CPU job's other is (node - RAPL) x its share within 1 % ($got_a vs $want_a J)" \
		within 1 "$got_a" "$want_a"
	check "$meter: the $cpus_b-CPU job's other is (node - RAPL) x its share within 1 % ($got_b vs $want_b J)" \
		within 1 "$got_b" "$want_b"
	method=$(jq -r "$holder | .method" "$fa")
	notes=$(jq -r "$holder | .notes // \"\"" "$fa")
}

# --- pm_counters --------------------------------------------------------------
write_carbon_conf 1 '[node]' 'meter = pm_counters' "pm_counters = $HARNESS_PM_COUNTERS"
shared_pair pm_counters
check "pm_counters: the method names the meter ($method)" test "$method" = rapl+pm_counters
check "pm_counters: no stale or restarted readings noted ($notes)" \
	bash -c '! grep -q "node meter" <<<"$1"' _ "$notes"

# --- the ACPI power meter (hwmon, averaged power) -------------------------------
write_carbon_conf 1 '[node]' 'meter = hwmon'
shared_pair hwmon
check "hwmon: the method says averaged power ($method)" test "$method" = rapl+hwmon_averaged

# --- psys is not read beside a node meter -------------------------------------
write_carbon_conf 1 '[sampling]' 'psys = yes' '[node]' 'meter = hwmon'
job=$(harness_as_user sbatch --parsable -c1 --wrap 'srun -n1 sleep 3')
finished "$job" "psys = yes with a node meter"
check_job_json "$confdir/psys.json" "$admin_db" "$job"
check "the record says psys was not read" \
	grep -q "psys not read" <<<"$(j '[.steps[].notes // ""] | join(";")')"

# --- a meter that is not there -----------------------------------------------
write_carbon_conf 1 '[node]' 'meter = pm_counters' "pm_counters = $confdir/nothing"
job=$(harness_as_user sbatch --parsable -c1 --wrap 'srun -n1 sleep 2')
finished "$job" "a configured pm_counters directory that does not exist"
check_job_json "$confdir/none.json" "$admin_db" "$job"
check "no node meter: noted, other 0, cpu still measured" \
	test "$(j '([.steps[].notes // ""] | join(";") | test("no node meter")) and .energy_kwh.other == 0 and .energy_kwh.cpu > 0')" = true
