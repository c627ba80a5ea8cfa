#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Metrics for Prometheus, end to end on the harness: jobs run with the
# plugin, whose [spool] metrics_file keeps the node's spool backlog (seen
# while PostgreSQL is down, emptied by spool flush); carbon-report metrics
# writes the database's figures into a textfile-collector directory;
# promtool checks both; a real prometheus-node-exporter serves them and a
# real Prometheus scrapes it; the total kg CO2e Prometheus answers is the
# database's (carbon-report track), imported runs (a CodeCarbon import
# and an import estimate) included through their own families. Label
# values users wrote are escaped. Row-level security applies to the
# metrics of a participant. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

for tool in promtool prometheus prometheus-node-exporter curl; do
	command -v "$tool" > /dev/null ||
		{ echo "1..0 # SKIP $tool is missing (tests/install-deps.sh installs it)"; exit 0; }
done

make_confdir metrics
textdir=$confdir/textfile
mkdir -m 0755 "$textdir"
node_file=$textdir/slurm_carbon_spool.prom
db_file=$textdir/slurm_carbon.prom
started=()	# the pids of what this test started, stopped at its end
stop_started() {
	local pid
	for pid in "${started[@]}"; do
		kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
	done
}
harness_start --plugstack "$confdir/plugstack.conf"
trap 'stop_started; harness_stop; rm -rf "$confdir"' EXIT

# The site as the nodes and the reports see it: a fixed intensity and PUE,
# so that carbon-report track and the stored figures agree.
write_carbon_conf 1 "[site]" "cluster = $HARNESS_CLUSTER" "pue = 1.25" "intensity = 400" \
	"[spool]" "metrics_file = $node_file"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
cr() { "$report" --config "$carbon_conf" -d "$admin_db" "$@"; }
# metric FILE NAME{LABELS}: the value of that sample in FILE (the name
# through the environment: awk -v would undo its labels' escapes)
metric() { S=$2 awk '$1 == ENVIRON["S"] { print $2 }' "$1"; }
# same A B: A and B the same to the 9 significant digits that track's JSON
# prints
same() { [ -n "$1" ] && [ -n "$2" ] && [ "$(printf '%.9g' "$1")" = "$(printf '%.9g' "$2")" ]; }
submit() { harness_as_user sbatch --parsable "$@"; }

echo "1..31"
if cr db init > "$confdir/init.out" 2>&1; then
	ok "carbon-report db init applies the migrations and records the site"
else
	not_ok "carbon-report db init applies the migrations and records the site"
	sed 's/^/# /' "$confdir/init.out"
fi

# --- the node's spool backlog ---------------------------------------------
harness_pg_stop
job=$(submit --carbon-project=astro --wrap 'srun -n1 true')
finished "$job" "with PostgreSQL down"
for ((i = 0; i < 100; i++)); do
	[ "$(metric "$node_file" "slurm_carbon_spool_records{dir=\"$confdir/spool\"}")" = 3 ] && break
	sleep 0.2
done
check "the plugin's metrics file shows the job's 3 spooled records (srun step, batch, extern)" \
	test "$(metric "$node_file" "slurm_carbon_spool_records{dir=\"$confdir/spool\"}")" = 3
spool_bytes=$(cat "$confdir"/spool/spool.log 2> /dev/null | wc -c)
check "and the spool's bytes ($spool_bytes)" \
	test "$(metric "$node_file" "slurm_carbon_spool_bytes{dir=\"$confdir/spool\"}")" = "$spool_bytes"
check "the metrics file is root's, mode 0644, and nothing half-written is left beside it" \
	test "$(stat -c '%U %a' "$node_file") $(ls -A "$textdir" | wc -l)" = "root 644 1"
if promtool check metrics < "$node_file" > "$confdir/promtool.node" 2>&1; then
	ok "promtool check metrics passes on the plugin's file"
else
	not_ok "promtool check metrics passes on the plugin's file"
	sed 's/^/# /' "$confdir/promtool.node" "$node_file"
fi
harness_pg_start
cr spool flush > "$confdir/flush.out" 2>&1
check "spool flush stores them and writes the file anew: 0 records wait" \
	test "$(metric "$node_file" "slurm_carbon_spool_records{dir=\"$confdir/spool\"}")" = 0

# --- more jobs, and a name meant to break the format ----------------------
job2=$(submit --carbon-project=astro --carbon-tag=run1 --wrap 'srun -n1 sleep 1')
job3=$(submit --carbon-project=bio --wrap 'true')
finished "$job2" "a job of project astro"
finished "$job3" "a job of project bio"
wait_records "$job2" 3
wait_records "$job3" 2
# A user name with a quote, a backslash and a brace (printable ASCII, which
# the database takes), as a record of the plugin's.
put_record "$HARNESS_CLUSTER" 990001 batch n1 'ev"il\}' - - 2026-03-02T08:00:00Z \
	2026-03-02T09:00:00Z 3600000 0 0 rapl false 0 100
check "the record with that name was stored" \
	test "$(sql "SELECT count(*) FROM carbon.step_energy WHERE job_id = 990001")" = 1

# Runs off the cluster: a CodeCarbon run of project astro, and an estimate
# for a project whose name would break the format.
{
	echo "timestamp,project_name,run_id,experiment_id,duration,emissions,cpu_energy,gpu_energy,ram_energy,energy_consumed,pue"
	echo "2026-03-02T12:00:00Z,laptop,r1,e1,3600,0.1,0.2,0.1,0.1,0.5,1.25"
} > "$confdir/cc.csv"
cr import codecarbon "$confdir/cc.csv" -A astro -t run1 > "$confdir/import.out" 2>&1
cr import estimate --gpu "A100 PCIe" --count 1 --hours 2 --zone aws:us-east-1 -A 'ne"u\clir' \
	>> "$confdir/import.out" 2>&1
check "a CodeCarbon run and an estimate imported" \
	test "$(sql "SELECT count(*) FROM carbon.imported_run")" = 2

cr metrics > "$confdir/all.prom" 2> "$confdir/all.err"
check "carbon-report metrics exits 0 with the database up" test $? = 0
if promtool check metrics < "$confdir/all.prom" > "$confdir/promtool.all" 2>&1; then
	ok "promtool check metrics passes on carbon-report metrics"
else
	not_ok "promtool check metrics passes on carbon-report metrics"
	sed 's/^/# /' "$confdir/promtool.all" "$confdir/all.err"
fi
check "the name is escaped in its labels" \
	grep -qF 'user="ev\"il\\}"' "$confdir/all.prom"
admin_role=$(sql "SELECT current_user")
check "the imported runs in their own families, by project, user and method" \
	test "$(metric "$confdir/all.prom" "slurm_carbon_imported_co2e_kg_total{project=\"astro\",user=\"$admin_role\",method=\"codecarbon\"}") $(metric "$confdir/all.prom" "slurm_carbon_imported_runs_total{project=\"ne\\\"u\\\\clir\",user=\"$admin_role\",method=\"estimate\"}")" = "0.1 1"
check "records by cluster: as many as the database holds" \
	test "$(metric "$confdir/all.prom" "slurm_carbon_records_total{cluster=\"$HARNESS_CLUSTER\"}")" = \
	"$(sql "SELECT count(*) FROM carbon.step_energy")"
age=$(metric "$confdir/all.prom" "slurm_carbon_newest_record_age_seconds{cluster=\"$HARNESS_CLUSTER\"}")
check "the newest record ended a few seconds ago ($age)" \
	awk -v a="$age" 'BEGIN { exit !(a != "" && a >= 0 && a < 600) }'

# The file for the collector; the node's own file already has the spool.
cr metrics --no-spool --output "$db_file" 2> "$confdir/out.err"
check "--output writes the file atomically, mode 0644, no temporary file left" \
	test "$(stat -c %a "$db_file") $(ls -A "$textdir" | wc -l)" = "644 2"

# The participant sees their own jobs only.
sql "CREATE ROLE $HARNESS_USER LOGIN IN ROLE carbon_user" > /dev/null 2>&1
"$report" -d "$HARNESS_CONNINFO user=$HARNESS_USER" metrics --no-spool > "$confdir/user.prom" 2>&1
check "a participant's metrics hold only their own user, and none of the administrator's imports" \
	test "$(grep -c '^slurm_carbon_jobs_total{' "$confdir/user.prom") $(grep -c "user=\"$HARNESS_USER\"" "$confdir/user.prom") $(grep -c '^slurm_carbon_imported_' "$confdir/user.prom")" = "2 8 0"
# The views directly: row-level security applies to them (security_invoker).
user_views=$(psql -X -q -t -A "$HARNESS_CONNINFO user=$HARNESS_USER" -c "SELECT
	(SELECT count(*) FROM carbon_api.job) || ' ' || (SELECT count(DISTINCT user_name) FROM carbon_api.job)
	|| ' ' || (SELECT sum(jobs) FROM carbon_api.usage) || ' ' || (SELECT sum(jobs) FROM carbon_api.usage_daily)
	|| ' ' || (SELECT sum(jobs) FROM carbon_api.cluster_status)" 2>&1)
check "the participant's carbon_api views hold their 3 jobs, every view alike ($user_views)" \
	test "$user_views" = "3 1 3 3 3"
check "the administrator's hold all 4" \
	test "$(sql "SELECT count(*) FROM carbon_api.job")" = 4
check "the plugin's role reads none of them" \
	sh -c '! psql -X -q -t -A "$1" -c "SELECT 1 FROM carbon_api.job" > /dev/null 2>&1' - "$HARNESS_CONNINFO user=carbon_writer"

# --- node_exporter and Prometheus -----------------------------------------
ne_port=$(_h_free_tcp_port 19100)
prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$textdir" \
	> "$confdir/node_exporter.log" 2>&1 &
started+=($!)
prom_port=$(_h_free_tcp_port $((ne_port + 1)))
cat > "$confdir/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$ne_port']
YML
prometheus --config.file="$confdir/prometheus.yml" --storage.tsdb.path="$confdir/tsdb" \
	--web.listen-address="127.0.0.1:$prom_port" > "$confdir/prometheus.log" 2>&1 &
started+=($!)
query() { curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1"; }
for ((i = 0; i < 150; i++)); do
	got=$(query 'sum(slurm_carbon_co2e_kg_total)' | jq -r '.data.result[0].value[1] // empty' 2> /dev/null)
	[ -n "$got" ] && break
	sleep 0.2
done
check "Prometheus scraped node_exporter's textfile collector (sum = ${got:-nothing})" test -n "$got"
errors=$(curl -sf "http://127.0.0.1:$ne_port/metrics" | awk '$1 == "node_textfile_scrape_error" { print $2 }')
check "node_exporter read both files without error (node_textfile_scrape_error $errors)" test "$errors" = 0
cr track --json > "$confdir/track.json"
total() { jq -r "$1" "$confdir/track.json"; }
want=$(total '.total.co2e_kg - .total.imported_kg')
check "sum(slurm_carbon_co2e_kg_total) in Prometheus is the database's jobs' total ($got, track less imports: $want)" \
	same "$got" "$want"
# Jobs and imported runs together: track's total.
promsum() { query "sum({__name__=~\"$1\"})" | jq -r '.data.result[0].value[1] // empty'; }
got_all=$(promsum 'slurm_carbon(_imported)?_co2e_kg_total')
want_all=$(total '.total.co2e_kg')
check "with the imported runs' family, Prometheus' kg is track's total ($got_all, track: $want_all)" \
	eval 'same "$got_all" "$want_all" && [ "$(total .total.imported_runs)" = 2 ]'
got_kwh=$(promsum 'slurm_carbon(_imported)?_energy_kwh_total')
want_kwh=$(total '.total.energy_kwh.facility')
check "and so is the facility energy ($got_kwh, track: $want_kwh kWh)" same "$got_kwh" "$want_kwh"
got_runs=$(query 'sum(slurm_carbon_imported_runs_total)' | jq -r '.data.result[0].value[1] // empty')
got_ikg=$(query 'sum(slurm_carbon_imported_co2e_kg_total)' | jq -r '.data.result[0].value[1] // empty')
check "the imported runs and their kg, as track counts them ($got_runs runs, $got_ikg kg)" \
	eval '[ "$got_runs" = "$(total .total.imported_runs)" ] && same "$got_ikg" "$(total .total.imported_kg)"'
projects=$(query 'slurm_carbon_imported_runs_total' | jq -r '.data.result[].metric.project' | sort | tr '\n' ' ')
check "the escaped project name reaches Prometheus as it was written ($projects)" \
	grep -qF 'ne"u\clir' <<< "$projects"
users=$(query 'slurm_carbon_jobs_total' | jq -r '.data.result[].metric.user' | sort -u | tr '\n' ' ')
check "the escaped name reaches Prometheus as it was written ($users)" \
	grep -qF 'ev"il\}' <<< "$users"
got_spool=$(query "slurm_carbon_spool_records{dir=\"$confdir/spool\"}" | jq -r '.data.result[0].value[1] // empty')
check "the node's spool backlog is in Prometheus too ($got_spool)" test "$got_spool" = 0
