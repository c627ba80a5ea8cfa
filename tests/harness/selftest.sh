#!/bin/bash
# Self-test of the cluster harness (TAP). Needs root; skips otherwise.
#   tests/harness/selftest.sh            HARNESS_KEEP=1 keeps the temp dir
# First the one-node cluster, then a several-node one (HARNESS_NODES=2;
# SELFTEST_NODES=3 for three nodes, SELFTEST_NODES=1 to skip that part), then
# a one-node cluster with simulated CPUs and GPUs (HARNESS_CPUS=4
# HARNESS_GPUS=2; SELFTEST_GPUS=0 skips it). That part loads the NVML double
# from top_builddir's tests/fixtures/.libs (default: the source tree) when
# make check has built it there.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=harness.sh
. "$here/harness.sh"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { # check DESCRIPTION CMD...
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
diag() { sed 's/^/# /'; }

host_had_powercap=0
[[ -e /sys/class/powercap ]] && host_had_powercap=1

# The first two parts run with the defaults: the machine's CPUs, no GPUs.
unset HARNESS_CPUS HARNESS_GPUS HARNESS_NVML_DOUBLE
t0=$SECONDS
export HARNESS_NODES=1
HARNESS_SLURMD_ENV="CARBON_HARNESS_PROBE=42 CARBON_HARNESS_PROBE2=x"
# shellcheck disable=SC2119
harness_start
ok "harness_start ($((SECONDS - t0))s, HARNESS_DIR=$HARNESS_DIR)"
node_info=$(scontrol -o show node "$HARNESS_NODE" 2>&1)
check "by default the node has this machine's $(nproc) CPUs and no gres" \
	grep -q -E " CPUTot=$(nproc) .* Gres=\(null\) " <<<"$node_info"

# --- PostgreSQL
out=$(psql -X -At "$HARNESS_CONNINFO" -c 'select current_database()' 2>&1)
check "psql on HARNESS_CONNINFO reaches database carbon" [ "$out" = carbon ]
[[ $out == carbon ]] || echo "$out" | diag

harness_pg_stop
out=$(psql -X -At "$HARNESS_CONNINFO" -c 'select 1' 2>&1)
check "harness_pg_stop: server refuses connections" [ "$out" != 1 ]
harness_pg_start
out=$(psql -X -At "$HARNESS_CONNINFO" -c 'select 1' 2>&1)
check "harness_pg_start: server is back" [ "$out" = 1 ]

# --- a plain job
job=$(harness_as_user sbatch --parsable -o slurm-%j.out --wrap 'srun -n1 sleep 2' 2>&1)
if [[ $job =~ ^[0-9]+$ ]]; then
	ok "sbatch as $HARNESS_USER (job $job)"
else
	not_ok "sbatch as $HARNESS_USER"
	echo "$job" | diag
fi
extern=no
for ((i = 0; i < 50; i++)); do
	steps=$(squeue -h -s -j "$job" -o %i 2>/dev/null)
	if grep -qx "$job.extern" <<<"$steps"; then extern=yes; break; fi
	sleep 0.1
done
check "job $job has an extern step (PrologFlags=Contain)" [ "$extern" = yes ]
res=$(harness_wait_job "$job" 60)
check "job $job COMPLETED with ExitCode 0:0 (got: $res)" [ "$res" = "COMPLETED 0:0" ]
[[ $res == "COMPLETED 0:0" ]] || diag <"$HARNESS_WORK/slurm-$job.out"

# --- the simulated powercap tree, seen from a job step
script=$HARNESS_WORK/sample.sh
cat >"$script" <<'EOF'
#!/bin/sh
p=/sys/class/powercap
echo "ns $(readlink /proc/self/ns/mnt)"
echo "name $(cat $p/intel-rapl:0/name)"
echo "dramname $(cat $p/intel-rapl:0:0/name)"
echo "max $(cat $p/intel-rapl:0/max_energy_range_uj)"
[ -d /sys/class/net ] && echo "net yes"
i=0
while [ $i -lt 60 ]; do
	read -r v < $p/intel-rapl:0/energy_uj
	echo "e $v"
	sleep 0.2
	i=$((i + 1))
done
EOF
chmod 755 "$script"
chown "$HARNESS_USER": "$script"
job2=$(harness_as_user sbatch --parsable -o sample-%j.out --wrap "srun -n1 $script" 2>&1)
# slurmstepd inherits slurmd's environment, HARNESS_SLURMD_ENV included.
stepd_env=no
for ((i = 0; i < 50; i++)); do
	[[ $stepd_env == yes ]] && break
	for p in $(_h_ns_pids); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == slurmstepd ]] || continue
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
			grep -qx CARBON_HARNESS_PROBE=42 && stepd_env=yes
	done
	sleep 0.1
done
check "slurmstepd has HARNESS_SLURMD_ENV in its environment" [ "$stepd_env" = yes ]
res=$(harness_wait_job "$job2" 60)
check "sampling job $job2 COMPLETED 0:0 (got: $res)" [ "$res" = "COMPLETED 0:0" ]
out=$HARNESS_WORK/sample-$job2.out
[[ -r $out ]] || : >"$out"
check "step sees intel-rapl:0 named package-0" grep -qx 'name package-0' "$out"
check "step sees intel-rapl:0:0 named dram" grep -qx 'dramname dram' "$out"
check "step sees max_energy_range_uj = $HARNESS_MAX_RANGE_UJ" \
	grep -qx "max $HARNESS_MAX_RANGE_UJ" "$out"
check "step still sees the rest of /sys/class" grep -qx 'net yes' "$out"
step_ns=$(sed -n 's/^ns //p' "$out")
check "step runs in the private mount namespace" \
	[ -n "$step_ns" ] && [ "$step_ns" != "$(readlink /proc/self/ns/mnt)" ]
distinct=$(awk '$1 == "e" { print $2 }' "$out" | sort -u | wc -l)
check "energy_uj changes while the step runs ($distinct distinct values)" \
	[ "$distinct" -ge 10 ]
wraps=$(awk '$1 == "e" { if (n++ && $2 < prev) w++; prev = $2 } END { print w + 0 }' "$out")
check "energy_uj wraps within 12 s at ${HARNESS_PKG_W} W ($wraps wraps)" [ "$wraps" -ge 1 ]
# Between samples without a wrap the counter grows at about HARNESS_PKG_W watts.
rate=$(awk -v max="$HARNESS_MAX_RANGE_UJ" '$1 == "e" {
	if (n++) { d = $2 - prev; if (d < 0) d += max; tot += d }
	prev = $2 } END { print tot / 1e6 }' "$out")
check "energy over the sampling is plausible (${rate} J in ~12 s at ${HARNESS_PKG_W} W)" \
	awk -v r="$rate" -v w="$HARNESS_PKG_W" 'BEGIN { exit !(r > w * 11 && r < w * 30) }'
if ((host_had_powercap == 0)); then
	check "host /sys/class/powercap untouched" [ ! -e /sys/class/powercap ]
fi

# --- true energy from t0
t_a=$(date +%s.%N)
read -r e_a <"$HARNESS_POWERCAP/intel-rapl:0/intel-rapl:0:0/energy_uj"
t_sim=$(harness_sim_t0)
want=$(harness_energy_uj "$HARNESS_DRAM_W" "$t_sim" "$t_a")
check "dram energy_uj matches watts x (t - t0) mod range" \
	awk -v e="$e_a" -v w="$want" -v m="$HARNESS_MAX_RANGE_UJ" -v p="$HARNESS_DRAM_W" \
	'BEGIN { d = (w % m) - e; if (d < 0) d = -d; if (d > m / 2) d = m - d;
	         exit !(d <= p * 0.05 * 1e6) }'

# --- stop from a fresh shell that knows only HARNESS_DIR (as after
# DEMO_KEEP=1 bash tests/demo.sh), with a job still running: everything goes away
harness_as_user sbatch --parsable --wrap 'sleep 300' >/dev/null
sleep 2
pids="$_H_SLURMCTLD_PID $_H_SLURMD_PID $_H_SIM_PID $_H_PG_PID ${_H_MUNGED_PID:-}"
ns=$_H_SLURMD_MNTNS
dir=$HARNESS_DIR
keep=${HARNESS_KEEP:-0}
trap - EXIT
# This shell keeps the harness lock until the checks are done (another
# harness's slurmd could reuse the mount namespace's number): the stopping
# shell, which would wait for it, is told not to.
env -i PATH="$PATH" HARNESS_KEEP="$keep" HARNESS_DIR="$dir" HARNESS_LOCK_TIMEOUT=0 \
	bash -c '. "$1" && harness_stop' selftest-stop "$HARNESS_SRC_DIR/harness.sh" >&2
# This shell's own record of them is stale now.
HARNESS_DIR= _H_SLURMCTLD_PID= _H_SLURMD_PID= _H_SLURMD_MNTNS= _H_SIM_PID= _H_PG_PID= _H_MUNGED_PID=
_H_SIM_PIDS=()
_H_NODE_PID=()
alive=
for p in $pids; do _h_alive "$p" && alive+=" $p"; done
for p in /proc/[0-9]*; do
	[[ $(readlink "$p/ns/mnt" 2>/dev/null) == "$ns" ]] && alive+=" ${p#/proc/}"
done
check "harness_stop leaves no daemon or cluster process${alive:+ (alive:$alive)}" \
	[ -z "$alive" ]
if [[ $keep != 1 ]]; then
	check "harness_stop removes HARNESS_DIR" [ ! -e "$dir" ]
fi
exec {_H_LOCK_FD}>&-
_H_LOCK_FD=

# ================================================== several nodes
nn=${SELFTEST_NODES:-2}
if ((nn >= 2)); then
	t0=$SECONDS
	export HARNESS_NODES=$nn
	harness_start
	ok "harness_start with HARNESS_NODES=$nn ($((SECONDS - t0))s, HARNESS_DIR=$HARNESS_DIR)"
	want_names=$(seq -f 'c%g' 1 "$nn" | tr '\n' ' ')
	want_names=${want_names% }
	check "HARNESS_NODE_NAMES is '$want_names' ($HARNESS_NODE_NAMES)" \
		[ "$HARNESS_NODE_NAMES" = "$want_names" ]
	check "HARNESS_NODE is c1 ($HARNESS_NODE)" [ "$HARNESS_NODE" = c1 ]
	idle=$(sinfo -h -N -o '%N %t' | awk '$2 == "idle"' | sort -u | wc -l)
	check "sinfo: $nn idle nodes ($idle)" [ "$idle" = "$nn" ]
	netns_list=$(ip netns list | awk '{ print $1 }')
	slurmd_port=$(sed -n 's/^SlurmdPort=//p' "$SLURM_CONF")
	mntns=()
	k=0
	for node in $HARNESS_NODE_NAMES; do
		k=$((k + 1))
		ns_var=HARNESS_NETNS_$node addr_var=HARNESS_NODE_ADDR_$node
		pkg_var=HARNESS_PKG_W_$node dram_var=HARNESS_DRAM_W_$node
		ns=${!ns_var} addr=${!addr_var}
		check "$node: network namespace $ns exists" grep -qx "$ns" <<<"$netns_list"
		check "$node: default powers $((20 + 20 * k)) W / $((4 + k)) W (${!pkg_var} W / ${!dram_var} W)" \
			[ "${!pkg_var}/${!dram_var}" = "$((20 + 20 * k))/$((4 + k))" ]
		got=$(harness_on_node "$node" ip -4 -o addr show dev eth0 2>&1 | awk '{ print $4 }')
		check "$node: eth0 in its namespace has $addr/24 ($got)" [ "$got" = "$addr/24" ]
		got=$(harness_on_node "$node" hostname 2>&1)
		check "$node: its hostname is $node ($got)" [ "$got" = "$node" ]
		pid=${_H_NODE_PID[$node]}
		mntns+=("$(readlink "/proc/$pid/ns/mnt")")
		check "$node: slurmd (pid $pid) is in network namespace $ns" \
			[ "$(readlink "/proc/$pid/ns/net")" = "$(stat -L -c 'net:[%i]' "/run/netns/$ns")" ]
		out=$(harness_on_node "$node" psql -X -At "$HARNESS_CONNINFO" -c 'select 1' 2>&1)
		check "$node: PostgreSQL's Unix socket is reachable from the node" [ "$out" = 1 ]
		check "$node: munged is reachable from the node" \
			harness_on_node "$node" sh -c 'munge -n | unmunge >/dev/null'
		got=$(harness_on_node "$node" cat /sys/class/powercap/intel-rapl:0/max_energy_range_uj 2>&1)
		check "$node: sees its simulated powercap tree ($got)" [ "$got" = "$HARNESS_MAX_RANGE_UJ" ]
		# slurmctld (on the host, at HARNESS_CTLD_ADDR) and the other nodes' slurmd
		reach=yes
		for other in $HARNESS_NODE_NAMES; do
			[[ $other == "$node" ]] && continue
			a=HARNESS_NODE_ADDR_$other
			harness_on_node "$node" bash -c "exec 3<>/dev/tcp/${!a}/$slurmd_port" 2>/dev/null ||
				reach="no ($other)"
		done
		check "$node: reaches the other nodes' slurmd: $reach" [ "$reach" = yes ]
	done
	links=$(ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' |
		grep -E -- "-${HARNESS_DIR##*.}\$")
	check "a bridge and $nn veths on the host (${links//$'\n'/ })" \
		[ "$(wc -l <<<"$links")" = $((nn + 1)) ]

	# A job on every node: each task measures its node's package power.
	cat >"$HARNESS_WORK/power.sh" <<'SCRIPT'
#!/bin/sh
f=/sys/class/powercap/intel-rapl:0/energy_uj
m=$(cat /sys/class/powercap/intel-rapl:0/max_energy_range_uj)
t1=$(date +%s.%N); read -r e1 < $f
sleep 2
t2=$(date +%s.%N); read -r e2 < $f
echo "$(hostname) $(awk -v a="$e1" -v b="$e2" -v s="$t1" -v t="$t2" -v m="$m" \
	'BEGIN { d = b - a; if (d < 0) d += m; printf "%.2f", d / 1e6 / (t - s) }')"
SCRIPT
	chmod 755 "$HARNESS_WORK/power.sh"
	job=$(harness_as_user sbatch --parsable -N"$nn" -o power-%j.out \
		--wrap "srun -N$nn -n$nn $HARNESS_WORK/power.sh" 2>&1)
	res=$(harness_wait_job "$job" 60)
	check "sbatch -N$nn job $job COMPLETED 0:0 (got: $res)" [ "$res" = "COMPLETED 0:0" ]
	out=$HARNESS_WORK/power-$job.out
	[[ -r $out ]] || : >"$out"
	for node in $HARNESS_NODE_NAMES; do
		pkg_var=HARNESS_PKG_W_$node
		w=$(awk -v n="$node" '$1 == n { print $2 }' "$out")
		check "$node: a task there sees its own node's power, ${!pkg_var} W (${w:-none} W)" \
			awk -v g="${w:-0}" -v p="${!pkg_var}" 'BEGIN { exit !(g > p * 0.9 && g < p * 1.1) }'
	done
	[[ $(wc -l <"$out") == "$nn" ]] || diag <"$out"
	out=$(harness_as_user timeout 60 srun -N"$nn" -n"$nn" hostname 2>&1 | sort | tr '\n' ' ')
	check "srun -N$nn from the submit host reaches every node (${out% })" \
		[ "${out% }" = "$want_names" ]
	t_sim=$(harness_sim_t0 c2)
	t0_var=HARNESS_SIM_T0_FILE_c2
	check "harness_sim_t0 c2 is c2's start time ($t_sim)" \
		[ "$t_sim" = "$(cat "${!t0_var}")" ]

	# --- stop: everything goes away, the network objects included
	pids="$_H_SLURMCTLD_PID ${_H_NODE_PID[*]} ${_H_SIM_PIDS[*]} $_H_PG_PID ${_H_MUNGED_PID:-}"
	netns="${_H_NET_NS[*]}"
	dir=$HARNESS_DIR
	harness_stop
	alive=
	for p in $pids; do _h_alive "$p" && alive+=" $p"; done
	for p in /proc/[0-9]*; do
		m=$(readlink "$p/ns/mnt" 2>/dev/null) || continue
		for ns in "${mntns[@]}"; do
			[[ $m == "$ns" ]] && alive+=" ${p#/proc/}"
		done
	done
	check "harness_stop leaves no daemon or node process${alive:+ (alive:$alive)}" [ -z "$alive" ]
	left=
	for ns in $netns; do
		ip netns list | awk '{ print $1 }' | grep -qx "$ns" && left+=" $ns"
	done
	for l in $links; do
		ip link show "$l" >/dev/null 2>&1 && left+=" $l"
	done
	check "harness_stop deletes the network namespaces, veths and bridge${left:+ (left:$left)}" \
		[ -z "$left" ]
	if [[ $keep != 1 ]]; then
		check "harness_stop removes HARNESS_DIR" [ ! -e "$dir" ]
	fi
fi

# ================================================== simulated CPUs and GPUs
if [[ ${SELFTEST_GPUS:-1} != 0 ]]; then
	double=${top_builddir:-$(dirname "$HARNESS_TESTS_DIR")}/tests/fixtures/.libs
	if [[ -r $double/libnvidia-ml.so.1 ]]; then
		export HARNESS_NVML_DOUBLE=$double
	else
		double=
		unset HARNESS_NVML_DOUBLE
	fi
	export HARNESS_NODES=1 HARNESS_CPUS=4 HARNESS_GPUS=2
	HARNESS_SLURMD_ENV="NVML_DOUBLE_GPUS=counter:300,counter:150"
	t0=$SECONDS
	harness_start
	ok "harness_start with HARNESS_CPUS=4 HARNESS_GPUS=2 on $(nproc) CPUs ($((SECONDS - t0))s)"
	node_info=$(scontrol -o show node "$HARNESS_NODE" 2>&1)
	state=$(sed -n 's/.* State=\([^ ]*\) .*/\1/p' <<<"$node_info")
	check "node $HARNESS_NODE is IDLE ($state)" [ "$state" = IDLE ]
	check "scontrol show node: CPUTot=4" grep -q ' CPUTot=4 ' <<<"$node_info"
	check "scontrol show node: Gres=gpu:2" grep -q ' Gres=gpu:2 ' <<<"$node_info"
	[[ $node_info == *" CPUTot=4 "*" Gres=gpu:2 "* ]] || diag <<<"$node_info"

	# -c2 and -c1 together need 3 CPUs: more than a 2-CPU machine has.
	job_a=$(harness_as_user sbatch --parsable -n1 -c2 -o cpus-%j.out --wrap 'sleep 10' 2>&1)
	job_b=$(harness_as_user sbatch --parsable -n1 -c1 -o cpus-%j.out --wrap 'sleep 10' 2>&1)
	both=no alloc=''
	for ((i = 0; i < 100; i++)); do
		running=$(squeue -h -t R -j "$job_a,$job_b" -o %i 2>/dev/null | wc -l)
		if ((running == 2)); then
			both=yes
			alloc=$(scontrol -o show node "$HARNESS_NODE" |
				sed -n 's/.* CPUAlloc=\([0-9]*\) .*/\1/p')
			break
		fi
		sleep 0.2
	done
	check "jobs $job_a (-c2) and $job_b (-c1) run at the same time" [ "$both" = yes ]
	check "the node has 3 of its 4 CPUs allocated then (CPUAlloc=$alloc)" [ "$alloc" = 3 ]
	[[ $both == yes ]] || squeue -j "$job_a,$job_b" 2>&1 | diag
	res_a=$(harness_wait_job "$job_a" 60)
	res_b=$(harness_wait_job "$job_b" 60)
	check "both COMPLETED 0:0 ($res_a; $res_b)" \
		[ "$res_a; $res_b" = "COMPLETED 0:0; COMPLETED 0:0" ]

	# The GPU variables of the batch step and of an srun step with one GPU.
	cat >"$HARNESS_WORK/gpus.sh" <<'SCRIPT'
#!/bin/sh
echo "$1 job=${SLURM_JOB_GPUS-unset} step=${SLURM_STEP_GPUS-unset} cuda=${CUDA_VISIBLE_DEVICES-unset}"
SCRIPT
	chmod 755 "$HARNESS_WORK/gpus.sh"
	job=$(harness_as_user sbatch --parsable -n1 --gres=gpu:2 -o gpus-%j.out \
		--wrap "$HARNESS_WORK/gpus.sh batch; srun -n1 --gres=gpu:1 $HARNESS_WORK/gpus.sh step" 2>&1)
	res=$(harness_wait_job "$job" 60)
	check "--gres=gpu:2 job $job COMPLETED 0:0 (got: $res)" [ "$res" = "COMPLETED 0:0" ]
	out=$HARNESS_WORK/gpus-$job.out
	[[ -r $out ]] || : >"$out"
	got=$(grep '^batch ' "$out")
	check "batch step: SLURM_JOB_GPUS=0,1 CUDA_VISIBLE_DEVICES=0,1, no SLURM_STEP_GPUS ($got)" \
		[ "$got" = "batch job=0,1 step=unset cuda=0,1" ]
	got=$(grep '^step ' "$out")
	check "srun --gres=gpu:1 step: one index in SLURM_STEP_GPUS and CUDA_VISIBLE_DEVICES ($got)" \
		grep -q -E '^step job=0,1 step=([01]) cuda=\1$' <<<"$got"
	[[ $res == "COMPLETED 0:0" ]] || diag <"$out"

	# The NVML double: in slurmstepd's environment, and loadable by name in
	# its mount namespace with that LD_LIBRARY_PATH, as the plugin loads it.
	if [[ -n $double ]]; then
		job=$(harness_as_user sbatch --parsable -n1 -o nvml-%j.out --wrap 'sleep 3' 2>&1)
		ldpath='' stepd=''
		for ((i = 0; i < 50; i++)); do
			[[ -n $ldpath ]] && break
			for p in $(_h_ns_pids); do
				[[ $(cat "/proc/$p/comm" 2>/dev/null) == slurmstepd ]] || continue
				stepd=$p
				ldpath=$(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
					sed -n 's/^LD_LIBRARY_PATH=//p')
				[[ -n $ldpath ]] && break
			done
			sleep 0.1
		done
		check "slurmstepd has LD_LIBRARY_PATH=$HARNESS_NVML_DOUBLE ($ldpath)" \
			[ "$ldpath" = "$HARNESS_NVML_DOUBLE" ]
		# shellcheck disable=SC2016
		loaded=$(nsenter -t "${stepd:-$_H_SLURMD_PID}" -m -- env LD_LIBRARY_PATH="$ldpath" \
			perl -MDynaLoader -e 'DynaLoader::dl_load_file("libnvidia-ml.so.1") or exit 1;
				open(my $m, "<", "/proc/self/maps") or exit 1;
				for (<$m>) { if (m{ (/\S*libnvidia-ml\S*)$}) { print "$1\n"; last } }' 2>&1)
		check "dlopen(\"libnvidia-ml.so.1\") as root in slurmstepd's mount namespace loads the double (${loaded:-nothing})" \
			[ "$(dirname "${loaded:-/}")" = "$HARNESS_NVML_DOUBLE" ]
		harness_wait_job "$job" 30 >/dev/null
	else
		ok "# SKIP no NVML double in $(dirname "$HARNESS_TESTS_DIR")/tests/fixtures/.libs (run make check)"
	fi
	harness_stop
	unset HARNESS_CPUS HARNESS_GPUS HARNESS_NVML_DOUBLE
fi

echo "1..$n"
exit $((failed > 0))
