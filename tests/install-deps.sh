#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install, from Debian 12's archive, what building and testing slurm-carbon
# needs. Idempotent: asks apt only for packages that are missing. Run as root.
set -euo pipefail

packages=(
	build-essential autoconf automake autoconf-archive libtool pkg-config
	libslurm-dev libpq-dev libinih-dev libcmocka-dev
	# carbon-report keygen, statement --sign, verify: Ed25519 from libcrypto
	libssl-dev
	# carbon-nodemeter: Redfish over HTTPS (libcurl), IPMI DCMI (FreeIPMI);
	# tests/integration/test_nodemeter.sh: openssl makes the double's certificate
	libcurl4-openssl-dev libfreeipmi-dev openssl
	slurm-wlm slurmd slurmctld slurm-client munge
	postgresql postgresql-client
	# tests/harness (HARNESS_PGBOUNCER=1): a pooler in transaction mode in
	# front of PostgreSQL (tests/integration/test_load.sh)
	pgbouncer
	jq procps iproute2 util-linux
	# tests/harness (HARNESS_ACCOUNTING=1): slurmdbd on MariaDB, for the job
	# states Slurm's accounting gives (tests/integration/test_job_state.sh)
	slurmdbd mariadb-server
	# tests/fuzz: libFuzzer and the sanitizer runtimes are only recommended by clang
	clang libclang-rt-14-dev
	# tests/integration/test_track_render.sh: a headless browser draws track's
	# HTML page; python3, its standard library alone, reads the screenshot
	chromium python3
	# tests/unit/statement-latex.sh: statement --format latex compiles
	texlive-latex-base
	# tests/integration/test_packages.sh: dpkg-buildpackage, rpmbuild -ta,
	# systemd-analyze verify (the tool only; nothing is started)
	debhelper fakeroot rpm systemd
	# tests/compat: Slurm's release tarballs (.tar.xz); slurm-headers.sh
	# reads the plugin's plugin_version with python3; slurm-matrix.sh
	# builds whole releases, which need munge's library
	xz-utils libmunge-dev
	# tests/integration/test_metrics.sh: promtool, a real node_exporter and
	# Prometheus scrape carbon-report metrics; curl asks Prometheus' API
	prometheus prometheus-node-exporter curl
)

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (it installs Debian packages)" >&2
	exit 1
fi
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
# Keep the packages' own services from starting: the tests start their own.
policy=/usr/sbin/policy-rc.d
own_policy=no
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	own_policy=yes
fi
trap '[ "$own_policy" = yes ] && rm -f "$policy"' EXIT
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
