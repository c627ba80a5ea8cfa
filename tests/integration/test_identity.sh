#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Identity from Slurm and the node, never from the job's environment: the
# plugin runs as root in slurmstepd, and whatever the job's user exports
# before sbatch or srun is theirs to choose. On the harness's one-node
# cluster (simulated RAPL, one GPU through the NVML test double), jobs of
# the unprivileged user export
#   (a) SLURM_JOB_ACCOUNT holding a newline and a forged spool record for
#       another job id, while PostgreSQL is down so that records are spooled;
#   (b) CUDA_VISIBLE_DEVICES, SLURM_STEP_GPUS and SLURM_JOB_GPUS naming the
#       GPU another job holds, in a job without --gres;
#   (c) SLURM_JOB_NODELIST / SLURM_STEP_NODELIST as ../../x, a path out of
#       the lease directory that root creates files in (and their srun,
#       with a library preloaded, sends it as the step's node list);
#   (d) SLURM_CLUSTER_NAME=other.
# The spool holds only the job's own records and nothing forged is stored;
# the GPU is charged only to the job holding it; no file appears outside
# SPOOL/lease and the records carry the node's name; the records are filed
# under slurm.conf's ClusterName, or carbon.conf's cluster where set.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

nvml_dir=$builddir/tests/fixtures/.libs
if [[ ! -e $nvml_dir/libnvidia-ml.so.1 ]]; then
	echo "1..0 # SKIP the NVML test double is not built (run make check first)"
	exit 0
fi
make_confdir identity
spool=$confdir/spool

# 4 CPUs (Slurm is told so): two 1-CPU jobs side by side. One GPU of 300 W.
HARNESS_CPUS=4
HARNESS_GPUS=1
HARNESS_NVML_DOUBLE=$nvml_dir
gpu_w=300
HARNESS_SLURMD_ENV="NVML_DOUBLE_GPUS=counter:$gpu_w"
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

# No [site] cluster: the records' cluster is slurm.conf's ClusterName.
write_carbon_conf 1 '[site]' 'intensity = 300' '[database]' 'connect_timeout = 2'
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }

# spooled_ids: the job_id= line of every record in the spool, one a line.
spooled_ids() {
	find "$spool" -maxdepth 1 \( -name '*.log' -o -name '*.seg' -o -name '*.rec' \) -print0 2>/dev/null |
		xargs -0 -r cat | sed -n 's/^job_id=//p'
}
spooled_headers() {
	find "$spool" -maxdepth 1 \( -name '*.log' -o -name '*.seg' -o -name '*.rec' \) -print0 2>/dev/null |
		xargs -0 -r cat | grep -c '^slurm-carbon spool 1$'
}
# wait_spooled N: until the spool holds N records (the extern step spools
# its record as the job ends), at most 30 s.
wait_spooled() {
	local i
	for ((i = 0; i < 150; i++)); do
		[ "$(spooled_headers)" -ge "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

echo "1..23"
check_db_init "$admin_db"

# --- (a) a newline in SLURM_JOB_ACCOUNT: a forged spool record ----------------
# The value ends the account line and begins a record for job 987654; the
# real record's lines after it (project, tag, start, ...) would complete it.
forged_id=987654
forged=$'acct\nslurm-carbon spool 1\ncluster='"$HARNESS_CLUSTER"$'\njob_id='"$forged_id"$'\nstep=batch\nnode=forged\nuid=0\nuser=root\naccount=x'
harness_pg_stop
job_a=$(harness_as_user env "SLURM_JOB_ACCOUNT=$forged" sbatch --parsable \
	--wrap 'srun -n1 sh -c "timeout 1 sha256sum /dev/zero; true"')
finished "$job_a" "a job whose SLURM_JOB_ACCOUNT holds a forged record, database down"
wait_spooled 3
ids=$(spooled_ids | sort | uniq -c | sed 's/^ *//' | tr '\n' ' ')
echo "# spooled job ids (count id): $ids"
check "the spool holds the job's 3 records (batch, extern, step 0) and nothing else ($ids)" \
	test "$ids" = "3 $job_a "
check "every record in the spool is whole: one header a job_id ($(spooled_headers) headers)" \
	test "$(spooled_headers)" = 3
check "slurmd's log says SLURM_JOB_ACCOUNT was ignored, without quoting it" \
	eval 'grep -q "carbon: job $job_a step batch: SLURM_JOB_ACCOUNT of the job.s environment ignored" "$HARNESS_SLURMD_LOG" &&
		! grep -q "job_id=$forged_id" "$HARNESS_SLURMD_LOG"'
harness_pg_start
"$report" -d "$admin_db" spool flush --dir "$spool" > "$confdir/flush.out" 2>&1
sed 's/^/# /' "$confdir/flush.out"
check "after spool flush no row exists for the forged job $forged_id" \
	test "$(sql "SELECT count(*) FROM carbon.step_energy WHERE job_id = $forged_id")" = 0
check "after spool flush the job's 3 records are stored, with no account" \
	test "$(sql "SELECT count(*) || ' ' || count(account) FROM carbon.step_energy WHERE job_id = $job_a")" = "3 0"
check "no spooled record was malformed (no .bad file)" \
	test -z "$(find "$spool" -maxdepth 1 -name '*.bad' 2>/dev/null)"

# --- (b) GPUs named in the environment of a job that holds none ---------------
holder=$(harness_as_user sbatch --parsable -c1 --gres=gpu:1 --wrap 'srun -n1 sleep 10; sleep 1')
for ((i = 0; i < 150; i++)); do
	scontrol -o show step "$holder.0" 2>/dev/null | grep -q "State=RUNNING" && break
	sleep 0.2
done
gpus='CUDA_VISIBLE_DEVICES=0 SLURM_STEP_GPUS=0 SLURM_JOB_GPUS=0'
# shellcheck disable=SC2086 # the words of $gpus are VAR=VALUE arguments of env
intruder=$(harness_as_user env $gpus sbatch --parsable -c1 \
	--wrap "export $gpus; srun -n1 sleep 4")
finished "$intruder" "a job without --gres exporting GPU 0 ($gpus)"
finished "$holder" "the job holding GPU 0"
wait_records "$intruder" 3
wait_records "$holder" 3
row=$(sql "SELECT count(*) || ' ' || sum(coalesce(gpus, 0)) || ' ' || sum(gpu_j) || ' ' || sum(coalesce(job_gpu_j, 0))
	   FROM carbon.step_energy WHERE job_id = $intruder")
echo "# job $intruder: records, gpus, gpu_j, job_gpu_j: $row"
check "the intruding job's 3 records have gpus 0, gpu_j 0 and job_gpu_j 0 ($row)" test "$row" = "3 0 0 0"
overlap=$(sql "SELECT (SELECT min(start_time) FROM carbon.step_energy WHERE job_id = $intruder AND step = 'batch')
		< (SELECT max(end_time) FROM carbon.step_energy WHERE job_id = $holder AND step = 'batch')")
check "it ran while the other job held the GPU" test "$overlap" = t
read -r got truth < <(sql "SELECT sum(coalesce(job_gpu_j, 0)),
		(SELECT extract(epoch FROM end_time - start_time) * $gpu_w FROM carbon.step_energy
		 WHERE job_id = $holder AND step = 'batch')
	FROM carbon.step_energy WHERE job_id = $holder" | tr '|' ' ')
echo "# job $holder: GPU energy charged $got J, batch step's life x $gpu_w W: $truth J"
check "the GPU's energy is charged to the job holding it, within 1 % ($got vs $truth J)" \
	within 1 "$got" "$truth"
check "the holder's batch step and step 0 each count its 1 GPU, the extern step none" \
	test "$(sql "SELECT string_agg(step || '=' || gpus, ' ' ORDER BY step) FROM carbon.step_energy WHERE job_id = $holder")" \
	= "0=1 batch=1 extern=0"

# --- (c) node lists that climb out of the lease directory ----------------------
# The batch step's SLURM_JOB_NODELIST is rewritten by slurmstepd, but an srun
# step's SLURM_STEP_NODELIST comes from the srun process, the user's own: a
# library preloaded into it (built here) makes it send ../../x, as any
# modified client could.
cat > "$confdir/forge.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

/* Slurm's env_array_for_step() writes the step's variables into the
 * environment srun sends; then the variables of FORGED_NODELIST's choice. */
typedef void for_step_fn(void *, void *, void *, unsigned long, unsigned long, unsigned long);
typedef int overwrite_fn(char ***, const char *, const char *);

void env_array_for_step(void *dest, void *b, void *c, unsigned long d, unsigned long e,
			unsigned long f)
{
	for_step_fn *real = (for_step_fn *)dlsym(RTLD_NEXT, "env_array_for_step");
	overwrite_fn *set = (overwrite_fn *)dlsym(RTLD_DEFAULT, "env_array_overwrite");
	const char *forged = getenv("FORGED_NODELIST");

	real(dest, b, c, d, e, f);
	if (forged && set) {
		set((char ***)dest, "SLURM_STEP_NODELIST", forged);
		set((char ***)dest, "SLURM_JOB_NODELIST", forged);
	}
}
EOF
${CC:-cc} -shared -fPIC -o "$confdir/forge.so" "$confdir/forge.c" -ldl
chmod 755 "$confdir/forge.so"
trav='SLURM_JOB_NODELIST=../../x SLURM_STEP_NODELIST=../../x SLURM_NODELIST=../../x'
# shellcheck disable=SC2086 # the words of $trav are VAR=VALUE arguments of env
job_c=$(harness_as_user env $trav sbatch --parsable --wrap "export $trav
FORGED_NODELIST=../../x LD_PRELOAD=$confdir/forge.so srun -n1 sh -c 'echo step 0 node list: \$SLURM_STEP_NODELIST'")
finished "$job_c" "a job exporting its node lists as ../../x"
wait_records "$job_c" 3
out=$(cat "$HARNESS_WORK/slurm-$job_c.out" 2>/dev/null)
check "the srun step was sent the forged node list ($out)" test "$out" = "step 0 node list: ../../x"
nodes=$(sql "SELECT string_agg(DISTINCT node, ',') FROM carbon.step_energy WHERE job_id = $job_c")
check "its records carry the node's name $HARNESS_NODE ($nodes)" test "$nodes" = "$HARNESS_NODE"
stray=$(find "$confdir" "$HARNESS_DIR" /tmp -maxdepth 3 -name "*.job.$job_c.*" -not -path "$spool/lease/*" 2>/dev/null | sort -u | tr "\n" " ")
check "no lease file of the job outside SPOOL/lease (${stray:-none})" test -z "$stray"
leases=$(find "$spool/lease" -name "*.job.$job_c.*" -printf '%f\n' | sort | tr '\n' ' ')
check "its lease in SPOOL/lease is named after the node ($leases)" \
	test "$leases" = "$HARNESS_NODE.job.$job_c.lease "

# --- (d) SLURM_CLUSTER_NAME --------------------------------------------------------
job_d=$(harness_as_user env SLURM_CLUSTER_NAME=other sbatch --parsable \
	--wrap 'export SLURM_CLUSTER_NAME=other; srun -n1 true')
finished "$job_d" "a job exporting SLURM_CLUSTER_NAME=other"
wait_records "$job_d" 3
clusters=$(sql "SELECT string_agg(DISTINCT cluster, ',') FROM carbon.step_energy WHERE job_id = $job_d")
check "its records are filed under slurm.conf's ClusterName $HARNESS_CLUSTER ($clusters)" \
	test "$clusters" = "$HARNESS_CLUSTER"

# carbon.conf's cluster, where set, wins over slurm.conf's (read at each step).
write_carbon_conf 1 '[site]' 'intensity = 300' 'cluster = site1' '[database]' 'connect_timeout = 2'
job_d2=$(harness_as_user env SLURM_CLUSTER_NAME=other sbatch --parsable \
	--wrap 'export SLURM_CLUSTER_NAME=other; srun -n1 true')
finished "$job_d2" "the same job with [site] cluster = site1"
wait_records "$job_d2" 3
clusters=$(sql "SELECT string_agg(DISTINCT cluster, ',') FROM carbon.step_energy WHERE job_id = $job_d2")
check "its records are filed under carbon.conf's cluster site1 ($clusters)" test "$clusters" = site1
