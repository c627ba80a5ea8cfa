#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden outputs of every carbon-report command in every format (issue 6), on
# a database filled by real jobs: six sbatch jobs of two users, run by the
# harness's Slurm cluster with the plugin measuring them (simulated RAPL, one
# GPU through the NVML test double), including a failed and a cancelled job.
# A fixed PUE and intensity in the report's carbon.conf. What a real
# measurement changes from run to run (times, energies, the version, this
# machine's name and CPU) is masked by normalise() below before the outputs
# are compared with tests/golden/jobs/; GOLDEN_UPDATE=1 rewrites those files
# (then review them with git diff). Then the real figures themselves: equal
# across commands and formats, totals that add up, facility = IT x PUE and
# kg = facility x intensity. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

nvml_dir=$builddir/tests/fixtures/.libs
if [[ ! -e $nvml_dir/libnvidia-ml.so.1 ]]; then
	echo "1..0 # SKIP the NVML test double is not built (run make check first)"
	exit 0
fi
golden=$top/tests/golden/jobs
make_confdir goldjobs
# 8 CPUs on this machine's fewer cores (Slurm is told so): the six jobs run
# at once. One GPU of 300 W, counted by the NVML double's energy counter.
HARNESS_CPUS=8
HARNESS_GPUS=1
HARNESS_NVML_DOUBLE=$nvml_dir
HARNESS_SLURMD_ENV="NVML_DOUBLE_GPUS=counter:300"
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
pue=1.25
intensity=300
printf '[site]\npue = %s\nintensity = %s\n[report]\nconninfo = %s\n' "$pue" "$intensity" "$admin_db" \
	> "$confdir/report.conf"
export TZ=UTC
cr() { "$report" --config "$confdir/report.conf" "$@"; }

# The second job user (test_storage.sh's), submitting from a directory of its own.
user2=carbontest2
id "$user2" > /dev/null 2>&1 || useradd -M -s /bin/sh "$user2"
mkdir "$confdir/work2" && chown "$user2": "$confdir/work2"
as_user2() { (cd "$confdir/work2" && runuser -u "$user2" -- env SLURM_CONF="$SLURM_CONF" "$@"); }

echo "1..75"
check_db_init "$admin_db"
# The annual tables of data/ change with new releases; the reports use the
# fixed intensity, so none is needed, and db status counts none.
sql "DELETE FROM carbon.intensity_annual"

# --- the jobs ------------------------------------------------------------------
# Submitted in this order, they are jobs 1 to 6 of the fresh slurmctld; user1
# is the harness's job user (carbontest), user2 is carbontest2. The GPU job
# (300 W) makes project astro, user1 and tag run1 outweigh the rest by far,
# so that track's order by kg CO2e never depends on the measurements.
#   1 user1 astro run1  batch + srun steps 0 and 1, 3 s and 2 s of CPU load
#   2 user1 astro run1  one GPU, srun step 0 sleeps 3 s
#   3 user2 bio   run2  2 s of CPU load in the batch step
#   4 user2 astro run2  sleep 1
#   5 user2 bio   run2  exits 1 (FAILED)
#   6 user1 astro run1  sleeps until scancel (CANCELLED)
load() { echo "sh -c 'timeout $1 sha256sum /dev/zero; true'"; }	# load SECONDS: one busy CPU
day0=$(date -u +%F)
jobs=()
jobs+=("$(harness_as_user sbatch --parsable --carbon-project=astro --carbon-tag=run1 \
	--wrap "srun -n1 $(load 3); srun -n1 $(load 2)")")
jobs+=("$(harness_as_user sbatch --parsable --carbon-project=astro --carbon-tag=run1 --gres=gpu:1 \
	--wrap 'srun -n1 sleep 3')")
jobs+=("$(as_user2 sbatch --parsable --carbon-project=bio --carbon-tag=run2 --wrap "$(load 2)")")
jobs+=("$(as_user2 sbatch --parsable --carbon-project=astro --carbon-tag=run2 --wrap 'sleep 1')")
jobs+=("$(as_user2 sbatch --parsable --carbon-project=bio --carbon-tag=run2 --wrap 'sleep 1; exit 1')")
jobs+=("$(harness_as_user sbatch --parsable --carbon-project=astro --carbon-tag=run1 --wrap 'sleep 120')")
check "a fresh slurmctld numbers the jobs 1 to 6 in submission order (${jobs[*]})" \
	test "${jobs[*]}" = "1 2 3 4 5 6"
for ((i = 0; i < 100; i++)); do
	[ "$(squeue -h -j "${jobs[5]}" -o %T)" = RUNNING ] && break
	sleep 0.2
done
sleep 2
scancel "${jobs[5]}"
want_states=("COMPLETED 0:0" "COMPLETED 0:0" "COMPLETED 0:0" "COMPLETED 0:0" "FAILED 1:0" "CANCELLED 0:15")
for i in "${!jobs[@]}"; do
	read -r state code < <(harness_wait_job "${jobs[$i]}" 120)
	check "job ${jobs[$i]} ended ${want_states[$i]} ($state $code)" test "$state $code" = "${want_states[$i]}"
done
# Every step's record: 4 for job 1 (extern, batch, 0, 1), 3 for job 2, 2 each.
for ((i = 0; i < 150; i++)); do
	records=$(sql "SELECT count(*) FROM carbon.step_energy")
	[ "$records" -ge 15 ] && break
	sleep 0.2
done
check "the 15 step records of the six jobs reached the database ($records)" test "$records" = 15
day1=$(date -u +%F)

# --- normalise: the one filter between an output and its golden file ------------
# normalise FORMAT < RAW > MASKED, FORMAT one of table markdown text json csv
# html svg. Masked, because a real measurement changes them from run to run:
#   - this build's version -> @VERSION@; the schema version -> @SCHEMA@ (a
#     migration changes it; the migrations' list in db status stays exact)
#   - this machine's node name -> @NODE@, its CPU model -> @CPU_MODEL@
#   - times: 2026-11-27T18:13:58Z -> <T>, days 2026-11-27 -> <D>, durations
#     (0h 00m 05s) -> <DUR>
#   - measured numbers -> <N>. In text (table, markdown, text, html, svg):
#     every number with a decimal point or an exponent (energies, kg, hours,
#     shares, power, bar widths) but for the fixed PUE, offset price and
#     coverage percentages (every joule here is from a counter); and the
#     SAMPLES column of job's table. The text forms write an energy or a
#     CO2e in the unit that suits its size (22.08 mWh, 10.47 mg), which a
#     measurement changes too: the unit after a masked number -> <Wh> (kWh,
#     Wh, mWh, µWh) or <g> (kg, g, mg, µg); "0 kWh" and "0 kg" too (a share
#     that rounds to nothing in one run need not in the next).
#     In json: every number but those under the keys of $keep_json (ids,
#     counts, the fixed PUE and intensity). In csv: every number but those
#     of the columns of $keep_csv.
# Kept exact: job ids, users, projects, tags, step names, methods, column
# headers, row structure and order, counts of jobs, steps and records, the
# units of the fixed figures (gCO2e/kWh, USD/t), JSON keys. Tables: runs of spaces collapse to one (column widths follow the
# numbers). JSON is re-printed, indented (keys in the output's order; a
# duplicated key is marked), so that a diff shows the key that changed.
keep_json="job_id jobs projects users records partial_jobs unmeasured_jobs imported_runs runs
	node_count cpu_count gpu_count cpus gpus nodes records_without_hardware records_without_cpu_time
	estimated_fraction measured_fraction modelled_fraction imported_fraction estimated_kwh
	modelled_kwh imported_kwh pue intensity_g_per_kwh price_usd_per_tonne annual_rows
	annual_latest_year series_rows version"
keep_csv="pue version cpu_count gpu_count"
GOLDEN_VERSION=$("$report" --version | awk '{ print $2 }')
GOLDEN_NODE=$HARNESS_NODE
# The CPU model as the plugin recorded it (this machine's /proc/cpuinfo).
GOLDEN_CPU_MODEL=$(sql "SELECT string_agg(DISTINCT cpu_model, '') FROM carbon.step_energy")
# The reports name the carbon.conf they read, which is in this run's directory.
GOLDEN_CONFDIR=$confdir
export GOLDEN_VERSION GOLDEN_NODE GOLDEN_CPU_MODEL GOLDEN_CONFDIR keep_json keep_csv
normalise_py='
import csv, io, json, os, re, sys

fmt = sys.argv[1]
keep_json = set(os.environ["keep_json"].split())
keep_csv = set(os.environ["keep_csv"].split())

def word(v):	# the value of environment variable v, as a whole word
    return re.compile(r"(?<![\w.-])" + re.escape(os.environ[v]) + r"(?![\w.-])")
cpu_model = os.environ["GOLDEN_CPU_MODEL"]
version = word("GOLDEN_VERSION")
node = word("GOLDEN_NODE")
stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
day = re.compile(r"(?<![\w-])\d{4}-\d\d-\d\d(?![\w-])")
duration = re.compile(r"\b\d+h \d\dm \d\ds\b")
number = re.compile(r"(?<![\w.@<])(\d+\.\d+(e[-+]?\d+)?|\d+e[-+]?\d+)(?![\w.])")
fixed_before = re.compile(r"PUE[: ]*$")
fixed_after = re.compile(r" (USD/t|% of the IT energy|% modelled)")
integer = re.compile(r"\d+")
energy_unit = re.compile(r"<N> (kWh|Wh|mWh|µWh)(?![\w/])")
mass_unit = re.compile(r"<N> (kg|g|mg|µg)(?![\w/])")
zero_amount = re.compile(r"(?<![\w.<])0(?= (kWh|Wh|mWh|µWh|kg|g|mg|µg)(?![\w/]))")

# The masks of any string: names of this machine and build, times.

def strings(s):
    if cpu_model:
        s = s.replace(cpu_model, "@CPU_MODEL@")
    s = s.replace(os.environ["GOLDEN_CONFDIR"], "@CONFDIR@")
    s = version.sub("@VERSION@", s)
    s = node.sub("@NODE@", s)
    s = stamp.sub("<T>", s)
    s = day.sub("<D>", s)
    s = duration.sub("<DUR>", s)
    return re.sub(r"\bschema \d+", "schema @SCHEMA@", s)

# Measured numbers of a line of text, but for the fixed ones named above.
def numbers(s):
    def mask(m):
        if fixed_before.search(s[:m.start()]) or fixed_after.match(s, m.end()):
            return m.group(0)
        return "<N>"
    s = zero_amount.sub("<N>", number.sub(mask, s))
    return mass_unit.sub("<N> <g>", energy_unit.sub("<N> <Wh>", s))

# table, markdown, text, html, svg: line by line; the SAMPLES column of a
# table (job) is the one integer column that a measurement sets. No number
# is masked in the CSS of html or the XML declaration of svg.
def text(raw, collapse):
    out, samples, style = [], False, False
    for line in raw.split("\n"):
        line = strings(line)
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else line.split()
        if cells and cells[-1] == "SAMPLES":
            samples = True
        elif not line.strip():
            samples = False
        elif samples and integer.fullmatch(cells[-1]):
            line = re.sub(r"\d+(?=( \|)?\s*$)", "<N>", line)
        style = style or line.startswith("<style>")
        if not style and not line.startswith("<?xml"):
            line = numbers(line)
        style = style and not line.startswith("</style>")
        out.append(re.sub(r" {2,}", " ", line).rstrip() if collapse else line)
    return "\n".join(out)

# json: a key that comes twice in one object is marked, not dropped.
def unique(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            k = "<DUPLICATE KEY> " + k
        d[k] = v
    return d

# json: every number but those of the keys in keep_json; key is the name
# of the member that holds v (in a list: the member that holds the list).
def walk(v, key=None):
    if isinstance(v, dict):
        return {k: walk(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [walk(x, key) for x in v]
    if isinstance(v, str):
        return strings(v)
    if isinstance(v, bool) or v is None:
        return v
    if key == "schema":
        return "@SCHEMA@"
    return v if key in keep_json else "<N>"

# csv: every number but those of the columns in keep_csv, named by the
# header row.
def table_csv(raw):
    rows = list(csv.reader(io.StringIO(raw)))
    head = rows[0] if rows else []
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    for i, row in enumerate(rows):
        if i > 0:
            row = ["<N>" if (head[c] if c < len(head) else "") not in keep_csv
                   and re.fullmatch(r"-?[\d.]+(e[-+]?\d+)?", f) else strings(f)
                   for c, f in enumerate(row)]
        w.writerow(row)
    return out.getvalue()

raw = sys.stdin.read()
if fmt == "json":
    try:
        print(json.dumps(walk(json.loads(raw, object_pairs_hook=unique)), indent=2, ensure_ascii=False))
    except ValueError as e:
        print("<INVALID JSON: %s>" % e)
        print(raw)
elif fmt == "csv":
    sys.stdout.write(table_csv(raw))
else:
    sys.stdout.write(text(raw, fmt in ("table", "markdown", "text")))
'
normalise() { python3 -c "$normalise_py" "$1"; }

# golden NAME FORMAT ARGS...: carbon-report ARGS, exit 0, its stdout
# normalised as FORMAT equal to tests/golden/jobs/NAME; the raw output stays
# in $confdir/raw/NAME for the checks on the figures.
mkdir "$confdir/raw"
golden() {
	local name=$1 format=$2 rc
	shift 2
	cr "$@" > "$confdir/raw/$name" 2> "$confdir/$name.err"
	rc=$?
	normalise "$format" < "$confdir/raw/$name" > "$confdir/$name"
	if [[ ${GOLDEN_UPDATE:-} == 1 ]]; then
		mkdir -p "$golden"
		cp "$confdir/$name" "$golden/$name"
	fi
	if diff -u "$golden/$name" "$confdir/$name" > "$confdir/$name.diff" && [ "$rc" = 0 ]; then
		ok "$* (exit $rc) matches tests/golden/jobs/$name"
	else
		not_ok "$* (exit $rc) matches tests/golden/jobs/$name"
		head -60 "$confdir/$name.diff" | sed 's/^/# /'
		sed 's/^/# /' "$confdir/$name.err"
	fi
}

# --- golden outputs ---------------------------------------------------------------
for f in table markdown json csv; do
	golden "job.$f" "$f" job "${jobs[@]}" --format "$f"
done
for by in user project tag day; do
	for f in table markdown json csv; do
		if [ "$by" = day ] && [ "$day0" != "$day1" ]; then
			# The jobs ended on two UTC days: two groups, not the golden's one.
			ok "summary --by day --format $f # SKIP the jobs ran across midnight UTC"
			cr summary --by day --format "$f" > "$confdir/raw/summary-day.$f"
			continue
		fi
		golden "summary-$by.$f" "$f" summary --by "$by" --format "$f"
	done
done
for f in table markdown json csv html svg; do
	golden "track.$f" "$f" track --format "$f"
done
for scope in "A astro" "t run2" "u $user2"; do
	read -r opt value <<<"$scope"
	golden "statement-$opt-$value.md" markdown statement "-$opt" "$value" --format markdown
	golden "statement-$opt-$value.json" json statement "-$opt" "$value" --format json
	golden "statement-$opt-$value.txt" text statement "-$opt" "$value"
done
for f in table markdown json csv; do
	golden "db-status.$f" "$f" db status --format "$f"
done

# --- the real figures -----------------------------------------------------------------
raw=$confdir/raw
# agree "A B" ...: in each argument, |A - B| <= 2e-8 x max(|A|, |B|). JSON
# prints 9 significant digits and csv 10, so two printed renderings of one
# figure, or a total and the sum of its printed parts, agree within about
# 1e-8. No argument at all is a failure too.
agree() {
	awk '{ d = $1 - $2; a = $1 < 0 ? -$1 : $1; b = $2 < 0 ? -$2 : $2; m = a > b ? a : b
		if (NF != 2 || (d < 0 ? -d : d) > 2e-8 * m) { print "# do not agree: " $0; bad = 1 } }
		END { exit bad || NR == 0 }' < <(printf '%s\n' "$@")
}
# jf FILE FILTER [JQ OPTION...]: jq -r FILTER on the raw output FILE.
jf() {
	local f=$1 q=$2
	shift 2
	jq -r "$@" "$q" "$raw/$f"
}
# csv_cols FILE COLUMN...: those columns (named by the header) of each data
# row of the raw csv FILE, one value a line, row by row.
csv_cols() {
	awk -F, -v cols="${*:2}" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
		{ n = split(cols, c, " "); for (i = 1; i <= n; i++) print $(at[c[i]]) }' "$raw/$1"
}
# Pairs "A B", a line each, from two lists of one value a line.
pairs() { paste -d' ' <(echo "$1") <(echo "$2"); }

echo "# IT kWh of jobs 1-6: $(jf job.json '[.[].energy_kwh.it] | map(tostring) | join(" ")')"
check "job --json: every job's IT energy is more than 0 kWh" \
	test "$(jf job.json 'length == 6 and all(.[]; .energy_kwh.it > 0)')" = true
check "job --json: GPU energy and nvml only in job 2's batch step and step 0, which held the GPU" \
	test "$(jf job.json '[.[] | .job_id as $j | .steps[] | select(.energy_kwh.gpu > 0 or (.method | test("nvml")))
		| "\($j):\(.step)"] == ["2:batch", "2:0"] and [.[] | .energy_kwh.gpu > 0] == [false, true, false, false, false, false]')" = true
check "job --json: each job's facility kWh = IT kWh x PUE $pue, kg CO2e = facility x $intensity g / 1000" \
	agree "$(jf job.json '.[] | "\(.energy_kwh.it * $p) \(.energy_kwh.facility)", "\(.energy_kwh.facility * $g / 1000) \(.co2e_kg)"' \
		--argjson p "$pue" --argjson g "$intensity")"
check "job --json: each job's IT kWh = cpu + dram + gpu + other" \
	agree "$(jf job.json '.[] | .energy_kwh | "\(.cpu + .dram + .gpu + .other) \(.it)"')"
# CodeCarbon's columns: cpu, gpu and ram energy with the PUE in, as CodeCarbon
# writes them; energy_consumed is the facility energy, emissions kg.
check "job --format csv: one row per job, in order" \
	test "$(csv_cols job.csv run_id | tr '\n' ' ')" = "carbontest:1 carbontest:2 carbontest:3 carbontest:4 carbontest:5 carbontest:6 "
check "job --format csv: each job's cpu, gpu, ram energy x PUE, consumed energy and emissions as in --json" \
	agree "$(pairs "$(csv_cols job.csv cpu_energy gpu_energy ram_energy energy_consumed emissions)" \
		"$(jf job.json '.[] | .pue as $p | .energy_kwh.cpu * $p, .energy_kwh.gpu * $p, .energy_kwh.dram * $p,
			.energy_kwh.facility, .co2e_kg')")"
# The markdown's totals: 4 significant digits, within 5e-4 of the JSON's;
# in units that suit them (22.08 mWh, 10.47 mg CO2e), here in kWh and kg.
in_k_units() {
	awk '{ f = $2 ~ /^k/ ? 1 : $2 ~ /^(Wh|g)$/ ? 1e-3 : $2 ~ /^m/ ? 1e-6 : $2 ~ /^µ/ ? 1e-9 : "x"
		if (NF != 2 || f == "x") print "bad: " $0; else printf "%.10g\n", $1 * f }'
}
md_totals() {
	pairs "$(sed -n 's/^\*\*Total\*\*: IT \([^ ]* [^ ]*\) × .* → \([^ ]* [^ ]*\) CO2e$/\1\n\2/p' "$raw/job.markdown" | in_k_units)" \
		"$(jf job.json '.[] | .energy_kwh.it, .co2e_kg')" |
		awk '{ d = $1 - $2; if (NF != 2 || (d < 0 ? -d : d) > 5e-4 * $2) bad = 1 } END { exit bad || NR != 12 }'
}
check "job --format markdown: each job's total IT kWh and kg CO2e as in --json, to the 4 digits printed" md_totals

# One total over the six jobs, whatever the command and the grouping.
sum_it=$(jf job.json '[.[].energy_kwh.it] | add')
sum_kg=$(jf job.json '[.[].co2e_kg] | add')
total_is_jobs() {	# total_is_jobs FILE TOTAL: 6 jobs, IT kWh and kg the jobs' sums
	test "$(jf "$1" "$2.jobs")" = 6 &&
		agree "$(jf "$1" "$2.energy_kwh.it") $sum_it" "$(jf "$1" "$2.co2e_kg") $sum_kg"
}
for by in user project tag day; do
	check "summary --by $by --json: 6 jobs, and the total IT kWh and kg CO2e are the jobs' sums" \
		total_is_jobs "summary-$by.json" .total
	check "summary --by $by --json: the groups add up to the total (jobs, IT kWh, kg CO2e) and their shares to 100 %" \
		agree "$(jf "summary-$by.json" '"\([.groups[].jobs] | add) \(.total.jobs)",
			"\([.groups[].energy_kwh.it] | add) \(.total.energy_kwh.it)",
			"\([.groups[].co2e_kg] | add) \(.total.co2e_kg)",
			"\([.groups[].share_pct] | add) 100", "\(.total.share_pct) 100"')"
done
check "summary --by project --json: each project's IT kWh is the sum of its jobs'" \
	agree "$(jq -r -n --slurpfile j "$raw/job.json" --slurpfile s "$raw/summary-project.json" \
		'$s[0].groups[] | .group as $p | "\(.energy_kwh.it) \([$j[0][] | select(.project == $p) | .energy_kwh.it] | add)"')"
check "summary --by user --format csv: each user's consumed energy and emissions as in --json" \
	agree "$(pairs "$(csv_cols summary-user.csv energy_consumed emissions)" \
		"$(jf summary-user.json '.groups[] | .energy_kwh.facility, .co2e_kg')")"
check "summary --by user --json: facility kWh = IT x PUE, kg = facility x intensity / 1000, per user and in total" \
	agree "$(jf summary-user.json '(.groups[], .total) | "\(.energy_kwh.it * $p) \(.energy_kwh.facility)",
		"\(.energy_kwh.facility * $g / 1000) \(.co2e_kg)"' --argjson p "$pue" --argjson g "$intensity")"

check "track --json: the grand total is the sum of the projects' rows, each project's the sum of its users' (jobs, IT kWh, kg CO2e)" \
	agree "$(jf track.json '"\([.projects[].jobs] | add) \(.total.jobs)",
		"\([.projects[].energy_kwh.it] | add) \(.total.energy_kwh.it)",
		"\([.projects[].co2e_kg] | add) \(.total.co2e_kg)",
		(.projects[] | "\([.users[].jobs] | add) \(.jobs)", "\([.users[].energy_kwh.it] | add) \(.energy_kwh.it)",
			"\([.users[].co2e_kg] | add) \(.co2e_kg)")')"
check "track --json: the projects' shares and all users' shares add up to 100 %" \
	agree "$(jf track.json '"\([.projects[].share_pct] | add) 100", "\([.projects[].users[].share_pct] | add) 100"')"
check "track --json: 2 projects, 2 users, 6 jobs, and the grand total's IT kWh and kg CO2e are the jobs' sums" \
	eval 'test "$(jf track.json "[.total.projects, .total.users] | map(tostring) | join(\" \")")" = "2 2" &&
		total_is_jobs track.json .total'
check "track --format csv: each project's consumed energy and emissions as in --json" \
	agree "$(pairs "$(csv_cols track.csv energy_consumed emissions)" \
		"$(jf track.json '.projects[] | .energy_kwh.facility, .co2e_kg')")"

# A statement holds its jobs' figures: those of summary's group of them.
statement_is_group() {	# statement_is_group NAME BY GROUP
	local s=$raw/statement-$1.json g=$raw/summary-$2.json
	test "$(jq .jobs "$s")" = "$(jq --arg v "$3" '.groups[] | select(.group == $v) | .jobs' "$g")" &&
		agree "$(jq -r -n --slurpfile a "$s" --slurpfile s "$g" --arg v "$3" \
			'($s[0].groups[] | select(.group == $v)) as $g | $a[0] |
			"\(.energy_kwh.it) \($g.energy_kwh.it)", "\(.energy_kwh.facility) \($g.energy_kwh.facility)",
			"\(.co2e_kg) \($g.co2e_kg)"')"
}
check "statement -A astro --json: its jobs, IT and facility kWh and kg CO2e are summary --by project's group astro" \
	statement_is_group A-astro project astro
check "statement -t run2 --json: its jobs, IT and facility kWh and kg CO2e are summary --by tag's group run2" \
	statement_is_group t-run2 tag run2
check "statement -u $user2 --json: its jobs, IT and facility kWh and kg CO2e are summary --by user's group $user2" \
	statement_is_group "u-$user2" user "$user2"
# GPU-hours: computed in SQL for summary and track (sql/011, exact
# microseconds), from the records in C for the statement (times as doubles
# of epoch seconds: about 2e-7 s apart at today's epoch); the GPU job (2)
# held one GPU in its batch step and step 0 inside it, counted once.
gpu_h=$(jq .activity.gpu_hours "$raw/statement-A-astro.json")
near_h() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d <= 1e-9 && d >= -1e-9) }'; }
check "GPU-hours: track's project astro ($(jf track.json '.projects[] | select(.project == "astro") | .gpu_hours')) = statement -A astro's ($gpu_h) within 3.6 us, > 0" \
	eval 'near_h "$(jf track.json ".projects[] | select(.project == \"astro\") | .gpu_hours")" "$gpu_h" &&
		awk -v h="$gpu_h" "BEGIN { exit !(h > 0) }"'
check "GPU-hours: none outside astro, and the total is astro's" \
	eval 'test "$(jf track.json ".projects[] | select(.project == \"bio\") | .gpu_hours")" = 0 &&
		near_h "$(jf track.json .total.gpu_hours)" "$gpu_h"'
