#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# carbon-report statement (issue 6), on the harness's real PostgreSQL: golden
# outputs for a tag, a project and a user from records written as the plugin
# writes them (carbon.put_step as carbon_writer), with a fixed PUE and
# intensity so that every figure is exact; CodeCarbon runs imported for a
# project, counted apart and in the totals; usage errors; -S/-E; and one real
# job through sbatch --carbon-tag. GOLDEN_UPDATE=1 rewrites the golden files.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

golden=$top/tests/golden/statement
make_confdir statement
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
printf '[site]\npue = 1.25\nintensity = 300\n[report]\nconninfo = %s\n' "$admin_db" \
	> "$confdir/report.conf"
stmt() { "$report" --config "$confdir/report.conf" statement "$@"; }

# put JOB STEP NODE USER PROJECT TAG START END ...: put_record (tap.sh) on
# cluster stmttest.
put() { put_record stmttest "$@"; }

echo "1..38"
check_db_init "$admin_db"
# The annual tables of data/ change with new releases; the statements below
# use the fixed intensity, so none is needed and data_version stays the same.
sql "DELETE FROM carbon.intensity_annual"

# Tag runA (project pa): job 201 on n1; job 202 on n1 and n2 (a GPU, and a
# step killed: partial). Project pb (tag runB): job 203 of bob, modelled
# only; job 204 of alice two days later, its GPU modelled. Hardware (sql/010):
# runA: CPUs "Test CPU A" on n1, "Test CPU B" on n2; job 202 holds 16 CPUs and
# 2 GPUs a node (32 and 4 in all: cpu_count 32, gpu_count 4; 5 GPU-hours,
# 48 allocated core-hours with job 201's 8 CPUs x 1 h); job 203 comes from
# an older plugin (hardware null), 204 has a GPU of unknown model.
# How they ended (sql/012, wait statuses): 201 completed (0); 202's batch
# step was ended by SIGTERM (15: cancelled), its killed step 0 says nothing;
# 203's older plugin says nothing (unknown); 204 exited 3 (3 << 8: failed).
put 201 batch n1 alice pa runA 2026-03-02T10:00:00Z 2026-03-02T11:00:00Z 3600000 360000 0 rapl false 0 3600 \
	"Test CPU A" 8 - 0 0
put 202 batch n1 alice pa runA 2026-03-02T10:30:00Z 2026-03-02T12:00:00Z 1800000 180000 0 rapl false 0 1800 \
	"Test CPU A" 16 "NVIDIA H100 80GB HBM3" 2 15
put 202 0 n2 alice pa runA 2026-03-02T10:30:00Z 2026-03-02T11:30:00Z 720000 72000 7200000 rapl+nvml true 0 3000 \
	"Test CPU B" 16 "NVIDIA H100 80GB HBM3" 2 -
put 203 batch n3 bob pb runB 2026-03-03T08:00:00Z 2026-03-03T09:00:00Z 1440000 0 0 model false 1440000 7200
put 204 batch n1 alice pb runB 2026-03-05T12:00:00Z 2026-03-05T12:30:00Z 900000 90000 360000 rapl+model false 360000 1200 \
	"Test CPU A" 4 - 1 768

# Two CodeCarbon runs of project pb done off the cluster: one with every
# energy and a PUE, as CodeCarbon writes them, PUE included (IT 1.2 / 1.2 =
# 1.0 kWh: CPU 0.5, GPU 0.4, RAM 0.1), one with energy_consumed only
# (IT = facility = 0.2 kWh, all "other"); 0.35 kg CO2e as CodeCarbon says.
{
	echo "timestamp,project_name,run_id,experiment_id,duration,emissions,cpu_energy,gpu_energy,ram_energy,energy_consumed,pue"
	echo "2026-03-04T12:00:00Z,laptop,r1,e1,3600,0.3,0.6,0.48,0.12,1.2,1.2"
	echo "2026-03-06T09:00:00Z,laptop,r2,e1,1800,0.05,,,,0.2,"
} > "$confdir/cc.csv"
out=$("$report" --config "$confdir/report.conf" import codecarbon "$confdir/cc.csv" -A pb 2>&1)
echo "# $out"
check "import codecarbon stores 2 runs for project pb" grep -q "2 new" <<<"$out"

# The version changes with every release and the schema with every
# migration: the golden files say @VERSION@ and @SCHEMA@.
version=$("$report" --version | awk '{ print $2 }')
golden_check() {	# golden_check NAME FORMAT SCOPE_OPTION VALUE
	local name=$1 format=$2 out=$confdir/$1
	shift 2
	stmt "$@" --format "$format" 2>&1 |
		sed -E "s/${version//./\\.}/@VERSION@/g; s/(\"schema\": )[0-9]+/\1\"@SCHEMA@\"/g;
			s/(schema )[0-9]+/\1@SCHEMA@/; s|$confdir/|@CONFDIR@/|g" > "$out"
	if [[ ${GOLDEN_UPDATE:-} == 1 ]]; then
		mkdir -p "$golden"
		cp "$out" "$golden/$name"
	fi
	if diff -u "$golden/$name" "$out" > "$out.diff"; then
		ok "statement $* --format $format matches tests/golden/statement/$name"
	else
		not_ok "statement $* --format $format matches tests/golden/statement/$name"
		sed 's/^/# /' "$out.diff"
	fi
}
for scope in "t runA" "A pb" "u alice"; do
	set -- $scope
	golden_check "$1-$2.md" markdown "-$1" "$2"
	golden_check "$1-$2.json" json "-$1" "$2"
	golden_check "$1-$2.txt" table "-$1" "$2"
done

# By hand: runA is 1.1 + 0.55 + 2.22 kWh IT, x 1.25 x 300 g.
json=$confdir/t-runA.json
want=$(awk 'BEGIN { print (1.1 + 0.55 + 2.22) * 1.25 * 300 / 1000 }')
check "runA: co2e_kg $(jq .co2e_kg "$json") = IT x PUE x intensity by hand ($want)" \
	within 0.001 "$(jq .co2e_kg "$json")" "$want"
check "the JSON carries the contract's keys (DESIGN 3.4) and the statement's" \
	quiet jq -e 'has("jobs", "energy_kwh", "co2e_kg", "pue", "intensity_g_per_kwh", "period",
		"methods", "hardware", "scope", "activity", "coverage", "intensity_source",
		"offsets", "software", "data_version", "limitations")
		and (.energy_kwh | has("cpu", "dram", "gpu", "other", "it", "facility"))
		and .hardware.cpu_model == "Test CPU A" and .offsets.part_of_emissions == false' "$json"
# Where the PUE and the fixed intensity came from, named as they are: the
# carbon.conf read (its path), no file and nothing recorded (the default),
# the cluster's recorded site settings (with when), a PUE period.
check "with --config: PUE and intensity from carbon.conf, with its path" \
	quiet jq -e --arg p "$confdir/report.conf" '.pue_source == "carbon.conf"
		and .pue_sources == [{"kind": "carbon.conf", "description": "carbon.conf (\($p))", "path": $p}]
		and .intensity_source.dataset == "carbon.conf (\($p))"' <<<"$(stmt -t runA --json)"
nocf=$("$report" -d "$admin_db" statement -t runA 2>&1)
grep "PUE" <<<"$nocf" | sed 's/^/# /'
check "without a carbon.conf and nothing recorded: the default PUE, said to be the default" \
	eval 'grep -q "PUE  *1, from default (no carbon.conf read)$" <<<"$nocf" &&
	      [ "$("$report" -d "$admin_db" statement -t runA --json | jq -r .pue_source)" = default ]'
sql "INSERT INTO carbon.cluster_site (cluster, zone, pue, intensity, updated_at)
	VALUES ('stmttest', NULL, 1.5, 200, '2026-02-01T08:00:00Z')"
site=$("$report" -d "$admin_db" statement -t runA --json)
jq -c '[.pue, .pue_sources, .intensity_source.dataset]' <<<"$site" | sed 's/^/# /'
check "without a carbon.conf: the cluster's recorded site settings, and when they were recorded" \
	quiet jq -e '.pue == 1.5 and .pue_source == "site settings"
		and .pue_sources == [{"kind": "site settings", "description": "site settings recorded 2026-02-01",
		                      "recorded_at": "2026-02-01T08:00:00Z"}]
		and .intensity_g_per_kwh == 200
		and .intensity_source.dataset == "site settings recorded 2026-02-01"' <<<"$site"
check "with --config the file speaks, not the recorded settings" \
	quiet jq -e '.pue == 1.25 and .pue_source == "carbon.conf"' <<<"$(stmt -t runA --json)"
sql "DELETE FROM carbon.cluster_site"
# runA ran on 2026-03-02 within the period; project pb also on 03-05, after it.
sql "INSERT INTO carbon.pue_period (cluster, valid_from, valid_to, pue)
	VALUES ('stmttest', '2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z', 1.4)"
per=$(stmt -A pb --json)
jq -c '.pue_sources' <<<"$per" | sed 's/^/# /'
check "a PUE period is named with its dates, beside carbon.conf for the hours outside it" \
	quiet jq -e --arg p "$confdir/report.conf" '.pue_source == "period and carbon.conf"
		and [.pue_sources[].description] == ["PUE period 2026-03-01–2026-03-04", "carbon.conf (\($p))"]
		and .pue_sources[0].from == "2026-03-01T00:00:00Z" and .pue_sources[0].to == "2026-03-04T00:00:00Z"' <<<"$per"
sql "DELETE FROM carbon.pue_period"

# By hand (sql/010): the hardware and activity of runA as put above; project
# pb has a record of an older plugin, which the limitations name.
check "runA: 32 CPUs and 4 GPUs at most in one job, 5 GPU-hours, 48 allocated core-hours" \
	quiet jq -e '.hardware.cpu_count == 32 and .hardware.gpu_count == 4
		and .hardware.gpu_model == "NVIDIA H100 80GB HBM3"
		and .hardware.cpu_models == [{"model": "Test CPU A", "nodes": 1}, {"model": "Test CPU B", "nodes": 1}]
		and .hardware.records_without_hardware == 0
		and .activity.gpu_hours == 5 and .activity.core_hours_allocated == 48
		and all(.limitations[]; test("migration 010") | not)' "$json"
# Embodied emissions where carbon.conf [embodied] sets them: runA's 48
# allocated core-hours on 64-CPU nodes of 2000 kg, and its 5 GPU-hours on
# GPUs of 150 kg, each spread over 4 years (35064 h); apart from the
# operational figure, which stays the same.
cp "$confdir/report.conf" "$confdir/emb.conf"
printf '[embodied]\nnode_kg = 2000\nnode_cores = 64\ngpu_kg = 150\nlifetime_years = 4\n' >> "$confdir/emb.conf"
emb=$("$report" --config "$confdir/emb.conf" statement -t runA --json)
want=$(awk 'BEGIN { printf "%.9g", (48 / 64 * 2000 + 5 * 150) / (4 * 365.25 * 24) }')
check "embodied, configured: (48 core-h / 64 x 2000 kg + 5 GPU-h x 150 kg) / 35064 h = $want kg ($(jq .embodied.co2e_kg <<<"$emb")), operational unchanged" \
	eval 'within 0.00001 "$(jq .embodied.co2e_kg <<<"$emb")" "$want" &&
		[ "$(jq .co2e_kg <<<"$emb")" = "$(jq .co2e_kg "$json")" ] &&
		[ "$(jq -r .embodied.status <<<"$emb")" = configured ] && [ "$(jq .embodied.part_of_operational <<<"$emb")" = false ]'
out=$("$report" --config "$confdir/emb.conf" statement -t runA --format markdown)
grep "^- embodied:" <<<"$out" | sed 's/^/# /'
# Text forms write CO2e below 1 kg in g (issue 12): 0.06417 kg is 64.17 g.
check "embodied, configured: the markdown statement gives the figure (in g) and how it was made" \
	eval 'grep -q "^- embodied: $(awk -v w="$want" "BEGIN { printf \"%.4g\", w * 1000 }") g CO2e, kept apart from the operational figure: .* 48.00 allocated core-hours (a 2000.0 kg node of 64 CPUs) + .* 5.000 GPU-hours (150.0 kg a GPU), each spread over a 4-year life" <<<"$out"'
check "pb: a record without hardware is counted and named in the limitations" \
	quiet jq -e '.hardware.records_without_hardware == 1 and .hardware.gpu_model == null
		and .hardware.gpu_count == 1 and .activity.gpu_hours == 0.5
		and any(.limitations[]; test("migration 010"))' "$confdir/A-pb.json"

# How the jobs ended (sql/012): counted by state, and the failed and
# cancelled ones' energy apart, still inside the totals. runA: job 202
# (0.55 + 2.22 kWh IT) was cancelled; pb: 204 (0.375 kWh) failed, 203 unknown.
want=$(awk 'BEGIN { print (0.55 + 2.22) * 1.25 * 300 / 1000 }')
check "runA: 1 completed, 1 cancelled; the cancelled job's 2.77 kWh IT and $want kg apart" \
	quiet jq -e --argjson want "$want" '.scope.jobs_by_state == {"completed": 1, "failed": 0, "cancelled": 1, "timeout": 0,
		"out_of_memory": 0, "node_fail": 0, "preempted": 0, "unknown": 0}
		and .scope.failed_or_cancelled.jobs == 1
		and (.scope.failed_or_cancelled.energy_kwh.it - 2.77 | fabs) < 1e-9
		and (.scope.failed_or_cancelled.energy_kwh.facility - 2.77 * 1.25 | fabs) < 1e-9
		and (.scope.failed_or_cancelled.co2e_kg - $want | fabs) < 1e-9
		and .co2e_kg > .scope.failed_or_cancelled.co2e_kg
		and any(.limitations[]; test("cancelled an end by a signal"))' "$confdir/t-runA.json"
check "pb: 1 failed, 1 unknown (a record from before 012); the failed job's 0.375 kWh IT apart" \
	quiet jq -e '.scope.jobs_by_state == {"completed": 0, "failed": 1, "cancelled": 0, "timeout": 0,
		"out_of_memory": 0, "node_fail": 0, "preempted": 0, "unknown": 1}
		and .scope.failed_or_cancelled.jobs == 1
		and (.scope.failed_or_cancelled.energy_kwh.it - 0.375 | fabs) < 1e-9' "$confdir/A-pb.json"
check "the text statement says the counts by state and the failed or cancelled energy" \
	eval 'grep -q -E "^  jobs by state +1 completed, 1 failed, 1 cancelled$" "$confdir/u-alice.txt" &&
		grep -q -E "^  failed or cancelled +2 jobs: 3.145 kWh IT energy, .* \(included in the totals\)$" "$confdir/u-alice.txt"'

# Project pb: jobs 203 and 204, 0.4 + 0.375 kWh IT x 1.25 x 300 g, and the
# imported runs' 0.35 kg as CodeCarbon computed it.
json=$confdir/A-pb.json
want=$(awk 'BEGIN { print (0.4 + 0.375) * 1.25 * 300 / 1000 + 0.35 }')
check "pb: co2e_kg $(jq .co2e_kg "$json") = jobs 203 and 204's + the imported runs' ($want), imported apart" \
	eval 'within 0.001 "$(jq .co2e_kg "$json")" "$want" &&
		jq -e ".imported.runs == 2 and .imported.method == \"codecarbon\"
			and .imported.energy_kwh.it == 1.2 and .imported.energy_kwh.other == 0.2
			and (.methods | index(\"codecarbon\")) != null" "$json" > /dev/null'

# For a paper: the paragraph gives runA's figures as the JSON has them, and
# the LaTeX form compiles in a minimal document (skipped without pdflatex).
out=$(stmt -t runA --format paragraph)
echo "# $out"
check "statement -t runA --format paragraph: one paragraph with the jobs, the kWh, the PUE and the CO2e" \
	eval 'grep -q "ran as 2 Slurm jobs .* 3.870 kWh of electricity, 4.838 kWh at the facility with a power usage effectiveness (PUE) of 1.25, from carbon.conf ($confdir/report.conf)\. .* estimated at 1.451 kg CO2e" <<<"$out" && [ "$(wc -l <<<"$out")" = 1 ]'
if command -v pdflatex > /dev/null; then
	{
		printf '\\documentclass{article}\n\\begin{document}\n'
		stmt -A pb --format latex
		printf '\\end{document}\n'
	} > "$confdir/pb.tex"
	check "statement -A pb --format latex compiles with pdflatex" \
		eval '(cd "$confdir" && pdflatex -interaction=nonstopmode -halt-on-error pb.tex > pb.log 2>&1) && [ -s "$confdir/pb.pdf" ]'
else
	ok "statement -A pb --format latex compiles with pdflatex # SKIP pdflatex is not installed"
fi

# --- usage errors and no data ----------------------------------------------------
usage_check() {	# usage_check DESCRIPTION WANT_RC REGEX ARGS...
	local what=$1 want=$2 re=$3 out rc
	shift 3
	out=$(stmt "$@" 2>&1)
	rc=$?
	echo "# statement $*: $out"
	check "$what (exit $rc)" eval '[ $rc = $want ] && grep -q -E "$re" <<<"$out"'
}
usage_check "no scope option is a usage error that names -t, -A and -u" 2 \
	"exactly one of -t TAG, -A PROJECT or -u USER"
usage_check "two scope options are a usage error" 2 "2 scope options given .*keep one of" -t runA -A pa
usage_check "a tag without jobs is an empty result: exits 0 and says so on stderr" 0 \
	"no jobs with energy records for tag nosuch" -t nosuch
out=$(stmt -t nosuch --json 2> /dev/null)
check "a tag without jobs: --json prints [] ($out)" test "$out" = "[]"

# --- -S and -E narrow the jobs ----------------------------------------------------
stmt -u alice -S 2026-03-04Z --json > "$confdir/s.json" 2>&1
check "-u alice -S 2026-03-04: only job 204, and the period starts at -S" \
	test "$(jq -r '[.jobs, .period.start] | map(tostring) | join(" ")' "$confdir/s.json")" = \
	"1 2026-03-04T00:00:00Z"
stmt -u alice -E 2026-03-04Z --json > "$confdir/e.json" 2>&1
check "-u alice -E 2026-03-04: jobs 201 and 202, period ending at -E" \
	test "$(jq -r '[.jobs, .scope.partial_jobs, .period.end] | map(tostring) | join(" ")' "$confdir/e.json")" = \
	"2 1 2026-03-04T00:00:00Z"

stmt -A pb -S 2026-03-05Z --json > "$confdir/s-pb.json" 2>&1
check "-A pb -S 2026-03-05: job 204 and the run that ended after -S" \
	test "$(jq -r '[.jobs, .imported.runs] | map(tostring) | join(" ")' "$confdir/s-pb.json")" = "1 1"
"$report" --config "$confdir/report.conf" import codecarbon "$confdir/cc.csv" -A offsite > /dev/null 2>&1
stmt -A offsite --json > "$confdir/offsite.json" 2>&1
rc=$?
check "a project with imported runs only has a statement (exit $rc): 0 jobs, 2 runs, 0.35 kg" \
	eval '[ $rc = 0 ] && jq -e ".jobs == 0 and .imported.runs == 2 and .co2e_kg == 0.35" "$confdir/offsite.json" > /dev/null'

# --- one real job ----------------------------------------------------------------
job=$(harness_as_user sbatch --parsable --carbon-tag=stmtreal --wrap 'timeout 3 sha256sum /dev/zero; true')
read -r state exitcode < <(harness_wait_job "$job" 120)
check "job $job with --carbon-tag=stmtreal completed ($state $exitcode)" \
	test "$state $exitcode" = "COMPLETED 0:0"
stmt -t stmtreal --json > "$confdir/real.json" 2> "$confdir/real.err"
echo "# $(jq -c '{jobs, co2e_kg, energy_kwh, methods}' "$confdir/real.json" 2>&1) $(cat "$confdir/real.err")"
check "its statement counts 1 job with co2e_kg > 0" \
	quiet jq -e '.jobs == 1 and .co2e_kg > 0' "$confdir/real.json"
