#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The main job, on a fresh Debian 12 machine as root: install what is needed,
# build and `make install` slurm-carbon, bring up a local PostgreSQL and a
# one-node Slurm cluster with spank_carbon.so in its plugstack.conf, submit
# sample jobs with sbatch as an unprivileged user, and print their reports
# and the emission statement of the project. The plugin reads this machine's
# real sensors; where there are none (most virtual machines) the figures come
# from the model and the reports say they are estimated.
# Everything it starts is stopped at the end (DEMO_KEEP=1 keeps it running).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

step() { printf '\n== %s\n' "$*"; }

step "installing Debian packages (if missing)"
bash tests/install-deps.sh

step "building and installing slurm-carbon"
{
	[ -x configure ] || autoreconf -fi
	[ -f Makefile ] || ./configure --sysconfdir=/etc
	make -j"$(nproc)"
	make install
} > /tmp/slurm-carbon-build.log 2>&1 || {
	tail -30 /tmp/slurm-carbon-build.log
	echo "demo: build failed; full log in /tmp/slurm-carbon-build.log" >&2
	exit 1
}
plugindir=$(sed -n "s/^slurmplugindir = //p" Makefile)
bindir=$(sed -n "s/^bindir = //p" Makefile)
prefix=$(sed -n "s/^prefix = //p" Makefile)
bindir=${bindir//\$\{exec_prefix\}/$prefix}
report=$bindir/carbon-report
echo "installed $plugindir/spank_carbon.so and $report"

step "starting PostgreSQL and a one-node Slurm cluster with the plugin"
confdir=$(mktemp -d /tmp/carbon-demo.XXXXXX)
chmod 755 "$confdir"
echo "optional $plugindir/spank_carbon.so config=$confdir/carbon.conf" > "$confdir/plugstack.conf"
export HARNESS_SIM=0	# the machine's own sensors, no simulation
. "$top/tests/harness/harness.sh"
harness_start --plugstack "$confdir/plugstack.conf" > /dev/null
if [ "${DEMO_KEEP:-0}" = 1 ]; then
	trap - EXIT
else
	trap 'harness_stop; rm -rf "$confdir"' EXIT
fi
cat > "$confdir/carbon.conf" <<CONF
[site]
zone      = DE
pue       = 1.25
[database]
conninfo  = $HARNESS_CONNINFO user=carbon_writer
connect_timeout = 3
[sampling]
interval  = 2
CONF
chmod 0644 "$confdir/carbon.conf"
"$report" -d "$HARNESS_CONNINFO user=$HARNESS_PGUSER" db init

step "submitting sample jobs as user $HARNESS_USER"
jobs=()
jobs+=("$(harness_as_user sbatch --parsable --carbon-tag=demo-run1 --job-name=encode \
	--wrap "srun -n1 sh -c 'timeout 8 sha256sum /dev/zero; true'")")
jobs+=("$(harness_as_user sbatch --parsable --carbon-tag=demo-run2 --carbon-project=neuclir \
	--job-name=rerank --wrap "srun -n1 sleep 3; srun -n1 sh -c 'timeout 4 sha256sum /dev/zero; true'")")
for id in "${jobs[@]}"; do
	read -r state code < <(harness_wait_job "$id" 120)
	echo "job $id: $state, exit code $code"
done

step "carbon-report job ${jobs[*]}"
"$report" -d "$HARNESS_CONNINFO user=$HARNESS_PGUSER" --config "$confdir/carbon.conf" job "${jobs[@]}"
step "carbon-report statement -A neuclir --format markdown"
"$report" -d "$HARNESS_CONNINFO user=$HARNESS_PGUSER" --config "$confdir/carbon.conf" \
	statement -A neuclir --format markdown
if [ "${DEMO_KEEP:-0}" = 1 ]; then
	echo
	# harness_stop reads what to stop from HARNESS_DIR, in any shell.
	echo "left running (DEMO_KEEP=1): SLURM_CONF=$SLURM_CONF, database \"$HARNESS_CONNINFO\"; stop with: . $top/tests/harness/harness.sh; HARNESS_DIR=$HARNESS_DIR harness_stop; rm -rf $confdir"
fi
