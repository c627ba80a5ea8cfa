#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CodeCarbon's emissions.csv both ways (issue 6), on the harness's real
# PostgreSQL: `job --format csv` writes it, `import codecarbon` reads it back
# into the same numbers, a second import adds nothing, a bad row imports
# nothing; CodeCarbon's PUE semantics both ways (its energy columns include
# the PUE: they are exported as IT x PUE and imported as column / pue); and a
# real job's row. Records are written as the plugin writes
# them (carbon.put_step as carbon_writer), so their numbers are known.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir codecarbon
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1 '[site]' 'intensity = 300'
writer_db="$HARNESS_CONNINFO user=carbon_writer"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
{
	printf '[site]\npue = 1.25\nintensity = 400\nzone = DE\n'
	printf '[report]\nconninfo = %s\n' "$admin_db"
} > "$confdir/report.conf"
report_cc() { "$report" --config "$confdir/report.conf" "$@"; }

# put JOB NODE START END CPU_J DRAM_J GPU_J OTHER_J: one record (step batch)
# of job JOB on NODE, in one hour bucket.
put() {
	local hour hours total
	hour=$(date -u -d "@$(($3 / 3600 * 3600))" +%Y-%m-%dT%H:%M:%SZ)
	hours="[{\"hour\": \"$hour\", \"cpu_j\": $5, \"dram_j\": $6, \"gpu_j\": $7, \"other_j\": $8}]"
	total=$(awk -v a="$5" -v b="$6" -v c="$7" -v d="$8" 'BEGIN { print a + b + c + d }')
	psql -X -q -t -A -v ON_ERROR_STOP=1 "$writer_db" -c "SELECT carbon.put_step(
		'cctest', $1, 'batch', '$2', 1001, 'alice', NULL, 'neuclir', 'run3',
		to_timestamp($3), to_timestamp($4), $5, $6, $7, $8, 10, 'rapl', false,
		$5, $6, $7, $8, 0, 1.0, 'cgroup-v1', NULL, '$hours'::jsonb)" > /dev/null
}
# rel A B: |A - B| <= 1e-6 x |B| (and both numbers)
rel() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b;
	exit !(a != "" && b != "" && d <= 1e-6 * m + 1e-12) }'; }

echo "1..28"
check_db_init "$admin_db"

# --- two records of one job: two nodes, every domain ------------------------------
h0=$(date -u -d '2026-06-01T10:00:00Z' +%s)
put 301 n1 $((h0 + 600)) $((h0 + 3000)) 1440000 72000 2160000 36000
put 301 n2 $((h0 + 600)) $((h0 + 3000)) 720000 36000 0 0
report_cc job 301 --json > "$confdir/job.json" 2> "$confdir/job.err"
job_json=$confdir/job.json
report_cc job 301 --format csv > "$confdir/job.csv" 2> "$confdir/csv.err"
rc=$?
sed 's/^/# /' "$confdir/job.csv" "$confdir/csv.err"
check "job --format csv prints a header and one row (exit $rc)" \
	eval '[ $rc = 0 ] && [ "$(wc -l < "$confdir/job.csv")" = 2 ] && head -1 "$confdir/job.csv" | grep -q "^timestamp,project_name,run_id,experiment_id,duration,emissions,"'
col() {	# col NAME: the cell of column NAME in the csv's row
	awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i }
		NR == 2 { print $c }' "$confdir/job.csv"
}
check "its row names the job: project, run_id CLUSTER:JOBID, tag, tracking_mode machine" \
	test "$(col project_name) $(col run_id) $(col experiment_id) $(col tracking_mode)" = "neuclir cctest:301 run3 machine"
check "energy_consumed is the facility energy (IT x PUE, other energy included)" \
	rel "$(col energy_consumed)" "$(j .energy_kwh.facility)"
check "cpu_energy, gpu_energy and ram_energy are the job's CPU, GPU and DRAM kWh x PUE, as CodeCarbon writes them" \
	eval 'rel "$(col cpu_energy)" "$(awk -v a="$(j .energy_kwh.cpu)" -v p="$(j .pue)" "BEGIN { print a * p }")" &&
	      rel "$(col gpu_energy)" "$(awk -v a="$(j .energy_kwh.gpu)" -v p="$(j .pue)" "BEGIN { print a * p }")" &&
	      rel "$(col ram_energy)" "$(awk -v a="$(j .energy_kwh.dram)" -v p="$(j .pue)" "BEGIN { print a * p }")" &&
	      rel "$(col pue)" "$(j .pue)"'
check "cpu_power is the mean CPU power over the duration (2160 kJ / 2400 s = 900 W)" \
	rel "$(col cpu_power)" 900
check "country_iso_code is the zone's country (DE)" test "$(col country_iso_code)" = DE

# --- the round trip -------------------------------------------------------------
out=$(report_cc import codecarbon "$confdir/job.csv" -A proj -t tag 2>&1)
sed "s/^/# /" <<<"$out"
check "import codecarbon reads it back: 1 new" grep -q "imported 1 CodeCarbon run .*proj tag tag.*1 new, 0 already there" <<<"$out"
row() { sql "SELECT $1 FROM carbon.imported_run WHERE project = 'proj'"; }
echo "# imported: $(row "emissions_kg, cpu_kwh, gpu_kwh, ram_kwh, energy_kwh, duration_s, pue, method, tag")"
check "the imported emissions are the job's co2e_kg ($(j .co2e_kg))" rel "$(row emissions_kg)" "$(j .co2e_kg)"
check "cpu, gpu and ram energies are the job's cpu, gpu and dram kWh" \
	eval 'rel "$(row cpu_kwh)" "$(j .energy_kwh.cpu)" && rel "$(row gpu_kwh)" "$(j .energy_kwh.gpu)" && rel "$(row ram_kwh)" "$(j .energy_kwh.dram)"'
check "energy_kwh is the job's facility energy" rel "$(row energy_kwh)" "$(j .energy_kwh.facility)"
check "duration is the job's end - start" \
	rel "$(row duration_s)" "$(awk -v a="$(j .start_epoch)" -v b="$(j .end_epoch)" 'BEGIN { print b - a }')"
check "the row is marked: method codecarbon, tag, the file's name, its importer" \
	test "$(row "method || ' ' || tag || ' ' || source_file || ' ' || (user_name = current_user)")" = "codecarbon tag job.csv true"
out=$(report_cc import codecarbon "$confdir/job.csv" -A proj -t tag 2>&1)
sed "s/^/# /" <<<"$out"
check "importing the file again adds nothing" \
	eval 'grep -q "0 new, 1 already there" <<<"$out" && [ "$(sql "SELECT count(*) FROM carbon.imported_run")" = 1 ]'

# --- CodeCarbon's own row, pue = 1.5 --------------------------------------------
# As CodeCarbon 3 writes it: every energy column with the PUE in, energy_consumed
# their sum, numbers in Python's repr (1.2e-05).
{
	head -1 "$confdir/job.csv"
	printf '2026-06-02T10:00:00,offsite,5b0fa12a-3dd7-45bb-9766-cc326314d9f1,e1,3600.0,0.000587,1.6305555555555555e-07,'
	printf '0.4,0.8,0.008,0.0006,0.0012,1.2e-05,0.001812,0.0,France,FRA,,,,Linux,3.11.4,3.3.0,16,AMD EPYC 7513,1,A100,'
	printf '2.35,48.85,31.2,machine,12.5,80.0,10.0,3.9,N,1.5,0.0\n'
} > "$confdir/cc15.csv"
sed 's/^/# /' "$confdir/cc15.csv"
out=$(report_cc import codecarbon "$confdir/cc15.csv" -A cc15 -t pue15 2>&1)
sed "s/^/# /" <<<"$out"
row15() { sql "SELECT $1 FROM carbon.imported_run WHERE project = 'cc15'"; }
echo "# stored: $(row15 "cpu_kwh, gpu_kwh, ram_kwh, energy_kwh, pue")"
check "a CodeCarbon row with pue 1.5 is stored as IT energy: each component / 1.5" \
	eval 'rel "$(row15 cpu_kwh)" 0.0004 && rel "$(row15 gpu_kwh)" 0.0008 && rel "$(row15 ram_kwh)" 8e-06'
check "with its pue, and energy_consumed as the facility energy, exactly" \
	test "$(row15 "pue = 1.5 AND energy_kwh = 0.001812")" = t
g10() { printf '%.10g' "$1"; }	# as the export writes numbers
check "x pue, the stored components are the file's again, exactly (to the 10 digits the export writes)" \
	test "$(g10 "$(row15 "cpu_kwh * pue")") $(g10 "$(row15 "gpu_kwh * pue")") $(g10 "$(row15 "ram_kwh * pue")")" = "0.0006 0.0012 1.2e-05"
report_cc statement -t pue15 --json > "$confdir/st15.json" 2> "$confdir/st15.err"
sed 's/^/# /' "$confdir/st15.err"
st() { jq -r "$1" "$confdir/st15.json"; }
echo "# statement imported: $(jq -c .imported.energy_kwh "$confdir/st15.json")"
check "the statement counts it as IT = energy_consumed / 1.5 (0.001208 kWh), all of it CPU, GPU and RAM" \
	eval 'rel "$(st .imported.energy_kwh.it)" 0.001208 && rel "$(st .imported.energy_kwh.cpu)" 0.0004 && [ "$(awk -v o="$(st .imported.energy_kwh.other)" "BEGIN { print (o < 1e-12 && o > -1e-12) }")" = 1 ]'
check "and facility = energy_consumed (0.001812 kWh): the PUE counted once" \
	eval 'rel "$(st .imported.energy_kwh.facility)" 0.001812 && rel "$(st .energy_kwh.facility)" 0.001812'

# The whole way round through the command line: summary's CodeCarbon CSV of
# the tag writes the row's energy columns and pue back as the file had them.
report_cc summary --by tag -t pue15 --format csv > "$confdir/back15.csv" 2> "$confdir/back15.err"
sed 's/^/# /' "$confdir/back15.csv" "$confdir/back15.err"
cell() {	# cell FILE NAME: the cell of column NAME in FILE's first row
	awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i }
		NR == 2 { print $c }' "$1"
}
back15() { for c in cpu_energy gpu_energy ram_energy energy_consumed pue; do printf '%s ' "$(cell "$1" $c)"; done; }
echo "# in: $(back15 "$confdir/cc15.csv")/ out: $(back15 "$confdir/back15.csv")"
check "a CodeCarbon row with pue 1.5 round-trips: import, then summary --format csv gives its energies and pue again" \
	test "$(back15 "$confdir/back15.csv")" = "$(back15 "$confdir/cc15.csv")"

# --- a bad row: nothing is imported ----------------------------------------------
{
	cat "$confdir/job.csv"
	sed -n 2p "$confdir/job.csv" | sed 's/cctest:301/cctest:302/'
	sed -n 2p "$confdir/job.csv" | sed 's/cctest:301/cctest:303/; s/,machine,/,machine,,/'
} > "$confdir/bad.csv"
out=$(report_cc import codecarbon "$confdir/bad.csv" -A proj2 2>&1)
rc=$?
sed "s/^/# /" <<<"$out"
check "a file with one bad row is refused (exit 2) naming FILE:LINE" \
	eval '[ $rc = 2 ] && grep -q "bad.csv:4: " <<<"$out"'
check "and nothing of it was imported" test "$(sql "SELECT count(*) FROM carbon.imported_run WHERE project = 'proj2'")" = 0

# --- a real job -------------------------------------------------------------------
job=$(harness_as_user sbatch --parsable -c1 --wrap 'srun -n1 sh -c "timeout 3 sha256sum /dev/zero; true"')
read -r state code < <(harness_wait_job "$job" 180)
echo "# job $job: $state $code"
"$report" -d "$admin_db" job "$job" --format csv > "$confdir/real.csv" 2> "$confdir/real.err"
sed 's/^/# /' "$confdir/real.csv" "$confdir/real.err"
check "a real job's csv has the header and one row" \
	eval '[ "$(wc -l < "$confdir/real.csv")" = 2 ] && head -1 "$confdir/real.csv" | grep -q "^timestamp,project_name,run_id,"'
check "with emissions > 0" \
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "emissions") c = i } NR == 2 { exit !($c > 0) }' "$confdir/real.csv"

# --- one tag, a job and an imported run: the same kg in every report --------------
# Job 301 (tag run3) and one CodeCarbon run imported for its project and tag:
# summary --by tag, track and statement -t count the run by one rule
# (sql/functions/imported.sql), and say how much of the CO2e was imported.
{
	head -1 "$confdir/job.csv"
	sed -n 2p "$confdir/job.csv" | awk -F, -v OFS=, '{ $3 = "offcluster:1"; $6 = 0.25; $11 = $12 = $13 = ""; $14 = 0.6; $37 = 1.2; print }'
} > "$confdir/tagged.csv"
report_cc import codecarbon "$confdir/tagged.csv" -A neuclir -t run3 > /dev/null 2>&1
report_cc summary --by tag -t run3 --json > "$confdir/sum.json" 2>&1
report_cc track -t run3 --json > "$confdir/track.json" 2>&1
report_cc statement -t run3 --json > "$confdir/st.json" 2>&1
kg() { jq -r "$1" "$2" 2>/dev/null; }
want=$(awk -v a="$(j .co2e_kg)" 'BEGIN { printf "%.10g", a + 0.25 }')
echo "# job 301 $(j .co2e_kg) kg + imported 0.25 kg = $want kg; summary $(kg '.groups[0].co2e_kg' "$confdir/sum.json"), track $(kg .total.co2e_kg "$confdir/track.json"), statement $(kg .co2e_kg "$confdir/st.json")"
check "a tag with a job and an imported run: the same kg in summary --by tag, track and statement -t" \
	eval 'rel "$(kg ".groups[0].co2e_kg" "$confdir/sum.json")" "$want" && rel "$(kg .total.co2e_kg "$confdir/track.json")" "$want" && rel "$(kg .co2e_kg "$confdir/st.json")" "$want"'
check "summary and track say what was imported: 1 run, 0.25 kg, its IT energy (0.6 kWh / PUE 1.2)" \
	eval '[ "$(kg ".groups[0].imported_runs" "$confdir/sum.json")" = 1 ] && rel "$(kg ".groups[0].imported_kg" "$confdir/sum.json")" 0.25 && rel "$(kg .total.imported_kg "$confdir/track.json")" 0.25 && rel "$(kg .total.imported_kwh "$confdir/track.json")" 0.5 && rel "$(kg .coverage.imported_kwh "$confdir/st.json")" 0.5'
report_cc summary --by tag -t run3 > "$confdir/sum.txt" 2>&1
sed 's/^/# /' "$confdir/sum.txt"
check "the text table has the imported column, in readable units" \
	eval 'grep -q "imported" "$confdir/sum.txt" && grep -q "^run3 .* 250.0 g$" "$confdir/sum.txt"'
check "-j selects no imported run" \
	eval '[ "$(report_cc summary --by tag -t run3 -j 301 --json | jq -r ".groups[0].imported_runs")" = 0 ]'
