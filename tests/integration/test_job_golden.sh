#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden outputs of `carbon-report job` in every format (table, markdown,
# json, csv) and of `db status` (issue 6), on the harness's real PostgreSQL:
# records written as the plugin writes them (carbon.put_step as
# carbon_writer), a fixed PUE and intensity, so that every figure is exact.
# The version, the schema and the migrations' applied-at times change from
# run to run: the golden files under tests/golden/job/ say @VERSION@,
# @SCHEMA@ and @APPLIED_AT@. GOLDEN_UPDATE=1 rewrites them (then review them
# with git diff). Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

golden=$top/tests/golden/job
make_confdir jobgolden
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
printf '[site]\npue = 1.25\nintensity = 300\n[report]\nconninfo = %s\n' "$admin_db" \
	> "$confdir/report.conf"
cr() { "$report" --config "$confdir/report.conf" "$@"; }

# put JOB STEP NODE USER PROJECT TAG START END ...: put_record (tap.sh) on
# cluster goldtest.
put() { put_record goldtest "$@"; }

echo "1..21"
check_db_init "$admin_db"
# The annual tables of data/ change with new releases; these outputs use the
# fixed intensity, so none is needed and data_version stays the same.
sql "DELETE FROM carbon.intensity_annual"

# Job 501 (project pa, tag runA): a batch step on n1, and step 0 on n2 with a
# GPU, killed (partial). Job 502 (no project, no tag): modelled only. Job
# 503: RAPL for the CPU, its GPU modelled. Job 504: no counter and no model
# (method none): not measured. Jobs 501 and 503 come from a current plugin
# (their hardware; 503's CPU and GPU models unknown), 502 and 504 from an
# older one (hardware null). How they ended (sql/012, wait statuses): 501's
# batch step exited 0 and its killed step 0 says nothing (completed: the
# batch step speaks for the job); 503 exited 1 (1 << 8: failed); 502 and 504
# say nothing (unknown).
put 501 batch n1 alice pa runA 2026-03-02T10:00:00Z 2026-03-02T11:00:00Z 3600000 360000 0 rapl false 0 3600 \
	"Test CPU 9000 @ 2.00GHz" 8 - 0 0
put 501 0 n2 alice pa runA 2026-03-02T10:30:00Z 2026-03-02T11:30:00Z 720000 72000 7200000 rapl+nvml true 0 3000 \
	"Test CPU 9000 @ 2.00GHz" 8 "NVIDIA H100 80GB HBM3" 1 -
put 502 batch n3 bob - - 2026-03-03T08:00:00Z 2026-03-03T09:00:00Z 1440000 0 0 model false 1440000 7200
put 503 batch n1 alice pb runB 2026-03-05T12:00:00Z 2026-03-05T12:30:00Z 900000 90000 360000 rapl+model false 360000 1200 \
	- 4 - 1 256
put 504 batch n2 carol pc - 2026-03-06T07:15:00Z 2026-03-06T07:45:00Z 0 0 0 none false 0 600

version=$("$report" --version | awk '{ print $2 }')
normalise() {
	sed -E "s/${version//./\\.}/@VERSION@/g; s/(\"schema\": )[0-9]+/\1\"@SCHEMA@\"/g
		s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/@APPLIED_AT@/g"
}
golden_check() {	# golden_check NAME WANT_RC ARGS...: stdout of carbon-report ARGS
	local name=$1 want=$2 out=$confdir/$1 rc
	shift 2
	cr "$@" > "$out.raw" 2> "$out.err"
	rc=$?
	if [[ $name == db-status.* ]]; then
		normalise < "$out.raw" > "$out"
	else
		sed -E "s/${version//./\\.}/@VERSION@/g; s/(\"schema\": )[0-9]+/\1\"@SCHEMA@\"/g
			s|$confdir/|@CONFDIR@/|g" "$out.raw" > "$out"
	fi
	if [[ ${GOLDEN_UPDATE:-} == 1 ]]; then
		mkdir -p "$golden"
		cp "$out" "$golden/$name"
	fi
	if diff -u "$golden/$name" "$out" > "$out.diff" && [ "$rc" = "$want" ]; then
		ok "$* (exit $rc) matches tests/golden/job/$name"
	else
		not_ok "$* (exit $rc, want $want) matches tests/golden/job/$name"
		sed 's/^/# /' "$out.diff" "$out.err"
	fi
}
for format in table markdown json csv; do
	golden_check "job.$format" 0 job 501 502 503 504 --format "$format"
done
golden_check "job-501.json" 0 job 501 --json
# sacct's -P, -n and -o: the table's rows alone on stdout, one header for
# all jobs; the headings, notes and totals in words on stderr.
golden_check "job-parsable.table" 0 job 501 502 -P
golden_check "job-fields.table" 0 job 501 503 -n -o jobid,STEP,node,it
check "job -P: the headings, notes and totals go to stderr" \
	eval 'grep -q "^Job 501  cluster goldtest" "$confdir/job-parsable.table.err" &&
		grep -q "^Total   IT 3.320 kWh × PUE 1.25 = 4.150 kWh facility; .* → 1.245 kg CO2e$" "$confdir/job-parsable.table.err" &&
		! grep -q "^Total" "$confdir/job-parsable.table"'
out=$(cr job 501 -o step,kwh 2>&1)
rc=$?
check "job -o with an unknown column: exit 2 ($rc), naming it and the columns there are" \
	eval '[ $rc = 2 ] && grep -q "no column named .kwh.; the columns are JOBID,CLUSTER,STEP,NODE,START,END,CPU,DRAM,GPU,OTHER,IT,METHOD,SAMPLES" <<<"$out"'
out=$(cr job 501 -P --json 2>&1)
rc=$?
check "job -P --json: exit 2 ($rc), -P shapes the text table only" \
	eval '[ $rc = 2 ] && grep -q "go with --format table only" <<<"$out"'
for format in table markdown json csv; do
	golden_check "db-status.$format" 0 db status --format "$format"
done

# The applied-at times are the only thing normalised away in db status.
check "db status --json lists every migration applied, at a time" \
	quiet jq -e 'length >= 7 and all(.[]; .applied_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))' \
	"$confdir/db-status.json.raw"
check "job --json: each step's hardware as put (sql/010), null from an older plugin" \
	quiet jq -e '(.[0].steps | map(.hardware)) == [
		{"cpu_model": "Test CPU 9000 @ 2.00GHz", "cpus": 8, "gpu_model": null, "gpus": 0},
		{"cpu_model": "Test CPU 9000 @ 2.00GHz", "cpus": 8,
		 "gpu_model": "NVIDIA H100 80GB HBM3", "gpus": 1}]
		and .[1].steps[0].hardware == {"cpu_model": null, "cpus": null, "gpu_model": null, "gpus": null}' \
	"$confdir/job.json"
check "job --json: each step's exit (sql/012), null where no record says, and each job's state" \
	quiet jq -e '(.[0].steps | map(.exit)) == [{"code": 0, "signal": null}, null]
		and (map(.state) == ["completed", "unknown", "failed", "unknown"])
		and .[2].steps[0].exit == {"code": 1, "signal": null}' \
	"$confdir/job.json"
out=$(cr job 501 599 --format csv 2>&1 > /dev/null)
rc=$?
# Nothing to show is not a failure (issue 12): exit 0, as sacct.
check "an unknown job among known ones: exit 0 and a message naming it" \
	eval '[ $rc = 0 ] && grep -q "job 599: no energy records (unknown job, not yours" <<<"$out"'
out=$(cr job 599 --json 2> "$confdir/599.err")
rc=$?
check "an unknown job alone, --json: [] and exit 0 ($rc: $out)" \
	eval '[ $rc = 0 ] && [ "$out" = "[]" ] && grep -q "job 599: no energy records" "$confdir/599.err"'
check "the csv says on stderr that job 504 was not measured" \
	grep -q "job 504: energy not measured" "$confdir/job.csv.err"
