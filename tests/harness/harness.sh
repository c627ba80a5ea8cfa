# shellcheck shell=bash
#
# tests/harness/harness.sh — throwaway PostgreSQL + munge + a one-node (or, with
# HARNESS_NODES=2..9, several-node) Slurm cluster with a simulated RAPL powercap
# tree, for the integration tests. Source it from a bash test script (as root):
#
#   . "$(dirname "$0")/harness/harness.sh"
#   harness_start [--plugstack FILE] [--accounting] [--pgbouncer] [--no-slurm]   # exits (Bail out!) on failure
#   jobid=$(harness_as_user sbatch --parsable --wrap 'srun -n1 true')
#   read -r state exitcode < <(harness_wait_job "$jobid" 60)
#   ...                                   # harness_stop runs on EXIT (trap)
#
# Call harness_start before printing the TAP plan: when a prerequisite is missing
# (not root, no slurmd, ...) it prints "1..0 # SKIP reason" and exits 0.
#
# Settable before harness_start:
#   SIM_SOCKETS (1) SIM_PACKAGE_W (40) SIM_DRAM_W (5) SIM_MAX_RANGE_UJ (200000000)
#   SIM_PERIOD_MS (10) SIM_ENERGY_MODE (0444; the kernel's is 0400)
#   SIM_PACKAGE_W may be a comma list, one value per socket (exported as given)
#   SIM_LAYOUT (intel; amd: no dram, a core subzone per package)
#   SIM_PSYS_W (none; W > 0 adds a psys zone of that power)
#   SIM_MAX_POWER_UW (none; constraint_0_max_power_uw of each package zone)
#                     these three reach powercap_sim only when set
#   SIM_NODE_W        (none; one node only) W > 0: a whole-node meter drawing W
#                     on the simulator's clock: pm_counters in
#                     HARNESS_PM_COUNTERS (carbon.conf [node] pm_counters names
#                     it: /sys/cray cannot be made in sysfs) and an ACPI power
#                     meter (hwmon "power_meter", power1_average) that slurmd's
#                     mount namespace shows as /sys/class/hwmon/hwmon0, the
#                     machine's own hwmon devices hidden
#   POWERCAP_SIM      a prebuilt simulator binary (default: tests/powercap_sim, built
#                     with cc when missing or older than tests/powercap_sim.c)
#   HARNESS_SLURMD_ENV  VAR=VALUE words (or a bash array) put into slurmd's
#                     environment, which slurmstepd and so the plugin inherit
#   HARNESS_USER      the unprivileged job user (carbontest)
#   HARNESS_PROCTRACK (proctrack/cgroup) HARNESS_TASK_PLUGIN (task/none)
#   HARNESS_JOBACCT_GATHER (jobacct_gather/cgroup)   slurm.conf choices; the
#                     default gives each step cpuacct+memory cgroups, where the
#                     plugin reads CPU time (what sites with cgroups run);
#                     jobacct_gather/none leaves a step only its freezer cgroup,
#                     and the plugin then reads CPU time from /proc
#   HARNESS_SLURM_CONF_EXTRA  more slurm.conf lines (before NodeName=)
#   HARNESS_SELECT_PARAMS (CR_Core)  SelectTypeParameters; CR_Core_Memory makes
#                     Slurm hand a job's --mem to task/cgroup (with CR_Core the
#                     memory cgroup's limit is the node's RealMemory); add
#                     DefMemPerCPU= to HARNESS_SLURM_CONF_EXTRA, or a job
#                     without --mem takes the whole node's memory
#   HARNESS_CGROUP_CONF_EXTRA  more cgroup.conf lines (e.g. ConstrainRAMSpace=yes
#                     with HARNESS_TASK_PLUGIN=task/cgroup: a job's --mem is
#                     then enforced, and a job past it is OOM-killed)
#   HARNESS_ACCOUNTING=1 (or harness_start --accounting)  Slurm's accounting:
#                     see "Accounting" below. Off by default.
#   HARNESS_CLIENT_ENV  VAR=VALUE words put into the environment of the
#                     commands harness_as_user runs (sbatch, srun load the plugin)
#   HARNESS_SIM=0     no simulated powercap tree: slurmd sees the machine's own
#                     /sys/class (tests/demo.sh uses this)
#   HARNESS_KEEP=1    keep HARNESS_DIR after harness_stop (for debugging)
#                     (without it, a test that wants the cluster to outlive it
#                     clears the EXIT trap: `trap - EXIT`, as tests/demo.sh
#                     does with DEMO_KEEP=1)
#   HARNESS_SLURM_PREFIX  a Slurm installation prefix (configure --prefix) to
#                     run instead of Debian's packages: its sbin/ and bin/ go
#                     first in PATH (for this shell, the tests and
#                     harness_as_user), slurmd and slurmdbd are started from its
#                     sbin/, and its plugins are found in the PluginDir it was
#                     built with. tests/compat/slurm-matrix.sh sets it.
#                     slurm.conf and cgroup.conf hold only keys that every
#                     release from 22.05 to 26.05 reads alike: none of 22.05's
#                     */none plugins, which later releases no longer ship
#                     (their default is none), nor CgroupAutomount, defunct
#                     from 23.11 on.
#   HARNESS_PGBOUNCER=1 (or harness_start --pgbouncer)  Debian's pgbouncer in
#                     front of PostgreSQL, in transaction pooling (pool_mode =
#                     transaction: a client holds a server connection only for
#                     one transaction, so nothing may rely on session state:
#                     named prepared statements, SET outside a transaction,
#                     session advisory locks, LISTEN, temporary tables kept
#                     past COMMIT). It runs as postgres from
#                     HARNESS_DIR/pgbouncer/pgbouncer.ini, listens on
#                     127.0.0.1:HARNESS_PGBOUNCER_PORT (a free port from 56432)
#                     and on HARNESS_DIR/pgbsock, opens at most
#                     HARNESS_PGBOUNCER_POOL (10) server connections to the
#                     database, takes up to 10 000 clients (listen_backlog 4096),
#                     lets a client wait 30 s for a server connection
#                     (query_wait_timeout), retries a failed server login after
#                     1 s (server_login_retry), logs to
#                     HARNESS_LOGDIR/pgbouncer.log, and logs in postgres and
#                     carbon_writer from its auth_file, every other role as
#                     PostgreSQL knows it (auth_user postgres, auth_query;
#                     trust, as the harness's pg_hba.conf). HARNESS_CONNINFO
#                     then goes through pgbouncer (its Unix socket, which every
#                     node's network namespace reaches), and
#                     HARNESS_PG_DIRECT_CONNINFO is the server's own socket.
#                     Any integration test runs that way:
#                       HARNESS_PGBOUNCER=1 top_builddir=$PWD bash tests/integration/test_storage.sh
#                     Stopped by harness_stop before PostgreSQL; left running
#                     across harness_pg_stop/harness_pg_start (clients then wait
#                     for a server, as behind a real pooler; harness_pg_start
#                     returns once a client gets through pgbouncer again).
#   HARNESS_PG_MAX_CONNECTIONS  PostgreSQL's max_connections (100)
#   HARNESS_SLURM=0 (or harness_start --no-slurm)  PostgreSQL (and pgbouncer)
#                     only: no powercap simulator, munge or Slurm; for tests
#                     of the database path alone (tests/integration/test_load.sh)
#   HARNESS_LOCK_TIMEOUT  seconds to wait for another harness on this machine (1200)
#   HARNESS_STANDBY=1  PostgreSQL as a primary with a synchronous streaming
#                     standby (pg_basebackup -R into HARNESS_DIR/pg-standby,
#                     socket HARNESS_DIR/pgsock-standby, port 55433, log
#                     HARNESS_LOGDIR/postgresql-standby.log, log_connections
#                     on); harness_start returns once it streams.
#                     harness_pg_kill_primary crashes the primary (SIGKILL),
#                     harness_pg_promote promotes the standby, harness_stop
#                     stops both. HARNESS_CONNINFO still names the primary
#                     alone.
#   HARNESS_NODES     number of slurmd nodes (1). 1 is the one-node cluster: the node
#                     is named after `hostname -s` and runs in the root network
#                     namespace. 2..9: see "Several nodes" below.
#   SIM_PACKAGE_W_cI SIM_DRAM_W_cI  (HARNESS_NODES >= 2) node cI's simulated powers;
#                     default SIM_PACKAGE_W / SIM_DRAM_W when set, else 20+20*I W
#                     package (c1 40, c2 60, c3 80) and 4+I W dram (5, 6, 7)
#   HARNESS_NET_PREFIX  (HARNESS_NODES >= 2) the /24 of the private network, as
#                     "A.B.C" (default: the first of 10.77.0 .. 10.77.9 that no
#                     interface of this machine uses)
#   HARNESS_CPUS      CPUs of every node in slurm.conf (default `nproc`); may be
#                     more (or fewer) than this machine has. See "Simulated CPUs
#                     and GPUs" below.
#   HARNESS_GPUS      GPUs of every node, as Slurm gres "gpu" (0: no gres at all)
#   HARNESS_NVML_DOUBLE  a directory holding the NVML test double
#                     libnvidia-ml.so.1 (make check builds it in
#                     tests/fixtures/.libs): put first in slurmd's LD_LIBRARY_PATH
#                     (before one given in HARNESS_SLURMD_ENV), so slurmstepd's
#                     dlopen("libnvidia-ml.so.1") loads it. Its NVML_DOUBLE_GPUS
#                     (and NVML_DOUBLE_FAIL) go in HARNESS_SLURMD_ENV.
#
# Exported by harness_start:
#   HARNESS_DIR HARNESS_WORK HARNESS_LOGDIR HARNESS_USER HARNESS_NODE HARNESS_CLUSTER
#   HARNESS_PLUGSTACK SLURM_CONF HARNESS_SLURMD_LOG HARNESS_SLURMCTLD_LOG
#   HARNESS_PGHOST HARNESS_PGPORT HARNESS_PGUSER HARNESS_CONNINFO
#   with HARNESS_STANDBY=1: HARNESS_PG_STANDBY_HOST HARNESS_PG_STANDBY_PORT,
#   HARNESS_CONNINFO_RW (both servers, target_session_attrs=read-write: the
#   primary, whichever it is) and HARNESS_CONNINFO_RO (prefer-standby)
#   HARNESS_PG_DIRECT_CONNINFO HARNESS_PGBOUNCER (0 or 1) HARNESS_PGBOUNCER_PORT
#   HARNESS_POWERCAP HARNESS_SIM_T0_FILE HARNESS_SOCKETS HARNESS_PKG_W HARNESS_DRAM_W
#   HARNESS_MAX_RANGE_UJ HARNESS_NODE_W HARNESS_PM_COUNTERS HARNESS_HWMON (with
#   SIM_NODE_W) HARNESS_NODES HARNESS_NODE_NAMES (space separated; with
#   one node the same as HARNESS_NODE) HARNESS_CPUS HARNESS_GPUS (the counts in
#   slurm.conf) HARNESS_NVML_DOUBLE (when set: made an absolute path)
# and with HARNESS_NODES >= 2, for every node cI (HARNESS_NODE is c1, and the
# unsuffixed HARNESS_SLURMD_LOG HARNESS_POWERCAP HARNESS_SIM_T0_FILE HARNESS_PKG_W
# HARNESS_DRAM_W are c1's):
#   HARNESS_PKG_W_cI HARNESS_DRAM_W_cI HARNESS_POWERCAP_cI HARNESS_SIM_T0_FILE_cI
#   HARNESS_SLURMD_LOG_cI HARNESS_NODE_ADDR_cI HARNESS_NETNS_cI, and
#   HARNESS_CTLD_ADDR (slurmctld's address on the private network)
#
# Functions: harness_start harness_stop harness_pg_stop harness_pg_start
#   harness_pg_kill_primary harness_pg_promote (HARNESS_STANDBY=1)
#   harness_as_user harness_wait_job harness_slurmd_restart harness_dump_logs
#   harness_sim_t0 [NODE] harness_energy_uj harness_skip_all
#   harness_on_node NODE CMD...   run CMD in node NODE's network, mount and UTS
#                     namespaces (sees its powercap tree, address and hostname)
#
# Several nodes (HARNESS_NODES=N >= 2), all on this one machine:
#   - Network: a Linux bridge cbr-ID in the root network namespace holds
#     PREFIX.1/24, slurmctld's address (SlurmctldHost=`hostname -s`(PREFIX.1));
#     node cI gets a network namespace carbon-hI-ID (`ip netns add`; ID is unique
#     per harness run, taken from HARNESS_DIR) with one end of a veth pair
#     (cvI-ID on the bridge, eth0 inside) holding PREFIX.(10+I)/24, and lo up.
#     No default route anywhere: the nodes reach only this /24 (ip_forward is
#     not touched, nothing leaves the machine). slurm.conf has
#     NodeName=cI NodeAddr=PREFIX.(10+I) (NodeHostname is cI; nothing resolves it).
#   - slurmd: `slurmd -N cI` (Debian builds Slurm with multiple-slurmd support),
#     started through `nsenter --net=/run/netns/carbon-hI-ID` — not `ip netns
#     exec`, which remounts /sys and so would hide the cgroup v1 hierarchies
#     under /sys/fs/cgroup from proctrack/cgroup — then in its own private mount
#     namespace with its own powercap_sim tree (HARNESS_DIR/powercap-cI) over
#     /sys/class/powercap, as for one node, and its own UTS namespace whose
#     hostname is cI (gethostname() in a step says cI, as on a real node).
#     SlurmdSpoolDir, SlurmdPidFile and SlurmdLogFile use %n (log:
#     HARNESS_LOGDIR/slurmd-cI.log); cgroups are under slurm_cI/. Every slurmd
#     listens on the same SlurmdPort, each in its own namespace.
#   - munged (/run/munge/munge.socket.2) and PostgreSQL (HARNESS_DIR/pgsock) are
#     Unix sockets named by path: reachable from every network namespace.
#   - Submission stays in the root namespace (harness_as_user sbatch/srun):
#     sbatch/srun reach slurmctld at PREFIX.1. An srun reaches each slurmd at its
#     NodeAddr (source address PREFIX.1), and the steps' slurmstepd connect back
#     to the address the launch request came from, not to a resolved hostname:
#     no /etc/hosts entry and no SrunPortRange are needed. An srun inside a
#     batch step runs in the first node's namespaces and is reached at
#     PREFIX.11 the same way. (Both are checked by tests/harness/selftest.sh.)
#   - Fragile: a host firewall that filters bridged or local traffic
#     (br_netfilter with an iptables FORWARD/INPUT DROP policy, as Docker sets
#     up) would cut the nodes off; this harness adds no firewall rules.
#   - harness_stop stops every process of every node (by mount namespace), then
#     deletes the veths, the bridge and the network namespaces it created.
#
# Accounting (HARNESS_ACCOUNTING=1; Debian's slurmdbd and mariadb-server,
# tests/install-deps.sh installs them; without them the test is skipped):
#   - mariadbd (absolute path, as the mysql user, no systemd) on a datadir
#     HARNESS_DIR/mariadb and the Unix socket HARNESS_DIR/mysqlsock/mysqld.sock,
#     no TCP; root logs in through that socket (unix_socket authentication).
#   - slurmdbd as SlurmUser root, configured by HARNESS_DIR/etc/slurmdbd.conf
#     (root's, 0600, found beside SLURM_CONF), storage through that socket
#     (MYSQL_UNIX_PORT in its environment), DbdPort a free port;
#     log HARNESS_LOGDIR/slurmdbd.log.
#   - the cluster is registered (sacctmgr -i add cluster) before slurmctld
#     starts, with slurm.conf's AccountingStorageType=accounting_storage/slurmdbd.
#     Jobs need no association (AccountingStorageEnforce is unset); sacct run
#     as root sees every job, as an administrator's cron job would.
#   - harness_stop stops slurmdbd, then mariadbd, by their pids.
#   Exported: HARNESS_ACCOUNTING (0 or 1), HARNESS_SLURMDBD_LOG, HARNESS_MYSQL_SOCKET.
#
# Simulated CPUs and GPUs (HARNESS_CPUS, HARNESS_GPUS, HARNESS_NVML_DOUBLE):
#   - slurm.conf has SlurmdParameters=config_overrides: slurmd reports the
#     NodeName line, not the hardware, so the node comes up IDLE with CPUTot=
#     HARNESS_CPUS (slurmd logs "Node configuration differs from hardware").
#     When HARNESS_CPUS is not the real count the line has CPUs=N and no
#     topology: Slurm makes that Sockets=N CoresPerSocket=1, N cores to
#     allocate with CR_Core. Jobs get CPU ids that do not exist (`scontrol -d
#     show job`: CPU_IDs=3); that works because nothing binds or constrains
#     CPUs: keep TaskPlugin=task/none (task/affinity or task/cgroup would try
#     to pin tasks to them).
#   - HARNESS_GPUS=N > 0: GresTypes=gpu, Gres=gpu:N on every NodeName line, and
#     HARNESS_DIR/etc/gres.conf with AutoDetect=off and one
#     "Name=gpu File=HARNESS_DIR/dev/nvidiaI" per GPU, I = 0..N-1. Those files
#     are character device nodes (195:I) that no process opens; every node
#     shares them. What a job gets (Slurm 22.05.8, checked by selftest.sh), for
#     sbatch --gres=gpu:2:
#       batch step: SLURM_JOB_GPUS=0,1 CUDA_VISIBLE_DEVICES=0,1
#         SLURM_GPUS_ON_NODE=2 (also GPU_DEVICE_ORDINAL ROCR_VISIBLE_DEVICES
#         ZE_AFFINITY_MASK=0,1); no SLURM_STEP_GPUS
#       srun --gres=gpu:1 step: SLURM_STEP_GPUS=0 CUDA_VISIBLE_DEVICES=0
#         SLURM_GPUS_ON_NODE=1, and still SLURM_JOB_GPUS=0,1
#       srun without --gres: the job's GPUs, SLURM_STEP_GPUS=0,1
#         CUDA_VISIBLE_DEVICES=0,1
#     The indices are the numbers I of the device files, on every node.
#   - HARNESS_NVML_DOUBLE=DIR: slurmd runs with LD_LIBRARY_PATH=DIR[:...], which
#     slurmstepd inherits; slurmstepd runs as root and its mount namespace
#     shows DIR as the root one does (harness_start checks DIR/libnvidia-ml.so.1
#     is readable there). Nothing ties the double's GPUs to HARNESS_GPUS: set
#     NVML_DOUBLE_GPUS with as many entries, e.g. HARNESS_GPUS=2
#     HARNESS_SLURMD_ENV="NVML_DOUBLE_GPUS=counter:300,counter:150".
#
# Stopping from another shell: harness_start records what it started (pids
# with their command lines, slurmd's mount namespaces, the network objects) in
# HARNESS_DIR/run/state.sh, so that
#   . tests/harness/harness.sh; HARNESS_DIR=/tmp/carbon-harness.XXXXXX harness_stop
# run anywhere, later, stops the same cluster. It signals only the recorded
# pids whose /proc/PID/cmdline is still the recorded one (a pid reused by
# another program is left alone), and the processes of the recorded mount
# namespaces while a recorded slurmd is still alive to vouch for them. It
# takes the harness lock first (HARNESS_LOCK_TIMEOUT), so that no other
# harness starts meanwhile.
#
# The daemons are background children of the test shell: do not use a bare
# `wait` in a test (it would wait for them); wait for a pid (`wait $!`) instead.
#
# Only one harness runs at a time on a machine (they would share munged, cgroup
# paths and job ids): harness_start waits on a lock file for the one before.

HARNESS_SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HARNESS_TESTS_DIR=$(dirname "$HARNESS_SRC_DIR")

_H_MUNGE_SOCKET=/run/munge/munge.socket.2
_H_LOCK_FILE=/tmp/carbon-harness.lock
_H_SIM_PIDS=()
_H_SIM_EXTRA=()
_H_MUNGE_KEY=/etc/munge/munge.key

_h_log() { echo "# harness: $*" >&2; }

# Fatal error during harness_start: TAP "Bail out!", logs, exit (the EXIT trap
# stops whatever was started).
_h_bail() {
	echo "Bail out! harness: $*"
	echo "harness: ERROR: $*" >&2
	_H_FAILED=1
	exit 99
}

harness_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# True while PID exists and is not a zombie.
_h_alive() {
	local pid=$1 stat
	[[ -n $pid && -r /proc/$pid/stat ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# _h_stop_pid PID NAME [TIMEOUT_S] [SIGNAL]: SIGNAL (TERM), bounded wait, SIGKILL.
_h_stop_pid() {
	local pid=$1 name=$2 timeout=${3:-10} sig=${4:-TERM} i
	[[ -n $pid ]] || return 0
	if _h_alive "$pid"; then
		kill "-$sig" "$pid" 2>/dev/null
		for ((i = 0; i < timeout * 10; i++)); do
			_h_alive "$pid" || break
			sleep 0.1
		done
		if _h_alive "$pid"; then
			_h_log "$name (pid $pid) did not stop in ${timeout}s; SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			for ((i = 0; i < 50; i++)); do
				_h_alive "$pid" || break
				sleep 0.1
			done
		fi
	fi
	wait "$pid" 2>/dev/null || true	# reap it if it is our child
	return 0
}

# Pids of every process in the mount namespace slurmd was started in (slurmd,
# slurmstepd, job processes) — the harness's own cluster and nothing else. With
# several nodes: in any node's mount namespace.
_h_ns_pids() {
	local ns=$_H_SLURMD_MNTNS p m
	local -A want=()
	[[ -n $ns ]] && want[$ns]=1
	for m in "${_H_NODE_MNTNS[@]}"; do
		[[ -n $m ]] && want[$m]=1
	done
	((${#want[@]})) || return 0
	for p in /proc/[0-9]*; do
		m=$(readlink "$p/ns/mnt" 2>/dev/null) || continue
		[[ -n ${want[$m]:-} ]] && echo "${p#/proc/}"
	done
}

_h_free_tcp_port() {
	local p=$1
	while ((p < 65000)); do
		if [[ -z $(ss -Htan "( sport = :$p )" 2>/dev/null) ]]; then
			echo "$p"
			return 0
		fi
		((p++))
	done
	return 1
}

_h_pg_bindir() {
	local d
	if [[ -n ${HARNESS_PG_BINDIR:-} ]]; then
		echo "$HARNESS_PG_BINDIR"
		return
	fi
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
		[[ -x $d/initdb && -x $d/pg_ctl ]] && { echo "$d"; return; }
	done
	d=$(command -v initdb 2>/dev/null) && { dirname "$(readlink -f "$d")"; return; }
	return 1
}

# A Slurm daemon's absolute path: Debian's, or HARNESS_SLURM_PREFIX's.
_h_slurm_sbin() { echo "${HARNESS_SLURM_PREFIX:-/usr}/sbin/$1"; }

_h_check_prereqs() {
	local c
	[[ $(id -u) == 0 ]] || harness_skip_all "the cluster harness needs root"
	if [[ -n ${HARNESS_SLURM_PREFIX:-} ]]; then
		[[ -x $HARNESS_SLURM_PREFIX/sbin/slurmctld && -x $HARNESS_SLURM_PREFIX/bin/sbatch ]] ||
			_h_bail "HARNESS_SLURM_PREFIX=$HARNESS_SLURM_PREFIX has no sbin/slurmctld and bin/sbatch"
		export HARNESS_SLURM_PREFIX
		export PATH=$HARNESS_SLURM_PREFIX/sbin:$HARNESS_SLURM_PREFIX/bin:$PATH
	fi
	for c in slurmctld slurmd sinfo sbatch scontrol munged munge unmunge unshare \
		runuser setpriv useradd ss psql cc flock mount mknod; do
		command -v "$c" >/dev/null 2>&1 || harness_skip_all "missing $c"
	done
	_H_PG_BINDIR=$(_h_pg_bindir) || harness_skip_all "no PostgreSQL initdb/pg_ctl"
	id munge >/dev/null 2>&1 || harness_skip_all "no munge user"
	id postgres >/dev/null 2>&1 || harness_skip_all "no postgres user"
	if [[ $HARNESS_ACCOUNTING == 1 ]]; then
		for c in slurmdbd sacctmgr sacct mariadb-install-db mariadb; do
			command -v "$c" >/dev/null 2>&1 ||
				harness_skip_all "missing $c (HARNESS_ACCOUNTING=1: tests/install-deps.sh installs slurmdbd and mariadb-server)"
		done
		[[ -x /usr/sbin/mariadbd ]] || harness_skip_all "missing /usr/sbin/mariadbd"
		id mysql >/dev/null 2>&1 || harness_skip_all "no mysql user"
	fi
	if _h_multi; then
		for c in ip nsenter hostname; do
			command -v "$c" >/dev/null 2>&1 || harness_skip_all "missing $c"
		done
		[[ $HARNESS_NODES =~ ^[2-9]$ ]] ||
			harness_skip_all "HARNESS_NODES=$HARNESS_NODES: 1 to 9 nodes"
	fi
}

# True when the cluster has several nodes (HARNESS_NODES >= 2).
_h_multi() { [[ ${HARNESS_NODES:-1} != 1 ]]; }

# ---------------------------------------------------------------- powercap sim
_h_build_sim() {
	local src=$HARNESS_TESTS_DIR/powercap_sim.c bin=$HARNESS_TESTS_DIR/powercap_sim
	if [[ -n ${POWERCAP_SIM:-} ]]; then
		[[ -x $POWERCAP_SIM ]] || _h_bail "POWERCAP_SIM=$POWERCAP_SIM is not executable"
		_H_SIM_BIN=$POWERCAP_SIM
		return
	fi
	if [[ -x $bin && ! $bin -ot $src ]]; then
		_H_SIM_BIN=$bin
		return
	fi
	# Source tree not writable (distcheck): build into the harness dir.
	[[ -w $HARNESS_TESTS_DIR ]] || bin=$HARNESS_DIR/powercap_sim
	${CC:-cc} -std=c99 -O2 -Wall -Wextra -o "$bin.tmp.$$" "$src" \
		>"$HARNESS_LOGDIR/powercap_sim.build" 2>&1 ||
		{ cat "$HARNESS_LOGDIR/powercap_sim.build" >&2; _h_bail "cannot build $src"; }
	mv -f "$bin.tmp.$$" "$bin"
	_H_SIM_BIN=$bin
}

# powercap_sim options for the SIM_* settings that have no default here.
_h_sim_extra_args() {
	_H_SIM_EXTRA=()
	[[ -n ${SIM_LAYOUT:-} ]] && _H_SIM_EXTRA+=(--layout "$SIM_LAYOUT")
	[[ -n ${SIM_PSYS_W:-} ]] && _H_SIM_EXTRA+=(--psys-watts "$SIM_PSYS_W")
	[[ -n ${SIM_MAX_POWER_UW:-} ]] && _H_SIM_EXTRA+=(--max-power-uw "$SIM_MAX_POWER_UW")
	return 0
}

_h_start_sim() {
	local i
	_h_build_sim
	_h_sim_extra_args
	export HARNESS_SOCKETS=${SIM_SOCKETS:-1}
	export HARNESS_PKG_W=${SIM_PACKAGE_W:-40}
	export HARNESS_DRAM_W=${SIM_DRAM_W:-5}
	export HARNESS_MAX_RANGE_UJ=${SIM_MAX_RANGE_UJ:-200000000}
	export HARNESS_POWERCAP=$HARNESS_DIR/powercap
	export HARNESS_SIM_T0_FILE=$HARNESS_DIR/powercap_sim.t0
	if [[ -n ${SIM_NODE_W:-} ]]; then
		export HARNESS_NODE_W=$SIM_NODE_W
		export HARNESS_PM_COUNTERS=$HARNESS_DIR/pm_counters HARNESS_HWMON=$HARNESS_DIR/hwmon
		_H_SIM_EXTRA+=(--node-watts "$SIM_NODE_W" --pm-counters "$HARNESS_PM_COUNTERS"
			--hwmon "$HARNESS_HWMON")
	fi
	"$_H_SIM_BIN" --root "$HARNESS_POWERCAP" --sockets "$HARNESS_SOCKETS" \
		--package-watts "$HARNESS_PKG_W" --dram-watts "$HARNESS_DRAM_W" \
		--max-range-uj "$HARNESS_MAX_RANGE_UJ" --period-ms "${SIM_PERIOD_MS:-10}" \
		--mode "${SIM_ENERGY_MODE:-0444}" \
		--t0-file "$HARNESS_SIM_T0_FILE" --pidfile "$HARNESS_DIR/run/powercap_sim.pid" \
		"${_H_SIM_EXTRA[@]}" </dev/null >>"$HARNESS_LOGDIR/powercap_sim.log" 2>&1 {_H_LOCK_FD}>&- &
	_H_SIM_PID=$!
	for ((i = 0; i < 100; i++)); do
		[[ -s $HARNESS_DIR/run/powercap_sim.pid ]] && return 0
		_h_alive "$_H_SIM_PID" || break
		sleep 0.05
	done
	cat "$HARNESS_LOGDIR/powercap_sim.log" >&2
	_h_bail "powercap simulator did not start"
}

# Several nodes: one simulator per node cI, each with its own tree
# HARNESS_DIR/powercap-cI and its own powers.
_h_start_sims_multi() {
	local i k node pkg dram var
	_h_build_sim
	_h_sim_extra_args
	export HARNESS_SOCKETS=${SIM_SOCKETS:-1}
	export HARNESS_MAX_RANGE_UJ=${SIM_MAX_RANGE_UJ:-200000000}
	for ((k = 1; k <= HARNESS_NODES; k++)); do
		node=c$k
		var=SIM_PACKAGE_W_$node
		pkg=${!var:-${SIM_PACKAGE_W:-$((20 + 20 * k))}}
		var=SIM_DRAM_W_$node
		dram=${!var:-${SIM_DRAM_W:-$((4 + k))}}
		export "HARNESS_PKG_W_$node=$pkg" "HARNESS_DRAM_W_$node=$dram"
		export "HARNESS_POWERCAP_$node=$HARNESS_DIR/powercap-$node"
		export "HARNESS_SIM_T0_FILE_$node=$HARNESS_DIR/powercap_sim-$node.t0"
		"$_H_SIM_BIN" --root "$HARNESS_DIR/powercap-$node" --sockets "$HARNESS_SOCKETS" \
			--package-watts "$pkg" --dram-watts "$dram" \
			--max-range-uj "$HARNESS_MAX_RANGE_UJ" --period-ms "${SIM_PERIOD_MS:-10}" \
			--mode "${SIM_ENERGY_MODE:-0444}" \
			--t0-file "$HARNESS_DIR/powercap_sim-$node.t0" \
			--pidfile "$HARNESS_DIR/run/powercap_sim-$node.pid" \
			"${_H_SIM_EXTRA[@]}" </dev/null >>"$HARNESS_LOGDIR/powercap_sim-$node.log" 2>&1 {_H_LOCK_FD}>&- &
		_H_SIM_PIDS+=($!)
		for ((i = 0; i < 100; i++)); do
			[[ -s $HARNESS_DIR/run/powercap_sim-$node.pid ]] && break
			_h_alive "$!" || break
			sleep 0.05
		done
		if [[ ! -s $HARNESS_DIR/run/powercap_sim-$node.pid ]]; then
			cat "$HARNESS_LOGDIR/powercap_sim-$node.log" >&2
			_h_bail "powercap simulator of $node did not start"
		fi
	done
	# The unsuffixed names are the first node's.
	_H_SIM_PID=${_H_SIM_PIDS[0]}
	export HARNESS_PKG_W=${SIM_PACKAGE_W_c1:-${SIM_PACKAGE_W:-40}}
	export HARNESS_DRAM_W=${SIM_DRAM_W_c1:-${SIM_DRAM_W:-5}}
	export HARNESS_POWERCAP=$HARNESS_DIR/powercap-c1
	export HARNESS_SIM_T0_FILE=$HARNESS_DIR/powercap_sim-c1.t0
}

# Start time of the simulator (epoch seconds with microseconds); with a NODE
# argument (several nodes), that node's simulator.
harness_sim_t0() {
	if [[ -n ${1:-} ]]; then
		local var=HARNESS_SIM_T0_FILE_$1
		cat "${!var:-$HARNESS_SIM_T0_FILE}"
	else
		cat "$HARNESS_SIM_T0_FILE"
	fi
}

# harness_energy_uj WATTS T1 T2: true energy in µJ between two epoch times.
harness_energy_uj() {
	awk -v w="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f\n", w * (b - a) * 1e6 }'
}

# ---------------------------------------------------------------- PostgreSQL
_h_pg_ctl() {
	(cd "$HARNESS_DIR" && runuser -u postgres -- "$_H_PG_BINDIR/pg_ctl" "$@")
}

harness_pg_start() {
	local -
	set +eu
	_h_pg_ctl -w -t 60 -D "$HARNESS_DIR/pg" -l "$HARNESS_LOGDIR/postgresql.log" \
		start >/dev/null {_H_LOCK_FD}>&- || {
		tail -n 50 "$HARNESS_LOGDIR/postgresql.log" >&2
		echo "harness: PostgreSQL did not start" >&2
		return 1
	}
	_H_PG_PID=$(head -n 1 "$HARNESS_DIR/pg/postmaster.pid" 2>/dev/null)
	_h_save_state
	[[ -n ${_H_PGBOUNCER_PID:-} ]] && _h_wait_pgbouncer
	return 0
}

# pgbouncer gave up on logins while PostgreSQL was down (server_login_retry):
# wait, at most 10 s, until a client gets through it again.
_h_wait_pgbouncer() {
	local i
	for ((i = 0; i < 100; i++)); do
		psql -X -q -t -A "$HARNESS_CONNINFO user=postgres" -c 'SELECT 1' >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	_h_log "pgbouncer does not reach PostgreSQL again"
	return 1
}

harness_pg_stop() {
	local -
	set +eu
	if [[ -n ${_H_PG_STANDBY_PID:-} && -f $HARNESS_DIR/pg-standby/postmaster.pid ]]; then
		_h_pg_ctl -w -t 30 -D "$HARNESS_DIR/pg-standby" -m fast stop >/dev/null 2>&1 ||
			_h_stop_pid "$_H_PG_STANDBY_PID" "postgres (standby)" 5 QUIT
	fi
	_H_PG_STANDBY_PID=
	[[ -f $HARNESS_DIR/pg/postmaster.pid ]] || return 0
	_h_pg_ctl -w -t 30 -D "$HARNESS_DIR/pg" -m fast stop >/dev/null 2>&1 ||
		_h_stop_pid "$_H_PG_PID" postgres 5 QUIT
	_H_PG_PID=
}

# ---- a streaming standby (HARNESS_STANDBY=1)
# pg_basebackup -R of the primary into HARNESS_DIR/pg-standby, its own
# socket directory HARNESS_DIR/pgsock-standby and port, cluster_name
# carbon_standby (the walreceiver's application_name). Once it streams, the
# primary makes it synchronous (synchronous_standby_names, synchronous_commit
# = on): a commit the primary acknowledges is on the standby too, so a
# failover loses no acknowledged transaction. The standby's own
# synchronous_standby_names is empty, so that once promoted it commits alone.
_h_start_pg_standby() {
	local port=55433 i state
	mkdir -p "$HARNESS_DIR/pg-standby" "$HARNESS_DIR/pgsock-standby"
	chown postgres: "$HARNESS_DIR/pg-standby" "$HARNESS_DIR/pgsock-standby"
	chmod 700 "$HARNESS_DIR/pg-standby"
	chmod 755 "$HARNESS_DIR/pgsock-standby"
	touch "$HARNESS_LOGDIR/postgresql-standby.log"
	chown postgres: "$HARNESS_LOGDIR/postgresql-standby.log"
	(cd "$HARNESS_DIR" && runuser -u postgres -- "$_H_PG_BINDIR/pg_basebackup" --no-sync \
		-R -X stream -c fast -h "$HARNESS_PGHOST" -p "$HARNESS_PGPORT" -U postgres \
		-D "$HARNESS_DIR/pg-standby") >"$HARNESS_LOGDIR/pg_basebackup.log" 2>&1 ||
		{ tail -n 30 "$HARNESS_LOGDIR/pg_basebackup.log" >&2; _h_bail "pg_basebackup failed"; }
	cat >>"$HARNESS_DIR/pg-standby/postgresql.conf" <<-EOF

		# carbon test harness: the streaming standby
		unix_socket_directories = '$HARNESS_DIR/pgsock-standby'
		port = $port
		cluster_name = 'carbon_standby'
		synchronous_standby_names = ''
		log_connections = on
	EOF
	_h_pg_ctl -w -t 60 -D "$HARNESS_DIR/pg-standby" -l "$HARNESS_LOGDIR/postgresql-standby.log" \
		start >/dev/null {_H_LOCK_FD}>&- || {
		tail -n 50 "$HARNESS_LOGDIR/postgresql-standby.log" >&2
		_h_bail "the standby PostgreSQL did not start"
	}
	_H_PG_STANDBY_PID=$(head -n 1 "$HARNESS_DIR/pg-standby/postmaster.pid" 2>/dev/null)
	_h_save_state
	export HARNESS_PG_STANDBY_HOST=$HARNESS_DIR/pgsock-standby HARNESS_PG_STANDBY_PORT=$port
	psql -X -q -v ON_ERROR_STOP=1 \
		"host=$HARNESS_PGHOST port=$HARNESS_PGPORT dbname=postgres user=postgres" \
		-c "ALTER SYSTEM SET synchronous_standby_names = 'carbon_standby'" \
		-c "ALTER SYSTEM SET synchronous_commit = on" -c "SELECT pg_reload_conf()" \
		>/dev/null || _h_bail "cannot make the standby synchronous"
	for ((i = 0; i < 300; i++)); do
		state=$(psql -X -At "host=$HARNESS_PGHOST port=$HARNESS_PGPORT dbname=postgres user=postgres" \
			-c "SELECT state || ' ' || sync_state FROM pg_stat_replication
			    WHERE application_name = 'carbon_standby'" 2>/dev/null)
		[[ $state == "streaming sync" ]] && break
		sleep 0.1
	done
	[[ $state == "streaming sync" ]] ||
		_h_bail "the standby does not stream synchronously (pg_stat_replication: '${state}')"
	export HARNESS_CONNINFO_RW="host=$HARNESS_PGHOST,$HARNESS_PG_STANDBY_HOST port=$HARNESS_PGPORT,$port dbname=carbon target_session_attrs=read-write"
	export HARNESS_CONNINFO_RO="host=$HARNESS_PGHOST,$HARNESS_PG_STANDBY_HOST port=$HARNESS_PGPORT,$port dbname=carbon target_session_attrs=prefer-standby"
}

# harness_pg_kill_primary: the primary crashes: SIGKILL to its postmaster,
# then its server processes, which would otherwise notice the postmaster's
# death in their own time. Returns when none of them is left.
harness_pg_kill_primary() {
	local -
	set +eu
	local children p i
	[[ -n $_H_PG_PID ]] || return 0
	children=$(ps -o pid= --ppid "$_H_PG_PID" 2>/dev/null)
	kill -KILL "$_H_PG_PID" 2>/dev/null
	for p in $children; do
		kill -KILL "$p" 2>/dev/null
	done
	for ((i = 0; i < 100; i++)); do
		_h_alive "$_H_PG_PID" || break
		sleep 0.05
	done
	for p in $children; do
		for ((i = 0; i < 100; i++)); do
			_h_alive "$p" || break
			sleep 0.05
		done
	done
	wait "$_H_PG_PID" 2>/dev/null
	# Its pid file would name a pid that another process may get next, and
	# harness_pg_stop (pg_ctl stop) would signal that one.
	rm -f "$HARNESS_DIR/pg/postmaster.pid"
	_H_PG_PID=
	_h_save_state
}

# harness_pg_promote: the standby becomes the primary (pg_ctl promote -w,
# which waits until it accepts writes).
harness_pg_promote() {
	_h_pg_ctl -w -t 60 -D "$HARNESS_DIR/pg-standby" promote >/dev/null
}

_h_start_pg() {
	local port me
	mkdir -p "$HARNESS_DIR/pg" "$HARNESS_DIR/pgsock"
	chown postgres: "$HARNESS_DIR/pg" "$HARNESS_DIR/pgsock"
	chmod 700 "$HARNESS_DIR/pg"
	chmod 755 "$HARNESS_DIR/pgsock"
	touch "$HARNESS_LOGDIR/postgresql.log"
	chown postgres: "$HARNESS_LOGDIR/postgresql.log"
	(cd "$HARNESS_DIR" && runuser -u postgres -- "$_H_PG_BINDIR/initdb" --nosync \
		-A trust -U postgres -D "$HARNESS_DIR/pg") \
		>"$HARNESS_LOGDIR/initdb.log" 2>&1 ||
		{ tail -n 30 "$HARNESS_LOGDIR/initdb.log" >&2; _h_bail "initdb failed"; }
	# The socket lives in a private directory, so the port only names the socket
	# file and cannot collide with another server.
	port=55432
	cat >>"$HARNESS_DIR/pg/postgresql.conf" <<-EOF

		# carbon test harness
		listen_addresses = ''
		unix_socket_directories = '$HARNESS_DIR/pgsock'
		port = $port
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		logging_collector = off
		max_connections = ${HARNESS_PG_MAX_CONNECTIONS:-100}
	EOF
	harness_pg_start || _h_bail "PostgreSQL did not start"
	export HARNESS_PGHOST=$HARNESS_DIR/pgsock HARNESS_PGPORT=$port HARNESS_PGUSER=postgres
	export HARNESS_CONNINFO="host=$HARNESS_PGHOST port=$HARNESS_PGPORT dbname=carbon"
	export HARNESS_PG_DIRECT_CONNINFO=$HARNESS_CONNINFO
	me=$(id -un)
	{
		[[ $me != postgres ]] && echo "CREATE ROLE \"$me\" SUPERUSER LOGIN;"
		echo "CREATE DATABASE carbon;"
	} | psql -X -q -v ON_ERROR_STOP=1 \
		"host=$HARNESS_PGHOST port=$HARNESS_PGPORT dbname=postgres user=postgres" \
		>/dev/null || _h_bail "cannot create database carbon"
	[[ ${HARNESS_STANDBY:-0} == 1 ]] && _h_start_pg_standby
	return 0
}

# ---------------------------------------------------------------- PgBouncer
# HARNESS_PGBOUNCER=1 (or harness_start --pgbouncer): Debian's pgbouncer in
# transaction pooling in front of the harness's PostgreSQL; see the header.
_h_start_pgbouncer() {
	local dir=$HARNESS_DIR/pgbouncer pool=${HARNESS_PGBOUNCER_POOL:-10} port i
	command -v pgbouncer >/dev/null ||
		harness_skip_all "HARNESS_PGBOUNCER=1 needs pgbouncer (tests/install-deps.sh)"
	port=$(_h_free_tcp_port 56432) || _h_bail "no free TCP port for pgbouncer"
	mkdir -p "$dir" "$HARNESS_DIR/pgbsock"
	# The administrator and the plugin's role: every other role is looked
	# up in PostgreSQL through postgres (auth_query), so the roles a test
	# creates later log in too. The writer is listed, as a site lists it:
	# an auth_query costs each login a query on the pool, which at many
	# job ends at once competes with the writes. trust, as the harness's
	# pg_hba.conf. (Not reloaded: pgbouncer 1.18 can crash on a SIGHUP
	# that adds a role auth_query already found.)
	printf '"postgres" ""\n"carbon_writer" ""\n' >"$dir/userlist.txt"
	cat >"$dir/pgbouncer.ini" <<-EOF
		; carbon test harness: transaction pooling, as a large site runs it
		[databases]
		* = host=$HARNESS_PGHOST port=$HARNESS_PGPORT
		[pgbouncer]
		pool_mode = transaction
		listen_addr = 127.0.0.1
		listen_port = $port
		unix_socket_dir = $HARNESS_DIR/pgbsock
		auth_type = trust
		auth_file = $dir/userlist.txt
		auth_user = postgres
		admin_users = postgres
		default_pool_size = $pool
		max_db_connections = $pool
		reserve_pool_size = 0
		max_client_conn = 10000
		listen_backlog = 4096
		query_wait_timeout = 30
		server_login_retry = 1
		ignore_startup_parameters = extra_float_digits
		logfile = $HARNESS_LOGDIR/pgbouncer.log
		pidfile = $dir/pgbouncer.pid
		log_connections = 0
		log_disconnections = 0
	EOF
	chown -R postgres: "$dir" "$HARNESS_DIR/pgbsock"
	touch "$HARNESS_LOGDIR/pgbouncer.log"
	chown postgres: "$HARNESS_LOGDIR/pgbouncer.log"
	# A descriptor a client: runuser's PAM session sets the soft limit
	# back to 1024, so it is raised as postgres.
	(cd "$dir" && runuser -u postgres -- sh -c 'ulimit -n 16384 2>/dev/null; exec pgbouncer -d -q "$1"' \
		sh "$dir/pgbouncer.ini") {_H_LOCK_FD}>&- ||
		{ tail -n 20 "$HARNESS_LOGDIR/pgbouncer.log" >&2; _h_bail "pgbouncer did not start"; }
	for ((i = 0; i < 100; i++)); do
		[[ -s $dir/pgbouncer.pid && -S $HARNESS_DIR/pgbsock/.s.PGSQL.$port ]] && break
		sleep 0.05
	done
	_H_PGBOUNCER_PID=$(head -n 1 "$dir/pgbouncer.pid" 2>/dev/null)
	_h_alive "$_H_PGBOUNCER_PID" ||
		{ tail -n 20 "$HARNESS_LOGDIR/pgbouncer.log" >&2; _h_bail "pgbouncer did not start"; }
	export HARNESS_PGBOUNCER=1 HARNESS_PGBOUNCER_PORT=$port
	export HARNESS_PG_DIRECT_CONNINFO=$HARNESS_CONNINFO
	export HARNESS_CONNINFO="host=$HARNESS_DIR/pgbsock port=$port dbname=carbon"
	_h_log "pgbouncer (transaction pooling, $pool server connections) on 127.0.0.1:$port and $HARNESS_DIR/pgbsock"
}

# ---------------------------------------------------------------- munge
_h_munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

_h_start_munge() {
	local i
	if _h_munge_ok; then
		_h_log "reusing the running munged"
		return 0
	fi
	if [[ ! -s $_H_MUNGE_KEY ]]; then
		mkdir -p "$(dirname "$_H_MUNGE_KEY")"
		chown munge: "$(dirname "$_H_MUNGE_KEY")"
		chmod 700 "$(dirname "$_H_MUNGE_KEY")"
		if command -v mungekey >/dev/null 2>&1; then
			mungekey --create --keyfile="$_H_MUNGE_KEY" ||
				_h_bail "mungekey failed"
		else
			dd if=/dev/urandom of="$_H_MUNGE_KEY" bs=1 count=1024 2>/dev/null
		fi
		chown munge: "$_H_MUNGE_KEY"
		chmod 600 "$_H_MUNGE_KEY"
	fi
	mkdir -p /run/munge
	chown munge: /run/munge
	chmod 755 /run/munge
	# A stale socket or pid file of a dead munged would make munged refuse to start.
	rm -f "$_H_MUNGE_SOCKET" "$_H_MUNGE_SOCKET.lock" /run/munge/munged.pid
	# setpriv execs munged in place, so $! is munged's own pid (-F: no fork).
	setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F \
		</dev/null >>"$HARNESS_LOGDIR/munged.stderr" 2>&1 {_H_LOCK_FD}>&- &
	_H_MUNGED_PID=$!
	for ((i = 0; i < 100; i++)); do
		_h_munge_ok && return 0
		_h_alive "$_H_MUNGED_PID" || break
		sleep 0.1
	done
	cat "$HARNESS_LOGDIR/munged.stderr" >&2
	_h_bail "munged did not start"
}

# ---------------------------------------------------------------- network (several nodes)
# Objects created so far, so that harness_stop removes exactly those even when
# harness_start failed half-way.
_H_NET_NS=()
_H_NET_LINKS=()

# True if some interface of the root namespace has an address, or there is a
# route, inside PREFIX.0/24.
_h_net_in_use() {
	[[ -n $(ip -4 -o addr show to "$1.0/24" 2>/dev/null) ||
		-n $(ip -4 route show root "$1.0/24" 2>/dev/null) ]]
}

_h_start_net() {
	local id prefix k node ns veth br old
	id=${HARNESS_DIR##*.}
	[[ $id =~ ^[A-Za-z0-9]{1,8}$ ]] || id=$$
	old=$(ip netns list 2>/dev/null | awk '$1 ~ /^carbon-h[0-9]+-/ { print $1 }')
	[[ -n $old ]] && _h_log "warning: network namespaces left by an earlier harness:" "${old//$'\n'/ }"
	if [[ -n ${HARNESS_NET_PREFIX:-} ]]; then
		prefix=$HARNESS_NET_PREFIX
		_h_net_in_use "$prefix" && _h_bail "HARNESS_NET_PREFIX=$prefix: $prefix.0/24 is in use here"
	else
		for k in 0 1 2 3 4 5 6 7 8 9; do
			_h_net_in_use "10.77.$k" || { prefix=10.77.$k; break; }
		done
		[[ -n $prefix ]] || _h_bail "10.77.0.0/24 .. 10.77.9.0/24 are all in use (leftovers? ip -br addr)"
	fi
	br=cbr-$id
	ip link add "$br" type bridge 2>>"$HARNESS_LOGDIR/net.log" ||
		_h_bail "cannot create bridge $br (see $HARNESS_LOGDIR/net.log)"
	_H_NET_LINKS+=("$br")
	_h_no_ipv6 "" "$br"
	{ ip addr add "$prefix.1/24" dev "$br" && ip link set "$br" up; } \
		2>>"$HARNESS_LOGDIR/net.log" || _h_bail "cannot configure bridge $br"
	export HARNESS_CTLD_ADDR=$prefix.1
	for ((k = 1; k <= HARNESS_NODES; k++)); do
		node=c$k ns=carbon-h$k-$id veth=cv$k-$id
		ip netns add "$ns" 2>>"$HARNESS_LOGDIR/net.log" ||
			_h_bail "cannot create network namespace $ns"
		_H_NET_NS+=("$ns")
		ip link add "$veth" type veth peer name eth0 netns "$ns" \
			2>>"$HARNESS_LOGDIR/net.log" || _h_bail "cannot create veth $veth"
		_H_NET_LINKS+=("$veth")
		_h_no_ipv6 "" "$veth"
		_h_no_ipv6 "$ns" eth0
		{
			ip link set "$veth" master "$br" &&
				ip link set "$veth" up &&
				ip -n "$ns" link set lo up &&
				ip -n "$ns" addr add "$prefix.$((10 + k))/24" dev eth0 &&
				ip -n "$ns" link set eth0 up
		} 2>>"$HARNESS_LOGDIR/net.log" || _h_bail "cannot configure $ns (see $HARNESS_LOGDIR/net.log)"
		export "HARNESS_NETNS_$node=$ns" "HARNESS_NODE_ADDR_$node=$prefix.$((10 + k))"
	done
}

# _h_no_ipv6 NETNS IFACE: no IPv6 on a link of ours (no link-local chatter).
_h_no_ipv6() {
	local f=/proc/sys/net/ipv6/conf/$2/disable_ipv6
	if [[ -z $1 ]]; then
		[[ -w $f ]] && echo 1 >"$f"
	else
		nsenter "--net=/run/netns/$1" -- sh -c "[ -w $f ] && echo 1 > $f"
	fi
	return 0
}

# Remove the veths, the bridge and the network namespaces this harness created
# (after every process in them is gone).
_h_stop_net() {
	local l n i
	for ((i = ${#_H_NET_LINKS[@]} - 1; i >= 0; i--)); do
		l=${_H_NET_LINKS[i]}
		# Deleting one end of a veth pair deletes both.
		ip link show "$l" >/dev/null 2>&1 || continue
		ip link del "$l" 2>/dev/null || _h_log "cannot delete link $l"
	done
	_H_NET_LINKS=()
	for n in "${_H_NET_NS[@]}"; do
		[[ -e /run/netns/$n ]] || continue
		ip netns del "$n" 2>/dev/null || _h_log "cannot delete network namespace $n"
	done
	_H_NET_NS=()
}

# harness_on_node NODE CMD...: run CMD in NODE's network, mount and UTS
# namespaces (with one node: slurmd's; only its mount namespace is its own).
harness_on_node() {
	local node=$1 pid
	shift
	if _h_multi; then
		pid=${_H_NODE_PID[$node]:-}
	else
		pid=$_H_SLURMD_PID
	fi
	if [[ -z $pid ]] || ! _h_alive "$pid"; then
		echo "harness: no slurmd for node $node" >&2
		return 1
	fi
	nsenter -t "$pid" -n -m -u -- "$@"
}

# ---------------------------------------------------------------- accounting
_h_mysql() {
	mariadb --no-defaults -S "$HARNESS_MYSQL_SOCKET" -u root "$@"
}

# MariaDB on a private datadir and socket, then slurmdbd, then the cluster in
# its database (HARNESS_ACCOUNTING=1; see "Accounting" above).
_h_start_accounting() {
	local db=$HARNESS_DIR/mariadb sock=$HARNESS_DIR/mysqlsock i etc=$HARNESS_DIR/etc
	export HARNESS_MYSQL_SOCKET=$sock/mysqld.sock
	export HARNESS_SLURMDBD_LOG=$HARNESS_LOGDIR/slurmdbd.log
	mkdir -p "$db" "$sock"
	chown mysql: "$db" "$sock"
	chmod 700 "$db"
	chmod 755 "$sock"
	touch "$HARNESS_LOGDIR/mariadb.log"
	chown mysql: "$HARNESS_LOGDIR/mariadb.log"
	mariadb-install-db --no-defaults --user=mysql --datadir="$db" \
		--auth-root-authentication-method=socket --skip-test-db \
		>"$HARNESS_LOGDIR/mariadb-install-db.log" 2>&1 ||
		{ tail -n 30 "$HARNESS_LOGDIR/mariadb-install-db.log" >&2; _h_bail "mariadb-install-db failed"; }
	# Small and unsafe on a crash: a throwaway database.
	/usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$db" \
		--socket="$HARNESS_MYSQL_SOCKET" --skip-networking \
		--pid-file="$sock/mariadbd.pid" --log-error="$HARNESS_LOGDIR/mariadb.log" \
		--innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
		--innodb-flush-log-at-trx-commit=0 --skip-log-bin \
		</dev/null >>"$HARNESS_LOGDIR/mariadb.log" 2>&1 {_H_LOCK_FD}>&- &
	_H_MARIADB_PID=$!
	for ((i = 0; i < 300; i++)); do
		_h_mysql -e 'SELECT 1' >/dev/null 2>&1 && break
		_h_alive "$_H_MARIADB_PID" || break
		sleep 0.1
	done
	_h_mysql -e 'SELECT 1' >/dev/null 2>&1 ||
		{ tail -n 30 "$HARNESS_LOGDIR/mariadb.log" >&2; _h_bail "mariadbd did not start"; }

	# slurmdbd refuses a slurmdbd.conf that others may read (it may hold
	# the storage password): root's own, 0600.
	(
		umask 077
		cat >"$etc/slurmdbd.conf" <<-EOF
			# written by tests/harness/harness.sh
			AuthType=auth/munge
			DbdHost=localhost
			DbdPort=$_H_DBD_PORT
			SlurmUser=root
			DebugLevel=info
			LogFile=$HARNESS_SLURMDBD_LOG
			PidFile=$HARNESS_DIR/run/slurmdbd.pid
			StorageType=accounting_storage/mysql
			StorageHost=localhost
			StorageUser=root
			StorageLoc=slurm_acct_db
		EOF
	)
	chown root: "$etc/slurmdbd.conf"
	chmod 600 "$etc/slurmdbd.conf"
	# slurmdbd finds slurmdbd.conf beside SLURM_CONF; libmariadb reaches the
	# server by MYSQL_UNIX_PORT (Slurm passes no socket of its own).
	env SLURM_CONF="$SLURM_CONF" MYSQL_UNIX_PORT="$HARNESS_MYSQL_SOCKET" \
		"$(_h_slurm_sbin slurmdbd)" -D </dev/null >>"$HARNESS_LOGDIR/slurmdbd.stderr" 2>&1 {_H_LOCK_FD}>&- &
	_H_SLURMDBD_PID=$!
	for ((i = 0; i < 300; i++)); do
		sacctmgr -n -P show cluster format=cluster >/dev/null 2>&1 && break
		_h_alive "$_H_SLURMDBD_PID" || break
		sleep 0.1
	done
	sacctmgr -i add cluster "$HARNESS_CLUSTER" >"$HARNESS_LOGDIR/sacctmgr.log" 2>&1 ||
		{ cat "$HARNESS_LOGDIR/sacctmgr.log" >&2; harness_dump_logs; _h_bail "slurmdbd did not come up, or sacctmgr add cluster failed"; }
}

_h_stop_accounting() {
	if [[ -n ${_H_SLURMDBD_PID:-} ]]; then
		_h_stop_pid "$_H_SLURMDBD_PID" slurmdbd 15
		_H_SLURMDBD_PID=
	fi
	if [[ -n ${_H_MARIADB_PID:-} ]]; then
		_h_stop_pid "$_H_MARIADB_PID" mariadbd 30
		_H_MARIADB_PID=
	fi
	return 0
}

# ---------------------------------------------------------------- Slurm
_h_write_slurm_conf() {
	local etc=$HARNESS_DIR/etc cpus mem ctld_port slurmd_port
	local hw topo="" gres="" acct_lines=""
	cpus=${HARNESS_CPUS:-$(nproc)}
	[[ $cpus =~ ^[1-9][0-9]*$ ]] || _h_bail "HARNESS_CPUS=$cpus: not a CPU count"
	export HARNESS_CPUS=$cpus
	mem=$(free -m | awk '/^Mem:/ { print $2 }')
	# Take the socket/core/thread layout from slurmd -C when it agrees with the
	# CPU count, so slurmd does not log "Node configuration differs from
	# hardware". Otherwise (HARNESS_CPUS) CPUs= alone: Slurm counts each CPU
	# as a core of its own, and config_overrides makes slurmd report it.
	hw=$(slurmd -C 2>/dev/null | head -n 1)
	if [[ " $hw " == *" CPUs=$cpus "* ]]; then
		topo=$(tr ' ' '\n' <<<"$hw" |
			grep -E '^(Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' |
			tr '\n' ' ')
	fi
	_h_write_gres_conf "$etc"
	((HARNESS_GPUS > 0)) && gres="Gres=gpu:$HARNESS_GPUS "
	ctld_port=$(_h_free_tcp_port 16817) || _h_bail "no free port for slurmctld"
	slurmd_port=$(_h_free_tcp_port $((ctld_port + 1))) || _h_bail "no free port for slurmd"
	if [[ $HARNESS_ACCOUNTING == 1 ]]; then
		_H_DBD_PORT=$(_h_free_tcp_port $((slurmd_port + 1))) || _h_bail "no free port for slurmdbd"
		acct_lines="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$_H_DBD_PORT"
	fi
	export HARNESS_NODE HARNESS_CLUSTER=carbontest HARNESS_NODE_NAMES
	HARNESS_NODE=$(hostname -s 2>/dev/null || hostname)
	# One node: named after this host, in the root network namespace. Several:
	# c1..cN, each at its address on the bridge, files named with %n.
	local ctld_host=$HARNESS_NODE spool=$HARNESS_DIR/spool
	local slurmd_pid=$HARNESS_DIR/run/slurmd.pid slurmd_log=$HARNESS_LOGDIR/slurmd.log
	local node_lines="NodeName=$HARNESS_NODE CPUs=$cpus ${topo}${gres}RealMemory=$mem State=UNKNOWN"
	HARNESS_NODE_NAMES=$HARNESS_NODE
	if _h_multi; then
		local k node var
		ctld_host="$HARNESS_NODE($HARNESS_CTLD_ADDR)"
		spool=$HARNESS_DIR/spool/%n
		slurmd_pid=$HARNESS_DIR/run/slurmd-%n.pid
		slurmd_log=$HARNESS_LOGDIR/slurmd-%n.log
		node_lines=
		HARNESS_NODE_NAMES=
		for ((k = 1; k <= HARNESS_NODES; k++)); do
			node=c$k
			var=HARNESS_NODE_ADDR_$node
			node_lines+="${node_lines:+$'\n'}NodeName=$node NodeAddr=${!var} CPUs=$cpus ${topo}${gres}RealMemory=$mem State=UNKNOWN"
			HARNESS_NODE_NAMES+="${HARNESS_NODE_NAMES:+ }$node"
			mkdir -p "$HARNESS_DIR/spool/$node"
			export "HARNESS_SLURMD_LOG_$node=$HARNESS_LOGDIR/slurmd-$node.log"
		done
		HARNESS_NODE=c1
	fi
	# Slurm 23.11 without accounting storage cannot refresh its QOS list, so
	# its main scheduler finds every job's association invalid ("has invalid
	# account" in slurmctld's log) and only backfill starts jobs, every
	# bf_interval (30 s by default): run backfill every second there, so that
	# a job starts as promptly as on other releases.
	local sched=""
	if [[ $HARNESS_ACCOUNTING != 1 && $(slurmctld -V 2>/dev/null) == "slurm 23.11."* ]]; then
		sched="SchedulerParameters=bf_interval=1"
	fi
	mkdir -p "$etc" "$HARNESS_DIR/state" "$HARNESS_DIR/spool"
	if [[ -z $HARNESS_PLUGSTACK ]]; then
		HARNESS_PLUGSTACK=$etc/plugstack.conf
		: >"$HARNESS_PLUGSTACK"
	fi
	export HARNESS_PLUGSTACK
	# sbatch/srun read plugstack.conf (and load the plugins in it) as the job user.
	runuser -u "$HARNESS_USER" -- test -r "$HARNESS_PLUGSTACK" ||
		_h_log "warning: $HARNESS_USER cannot read $HARNESS_PLUGSTACK; sbatch will not see the plugin's options"
	# proctrack/cgroup with cgroup/v1 works on this kind of machine (cgroup v1
	# hierarchies mounted under /sys/fs/cgroup). Where it does not (no cgroup v1
	# controllers), use proctrack/linuxproc: set HARNESS_PROCTRACK.
	cat >"$etc/slurm.conf" <<-EOF
		# written by tests/harness/harness.sh
		ClusterName=$HARNESS_CLUSTER
		SlurmctldHost=$ctld_host
		SlurmUser=root
		SlurmdUser=root
		SlurmctldPort=$ctld_port
		SlurmdPort=$slurmd_port
		AuthType=auth/munge
		CredType=cred/munge
		StateSaveLocation=$HARNESS_DIR/state
		SlurmdSpoolDir=$spool
		SlurmctldPidFile=$HARNESS_DIR/run/slurmctld.pid
		SlurmdPidFile=$slurmd_pid
		SlurmctldLogFile=$HARNESS_LOGDIR/slurmctld.log
		SlurmdLogFile=$slurmd_log
		SlurmctldDebug=info
		SlurmdDebug=info
		ProctrackType=${HARNESS_PROCTRACK:-proctrack/cgroup}
		TaskPlugin=${HARNESS_TASK_PLUGIN:-task/none}
		PrologFlags=Contain
		JobAcctGatherType=${HARNESS_JOBACCT_GATHER:-jobacct_gather/cgroup}
		$acct_lines
		MpiDefault=none
		MinJobAge=3600
		KillWait=5
		ReturnToService=2
		SelectType=select/cons_tres
		SelectTypeParameters=${HARNESS_SELECT_PARAMS:-CR_Core}
		SlurmdParameters=config_overrides
		$sched
		${gres:+GresTypes=gpu}
		PlugStackConfig=$HARNESS_PLUGSTACK
		${HARNESS_SLURM_CONF_EXTRA:-}
		$node_lines
		PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
	EOF
	cat >"$etc/cgroup.conf" <<-EOF
		CgroupPlugin=cgroup/v1
		${HARNESS_CGROUP_CONF_EXTRA:-}
	EOF
	export SLURM_CONF=$etc/slurm.conf
	export HARNESS_SLURMD_LOG=$HARNESS_LOGDIR/slurmd.log
	_h_multi && HARNESS_SLURMD_LOG=$HARNESS_LOGDIR/slurmd-c1.log
	export HARNESS_SLURMCTLD_LOG=$HARNESS_LOGDIR/slurmctld.log
}

# _h_write_gres_conf ETC: with HARNESS_GPUS=N > 0, N simulated GPUs. Each is a
# character device node HARNESS_DIR/dev/nvidiaI (195:I, NVIDIA's numbers) that
# nothing opens: with AutoDetect=off slurmd asks no driver, it only stats the
# File= of gres.conf. A plain file is not enough: slurmd logs "is not a valid
# character or block device" and then sets no SLURM_JOB_GPUS or
# CUDA_VISIBLE_DEVICES in the jobs.
_h_write_gres_conf() {
	local etc=$1 i
	export HARNESS_GPUS=${HARNESS_GPUS:-0}
	[[ $HARNESS_GPUS =~ ^[0-9]+$ ]] || _h_bail "HARNESS_GPUS=$HARNESS_GPUS: not a GPU count"
	mkdir -p "$etc"
	((HARNESS_GPUS > 0)) || return 0
	mkdir -p "$HARNESS_DIR/dev"
	{
		echo "# written by tests/harness/harness.sh"
		echo "AutoDetect=off"
		for ((i = 0; i < HARNESS_GPUS; i++)); do
			mknod -m 0666 "$HARNESS_DIR/dev/nvidia$i" c 195 "$i" ||
				_h_bail "cannot create the device node $HARNESS_DIR/dev/nvidia$i (HARNESS_GPUS needs CAP_MKNOD)"
			echo "Name=gpu File=$HARNESS_DIR/dev/nvidia$i"
		done
	} >"$etc/gres.conf"
}

_h_start_slurmctld() {
	local i
	slurmctld -D -i -f "$SLURM_CONF" </dev/null \
		>>"$HARNESS_LOGDIR/slurmctld.stderr" 2>&1 {_H_LOCK_FD}>&- &
	_H_SLURMCTLD_PID=$!
	for ((i = 0; i < 300; i++)); do
		scontrol ping 2>/dev/null | grep -q 'is UP' && return 0
		_h_alive "$_H_SLURMCTLD_PID" || break
		sleep 0.1
	done
	harness_dump_logs
	_h_bail "slurmctld did not come up"
}

# harness_slurmctld_reset: stop slurmctld and start it again without its saved
# state, as a site does after losing StateSaveLocation: job ids start again at
# FirstJobId. Jobs must be finished.
harness_slurmctld_reset() {
	local -
	set +eu
	_h_stop_pid "$_H_SLURMCTLD_PID" slurmctld 15
	_H_SLURMCTLD_PID=
	rm -rf "${HARNESS_DIR:?}/state"
	mkdir -p "$HARNESS_DIR/state"
	_h_start_slurmctld
	_h_save_state
	_h_wait_node_idle 120
}

# slurmd runs in a private mount namespace in which a tmpfs covers /sys/class:
# every original /sys/class/* entry is bind-mounted back, and /sys/class/powercap
# is the simulator's tree (so is /sys/class/hwmon with SIM_NODE_W), so the
# plugin reads its real default path.
# _h_spawn_slurmd POWERCAP_DIR NETNS STDERR_FILE [SLURMD_ARG...]: start one slurmd.
# With a NETNS (several nodes: NETNS is carbon-hI-ID and the arguments are -N cI)
# it runs in that network namespace and in its own UTS namespace with hostname
# cI, as on a real node. Sets _H_SPAWN_PID and _H_SPAWN_MNTNS (empty when it did
# not come up in its own mount namespace).
_h_spawn_slurmd() {
	local pcap=$1 netns=$2 errf=$3 uts=""
	shift 3
	local -a envs pre=(unshare -m --propagation private)
	if [[ $(declare -p HARNESS_SLURMD_ENV 2>/dev/null) == "declare -a"* ]]; then
		envs=("${HARNESS_SLURMD_ENV[@]}")
	else
		read -r -a envs <<<"${HARNESS_SLURMD_ENV:-}"
	fi
	[[ -n ${HARNESS_NVML_DOUBLE:-} ]] && _h_env_prepend_path envs LD_LIBRARY_PATH "$HARNESS_NVML_DOUBLE"
	# nsenter joins only the network namespace (ip netns exec would remount
	# /sys, hiding the cgroup hierarchies) and execs in place, like the rest.
	if [[ -n $netns ]]; then
		uts=$2
		pre=(nsenter "--net=/run/netns/$netns" -- unshare -m -u --propagation private)
	fi
	mkdir -p "$HARNESS_DIR/sysclass.orig"
	# shellcheck disable=SC2016
	"${pre[@]}" -- sh -c '
		set -e
		d=$1; sim=$2; pcap=$3; uts=$4; shift 4
		[ -z "$uts" ] || hostname "$uts"
		[ "$sim" = 0 ] && exec "$@"	# the machine'"'"'s own sensors
		mount --bind /sys/class "$d/sysclass.orig"
		mount -t tmpfs -o mode=755 carbon-harness /sys/class
		for e in "$d"/sysclass.orig/*; do
			n=${e##*/}
			[ "$n" = powercap ] && continue
			[ "$n" = hwmon ] && [ -d "$d/hwmon" ] && continue
			[ -e "$e" ] || continue
			mkdir "/sys/class/$n"
			mount --bind "$e" "/sys/class/$n" || echo "harness: cannot bind $e" >&2
		done
		umount -l "$d/sysclass.orig"
		mkdir /sys/class/powercap
		mount --bind "$pcap" /sys/class/powercap
		if [ -d "$d/hwmon" ]; then	# SIM_NODE_W: the simulated power meter
			mkdir /sys/class/hwmon
			mount --bind "$d/hwmon" /sys/class/hwmon
		fi
		exec "$@"
	' harness-slurmd "$HARNESS_DIR" "${HARNESS_SIM:-1}" "$pcap" "$uts" \
		env SLURM_CONF="$SLURM_CONF" "${envs[@]}" \
		"$(_h_slurm_sbin slurmd)" -D -f "$SLURM_CONF" "$@" </dev/null \
		>>"$errf" 2>&1 {_H_LOCK_FD}>&- &
	_H_SPAWN_PID=$!
	_H_SPAWN_MNTNS=
	local i
	for ((i = 0; i < 50; i++)); do
		# [nsenter →] unshare → sh → env → slurmd all exec in place: same pid.
		# Wait until it is slurmd, so we know the namespace is set up.
		if [[ $(cat "/proc/$_H_SPAWN_PID/comm" 2>/dev/null) == slurmd ]]; then
			_H_SPAWN_MNTNS=$(readlink "/proc/$_H_SPAWN_PID/ns/mnt")
			break
		fi
		_h_alive "$_H_SPAWN_PID" || break
		sleep 0.1
	done
	if [[ -z $_H_SPAWN_MNTNS ]]; then
		cat "$errf" >&2
		return 1
	fi
	if [[ $_H_SPAWN_MNTNS == "$(readlink /proc/$$/ns/mnt)" ]]; then
		_H_SPAWN_MNTNS=
		echo "harness: slurmd is not in a private mount namespace" >&2
		return 1
	fi
	return 0
}

# _h_env_prepend_path ARRAY VAR DIR: put DIR first in the VAR=... word of the
# VAR=VALUE words in ARRAY, or add VAR=DIR when there is none.
_h_env_prepend_path() {
	local -n _words=$1
	local var=$2 dir=$3 i
	for i in "${!_words[@]}"; do
		if [[ ${_words[i]} == "$var="* ]]; then
			_words[i]="$var=$dir${_words[i]#"$var="}"
			# No empty entry: ld.so would read it as the working directory.
			[[ ${_words[i]} == "$var=$dir" ]] || _words[i]="$var=$dir:${_words[i]#"$var=$dir"}"
			return 0
		fi
	done
	_words+=("$var=$dir")
}

# HARNESS_NVML_DOUBLE=DIR: the NVML test double must be there, by an absolute
# path (slurmstepd does not run in our working directory).
_h_check_nvml_double() {
	local dir=$HARNESS_NVML_DOUBLE
	[[ -n $dir ]] || return 0
	[[ -r $dir/libnvidia-ml.so.1 ]] ||
		_h_bail "HARNESS_NVML_DOUBLE=$dir has no libnvidia-ml.so.1 (make check builds it in tests/fixtures/.libs)"
	HARNESS_NVML_DOUBLE=$(cd "$dir" && pwd -P) || _h_bail "cannot enter $dir"
	export HARNESS_NVML_DOUBLE
}

# With HARNESS_NVML_DOUBLE: slurmd's mount namespace shows the same file (a
# path under /sys/class, say, would be hidden there).
_h_check_nvml_double_in_ns() {
	local pid=$1
	[[ -n ${HARNESS_NVML_DOUBLE:-} ]] || return 0
	nsenter -t "$pid" -m -- test -r "$HARNESS_NVML_DOUBLE/libnvidia-ml.so.1" ||
		_h_bail "slurmd (pid $pid) cannot read $HARNESS_NVML_DOUBLE/libnvidia-ml.so.1 in its mount namespace"
}

declare -gA _H_NODE_PID=() _H_NODE_MNTNS=()

_h_start_slurmd() {
	if _h_multi; then
		_h_start_slurmds_multi
		return
	fi
	_h_spawn_slurmd "$HARNESS_DIR/powercap" "" "$HARNESS_LOGDIR/slurmd.stderr"
	_H_SLURMD_PID=$_H_SPAWN_PID
	_H_SLURMD_MNTNS=$_H_SPAWN_MNTNS
	if [[ -z $_H_SLURMD_MNTNS ]]; then
		_h_bail "slurmd did not start in its mount namespace"
	fi
	_h_check_nvml_double_in_ns "$_H_SLURMD_PID"
	_h_wait_node_idle 60 || {
		harness_dump_logs
		_h_bail "node $HARNESS_NODE did not become idle"
	}
}

# Several nodes: slurmd -N cI in network namespace carbon-hI-ID, with the tree
# HARNESS_DIR/powercap-cI. _H_SLURMD_PID/_H_SLURMD_MNTNS are c1's.
_h_start_slurmds_multi() {
	local node var
	for node in $HARNESS_NODE_NAMES; do
		var=HARNESS_NETNS_$node
		_h_spawn_slurmd "$HARNESS_DIR/powercap-$node" "${!var}" \
			"$HARNESS_LOGDIR/slurmd-$node.stderr" -N "$node"
		_H_NODE_PID[$node]=$_H_SPAWN_PID
		_H_NODE_MNTNS[$node]=$_H_SPAWN_MNTNS
		[[ -n $_H_SPAWN_MNTNS ]] ||
			_h_bail "slurmd of $node did not start in its mount namespace"
		_h_check_nvml_double_in_ns "$_H_SPAWN_PID"
	done
	_H_SLURMD_PID=${_H_NODE_PID[c1]}
	_H_SLURMD_MNTNS=${_H_NODE_MNTNS[c1]}
	_h_wait_node_idle 60 || {
		harness_dump_logs
		_h_bail "nodes $HARNESS_NODE_NAMES did not all become idle"
	}
}

# Pids of the slurmds (one, or one per node).
_h_slurmd_pids() {
	if _h_multi; then
		echo "${_H_NODE_PID[@]}"
	else
		echo "$_H_SLURMD_PID"
	fi
}

_h_wait_node_idle() {
	local timeout=${1:-60} i state p dead idle want
	local list=${HARNESS_NODE_NAMES:-$HARNESS_NODE}
	want=$(wc -w <<<"$list")
	list=${list// /,}
	for ((i = 0; i < timeout * 5; i++)); do
		state=$(sinfo -h -N -n "$list" -o '%N %t' 2>/dev/null | sort -u)
		idle=$(awk '$2 == "idle" { print $1 }' <<<"$state" | sort -u | wc -l)
		((idle == want)) && return 0
		dead=
		for p in $(_h_slurmd_pids); do _h_alive "$p" || dead=1; done
		[[ -z $dead ]] || { echo "harness: slurmd died" >&2; return 1; }
		sleep 0.2
	done
	echo "harness: node state after ${timeout}s: '${state//$'\n'/, }'" >&2
	sinfo -N -l >&2 2>&1
	scontrol show node "$list" >&2 2>&1
	return 1
}

# Restart slurmd (e.g. after changing HARNESS_SLURMD_ENV); jobs must be finished.
harness_slurmd_restart() {
	local -
	set +eu
	_h_kill_cluster_procs
	_h_start_slurmd
	_h_save_state
}

# Stop slurmd, then anything left in its mount namespace (slurmstepd, job processes).
_h_kill_cluster_procs() {
	local pids p i node
	for node in "${!_H_NODE_PID[@]}"; do
		# Several nodes: c1's slurmd is _H_SLURMD_PID, stopped below.
		[[ ${_H_NODE_PID[$node]} == "$_H_SLURMD_PID" ]] && continue
		_h_stop_pid "${_H_NODE_PID[$node]}" "slurmd $node" 15
	done
	_H_NODE_PID=()
	_h_stop_pid "$_H_SLURMD_PID" slurmd 15
	_H_SLURMD_PID=
	pids=$(_h_ns_pids)
	if [[ -n $pids ]]; then
		_h_log "stopping leftover cluster processes:" "${pids//$'\n'/ }"
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null
		for ((i = 0; i < 30; i++)); do
			pids=$(_h_ns_pids)
			[[ -z $pids ]] && break
			sleep 0.1
		done
		for p in $pids; do
			_h_alive "$p" && kill -KILL "$p" 2>/dev/null
		done
		for ((i = 0; i < 50; i++)); do
			[[ -z $(_h_ns_pids) ]] && break
			sleep 0.1
		done
	fi
}

# Remove the empty cgroup v1 directories of this cluster's jobs (if slurmstepd was
# killed it cannot remove them itself). Only job_N directories of job ids this
# controller handed out are touched.
_h_cgroup_cleanup() {
	local max_job d j node
	[[ -n $_H_MAX_JOBID ]] || return 0
	max_job=$_H_MAX_JOBID
	# The path is slurm/ or, with a multiple-slurmd build (Debian's), slurm_NODE/.
	for node in ${HARNESS_NODE_NAMES:-$HARNESS_NODE}; do
		for d in /sys/fs/cgroup/*/slurm/uid_*/job_* \
			/sys/fs/cgroup/*/slurm_"$node"/uid_*/job_*; do
			[[ -d $d ]] || continue
			j=${d##*/job_}
			[[ $j =~ ^[0-9]+$ ]] || continue
			((j <= max_job)) || continue
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		for d in /sys/fs/cgroup/*/slurm/uid_* /sys/fs/cgroup/*/slurm_"$node"/uid_*; do
			[[ -d $d ]] && rmdir "$d" 2>/dev/null
		done
		# Several nodes: the per-node directories c1..cN are this harness's own.
		if _h_multi; then
			for d in /sys/fs/cgroup/*/slurm_"$node"; do
				[[ -d $d ]] && rmdir "$d" 2>/dev/null
			done
		fi
	done
	return 0
}

# ---------------------------------------------------------------- user
_h_setup_user() {
	export HARNESS_USER=${HARNESS_USER:-carbontest}
	if ! id "$HARNESS_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/bash "$HARNESS_USER" || _h_bail "useradd $HARNESS_USER failed"
	fi
	export HARNESS_WORK=$HARNESS_DIR/work
	mkdir -p "$HARNESS_WORK"
	chown "$HARNESS_USER": "$HARNESS_WORK"
}

# harness_as_user CMD...: run CMD as the unprivileged user, in $HARNESS_WORK.
harness_as_user() {
	local -a client_env
	read -r -a client_env <<<"${HARNESS_CLIENT_ENV:-}"
	(cd "$HARNESS_WORK" && runuser -u "$HARNESS_USER" -- \
		env SLURM_CONF="$SLURM_CONF" ${HARNESS_SLURM_PREFIX:+PATH="$PATH"} \
		"${client_env[@]}" "$@")
}

# ---------------------------------------------------------------- jobs
# harness_wait_job JOBID [TIMEOUT_S]: wait until the job has finished; print
# "STATE EXITCODE" (e.g. "COMPLETED 0:0"). Returns 1 on timeout (printing the
# current state), 2 if the job is unknown.
harness_wait_job() {
	local -
	set +eu
	local job=$1 timeout=${2:-120} i out state code
	for ((i = 0; i < timeout * 5; i++)); do
		out=$(scontrol -o show job "$job" 2>/dev/null)
		if [[ -z $out ]]; then
			# Gone from the controller (MinJobAge is an hour, so unusual).
			echo "UNKNOWN -"
			return 2
		fi
		state=$(sed -n 's/.* JobState=\([^ ]*\).*/\1/p' <<<"$out")
		code=$(sed -n 's/.* ExitCode=\([^ ]*\).*/\1/p' <<<"$out")
		case $state in
		PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | RESIZING | \
			REQUEUED | REQUEUE_FED | REQUEUE_HOLD | SIGNALING | STAGE_OUT | "") ;;
		*)
			_h_note_job "$job"
			echo "$state $code"
			return 0
			;;
		esac
		sleep 0.2
	done
	_h_note_job "$job"
	echo "$state $code"
	return 1
}

_h_note_job() {
	[[ $1 =~ ^[0-9]+ ]] || return 0
	local j=${BASH_REMATCH[0]}
	((j > ${_H_MAX_JOBID:-0})) && _H_MAX_JOBID=$j
	return 0
}

# ---------------------------------------------------------------- logs
harness_dump_logs() {
	local -
	set +eu
	local f n=${1:-50} lines node slurmd_logs="slurmd.log slurmd.stderr"
	[[ -n $HARNESS_LOGDIR && -d $HARNESS_LOGDIR ]] || return 0
	if _h_multi; then
		slurmd_logs=
		for node in $HARNESS_NODE_NAMES; do
			slurmd_logs+=" slurmd-$node.log slurmd-$node.stderr"
		done
		[[ -s $HARNESS_LOGDIR/net.log ]] && slurmd_logs+=" net.log"
	fi
	# shellcheck disable=SC2086
	for f in slurmctld.log slurmctld.stderr $slurmd_logs munged.stderr \
		postgresql.log postgresql-standby.log slurmdbd.log slurmdbd.stderr mariadb.log; do
		[[ -s $HARNESS_LOGDIR/$f ]] || continue
		lines=$n
		case $f in
		# The daemons' stderr repeats their log file; show it only without one.
		slurm*.stderr) [[ -s $HARNESS_LOGDIR/${f%.stderr}.log ]] && continue ;;
		munged.stderr | postgresql*.log | net.log | mariadb.log) lines=10 ;;
		esac
		echo "# ---- last $lines lines of $HARNESS_LOGDIR/$f" >&2
		tail -n "$lines" "$HARNESS_LOGDIR/$f" | sed 's/^/# /' >&2
	done
}

# ---------------------------------------------------------------- state
# What harness_stop needs, for a shell other than the one that started the
# cluster: HARNESS_DIR/run/state.sh, bash assignments (declare -p) written
# by this file only, read back only when root owns it and no one else may
# write it.
_H_STATE_VARS=(_H_SLURMCTLD_PID _H_SLURMD_PID _H_SLURMD_MNTNS _H_NODE_PID _H_NODE_MNTNS
	_H_SIM_PID _H_SIM_PIDS _H_PG_PID _H_PG_STANDBY_PID _H_PGBOUNCER_PID _H_PG_BINDIR _H_MUNGED_PID
	_H_SLURMDBD_PID _H_MARIADB_PID _H_NET_NS _H_NET_LINKS _H_MAX_JOBID _H_PID_CMDLINE
	HARNESS_NODES HARNESS_NODE HARNESS_NODE_NAMES HARNESS_LOGDIR SLURM_CONF)

# The command line of PID, its NULs as spaces ("" when it is gone).
_h_cmdline() {
	local pid=$1
	[[ -n $pid && -r /proc/$pid/cmdline ]] || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null
}

_h_save_state() {
	local -
	set +eu
	local f=$HARNESS_DIR/run/state.sh p
	[[ -n ${HARNESS_DIR:-} && -d $HARNESS_DIR/run ]] || return 0
	declare -gA _H_PID_CMDLINE=()
	for p in "$_H_SLURMCTLD_PID" "$_H_SLURMD_PID" "${_H_NODE_PID[@]}" "$_H_SIM_PID" \
		"${_H_SIM_PIDS[@]}" "$_H_PG_PID" "${_H_PG_STANDBY_PID:-}" "${_H_PGBOUNCER_PID:-}" \
		"${_H_MUNGED_PID:-}" "${_H_SLURMDBD_PID:-}" \
		"${_H_MARIADB_PID:-}"; do
		[[ -n $p ]] && _H_PID_CMDLINE[$p]=$(_h_cmdline "$p")
	done
	if ! {
		echo "# written by tests/harness/harness.sh for harness_stop"
		# declare -p's lines, made global: they are read inside a function.
		# (It fails for the names not set, e.g. without accounting.)
		{ declare -p "${_H_STATE_VARS[@]}" 2>/dev/null || :; } |
			sed -e 's/^declare -- /declare -g /;t' -e 's/^declare -\([^ ]*\) /declare -g\1 /'
	} >"$f.tmp" || ! mv "$f.tmp" "$f"; then
		_h_log "cannot write $f: harness_stop will work from this shell only"
	fi
	return 0
}

# In a shell that did not start the cluster: read HARNESS_DIR/run/state.sh,
# then forget every pid that is not the process the harness started.
_h_load_state() {
	local f=$HARNESS_DIR/run/state.sh var node p
	[[ -f $f ]] || return 1
	if [[ $(stat -c '%u' "$f") != 0 || $(stat -c '%A' "$f") == ?????w* ||
		$(stat -c '%A' "$f") == ????????w* ]]; then
		_h_log "not reading $f: it must be root's and writable by root only"
		return 1
	fi
	# shellcheck disable=SC1090
	. "$f" || return 1
	for var in _H_SLURMCTLD_PID _H_SLURMD_PID _H_SIM_PID _H_PG_PID _H_PG_STANDBY_PID \
		_H_PGBOUNCER_PID _H_MUNGED_PID _H_SLURMDBD_PID _H_MARIADB_PID; do
		_h_is_ours "${!var}" || printf -v "$var" ''
	done
	for node in "${!_H_NODE_PID[@]}"; do
		_h_is_ours "${_H_NODE_PID[$node]}" || unset "_H_NODE_PID[$node]"
	done
	for p in "${!_H_SIM_PIDS[@]}"; do
		_h_is_ours "${_H_SIM_PIDS[p]}" || unset "_H_SIM_PIDS[p]"
	done
	# A mount namespace is named by an inode number that the kernel may give
	# again once the namespace is gone: trust it only while its slurmd lives.
	[[ -n $_H_SLURMD_PID ]] || _H_SLURMD_MNTNS=
	for node in "${!_H_NODE_MNTNS[@]}"; do
		[[ -n ${_H_NODE_PID[$node]:-} ]] || unset "_H_NODE_MNTNS[$node]"
	done
	export SLURM_CONF HARNESS_NODES HARNESS_NODE HARNESS_NODE_NAMES HARNESS_LOGDIR
	return 0
}

# True if PID is alive and still runs the command line recorded for it.
_h_is_ours() {
	local pid=$1
	[[ -n $pid ]] && _h_alive "$pid" &&
		[[ $(_h_cmdline "$pid") == "${_H_PID_CMDLINE[$pid]-}" ]]
}

# ---------------------------------------------------------------- start / stop
harness_start() {
	local -
	set +eu
	local t_start=$SECONDS
	HARNESS_PLUGSTACK=
	while (($#)); do
		case $1 in
		--plugstack)
			HARNESS_PLUGSTACK=$(readlink -f "$2") ||
				_h_bail "no plugstack file $2"
			shift 2
			;;
		--accounting)
			HARNESS_ACCOUNTING=1
			shift
			;;
		--pgbouncer)
			HARNESS_PGBOUNCER=1
			shift
			;;
		--no-slurm)
			HARNESS_SLURM=0
			shift
			;;
		*) _h_bail "harness_start: unknown argument $1" ;;
		esac
	done
	export HARNESS_NODES=${HARNESS_NODES:-1}
	export HARNESS_ACCOUNTING=${HARNESS_ACCOUNTING:-0}
	export HARNESS_PGBOUNCER=${HARNESS_PGBOUNCER:-0}
	_h_check_prereqs
	_h_check_nvml_double

	# One harness at a time on this machine.
	exec {_H_LOCK_FD}>"$_H_LOCK_FILE"
	flock -w "${HARNESS_LOCK_TIMEOUT:-1200}" "$_H_LOCK_FD" ||
		_h_bail "another harness holds $_H_LOCK_FILE"

	trap harness_stop EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	HARNESS_DIR=$(mktemp -d /tmp/carbon-harness.XXXXXX) || _h_bail "mktemp failed"
	chmod 755 "$HARNESS_DIR"
	export HARNESS_DIR HARNESS_LOGDIR=$HARNESS_DIR/log
	mkdir -p "$HARNESS_LOGDIR" "$HARNESS_DIR/run"
	_h_log "HARNESS_DIR=$HARNESS_DIR"

	_h_start_pg
	[[ $HARNESS_PGBOUNCER == 1 ]] && _h_start_pgbouncer
	if [[ ${HARNESS_SLURM:-1} == 0 ]]; then
		_h_save_state
		_h_log "PostgreSQL up in $((SECONDS - t_start))s, no Slurm (HARNESS_SLURM=0)"
		return 0
	fi
	if _h_multi; then
		[[ ${HARNESS_SIM:-1} == 0 ]] || _h_start_sims_multi
	else
		[[ ${HARNESS_SIM:-1} == 0 ]] || _h_start_sim
	fi
	_h_start_munge
	_h_setup_user
	_h_multi && _h_start_net
	_h_write_slurm_conf
	[[ $HARNESS_ACCOUNTING == 1 ]] && _h_start_accounting
	_h_start_slurmctld
	_h_start_slurmd
	_h_save_state
	if _h_multi; then
		_h_log "cluster up in $((SECONDS - t_start))s (nodes $HARNESS_NODE_NAMES, slurmctld at $HARNESS_CTLD_ADDR)"
	else
		_h_log "cluster up in $((SECONDS - t_start))s (node $HARNESS_NODE)"
	fi
}

harness_stop() {
	local rc=$?
	local -
	set +eu
	trap - EXIT INT TERM HUP
	[[ -n ${HARNESS_DIR:-} ]] || return "$rc"
	# Another shell than the one that started it (HARNESS_DIR=... harness_stop).
	if [[ -z ${_H_SLURMCTLD_PID:-}${_H_SLURMD_PID:-}${_H_SIM_PID:-}${_H_PG_PID:-}${_H_PG_STANDBY_PID:-}${_H_PGBOUNCER_PID:-} ]]; then
		if _h_load_state; then
			# No other harness may start while this one stops: a mount
			# namespace's number freed here could name its slurmd's.
			_h_log "waiting for $_H_LOCK_FILE (up to HARNESS_LOCK_TIMEOUT=${HARNESS_LOCK_TIMEOUT:-1200} s)"
			exec {_H_LOCK_FD}>"$_H_LOCK_FILE"
			flock -w "${HARNESS_LOCK_TIMEOUT:-1200}" "$_H_LOCK_FD" ||
				_h_log "another harness holds $_H_LOCK_FILE; stopping this one without it"
		else
			_h_log "no usable $HARNESS_DIR/run/state.sh: stopping what this shell knows of"
		fi
	fi
	if ((rc != 0)) || [[ -n ${_H_FAILED:-} ]]; then
		harness_dump_logs 50
	fi
	# Let Slurm end running jobs itself first, so slurmstepd cleans up its cgroups.
	if _h_alive "$_H_SLURMCTLD_PID" && _h_alive "$_H_SLURMD_PID"; then
		local jobs i
		jobs=$(squeue -h -o %i 2>/dev/null)
		if [[ -n $jobs ]]; then
			for j in $jobs; do _h_note_job "$j"; done
			# shellcheck disable=SC2086
			scancel $jobs 2>/dev/null
			for ((i = 0; i < 50; i++)); do
				[[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
				sleep 0.2
			done
		fi
		_h_note_job "$(squeue -h -t all -o %i 2>/dev/null | sort -n | tail -n 1)"
		local last
		last=$(scontrol show jobs -o 2>/dev/null | sed -n 's/^JobId=\([0-9]*\).*/\1/p' |
			sort -n | tail -n 1)
		_h_note_job "$last"
	fi
	_h_kill_cluster_procs
	_h_stop_pid "$_H_SLURMCTLD_PID" slurmctld 15
	_H_SLURMCTLD_PID=
	_h_stop_accounting
	_h_cgroup_cleanup
	_H_NODE_MNTNS=()
	_h_stop_net
	local p
	for p in "${_H_SIM_PIDS[@]}"; do
		[[ $p == "$_H_SIM_PID" ]] || _h_stop_pid "$p" powercap_sim 5
	done
	_H_SIM_PIDS=()
	_h_stop_pid "$_H_SIM_PID" powercap_sim 5
	_H_SIM_PID=
	if [[ -n ${_H_PGBOUNCER_PID:-} ]]; then
		_h_stop_pid "$_H_PGBOUNCER_PID" pgbouncer 10
		_H_PGBOUNCER_PID=
	fi
	harness_pg_stop
	if [[ -n ${_H_MUNGED_PID:-} ]]; then
		_h_stop_pid "$_H_MUNGED_PID" munged 10
		_H_MUNGED_PID=
	fi
	if [[ ${HARNESS_KEEP:-0} == 1 ]]; then
		_h_log "kept $HARNESS_DIR"
	else
		rm -rf "$HARNESS_DIR"
	fi
	HARNESS_DIR=
	if [[ -n ${_H_LOCK_FD:-} ]]; then
		exec {_H_LOCK_FD}>&-
		_H_LOCK_FD=
	fi
	return "$rc"
}
