#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several nodes: a two-node Slurm cluster on this machine (each slurmd in its own
# network namespace, with its own simulated powercap tree at its own power),
# a -N2 job, one record per node per step, and carbon-report's job total.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

export HARNESS_NODES=2
. "$top/tests/harness/harness.sh"

make_confdir multinode

harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

cat > "$carbon_conf" <<CONF
[site]
pue       = 1.25
intensity = 300
[database]
conninfo  = $HARNESS_CONNINFO user=carbon_writer
connect_timeout = 3
[sampling]
interval  = 1
CONF
chmod 0644 "$carbon_conf"
admin_db="$HARNESS_CONNINFO user=$HARNESS_PGUSER"


echo "1..18"

check "the cluster has the nodes c1 and c2 ($HARNESS_NODE_NAMES)" test "$HARNESS_NODE_NAMES" = "c1 c2"

check_db_init "$admin_db"

# --- one job on both nodes: batch step on the first, srun step 0 on both, ----
# --- and step 1 on the second only (-r1: relative node 1) ---------------------
job=$(harness_as_user sbatch --parsable -N2 -o slurm-%j.out \
	--wrap 'srun -N2 -n2 sh -c "timeout 10 sha256sum /dev/zero; true"; srun -N1 -n1 -r1 true')
read -r state exitcode < <(harness_wait_job "$job" 90)
check "job $job on two nodes completed with exit code 0 ($state $exitcode)" \
	test "$state $exitcode" = "COMPLETED 0:0"
if [ "$state $exitcode" != "COMPLETED 0:0" ]; then
	sed 's/^/# /' "$HARNESS_WORK/slurm-$job.out" 2>/dev/null
	scontrol show job "$job" | sed 's/^/# /'
fi
batch_host=$(scontrol -o show job "$job" | sed -n 's/.* BatchHost=\([^ ]*\).*/\1/p')

check_job_json "$confdir/job.json" "$admin_db" "$job"
nodes_of() { j "[.steps[] | select(.step == \"$1\") | .node] | sort | join(\" \")"; }
j '.steps[] | "# record: step \(.step) node \(.node) \(.end_epoch - .start_epoch | . * 1000 | round / 1000) s cpu \(.energy_kwh.cpu * 3600000 | round) J counted \(.counted_fraction)"'

check "step 0 has one record on each of c1 and c2 ($(nodes_of 0))" test "$(nodes_of 0)" = "c1 c2"
check "the extern step has one record on each of c1 and c2 ($(nodes_of extern))" \
	test "$(nodes_of extern)" = "c1 c2"
check "the batch step has one record, on the first node $batch_host ($(nodes_of batch))" \
	test "$(nodes_of batch)" = "c1" -a "$batch_host" = c1
check "step 1 (srun -r1) has one record, on c2 ($(nodes_of 1))" test "$(nodes_of 1)" = "c2"
check "the job has 6 records in all" test "$(j '.steps | length')" = 6

# --- each node read its own tree: step 0's energy is its own node's power ------
for node in c1 c2; do
	sel=".steps[] | select(.step == \"0\" and .node == \"$node\")"
	t0=$(j "$sel | .start_epoch")
	t1=$(j "$sel | .end_epoch")
	cpu_j=$(j "$sel | .energy_kwh.cpu * 3600000")
	dram_j=$(j "$sel | .energy_kwh.dram * 3600000")
	pkg_var=HARNESS_PKG_W_$node
	dram_var=HARNESS_DRAM_W_$node
	dur=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	want_cpu=$(awk -v d="$dur" -v p="${!pkg_var}" -v s="$HARNESS_SOCKETS" 'BEGIN { printf "%.6f", d * p * s }')
	want_dram=$(awk -v d="$dur" -v p="${!dram_var}" -v s="$HARNESS_SOCKETS" 'BEGIN { printf "%.6f", d * p * s }')
	echo "# $node step 0: $dur s; cpu $cpu_j J (want $want_cpu at ${!pkg_var} W); dram $dram_j J (want $want_dram at ${!dram_var} W)"
	check "$node: step 0 lasted about 10 s ($dur s)" awk -v d="$dur" 'BEGIN { exit !(d >= 9 && d <= 20) }'
	check "$node: step 0 cpu energy within 1 % of ${!pkg_var} W x its duration" within 1 "$cpu_j" "$want_cpu"
	check "$node: step 0 dram energy within 1 % of ${!dram_var} W x its duration" within 1 "$dram_j" "$want_dram"
done

# --- the job total: every node's energy counted once ---------------------------
# On each node one record (the extern step's, which spans the others) charged
# the job's share of that node; the job total adds those shares.
total_j=$(j '.energy_kwh.cpu * 3600000')
shares_j=$(j '[.steps[] | (.job_energy_kwh.cpu // 0)] | add * 3600000')
want_j=0
for node in c1 c2; do
	holder=".steps[] | select(.node == \"$node\" and (.job_energy_kwh.it // 0) > 0)"
	pkg_var=HARNESS_PKG_W_$node
	node_j=$(j "$holder | .job_energy_kwh.cpu * 3600000")
	node_want=$(j "$holder | .end_epoch - .start_epoch" |
		awk -v p="${!pkg_var}" -v s="$HARNESS_SOCKETS" '{ printf "%.6f", $1 * p * s }')
	echo "# $node: the job's share $node_j J (want $node_want J, its node's power over the holder's window)"
	check "$node: one record charged the job's share of the node, its whole energy within 1 %" \
		within 1 "$node_j" "$node_want"
	want_j=$(awk -v a="$want_j" -v b="$node_want" 'BEGIN { printf "%.6f", a + b }')
done
echo "# job total cpu $total_j J; sum of the records' job shares $shares_j J; nodes' truth $want_j J"
check "the job's cpu total is the sum of the records' job shares" within 0.01 "$total_j" "$shares_j"
